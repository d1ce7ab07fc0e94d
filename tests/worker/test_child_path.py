"""The enrichment child gets the raw message bytes (pure tests, no broker).

The worker used to decode and validate every message in the parent, re-encode it for the child,
decode the child's JSON and re-encode it to publish. :func:`old_worker` below is that flow, kept as
the specification: the child path must publish the same enriched bytes, headers, quote messages and
metrics, and dead-letter the same messages with the same reason, error type, message and bytes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from streams.core.errors import EnrichmentError
from streams.core.model import Article, DeadLetter, EnrichedArticle
from streams.core.settings import load_settings
from streams.enrich.pipeline import Context, Pipeline
from streams.worker import runner as runner_module
from streams.worker.app import create_app
from streams.worker.outcome import Enriched, Failed, Rejected
from streams.worker.story_index import DedupeIndex

SHARED = Path(__file__).resolve().parents[3] / "shared"
MAX_BYTES = 60_000


# -- the worker before: decode/validate in the parent, JSON both ways to the child ------------------
def _old_headers(enriched: EnrichedArticle) -> list[tuple[str, bytes]]:
    headers = [("content-type", b"application/json"), ("schema", str(enriched.schema).encode())]
    if enriched.article.received_at:
        headers.append(("received-at", enriched.article.received_at.encode()))
    return headers


def _old_quote_messages(enriched: EnrichedArticle) -> list[tuple[bytes, bytes]]:
    return [((q.get("speaker") or "").encode(),
             orjson.dumps({"article_id": enriched.id, "headline": enriched.article.headline, **q}))
            for q in enriched.quotes]


def _old_observed(enriched: EnrichedArticle) -> dict[str, Any]:
    return {"language": enriched.language,
            "quotes": [(q.get("kind", "direct"), bool(q.get("speaker"))) for q in enriched.quotes],
            "entities": len(enriched.entities), "linked": sum(1 for e in enriched.entities if e.get("links")),
            "is_duplicate": bool(enriched.dedupe.get("is_duplicate")), "timings": list(enriched.timings)}


def old_worker(pipeline: Pipeline, values: list[bytes]) -> list[tuple[str, Any]]:
    """Per message: ("dead", DeadLetter) or ("ok", (enriched bytes, headers, quote messages, observed))."""
    results: dict[int, tuple[str, Any]] = {}
    articles, slots = [], []
    for i, value in enumerate(values):  # the parent
        try:
            articles.append(Article.from_json(value, max_bytes=MAX_BYTES))
            slots.append(i)
        except Exception as exc:  # noqa: BLE001
            results[i] = ("dead", DeadLetter.from_error("enrich", exc, value))
    wire = []  # the child
    for outcome in pipeline.run_many([Article.from_json(a.to_json()) for a in articles]):
        if isinstance(outcome, EnrichmentError):
            wire.append(("error", (outcome.reason, type(outcome.__cause__ or outcome).__name__, str(outcome))))
        else:
            wire.append(("ok", outcome.to_json()))
    for i, (status, payload) in zip(slots, wire):  # the parent again
        if status == "ok":
            ea = EnrichedArticle.from_json(payload)
            # with dedupe bands it went to the dedupe agent, which fanned the quotes out after clustering
            quotes = [] if ea.dedupe.get("bands") else _old_quote_messages(ea)
            results[i] = ("ok", (ea.to_json(), _old_headers(ea), quotes, _old_observed(ea)))
        else:
            reason, error_type, message = payload
            error = EnrichmentError(f"{error_type}: {message}", reason=reason)
            results[i] = ("dead", DeadLetter.from_error("enrich", error, values[i]))
    return [results[i] for i in range(len(values))]


def new_worker(values: list[bytes]) -> list[tuple[str, Any]]:
    """The same, from what the child answers now."""
    out: list[tuple[str, Any]] = []
    for value, outcome in zip(values, runner_module._child_enrich_values(values, MAX_BYTES)):
        if isinstance(outcome, Rejected):
            out.append(("dead", DeadLetter.of("enrich", outcome.reason, outcome.error_type, outcome.message, value)))
        elif isinstance(outcome, Failed):
            out.append(("dead", DeadLetter.from_error("enrich", outcome.error(), value)))
        else:
            f = outcome.facts
            observed = {"language": f.language, "quotes": list(f.quotes), "entities": f.entities, "linked": f.linked,
                        "is_duplicate": f.is_duplicate, "timings": [name for name, _ in f.timings]}
            out.append(("ok", (outcome.value, list(f.headers), list(f.quote_messages), observed, f.needs_clustering)))
    return out


def _timeless(raw: bytes) -> bytes:
    """Enriched JSON with the two fields that differ between two runs (clock, durations) fixed."""
    data = EnrichedArticle.from_json(raw).to_dict()  # the wire form (ninjs) read back exactly
    data["enriched_at"] = "T"
    data["timings"] = {name: 0.0 for name in data["timings"]}
    return orjson.dumps(data)


def _comparable(result: tuple[str, Any]) -> Any:
    status, payload = result
    if status == "dead":
        return status, replace(payload, time="")
    return status, (_timeless(payload[0]), *payload[1:4])


# -- messages ---------------------------------------------------------------------------------------
def _good_messages() -> list[bytes]:
    out = [Article(id=p.stem, body_text=p.read_text(encoding="utf-8"), headline="Kallas on guarantees",
                   received_at="2026-01-13T10:00:00.000Z", source="Ukrinform").to_json()
           for p in sorted(SHARED.glob("samples/*.txt"))]
    with (SHARED / "corpus" / "news_sample.jsonl").open(encoding="utf-8") as fh:
        for line in itertools.islice(fh, 4):
            row = json.loads(line)
            out.append(orjson.dumps({"id": row["id"], "body_text": row["text"], "headline": row.get("title")}))
    out.append(Article(id="de-1", body_text="Der Bundestag hat am Donnerstag ein Gesetz beschlossen.").to_json())
    return out


BAD_MESSAGES = [
    b"\xff\xfe\x00 not json",
    b"",
    b"[1, 2]",
    orjson.dumps({"id": "x", "body_text": ""}),
    orjson.dumps({"id": 5, "body_text": "t"}),
    orjson.dumps({"id": "x", "body_text": "t", "colour": "red"}),
    orjson.dumps({"id": "x", "body_text": "t", "versioncreated": "yesterday"}),
    orjson.dumps({"id": "big", "body_text": "word " * (MAX_BYTES // 5)}),
]


@pytest.fixture(scope="module")
def real_pipeline() -> Pipeline:
    if not (SHARED / "samples").is_dir():
        pytest.skip("../shared is not present")
    return Pipeline.from_names(None)


def test_child_path_publishes_and_dead_letters_what_the_parent_path_did(
        real_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "_pipeline", real_pipeline)
    good = _good_messages()
    values = [v for pair in itertools.zip_longest(good, BAD_MESSAGES) for v in pair if v is not None]
    old, new = old_worker(real_pipeline, values), new_worker(values)
    assert [_comparable(r) for r in new] == [_comparable(r) for r in old]
    assert sum(status == "ok" for status, _ in new) == len(good)
    dead = [payload for status, payload in new if status == "dead"]
    assert sorted(d.original for d in dead) == sorted(BAD_MESSAGES)
    assert {d.reason for d in dead} == {"undecodable", "malformed_json", "empty_body", "invalid", "too_large"}
    quotes = [m for status, payload in new if status == "ok" for m in payload[2]]
    clustered = [payload[4] for status, payload in new if status == "ok"]
    assert quotes == [] and all(clustered)  # with dedupe bands: the dedupe agent fans the quotes out


class Crasher:
    name = "crasher"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    english_only = False

    def __call__(self, ctx: Context) -> None:
        if "crash" in ctx.text:
            raise ValueError("bad article")
        ctx.quotes = [{"kind": "direct", "start": 0, "end": 4, "speaker": "Anna" if "said" in ctx.text else None}]


def test_failures_and_the_one_by_one_path_report_what_they_did(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = Pipeline([Crasher()])
    monkeypatch.setattr(runner_module, "_pipeline", pipeline)
    values = [Article(id=t, body_text=t, headline="H").to_json() for t in ("fine", "crash now", "she said")]
    values.insert(1, b"{")
    old, new = old_worker(pipeline, values), new_worker(values)
    assert [_comparable(r) for r in new] == [_comparable(r) for r in old]
    assert [r[1].reason if r[0] == "dead" else "ok" for r in new] == ["ok", "malformed_json", "component_failed", "ok"]
    assert new[3][1][2] == _old_quote_messages(EnrichedArticle.from_json(new[3][1][0]))  # no bands: fanned out here
    single = [runner_module._child_enrich_value(v, MAX_BYTES) for v in values]
    assert [type(o) for o in single] == [Enriched, Rejected, Failed, Enriched]
    assert single[2] == runner_module._child_enrich_values(values, MAX_BYTES)[2]


# -- the agents, with in-memory topics --------------------------------------------------------------
class Sink:
    def __init__(self) -> None:
        self.sent: list[tuple[Any, bytes, Any]] = []

    async def send(self, key: Any = None, value: bytes = b"", headers: Any = None) -> None:
        self.sent.append((key, value, headers))


class InProcessRunner:
    async def enrich_values(self, values: list[bytes], *, max_bytes: int | None = None) -> list[Any]:
        return runner_module._child_enrich_values(values, max_bytes)


def _message(i: int, value: bytes, topic: str = "raw") -> SimpleNamespace:
    return SimpleNamespace(topic=topic, partition=0, offset=i, key=f"k{i}".encode(), value=value)


def test_agents_route_cluster_and_publish_the_childs_bytes(real_pipeline: Pipeline, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "_pipeline", real_pipeline)
    settings = load_settings(home=tmp_path / "home", app_id="child-path", max_article_bytes=MAX_BYTES)
    logic = create_app(settings, runner=InProcessRunner()).streams_logic  # type: ignore[arg-type,attr-defined]
    sinks = {name: Sink() for name in ("dedupe_topic", "enriched", "quotes", "dead_letters")}
    for name, sink in sinks.items():
        setattr(logic, name, sink)
    logic.index = DedupeIndex({}, window_s=None)
    good = _good_messages()
    copy = orjson.dumps({**orjson.loads(good[0]), "id": "copy-of-the-sample"})  # a syndicated copy
    values = [good[0], BAD_MESSAGES[0], good[1], BAD_MESSAGES[3], copy]
    asyncio.run(logic.enrich([_message(i, v) for i, v in enumerate(values)]))

    letters = [DeadLetter.from_json(v) for _, v, _ in sinks["dead_letters"].sent]
    assert [(d.original, d.reason, d.source_offset) for d in letters] == \
        [(BAD_MESSAGES[0], "undecodable", 1), (BAD_MESSAGES[3], "empty_body", 3)]
    routed = sinks["dedupe_topic"].sent
    assert len(routed) == 3 and not sinks["enriched"].sent
    old = old_worker(real_pipeline, [good[0], good[1], copy])
    assert [_timeless(v) for _, v, _ in routed] == [_timeless(r[1][0]) for r in old]  # the child's bytes, as is

    reference = DedupeIndex({}, window_s=None)
    for i, (key, value, _) in enumerate(routed):
        asyncio.run(logic.dedupe(_message(i, value, "dedupe")))
        ea = EnrichedArticle.from_json(value)  # what the dedupe agent did before
        ea.dedupe = {"exact": ea.dedupe.get("exact"), **reference.assign(ea.id, ea.dedupe)}
        published_key, published, headers = sinks["enriched"].sent[-1]
        assert published_key == key and published == ea.to_wire() and headers == _old_headers(ea)
    assert EnrichedArticle.from_json(sinks["enriched"].sent[-1][1]).dedupe["is_duplicate"] is True
    clustered = [EnrichedArticle.from_json(v) for _, v, _ in sinks["enriched"].sent]
    expected_quotes = [m for ea in clustered for m in _old_quote_messages(ea)]
    assert [(k, v) for k, v, _ in sinks["quotes"].sent] == expected_quotes and expected_quotes
    assert len(sinks["dead_letters"].sent) == 2


# -- the runner with a real child process --------------------------------------------------------------
def test_runner_validates_in_the_child_and_isolates_a_timeout_in_a_batch() -> None:
    runner = runner_module.EnrichmentRunner("tests.enrich.test_pipeline:Sleeper", timeout_s=3.0)
    try:
        runner.start()
        values = [Article(id=t, body_text=t).to_json() for t in ("one", "please sleep", "two")]
        values.insert(1, orjson.dumps({"id": "x", "body_text": " "}))
        values.append(Article(id="long", body_text="x" * 400).to_json())
        out = asyncio.run(runner.enrich_values(values, max_bytes=400))
        assert [type(o).__name__ for o in out] == ["Enriched", "Rejected", "Failed", "Enriched", "Rejected"]
        assert (out[1].reason, out[2].reason, out[4].reason) == ("empty_body", "timeout", "too_large")
        assert EnrichedArticle.from_json(out[0].value).article == Article.from_json(values[0])
        assert out[4].message == f"article is {len(values[4])} bytes, over the limit of 400"
    finally:
        runner.close()


def test_raw_runs_are_cut_by_byte_length() -> None:
    values = [b"x" * n for n in (40, 30, 50, 10, 200, 5)]
    runs = runner_module.batches_by_size(values, 100, size=len)
    assert [[len(v) for v in run] for run in runs] == [[40, 30], [50, 10], [200], [5]]
