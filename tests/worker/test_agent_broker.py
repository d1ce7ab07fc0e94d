"""The enrich worker on the real broker: 10,000 articles through the Faust agent, none lost,
none duplicated, order kept per key; a poisoned message becomes a dead letter and the worker
goes on."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer

from streams.core.model import Article, DeadLetter, EnrichedArticle
from streams.core.settings import Settings
from streams.kafka import topics

pytestmark = pytest.mark.broker

N_ARTICLES = 10_000
N_KEYS = 500


def _producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=settings.bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
        max_in_flight_requests_per_connection=5,
    )


def _start_worker(settings: Settings, tmp_path: Path, pipeline: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": settings.bootstrap, "STREAMS_TOPIC_PREFIX": settings.topic_prefix,
           "STREAMS_PARTITIONS": str(settings.partitions), "STREAMS_METRICS_PORT": "-1", "STREAMS_PIPELINE": pipeline}
    log = open(tmp_path / f"worker-{pipeline}.log", "wb")
    return subprocess.Popen([sys.executable, "-m", "streams.cli.main", "worker", "--no-create-topics"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def worker(kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A pass-through worker (STREAMS_PIPELINE=none): the wiring alone."""
    proc = _start_worker(kafka_settings, tmp_path, "none")
    yield proc
    _stop(proc)


