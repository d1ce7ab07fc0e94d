"""A group consumer that never finds its coordinator again, while the broker answers, is replaced.

In a 3-node chaos run the alert matcher's kafka-python consumer, after every node had been kill -9ed
and started again, stayed in ``ensure_coordinator_ready`` for 9 minutes at 100 % CPU: no alert was
produced while the store and the workers went on. Here a real consumer is put in the same state —
every coordinator lookup fails at once with a connection error, as kafka-python's did — and the batch
loop must replace it soon after the limit, without a busy loop meanwhile, and consume everything.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.errors import KafkaConnectionError
from kafka.future import Future

from streams.core.settings import Settings
from streams.kafka import clients, topics
from streams.kafka.loop import Batch, BatchLoop, BatchResult, LoopSpec

pytestmark = [pytest.mark.broker, pytest.mark.slow]

STUCK_S = 4.0
RECORDS = 30


class _Collect:
    """A sink that keeps the values it was given."""

    def __init__(self) -> None:
        self.values: list[bytes] = []

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def handle(self, batch: Batch) -> BatchResult:
        self.values.extend(r.value for r in batch.records)
        return BatchResult()


def _lose_coordinator(consumer: KafkaConsumer) -> KafkaConsumer:
    """Every coordinator lookup of ``consumer`` fails at once with a connection error (kafka-python's state
    after the whole-cluster restart); the rest of the client works."""
    coordinator: Any = consumer._coordinator

    def lookup() -> Future:
        return Future().failure(KafkaConnectionError("injected: the coordinator lookup fails"))

    coordinator.lookup_coordinator = lookup
    coordinator.coordinator_dead("injected")
    return consumer


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def test_a_consumer_that_never_finds_its_coordinator_is_replaced_without_a_busy_wait(
        kafka_settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    settings = kafka_settings
    topic = topics.ENRICHED.name(settings)
    spec = LoopSpec(stage="store", topic=topic, group_id=f"{settings.topic_prefix}watch", client_id="watch-test",
                    batch_size=10, create_topics=(topics.ENRICHED,), coordinator_stuck_s=STUCK_S)
    made: list[KafkaConsumer] = []

    def connect() -> KafkaConsumer:
        consumer = clients.consumer(settings, client_id="watch-test", group_id=spec.group_id,
                                    auto_offset_reset="earliest")
        consumer.subscribe([topic])
        made.append(consumer)
        return _lose_coordinator(consumer) if len(made) == 1 else consumer

    sink = _Collect()
    loop = BatchLoop(settings, spec, sink, connect_consumer=connect)
    stop = threading.Event()
    runner = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    caplog.set_level(logging.WARNING, logger="streams.kafka.loop")
    runner.start()
    try:
        assert loop.ready.wait(60), "the loop did not start"
        producer = clients.reliable_producer(settings, max_request_size=1 << 20)
        for n in range(RECORDS):
            producer.send(topic, key=str(n).encode(), value=str(n).encode())
        producer.flush(30)
        producer.close(10)
        started, cpu0 = time.monotonic(), _cpu_s()
        while len(made) < 2 and time.monotonic() - started < STUCK_S + 40:
            time.sleep(0.1)
        stuck_s, stuck_cpu = time.monotonic() - started, _cpu_s() - cpu0
        deadline = time.monotonic() + 60
        while len(set(sink.values)) < RECORDS and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        runner.join(30)

    assert len(made) == 2, f"the consumer without a coordinator was not replaced in {stuck_s:.0f} s " \
                           f"({len(set(sink.values))} of {RECORDS} records consumed)"
    # the limit plus one cluster probe; generous for a loaded machine
    assert stuck_s < STUCK_S + 20, f"replaced only after {stuck_s:.1f} s (limit {STUCK_S} s)"
    # the whole test process (broker clients included) while it waited: far from one busy core
    assert stuck_cpu / stuck_s < 0.5, f"{stuck_cpu:.1f} s of CPU in {stuck_s:.1f} s while waiting"
    assert sorted(set(sink.values), key=int) == [str(n).encode() for n in range(RECORDS)]
    assert loop.stats.reconnects == 1
    assert any("closing it and connecting a new one" in r.getMessage() for r in caplog.records)
