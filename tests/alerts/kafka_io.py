"""Broker helpers for alert tests: produce records, read a topic, run a consumer loop in a thread."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Protocol

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.core.settings import Settings


def produce(settings: Settings, topic: str, records: Iterable[tuple[bytes | None, bytes | None]]) -> int:
    """Send (key, value) records and wait for every acknowledgement; returns the count."""
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all", linger_ms=5)
    try:
        futures = [producer.send(topic, key=key, value=value) for key, value in records]
        producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=60)
        return len(futures)
    finally:
        producer.close()


def read_all(settings: Settings, topic: str, *, expect: int = 0, timeout_s: float = 30.0) -> list[Any]:
    """Every record of ``topic`` from the beginning: waits until ``expect`` arrived, then reads to the end."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        out: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                out += batch
            ends = consumer.end_offsets(parts)
            if len(out) >= expect and all(consumer.position(tp) >= ends[tp] for tp in parts):
                break
        return out
    finally:
        consumer.close()


def wait_until(predicate: Callable[[], bool], timeout_s: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(0.05)


class Runnable(Protocol):
    ready: threading.Event

    def run(self, stop_event: threading.Event | None = None) -> Any: ...


@contextlib.contextmanager
def running(loop: Runnable, ready_timeout_s: float = 60.0) -> Iterator[Runnable]:
    """Run ``loop.run(stop)`` in a thread until the block ends; fails if it crashed or did not stop."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def target() -> None:
        try:
            loop.run(stop)
        except BaseException as exc:  # noqa: BLE001 - surfaced in the test below
            errors.append(exc)

    thread = threading.Thread(target=target, name=type(loop).__name__, daemon=True)
    thread.start()
    try:
        wait_until(lambda: loop.ready.is_set() or bool(errors), ready_timeout_s, f"{type(loop).__name__} ready")
        if errors:
            raise errors[0]
        yield loop
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), f"{type(loop).__name__} did not stop"
    if errors:
        raise errors[0]
