"""Consumer lag: the pure arithmetic, and LagMonitor against the real broker."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.core.errors import ConfigError
from streams.core.metrics import CONSUMER_LAG_MESSAGES, CONSUMER_LAG_SECONDS
from streams.core.settings import Settings
from streams.kafka.lag import (
    LagMonitor,
    PartitionLag,
    parse_watch,
    partition_lags,
    summarize,
)

T0, T1 = TopicPartition("t", 0), TopicPartition("t", 1)


# -- pure -----------------------------------------------------------------------------------------
def test_partition_lag_counts_from_the_commit_or_the_log_start() -> None:
    lags = partition_lags(committed={T0: 7}, beginning={T0: 0, T1: 3}, end={T0: 10, T1: 8})
    assert [(p.partition, p.committed, p.messages) for p in lags] == [(T0, 7, 3), (T1, 3, 5)]


def test_a_commit_below_the_log_start_is_clamped() -> None:
    (lag,) = partition_lags(committed={T0: 2}, beginning={T0: 50}, end={T0: 60})
    assert (lag.committed, lag.messages) == (50, 10)


def test_summary_dates_the_oldest_waiting_message_of_lagging_partitions_only() -> None:
    lags = [
        PartitionLag(T0, 5, 9, oldest_timestamp_ms=100_000),
        PartitionLag(T1, 8, 8, oldest_timestamp_ms=1_000),  # caught up: its old timestamp is ignored
    ]
    lag = summarize("g", "t", lags, now_s=160.0)
    assert (lag.messages, lag.seconds) == (4, 60.0)
    assert summarize("g", "t", [PartitionLag(T0, 3, 3)], now_s=160.0).seconds == 0.0


def test_parse_watch() -> None:
    assert parse_watch("streams=articles.raw, other") == ("streams", ["articles.raw", "other"])
    for bad in ("streams", "=articles.raw", "streams="):
        with pytest.raises(ConfigError):
            parse_watch(bad)


# -- real broker ----------------------------------------------------------------------------------
def _produce(settings: Settings, topic: str, n: int, timestamp_ms: int) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all")
    for i in range(n):
        producer.send(topic, key=f"k{i}".encode(), value=f"article {i}".encode(), timestamp_ms=timestamp_ms + i)
    producer.flush()
    producer.close()


def _consume_and_commit(settings: Settings, topic: str, group: str, n: int) -> None:
    consumer = KafkaConsumer(topic, bootstrap_servers=settings.bootstrap, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False)
    got = 0
    deadline = time.monotonic() + 30
    while got < n and time.monotonic() < deadline:
        got += sum(len(r) for r in consumer.poll(timeout_ms=500, max_records=n - got).values())
    assert got == n
    consumer.commit()
    consumer.close()


def test_lag_monitor_measures_messages_and_age_on_the_broker(
    kafka_settings: Settings, kafka_topics: dict[str, str]
) -> None:
    topic = kafka_topics["raw"]
    group = f"{kafka_settings.topic_prefix}lag-test"
    ten_minutes_ago = int((time.time() - 600) * 1000)
    _produce(kafka_settings, topic, 30, ten_minutes_ago)
    monitor = LagMonitor(kafka_settings, group, [topic, f"{kafka_settings.topic_prefix}no-such-topic"], interval=0.5)

    # the group has committed nothing: all 30 wait, the oldest for ~10 minutes
    lag = monitor.measure()[topic]
    assert lag.messages == 30
    assert 595 < lag.seconds < 700
    assert CONSUMER_LAG_MESSAGES.labels(group=group, topic=topic)._value.get() == 30
    assert f"{kafka_settings.topic_prefix}no-such-topic" not in monitor.last

    # a consumer of the group reads and commits 30: no lag, no age
    _consume_and_commit(kafka_settings, topic, group, 30)
    _produce(kafka_settings, topic, 4, int(time.time() * 1000) - 5_000)  # four new ones, 5 s old
    monitor.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            current = monitor.last.get(topic)
            if current is not None and current.messages == 4:
                break
            time.sleep(0.2)
        current = monitor.last[topic]
        assert current.messages == 4
        assert 4 < current.seconds < 120
        assert CONSUMER_LAG_MESSAGES.labels(group=group, topic=topic)._value.get() == 4
        assert CONSUMER_LAG_SECONDS.labels(group=group, topic=topic)._value.get() == current.seconds
        assert sum(p.messages for p in current.partitions) == 4
        assert len(current.partitions) == kafka_settings.partitions
    finally:
        monitor.stop()
    assert not monitor.is_alive()


def test_lag_monitor_survives_an_unreachable_broker(kafka_settings: Settings) -> None:
    settings = kafka_settings.replace(kafka_bootstrap="127.0.0.1:1")  # nothing listens on port 1
    monitor = LagMonitor(settings, "nobody", ["articles.raw"], interval=0.2)
    monitor.start()
    time.sleep(1.5)
    assert monitor.is_alive()  # kept trying instead of dying
    assert not monitor.measured.is_set()
    monitor.stop()
    assert not monitor.is_alive()
