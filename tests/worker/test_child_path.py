"""The enrichment child gets the raw message bytes (pure tests, no broker).

The worker used to decode and validate every message in the parent, re-encode it for the child,
decode the child's JSON and re-encode it to publish. :func:`old_worker` below is that flow, kept as
the specification: the child path must publish the same enriched bytes (the dedupe object aside: the
parent puts the story cluster in), headers, quote messages and metrics, and dead-letter the same
messages with the same reason, error type, message and bytes.
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
from streams.worker.fingerprints import FingerprintLog
from streams.enrich.components.dedupe import FINGERPRINT_BYTES
from streams.worker.outcome import Enriched, Failed, Rejected
from streams.worker.story_index import StoryIndex

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
            "timings": list(enriched.timings)}


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
            results[i] = ("ok", (ea.to_json(), _old_headers(ea), _old_quote_messages(ea), _old_observed(ea)))
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
                        "timings": [name for name, _ in f.timings]}
            value = outcome.publishable({})  # the dedupe object is compared apart (see _timeless)
            out.append(("ok", (value, list(f.headers), list(f.quote_messages), observed, f.fingerprint)))
    return out


def _timeless(raw: bytes) -> bytes:
    """Enriched JSON with the fields that differ between two runs (clock, durations) or between the two
    paths (the dedupe signature, which the parent replaces by the story cluster) fixed."""
    data = EnrichedArticle.from_json(raw).to_dict()  # the wire form (ninjs) read back exactly
    data["enriched_at"] = "T"
    data["dedupe"] = {"exact": (data.get("dedupe") or {}).get("exact")}
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
    fingerprints = [payload[4] for status, payload in new if status == "ok"]
    assert all(fp and len(fp) == FINGERPRINT_BYTES for fp in fingerprints)  # every article is clustered


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
    assert new[3][1][2] == _old_quote_messages(EnrichedArticle.from_json(new[3][1][0]))
    single = [runner_module._child_enrich_value(v, MAX_BYTES) for v in values]
    assert [type(o) for o in single] == [Enriched, Rejected, Failed, Enriched]
    assert single[2] == runner_module._child_enrich_values(values, MAX_BYTES)[2]


# -- the agent, with an in-memory producer and fingerprint log ------------------------------------
class Producer:
    """Records what the agent sends; each send's acknowledgement resolves when the test says so."""

    def __init__(self, log: FingerprintLog | None = None) -> None:
        self.sent: list[tuple[str, bytes | None, bytes, Any]] = []
        self.acks: list[asyncio.Future[Any]] = []
        self.log = log
        self.refuse: set[str] = set()  # topics whose records the broker refuses
        self.auto = True  # acknowledge at once

    async def send(self, topic: str, key: bytes | None, value: bytes, partition: int | None = None,
                   headers: Any = None) -> asyncio.Future[Any]:
        ack: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        offset = len(self.sent)
        self.sent.append((topic, key, value, headers))
        if self.log is not None and topic == self.log.topic:  # the log: apply the record as a follower would
            self.log.apply([SimpleNamespace(key=key, value=value, timestamp=1_000 * offset, offset=offset)])
        if self.auto or topic == getattr(self.log, "topic", None):
            self._settle(ack, topic, offset)
        self.acks.append(ack)
        return ack

    def _settle(self, ack: asyncio.Future[Any], topic: str, offset: int) -> None:
        if topic in self.refuse:
            ack.set_exception(RuntimeError("MessageSizeTooLargeError"))
        else:
            ack.set_result(SimpleNamespace(offset=offset))

    def settle_all(self) -> None:
        for ack, (topic, *_rest) in zip(self.acks, self.sent):
            if not ack.done():
                self._settle(ack, topic, 0)

    def on(self, topic: str) -> list[tuple[bytes | None, bytes, Any]]:
        return [(k, v, h) for t, k, v, h in self.sent if t == topic]


class InProcessRunner:
    async def enrich_values(self, values: list[bytes], *, max_bytes: int | None = None) -> list[Any]:
        return runner_module._child_enrich_values(values, max_bytes)


def _message(i: int, value: bytes, topic: str = "raw") -> SimpleNamespace:
    return SimpleNamespace(topic=topic, partition=0, offset=i, key=f"k{i}".encode(), value=value)


def _logic(settings: Any) -> tuple[Any, Producer]:
    logic = create_app(settings, runner=InProcessRunner()).streams_logic  # type: ignore[arg-type,attr-defined]
    producer = Producer()
    logic.clusters = FingerprintLog(settings, producer.send, StoryIndex(window_s=None))
    producer.log = logic.clusters
    logic._send_to = producer.send
    return logic, producer


