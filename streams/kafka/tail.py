"""The newest records of a topic, read within a time bound: what a page shows of a busy topic.

:func:`newest` seeks each partition to ``end - per_partition`` (or its start) and reads up to the end
offsets as they were when it began, so its cost is bounded by ``per_partition`` records a partition
whatever the topic holds, and by ``timeout_s`` whatever the broker does.
"""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from streams.core.errors import BrokerError
from streams.core.settings import Settings
from streams.kafka.clients import close_clients, consumer

#: kafka-python's ConsumerRecord (topic, partition, offset, key, value, timestamp, headers, ...)
Record = Any
POLL_MS = 200


def _limits(timeout_s: float) -> dict[str, int]:
    """Connection bounds in the options this kafka-python version knows (2.x lacks bootstrap_timeout_ms)."""
    ms = int(max(timeout_s, 1.0) * 1000)
    wanted = {"bootstrap_timeout_ms": ms, "reconnect_backoff_max_ms": 1000}
    return {k: v for k, v in wanted.items() if k in getattr(KafkaConsumer, "DEFAULT_CONFIG", {})}


def newest(settings: Settings, topic: str, per_partition: int, *, timeout_s: float = 5.0,
           client_id: str = "streams-console") -> list[Record]:
    """At most the newest ``per_partition`` records of each partition of ``topic`` (none when it does not
    exist), newest first; :class:`BrokerError` when they cannot be read within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    c = consumer(settings, client_id=client_id, auto_offset_reset="earliest", **_limits(timeout_s))
    try:
        parts = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic) or ())]
        if not parts:
            return []
        c.assign(parts)
        starts, ends = c.beginning_offsets(parts), c.end_offsets(parts)
        for tp in parts:
            c.seek(tp, max(starts[tp], ends[tp] - per_partition))
        out: list[Record] = []
        left = {tp for tp in parts if c.position(tp) < ends[tp]}
        while left:
            if time.monotonic() > deadline:
                raise BrokerError(f"reading the newest records of {topic} took over {timeout_s:.0f} s")
            for tp, records in c.poll(timeout_ms=POLL_MS).items():
                out += [r for r in records if r.offset < ends[tp]]
            left = {tp for tp in left if c.position(tp) < ends[tp]}
        return sorted(out, key=lambda r: (r.timestamp or 0, r.partition, r.offset), reverse=True)
    finally:
        close_clients(c)
