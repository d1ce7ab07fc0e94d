"""Consumer lag: the pure arithmetic, and LagMonitor against the real broker."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import (
    CoordinatorNotAvailableError,
    GroupAuthorizationFailedError,
    NotCoordinatorError,
)
from kafka.structs import OffsetAndMetadata

from streams.core.errors import ConfigError
from streams.core.metrics import CONSUMER_LAG_MESSAGES, CONSUMER_LAG_SECONDS
from streams.core.settings import Settings, load_settings
from streams.kafka import lag as lag_module
from streams.kafka.lag import (
    LagMonitor,
    PartitionLag,
    committed_offsets,
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


class FakeAdmin:
    """list_group_offsets fails with ``errors`` in turn, then answers with a commit of 7 on T0."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.closed = False

    def list_group_offsets(self, specs: dict[str, None]) -> dict[str, dict[TopicPartition, OffsetAndMetadata]]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        (group,) = specs
        return {group: {T0: OffsetAndMetadata(7, "", -1), T1: OffsetAndMetadata(-1, "", -1)}}

    def close(self) -> None:
        self.closed = True


class FakeOffsets:
    """The consumer side of a measurement: topic t, partitions 0 and 1, offsets 0..10 and 0..0."""

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {0, 1} if topic == "t" else None

    def beginning_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: 0 for tp in tps}

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: 10 if tp == T0 else 0 for tp in tps}

    def assign(self, tps: list[TopicPartition]) -> None:
        pass

    def seek(self, tp: TopicPartition, offset: int) -> None:
        pass

    def poll(self, timeout_ms: int = 0, max_records: int = 1) -> dict[TopicPartition, list[Any]]:
        return {T0: [SimpleNamespace(timestamp=1_000)]}  # the oldest waiting record of T0

    def pause(self, tp: TopicPartition) -> None:
        pass

    def close(self) -> None:
        pass


def test_committed_offsets_retries_a_coordinator_not_available_yet() -> None:
    admin = FakeAdmin(CoordinatorNotAvailableError("fresh broker"), NotCoordinatorError("moved"))
    waits: list[float] = []
    assert committed_offsets(admin, "g", wait=waits.append) == {T0: 7}  # type: ignore[arg-type]
    assert admin.calls == 3 and len(waits) == 2
    assert lag_module.RETRY_BASE_S / 2 <= waits[0] <= lag_module.RETRY_BASE_S  # jittered back-off


def test_committed_offsets_raises_what_is_not_retriable_and_gives_up_in_time() -> None:
    admin = FakeAdmin(GroupAuthorizationFailedError("no"))
    with pytest.raises(GroupAuthorizationFailedError):
        committed_offsets(admin, "g", wait=lambda _: None)  # type: ignore[arg-type]
    assert admin.calls == 1
    admin = FakeAdmin(*[CoordinatorNotAvailableError("never")] * 100)
    with pytest.raises(CoordinatorNotAvailableError):
        committed_offsets(admin, "g", retry_for_s=0.0, wait=lambda _: None)  # type: ignore[arg-type]
    assert admin.calls == 1


def test_measure_retries_retriable_errors_with_new_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lag_module, "RETRY_BASE_S", 0.001)
    monkeypatch.setattr(lag_module, "RETRY_CAP_S", 0.002)
    admins = [FakeAdmin(CoordinatorNotAvailableError("fresh broker")), FakeAdmin(NotCoordinatorError("moved")),
              FakeAdmin()]
    monitor = LagMonitor(load_settings(), "g", ["t"])
    used: list[FakeAdmin] = []

    def clients() -> tuple[Any, Any]:
        if monitor._admin is None:
            monitor._admin, monitor._consumer = admins[len(used)], FakeOffsets()  # type: ignore[assignment]
            used.append(admins[len(used)])
        return monitor._admin, monitor._consumer

    monkeypatch.setattr(monitor, "_clients", clients)
    lag = monitor.measure()["t"]
    assert (lag.messages, [p.committed for p in lag.partitions]) == (3, [7, 0])
    assert lag.partitions[0].oldest_timestamp_ms == 1_000
    assert used == admins and admins[0].closed and admins[1].closed and not admins[2].closed
    assert monitor.measured.is_set()


def test_measure_gives_up_at_once_when_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monitor = LagMonitor(load_settings(), "g", ["t"])
    admin = FakeAdmin(*[CoordinatorNotAvailableError("never")] * 100)
    monkeypatch.setattr(monitor, "_clients", lambda: (admin, FakeOffsets()))
    monitor._stop_event.set()
    started = time.monotonic()
    with pytest.raises(CoordinatorNotAvailableError):
        monitor.measure()
    assert admin.calls == 1 and time.monotonic() - started < 1.0


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
