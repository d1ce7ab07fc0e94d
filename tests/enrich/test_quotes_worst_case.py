"""Worst-case time of the quotes component: a one-paragraph text full of unbalanced quote marks and a
run-on ALL-CAPS "sentence" cost about what prose of their length does (each was quadratic: a title
check read the whole paragraph per quote; each report rescanned its sentence to the end)."""

from __future__ import annotations

import time

import pytest

from streams.core.model import Article
from streams.enrich.components.quotes.sentences import blank, visible_end
from streams.enrich.pipeline import Context, Pipeline

#: allowed slowdown against ordinary prose of the same length (CPU time, best of three)
RATIO = 8.0
_PROSE = ('The minister said on Monday that the talks would go on. "We will not give up," she told reporters '
          "in Brussels, adding that a deal was close. Officials said the agreement could be signed next week.\n\n")


def _prose(size: int) -> str:
    return (_PROSE * (size // len(_PROSE) + 1))[:size]


def _quote_marks(size: int) -> str:
    unit = '"Yes," he said, "no \u201cmaybe\u201d\u2019 \u201c" she said \u2018and '
    return (unit * (size // len(unit) + 1))[:size]


def _capitals(size: int) -> str:
    unit = "THE MINISTER OF FINANCE AND THE CENTRAL BANK OF RURITANIA SAID "
    return (unit * (size // len(unit) + 1))[:size]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.from_names("textspans,language,nlp,entities,quotes")


def _quotes_seconds(pipeline: Pipeline, text: str) -> float:
    ctx = Context(article=Article(id="t", body_text=text), text=text)
    *before, quotes = pipeline.components
    for comp in before:
        comp(ctx)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        quotes(ctx)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("make", [_quote_marks, _capitals], ids=["quote-marks", "capitals"])
def test_adversarial_texts_cost_what_prose_does(pipeline: Pipeline, make) -> None:
    text = make(30_000)
    ordinary = _quotes_seconds(pipeline, _prose(len(text)))
    took = _quotes_seconds(pipeline, text)
    assert took <= RATIO * max(ordinary, 0.005), f"{took:.3f} s against {ordinary:.3f} s for prose"


def _stance_flood(size: int) -> str:
    unit = "Ultimately, the two towns decided to share the cost of the bridge. "
    return (unit * (size // len(unit) + 1))[:size]


def test_sentences_that_all_ask_for_a_parse_cost_what_prose_does(pipeline: Pipeline) -> None:
    # every sentence has a stance verb no rule reads, so each would go to the dependency parser;
    # the parse budget per article keeps a 100 KB flood of them near the cost of prose (about 2x;
    # unbounded, 7-8x: 1.1 s against 0.15 s on one core)
    text = _stance_flood(100_000)
    ordinary = _quotes_seconds(pipeline, _prose(len(text)))
    took = _quotes_seconds(pipeline, text)
    assert took <= 4.0 * max(ordinary, 0.005), f"{took:.3f} s against {ordinary:.3f} s for prose"


@pytest.mark.parametrize("text", ["", "   ", "He said: \n\n", "a\u00a0\u2009\u3000", "\t\u201cQuote\u201d \u2028", "word"])
def test_reading_a_span_in_place_agrees_with_stripping_a_copy(text: str) -> None:
    padded = "xx" + text + "yy"
    lo, hi = 2, 2 + len(text)
    assert visible_end(padded, lo, hi) == lo + len(text.rstrip())
    assert blank(padded, lo, hi) == (not text.strip())
