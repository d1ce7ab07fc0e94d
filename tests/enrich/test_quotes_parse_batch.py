"""Parses asked for by several articles' quote extractions are served together, one call per round,
and every extraction gets exactly what it would have parsed alone."""

from __future__ import annotations

import threading

import pytest

from streams.core.model import Article
from streams.enrich.components.quotes.parse_batch import request, run_together, waiting_job
from streams.enrich.pipeline import Context, Pipeline


class _Parser:
    def __init__(self, fail: BaseException | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, texts: list[str]) -> list[str]:
        self.calls.append(list(texts))
        if self.fail is not None:
            raise self.fail
        return [t.upper() for t in texts]


def _asks(rounds: list[list[str]], got: list[list[str]]):
    def fn() -> None:
        job = waiting_job()
        assert job is not None
        for texts in rounds:
            got.append(request(job, texts))
    return fn


def test_requests_of_every_extraction_are_parsed_together_round_by_round() -> None:
    parser = _Parser()
    got_a: list[list[str]] = []
    got_b: list[list[str]] = []
    got_c: list[list[str]] = []
    run_together([_asks([["a1", "a2"], ["a3"]], got_a), _asks([["b1"]], got_b), _asks([], got_c)], parser)
    assert parser.calls == [["a1", "a2", "b1"], ["a3"]]
    assert got_a == [["A1", "A2"], ["A3"]] and got_b == [["B1"]] and got_c == []


def test_an_extraction_that_fails_does_not_stop_the_others_and_its_error_comes_out() -> None:
    parser = _Parser()
    got: list[list[str]] = []

    def broken() -> None:
        request(waiting_job(), ["x"])
        raise ValueError("bad article")

    with pytest.raises(ValueError, match="bad article"):
        run_together([broken, _asks([["y"], ["z"]], got)], parser)
    assert got == [["Y"], ["Z"]]


def test_a_failed_parse_is_raised_in_every_extraction_that_waited_for_it() -> None:
    with pytest.raises(RuntimeError, match="parser down"):
        run_together([_asks([["a"]], []), _asks([["b"]], [])], _Parser(fail=RuntimeError("parser down")))


def test_an_interrupted_batch_leaves_no_thread_waiting() -> None:
    before = threading.active_count()
    never_started: list[list[str]] = []
    with pytest.raises(KeyboardInterrupt):
        run_together([_asks([["a"]], []), _asks([["b"]], never_started)], _Parser(fail=KeyboardInterrupt()))
    assert threading.active_count() == before
    assert never_started == []


def test_outside_a_batch_there_is_no_waiting_job() -> None:
    assert waiting_job() is None


_ARTICLES = [
    'Praising the mayor\'s rival, Ann Lee, as "the partner we need," the governor rebuked the council on Monday.',
    "The central bank said on Tuesday that inflation would ease. Analysts argued the cut came too late.",
    '"We will not give up," Maria Santos told reporters. She added that talks would resume next week.',
    "Shares rose 3 percent. The company, which makes trucks, maintained its forecast would hold.",
]


def test_quotes_of_a_batch_are_those_of_each_article_alone() -> None:
    pipeline = Pipeline.from_names("textspans,language,nlp,entities,quotes")
    *upstream, quotes = pipeline.components

    def contexts() -> list[Context]:
        out = []
        for i, text in enumerate(_ARTICLES):
            ctx = Context(article=Article(id=str(i), body_text=text), text=text)
            for comp in upstream:
                comp(ctx)
            out.append(ctx)
        return out

    alone = contexts()
    for ctx in alone:
        quotes(ctx)
    together = contexts()
    quotes.pipe(together)
    assert [c.quotes for c in together] == [c.quotes for c in alone]
    assert any(c.quotes for c in alone)