def test_agent_clusters_through_the_log_and_publishes_the_childs_bytes(real_pipeline: Pipeline, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "_pipeline", real_pipeline)
    settings = load_settings(home=tmp_path / "home", app_id="child-path", max_article_bytes=MAX_BYTES)
    logic, producer = _logic(settings)
    good = _good_messages()
    copy = orjson.dumps({**orjson.loads(good[0]), "id": "copy-of-the-sample"})  # a syndicated copy
    values = [good[0], BAD_MESSAGES[0], good[1], BAD_MESSAGES[3], copy]
    asyncio.run(logic.enrich([_message(i, v) for i, v in enumerate(values)]))

    letters = [DeadLetter.from_json(v) for _, v, _ in producer.on(logic.dead_letters)]
    assert [(d.original, d.reason, d.source_offset) for d in letters] == \
        [(BAD_MESSAGES[0], "undecodable", 1), (BAD_MESSAGES[3], "empty_body", 3)]
    logged = [k for k, _, _ in producer.on(logic.clusters.topic)]
    assert logged == [orjson.loads(v)["id"].encode() for v in (good[0], good[1], copy)]
    published = producer.on(logic.enriched)
    old = old_worker(real_pipeline, [good[0], good[1], copy])
    reference = StoryIndex(window_s=None)
    for (key, value, headers), (_, (old_value, old_headers, old_quotes, _)) in zip(published, old):
        ea = EnrichedArticle.from_json(old_value)  # what the dedupe agent did before
        ea.dedupe = {"exact": ea.dedupe.get("exact"), **reference.assign(ea.id, ea.dedupe)}
        assert key == ea.id.encode() and _timeless(value) == _timeless(ea.to_json()) and list(headers) == old_headers
        assert EnrichedArticle.from_json(value).dedupe == ea.dedupe
    assert len(published) == 3
    assert EnrichedArticle.from_json(published[-1][1]).dedupe["duplicate_of"] == orjson.loads(good[0])["id"]
    expected_quotes = [m for _, (_, _, quotes, _) in old for m in quotes]
    assert [(k, v) for k, v, _ in producer.on(logic.quotes)] == expected_quotes and expected_quotes


class _Quoter:
    name, requires, provides, english_only = "quoter", (), (), False

    def __call__(self, ctx: Context) -> None:
        ctx.quotes = [{"kind": "direct", "start": 0, "end": 4, "speaker": "Anna"}]


def test_agent_returns_only_once_the_broker_took_every_output(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Faust commits a batch's inputs once the agent returns: every output must be acknowledged by then,
    and an output the broker refused becomes a dead letter of its input, acknowledged too."""
    monkeypatch.setattr(runner_module, "_pipeline", Pipeline([_Quoter()]))
    settings = load_settings(home=tmp_path / "home", app_id="confirm")
    logic, producer = _logic(settings)
    producer.auto = False
    values = [Article(id=f"a{i}", body_text=f"Anna said story {i}.").to_json() for i in range(3)]

    async def run() -> None:
        task = asyncio.ensure_future(logic.enrich([_message(i, v) for i, v in enumerate(values)]))
        await asyncio.sleep(0.2)
        assert not task.done(), "the agent returned before the broker acknowledged its outputs"
        producer.settle_all()
        await asyncio.wait_for(task, 5)

    asyncio.run(run())
    assert len(producer.on(logic.enriched)) == 3 and len(producer.on(logic.quotes)) == 3
    assert all(ack.done() for ack in producer.acks)


@pytest.mark.parametrize("at_once", [False, True])
def test_an_output_the_broker_refused_dead_letters_its_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             at_once: bool) -> None:
    monkeypatch.setattr(runner_module, "_pipeline", Pipeline([_Quoter()]))
    settings = load_settings(home=tmp_path / "home", app_id="refused")
    logic, producer = _logic(settings)
    producer.refuse = {logic.quotes}
    if at_once:  # the producer itself raises (aiokafka: a record over max_request_size), no future
        class Refusing:
            async def send(self, topic: str, *args: Any) -> Any:
                if topic in producer.refuse:
                    raise RuntimeError("MessageSizeTooLargeError")
                return await producer.send(topic, *args[:2], args[2], args[4])

        monkeypatch.setattr(type(logic.app), "producer", Refusing(), raising=False)
        logic._send_to = type(logic)._send_to.__get__(logic)
    values = [Article(id="a1", body_text="Anna said so.").to_json()]
    asyncio.run(logic.enrich([_message(0, values[0])]))
    letters = [DeadLetter.from_json(v) for _, v, _ in producer.on(logic.dead_letters)]
    assert [(d.original, d.reason, d.stage) for d in letters] == [(values[0], "broker", "enrich")]
    assert "MessageSizeTooLargeError" in letters[0].message


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
