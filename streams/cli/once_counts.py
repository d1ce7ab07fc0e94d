"""This run's counts for the ``streams up --once`` summary, read from the topics between two moments.

Counting offsets is not enough for ``enriched``: after an unclean stop the worker re-delivers what it had
not committed (at-least-once), so the enriched topic grows by more than this run's articles. The keys
(article ids) published between the two moments are read and matched against this run's ids instead.
"""

from __future__ import annotations

import time
from typing import Collection

from streams.core.settings import Settings


def end_offsets(settings: Settings, topic: str) -> dict[int, int]:
    """The end offset of every partition of ``topic`` (empty when it has none yet)."""
    from kafka import TopicPartition

    from streams.kafka import clients

    consumer = clients.consumer(settings, client_id="streams-up")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        return {tp.partition: off for tp, off in consumer.end_offsets(tps).items()} if tps else {}
    finally:
        consumer.close()


def keys_between(settings: Settings, topic: str, start: dict[int, int], end: dict[int, int],
                 timeout_s: float = 60.0) -> set[str]:
    """The message keys of ``topic`` from offsets ``start`` up to ``end`` (per partition), as text."""
    from kafka import TopicPartition

    from streams.kafka import clients

    todo = {p: e for p, e in end.items() if e > start.get(p, 0)}
    if not todo:
        return set()
    consumer = clients.consumer(settings, client_id="streams-up-summary")
    keys: set[str] = set()
    try:
        tps = [TopicPartition(topic, p) for p in todo]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, start.get(tp.partition, 0))
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < todo[tp.partition] for tp in tps) and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                keys.update(r.key.decode("utf-8", "replace") for r in records
                            if r.key is not None and r.offset < todo[tp.partition])
    finally:
        consumer.close()
    return keys


def enriched_of(settings: Settings, topic: str, start: dict[int, int], end: dict[int, int],
                ids: Collection[str]) -> int:
    """How many of ``ids`` the workers published to ``topic`` between ``start`` and ``end``."""
    return len(keys_between(settings, topic, start, end) & set(ids))
