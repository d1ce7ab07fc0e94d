"""Produce to / read from the test's topics on the real broker (helpers for store broker tests)."""

from __future__ import annotations

import time
from typing import Iterable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.core.model import DeadLetter, EnrichedArticle
from streams.core.settings import Settings
from streams.kafka import topics


def produce(settings: Settings, articles: Iterable[EnrichedArticle], *, raw: Iterable[bytes | None] = ()) -> int:
    """Send enriched articles (keyed by id) and raw values to articles.enriched; returns the count."""
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all", linger_ms=5)
    topic = topics.ENRICHED.name(settings)
    try:
        futures = [producer.send(topic, key=ea.id.encode(), value=ea.to_json()) for ea in articles]
        futures += [producer.send(topic, key=b"bad", value=value) for value in raw]
        producer.flush(timeout=60)
        for f in futures:
            f.get(timeout=60)
        return len(futures)
    finally:
        producer.close()


def dead_letters(settings: Settings, expect: int, timeout_s: float = 30.0) -> list[DeadLetter]:
    """Read the dead-letter topic from the start until ``expect`` letters arrived (or timeout)."""
    name = topics.DEAD_LETTERS.name(settings)
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap, enable_auto_commit=False,
                             auto_offset_reset="earliest", consumer_timeout_ms=1000)
    try:
        parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        out: list[DeadLetter] = []
        deadline = time.monotonic() + timeout_s
        while len(out) < expect and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                out += [DeadLetter.from_json(r.value) for r in batch]
        for batch in consumer.poll(timeout_ms=1000).values():  # anything beyond what was expected
            out += [DeadLetter.from_json(r.value) for r in batch]
        return out
    finally:
        consumer.close()
