"""The `up --once` summary counts this run's articles in the enriched topic, not its offsets: a worker that
re-delivers what an earlier, killed run left uncommitted does not inflate "enriched" (real broker)."""

from __future__ import annotations

from kafka import KafkaProducer

from streams.cli.once_counts import end_offsets, enriched_of, keys_between
from streams.core.settings import Settings


def _send(settings: Settings, topic: str, keys: list[str]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all")
    for key in keys:
        producer.send(topic, key=key.encode(), value=b"{}")
    producer.flush()
    producer.close()


def test_enriched_counts_this_runs_ids_once(kafka_settings: Settings, kafka_topics: dict[str, str]) -> None:
    topic = kafka_topics["enriched"]
    _send(kafka_settings, topic, ["earlier-1", "earlier-2"])
    start = end_offsets(kafka_settings, topic)
    assert sum(start.values()) == 2
    # this run: its two articles, one of them twice (re-delivered), and an earlier run's article re-delivered
    _send(kafka_settings, topic, ["run-a", "run-a", "earlier-1", "run-b"])
    end = end_offsets(kafka_settings, topic)
    _send(kafka_settings, topic, ["run-c"])  # after the end: not counted
    assert sum(end.values()) - sum(start.values()) == 4  # what counting offsets said
    assert keys_between(kafka_settings, topic, start, end) == {"run-a", "earlier-1", "run-b"}
    assert enriched_of(kafka_settings, topic, start, end, ["run-a", "run-b", "run-c", "never-enriched"]) == 2
    assert enriched_of(kafka_settings, topic, end, end, ["run-a"]) == 0