@pytest.fixture
def dedupe_worker(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A worker running the real text-span and dedupe components (no spaCy: fast)."""
    proc = _start_worker(kafka_settings, tmp_path, "textspans,dedupe")
    yield proc
    _stop(proc)


def _consume(settings: Settings, key: str, want: int, timeout: float, proc: subprocess.Popen[bytes]) -> list:
    consumer = KafkaConsumer(topics.BY_KEY[key].name(settings), bootstrap_servers=settings.bootstrap,
                             auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    got = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < want and time.monotonic() < deadline:
            assert proc.poll() is None, "the worker died"
            for records in consumer.poll(timeout_ms=1000).values():
                got.extend(records)
        # a short grace period to catch duplicates arriving after the expected count
        end = time.monotonic() + 3
        while time.monotonic() < end:
            for records in consumer.poll(timeout_ms=500).values():
                got.extend(records)
    finally:
        consumer.close()
    return got


def test_ten_thousand_articles_none_lost_none_duplicated_order_kept(
    kafka_settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    settings = kafka_settings
    producer = _producer(settings)
    raw = topics.RAW.name(settings)
    for i in range(N_ARTICLES):
        key = f"article-{i % N_KEYS}"
        article = Article(id=key, version=i // N_KEYS + 1, body_text=f"Body {i} of {key}.", headline=f"H{i}")
        producer.send(raw, key=key.encode(), value=article.to_json())
    producer.flush(timeout=120)
    producer.close()

    records = _consume(settings, "enriched", N_ARTICLES, timeout=600, proc=worker)
    seen = [(r.key.decode(), EnrichedArticle.from_json(r.value).article.version) for r in records]
    assert len(seen) == N_ARTICLES, f"got {len(seen)} enriched articles, want {N_ARTICLES}"
    assert len(set(seen)) == N_ARTICLES, "duplicates in articles.enriched"
    by_key: dict[str, list[int]] = defaultdict(list)
    for key, version in seen:
        by_key[key].append(version)
    assert len(by_key) == N_KEYS
    assert all(v == sorted(v) for v in by_key.values()), "order per key not kept"


def test_poisoned_message_becomes_dead_letter_and_worker_goes_on(
    kafka_settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    settings = kafka_settings
    producer = _producer(settings)
    raw = topics.RAW.name(settings)
    poison = [b"\xff\xfe\x00 not json", orjson.dumps({"id": "x", "body_text": ""}), orjson.dumps({"id": 5, "body_text": "t"})]
    for i, value in enumerate(poison):
        producer.send(raw, key=f"bad-{i}".encode(), value=value)
    good = Article(id="good-1", body_text="Kallas said the guarantees must be tangible.")
    producer.send(raw, key=b"good-1", value=good.to_json())
    producer.flush(timeout=60)
    producer.close()

    letters = [DeadLetter.from_json(r.value) for r in _consume(settings, "dead_letters", 3, 120, worker)]
    assert sorted(letter.original for letter in letters) == sorted(poison)
    assert {letter.reason for letter in letters} == {"undecodable", "empty_body", "invalid"}  # as at ingest
    assert all(letter.stage == "enrich" and letter.source_topic == raw for letter in letters)
    enriched = _consume(settings, "enriched", 1, 120, worker)
    assert [r.key for r in enriched] == [b"good-1"]
    assert worker.poll() is None


def test_syndicated_copy_joins_the_story_cluster_of_the_first(
    kafka_settings: Settings, dedupe_worker: subprocess.Popen[bytes]
) -> None:
    settings = kafka_settings
    sample = next((Path(__file__).resolve().parents[2].parent / "shared" / "samples").glob("*.txt"), None)
    if sample is None:
        pytest.skip("../shared/samples is not present")
    body = sample.read_text(encoding="utf-8")
    copy = body.replace("date 2026-01-13 MENAFN - UkrinForm)", "date 2026-01-14 Reuters - Reuters)", 1)
    other = "The central bank left its key interest rate unchanged on Thursday, citing stable inflation. " * 5
    producer = _producer(settings)
    raw = topics.RAW.name(settings)

    def send(article: Article) -> None:
        producer.send(raw, key=article.id.encode(), value=article.to_json())
        producer.flush(timeout=60)

    # "first copy wins" is defined by processing order; across partitions that is only known once
    # the first copy has come out, so wait for it before sending the syndicated copy
    send(Article(id="first", body_text=body))
    assert len(_consume(settings, "enriched", 1, 180, dedupe_worker)) == 1
    send(Article(id="copy", body_text=copy))
    send(Article(id="other", body_text=other))
    send(Article(id="first", body_text=body))  # a redelivery gets the same answer (at-least-once)
    producer.close()

    records = _consume(settings, "enriched", 4, 180, dedupe_worker)
    answers = [(r.key.decode(), EnrichedArticle.from_json(r.value).dedupe) for r in records]
    assert len(answers) == 4
    by_id = {}
    for key, dedupe in answers:
        by_id.setdefault(key, []).append(dedupe)
    assert all(d["cluster_id"] == "first" and not d["is_duplicate"] for d in by_id["first"]), answers
    assert by_id["copy"][0]["cluster_id"] == "first" and by_id["copy"][0]["duplicate_of"] == "first"
    assert by_id["other"][0]["cluster_id"] == "other" and not by_id["other"][0]["is_duplicate"]
    assert "sketch" not in by_id["copy"][0] and "bands" not in by_id["copy"][0]  # the signature stays in the worker


def _group_members(settings: Settings) -> int:
    from kafka import KafkaAdminClient

    from streams.kafka.topics import worker_group

    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap)
    try:
        group = admin.describe_groups([worker_group(settings)])[worker_group(settings)]
        stable = (group.get("group_state") or group.get("state")) == "Stable"
        return len(group.get("members") or ()) if stable else 0
    finally:
        admin.close()


def _committed(settings: Settings) -> dict[int, int]:
    from kafka import KafkaAdminClient

    from streams.kafka.topics import worker_group

    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap)
    try:
        offsets = admin.list_group_offsets(worker_group(settings))[worker_group(settings)]
        return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topics.RAW.name(settings)}
    finally:
        admin.close()


def _end_offsets(settings: Settings) -> dict[int, int]:
    from kafka import TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap)
    try:
        tps = [TopicPartition(topics.RAW.name(settings), p) for p in range(settings.partitions)]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


def test_copies_racing_through_two_workers_get_one_cluster(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> None:
    """One story sent to every partition at the same moment, with two workers each owning some of them:
    every copy gets the same cluster, exactly one copy is the first, and a redelivery keeps its answer."""
    settings = kafka_settings
    sample = next((Path(__file__).resolve().parents[2].parent / "shared" / "samples").glob("*.txt"), None)
    if sample is None:
        pytest.skip("../shared/samples is not present")
    body = sample.read_text(encoding="utf-8")
    for i in range(2):
        (tmp_path / f"w{i}").mkdir()
    workers = [_start_worker(settings, tmp_path / f"w{i}", "textspans,dedupe") for i in range(2)]
    try:
        producer = _producer(settings)
        raw = topics.RAW.name(settings)
        warm = [Article(id=f"warm-{i}", body_text=f"Warm-up story number {i} about nothing in particular.")
                for i in range(60)]
        deadline = time.monotonic() + 120
        while _group_members(settings) < 2:  # both workers joined: the partitions are split between them
            assert time.monotonic() < deadline, "the two workers did not both join the group"
            time.sleep(1)
        for article in warm:
            producer.send(raw, key=article.id.encode(), value=article.to_json())
        producer.flush(timeout=60)
        assert len(_consume(settings, "enriched", len(warm), 180, workers[0])) == len(warm)
        assert _group_members(settings) == 2

        copies = [Article(id=f"copy-{p}", body_text=body) for p in range(settings.partitions)]
        for p, article in enumerate(copies):  # one copy per partition, all in one flush
            producer.send(raw, key=article.id.encode(), value=article.to_json(), partition=p)
        producer.flush(timeout=60)
        records = _consume(settings, "enriched", len(warm) + len(copies), 180, workers[0])
        answers = {r.key.decode(): EnrichedArticle.from_json(r.value).dedupe for r in records
                   if r.key.startswith(b"copy-")}
        assert sorted(answers) == sorted(a.id for a in copies)
        clusters = {d["cluster_id"] for d in answers.values()}
        assert len(clusters) == 1, answers
        (first,) = clusters
        assert [k for k, d in answers.items() if not d["is_duplicate"]] == [first]
        assert all(d["duplicate_of"] == first for k, d in answers.items() if k != first)

        redelivered = next(a for a in copies if a.id != first)  # sent again through another partition
        producer.send(raw, key=b"again", value=redelivered.to_json(), partition=0)
        producer.send(raw, key=b"again", value=next(a for a in copies if a.id == first).to_json(), partition=1)
        producer.flush(timeout=60)
        producer.close()
        records = _consume(settings, "enriched", len(warm) + len(copies) + 2, 180, workers[0])
        again: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        for r in records:
            dedupe = EnrichedArticle.from_json(r.value).dedupe
            again[r.key.decode()].append((dedupe["cluster_id"], dedupe["is_duplicate"]))
        assert again[redelivered.id] == [(first, True)] * 2 and again[first] == [(first, False)] * 2
        deadline = time.monotonic() + 30
        while _committed(settings) != _end_offsets(settings):  # the acks reach Faust's commits
            assert time.monotonic() < deadline, (_committed(settings), _end_offsets(settings))
            time.sleep(1)
        assert all(w.poll() is None for w in workers)
    finally:
        for w in workers:
            _stop(w)
