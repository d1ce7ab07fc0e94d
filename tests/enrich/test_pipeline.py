"""Pure tests of the component engine and the child-process runner."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from streams.core.errors import EnrichmentError, PipelineConfigError
from streams.core.model import Article
from streams.enrich.pipeline import Context, Pipeline
from streams.worker.runner import EnrichmentRunner, batches_by_size


@dataclass
class Upper:
    name: str = "upper"
    requires: tuple[str, ...] = ("text",)
    provides: tuple[str, ...] = ("keywords",)
    english_only: bool = True

    def __call__(self, ctx: Context) -> None:
        ctx.keywords = [w for w in ctx.text.split() if w.isupper()]


@dataclass
class NeedsDoc:
    name: str = "needs_doc"
    requires: tuple[str, ...] = ("doc",)
    provides: tuple[str, ...] = ()
    english_only: bool = False

    def __call__(self, ctx: Context) -> None:
        raise RuntimeError("boom")


def test_unknown_component_lists_the_valid_ones() -> None:
    with pytest.raises(PipelineConfigError, match="valid components: .*entities.*quotes"):
        Pipeline.from_names("entities,nonsense")


def test_missing_requirement_is_refused_at_build_time() -> None:
    with pytest.raises(PipelineConfigError, match="needs_doc.*requires doc"):
        Pipeline([Upper(), NeedsDoc()])


def test_duplicate_component_is_refused() -> None:
    with pytest.raises(PipelineConfigError, match="twice"):
        Pipeline([Upper(), Upper()])


def test_runs_components_in_order_and_skips_english_only_for_other_languages() -> None:
    p = Pipeline([Upper()])
    out = p.run(Article(id="a", body_text="NATO and EU met"))
    assert out.keywords == ["NATO", "EU"] and "upper" in out.timings
    de = p.run(Article(id="b", body_text="NATO und EU", language="de"))
    assert de.keywords == [] and de.skipped == ["upper"]
    assert de.article.body_text == "NATO und EU"  # the body is never rewritten


def test_failing_component_is_named() -> None:
    @dataclass
    class Fails(NeedsDoc):
        requires: tuple[str, ...] = ()

    with pytest.raises(EnrichmentError, match="needs_doc.*boom") as info:
        Pipeline([Fails()]).run(Article(id="a", body_text="x"))
    assert info.value.component == "needs_doc"


def test_passthrough_pipeline() -> None:
    out = Pipeline.from_names("none").run(Article(id="a", body_text="x"))
    assert out.id == "a" and out.entities == [] and out.quotes == []


class Sleeper:
    name = "sleeper"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    english_only = False

    def __call__(self, ctx: Context) -> None:
        import time

        if "sleep" in ctx.text:
            time.sleep(30)
        if "crash" in ctx.text:
            raise ValueError("bad article")


def test_runner_times_out_kills_child_and_recovers() -> None:
    runner = EnrichmentRunner("tests.enrich.test_pipeline:Sleeper", timeout_s=2.0)
    try:
        assert runner.start() == ["sleeper"]

        async def scenario() -> list[str]:
            out = []
            for text in ("fine", "please sleep", "crash now", "fine again"):
                try:
                    res = await runner.enrich(Article(id=text, body_text=text))
                    out.append(f"ok:{res.id}")
                except EnrichmentError as exc:
                    out.append(exc.reason)
            return out

        assert asyncio.run(scenario()) == ["ok:fine", "timeout", "component_failed", "ok:fine again"]
    finally:
        runner.close()


def test_batch_isolates_a_failing_article_and_a_timeout() -> None:
    runner = EnrichmentRunner("tests.enrich.test_pipeline:Sleeper", timeout_s=2.0)
    try:
        runner.start()
        texts = ["one", "crash here", "two"]
        out = asyncio.run(runner.enrich_many([Article(id=t, body_text=t) for t in texts]))
        assert [getattr(o, "id", None) or o.reason for o in out] == ["one", "component_failed", "two"]
        texts = ["three", "please sleep", "four"]
        out = asyncio.run(runner.enrich_many([Article(id=t, body_text=t) for t in texts]))
        assert [getattr(o, "id", None) or o.reason for o in out] == ["three", "timeout", "four"]
    finally:
        runner.close()


def test_run_many_matches_run_one_by_one_on_real_text() -> None:
    pipeline = Pipeline.from_names("textspans,language,nlp,entities")
    texts = [
        "Kaja Kallas met Boris Pistorius in Berlin on Tuesday, the German defence ministry said.",
        "SHARES IN BERLIN FALL AS DEUTSCHE BANK WARNS\nShares fell in Frankfurt on Monday.",
        "Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen, teilte die Regierung mit.",
    ]
    articles = [Article(id=str(i), body_text=t) for i, t in enumerate(texts)]
    batch = pipeline.run_many(articles)
    single = [pipeline.run(a) for a in articles]
    assert [b.entities for b in batch] == [s.entities for s in single]
    assert [b.language for b in batch] == [s.language for s in single]
    assert any(e["name"] == "Kaja Kallas" for e in batch[0].entities)


def test_batches_are_cut_by_text_size_in_order() -> None:
    sizes = [40, 30, 50, 10, 200, 5]
    articles = [Article(id=f"a{i}", body_text="x" * n) for i, n in enumerate(sizes)]
    runs = batches_by_size(articles, max_chars=100)
    assert [[a.id for a in run] for run in runs] == [["a0", "a1"], ["a2", "a3"], ["a4"], ["a5"]]
    assert all(sum(len(a.body_text) for a in run) <= 100 or len(run) == 1 for run in runs)
    assert batches_by_size([], max_chars=100) == []


def test_a_batch_of_long_articles_is_enriched_in_runs_with_their_own_timeouts(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("streams.worker.runner.MAX_BATCH_CHARS", 20)  # every article is a run of its own
    runner = EnrichmentRunner("tests.enrich.test_pipeline:Sleeper", timeout_s=2.0)
    try:
        runner.start()
        texts = ["first article", "second article", "please sleep", "third article"]
        out = asyncio.run(runner.enrich_many([Article(id=t, body_text=t) for t in texts]))
        assert [getattr(o, "id", None) or o.reason for o in out] == \
            ["first article", "second article", "timeout", "third article"]
        # the timeout hit the sleeper's own run: no batch had to be retried one by one
        assert "one by one" not in caplog.text
    finally:
        runner.close()
