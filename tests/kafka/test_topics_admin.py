"""Topic administration on the real broker: idempotent creation with the configs of streams/kafka/topics.py."""

from __future__ import annotations

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from streams.cli.main import main
from streams.core.settings import Settings
from streams.kafka import admin
from streams.kafka.topics import ALERT_RULES, ALL_TOPICS, RAW, SEEN_ITEMS

pytestmark = pytest.mark.broker


def test_create_topics_is_idempotent_with_the_right_configs(kafka_settings: Settings) -> None:
    names = [spec.name(kafka_settings) for spec in ALL_TOPICS]
    try:
        assert sorted(admin.create_topics(kafka_settings)) == sorted(names)
        assert admin.create_topics(kafka_settings) == []  # second run: nothing to do, no error
        assert admin.list_topics(kafka_settings, prefix=kafka_settings.topic_prefix) == sorted(names)

        info = admin.describe(kafka_settings, names)
        for spec in (ALERT_RULES, SEEN_ITEMS):
            topic = info[spec.name(kafka_settings)]
            assert topic.partitions == 1 and topic.replication == 1
        rules, seen = info[ALERT_RULES.name(kafka_settings)], info[SEEN_ITEMS.name(kafka_settings)]
        assert rules.config["cleanup.policy"] == "compact" and "retention.ms" not in rules.config  # kept forever
        assert seen.config["cleanup.policy"] == "compact,delete"  # feed items are forgotten after 90 days
        assert seen.config["retention.ms"] == str(SEEN_ITEMS.forget_after_ms) == str(90 * 24 * 3600 * 1000)
        raw = info[RAW.name(kafka_settings)]
        assert raw.partitions == kafka_settings.partitions
        assert raw.config["retention.ms"] == str(RAW.retention_ms)
        assert raw.config["max.message.bytes"] == str(RAW.max_message_bytes)
        assert raw.config.get("cleanup.policy", "delete") == "delete"
    finally:
        admin.delete_topics(kafka_settings, names)
    assert admin.list_topics(kafka_settings, prefix=kafka_settings.topic_prefix) == []


def test_cli_topics_create_and_list(
    kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STREAMS_KAFKA_BOOTSTRAP", kafka_settings.bootstrap)
    monkeypatch.setenv("STREAMS_TOPIC_PREFIX", kafka_settings.topic_prefix)
    try:
        assert main(["topics", "create", "raw", "alert_rules"]) == 0
        out = capsys.readouterr().out
        assert f"created  {kafka_settings.topic_prefix}articles.raw" in out
        assert main(["topics", "create"]) == 0
        out = capsys.readouterr().out
        assert f"exists   {kafka_settings.topic_prefix}alert-rules" in out
        assert f"created  {kafka_settings.topic_prefix}quotes" in out
        assert main(["topics", "list"]) == 0
        out = capsys.readouterr().out
        assert f"{kafka_settings.topic_prefix}ingest.seen" in out and "cleanup.policy=compact" in out
    finally:
        admin.delete_topics(kafka_settings, [s.name(kafka_settings) for s in ALL_TOPICS])


def test_large_article_fits_the_topic_limit(kafka_settings: Settings, kafka_topics: dict[str, str]) -> None:
    """The topic-level max.message.bytes (8 MiB) lifts the broker's 1 MB default for real."""
    body = ("Reuters wire text. " * 110_000).encode()  # about 2 MB, above the broker default
    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap, max_request_size=4 << 20, acks="all")
    try:
        producer.send(kafka_topics["raw"], key=b"big-1", value=body).get(timeout=30)
    finally:
        producer.close()
    consumer = KafkaConsumer(
        kafka_topics["raw"],
        bootstrap_servers=kafka_settings.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=15_000,
        fetch_max_bytes=16 << 20,
        max_partition_fetch_bytes=16 << 20,
    )
    try:
        received = [m for m in consumer if m.key == b"big-1"][:1]
    finally:
        consumer.close()
    assert received and received[0].value == body


def test_unknown_topics_are_not_auto_created(kafka_settings: Settings) -> None:
    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap, max_block_ms=3000)
    name = f"{kafka_settings.topic_prefix}no-such-topic"
    try:
        with pytest.raises(KafkaError):
            producer.send(name, value=b"x").get(timeout=10)
    finally:
        producer.close(timeout=5)
    assert name not in admin.list_topics(kafka_settings)
