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
    assert "signature" not in by_id["copy"][0]  # the signature is not shipped to subscribers
