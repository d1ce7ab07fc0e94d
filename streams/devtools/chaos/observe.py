"""What a chaos run reads back: topics from the beginning, a group's progress (the archive: :mod:`.database`)."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from streams.kafka.clients import admin_client

log = logging.getLogger(__name__)
# kafka-python cannot decode Faust's member metadata and says so at WARNING on every describe
logging.getLogger("kafka.admin._groups").setLevel(logging.ERROR)


def read_topic(bootstrap: str, topic: str, timeout_s: float = 60.0) -> list[Any]:
    """Every record of ``topic`` up to its current end (no consumer group)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             request_timeout_ms=30_000)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not parts:
            return []
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        got: list[Any] = []
        with contextlib.suppress(KafkaError):
            deadline = time.monotonic() + timeout_s
            while any(consumer.position(tp) < ends[tp] for tp in parts) and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=1000, max_records=5000).values():
                    got.extend(records)
        return got
    finally:
        consumer.close()


class GroupProgress:
    """Committed offsets of one consumer group on one topic, and the topic's end offsets."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.bootstrap, self.group, self.topic = bootstrap, group, topic
        self._admin: Any = None
        self._consumer: KafkaConsumer | None = None

    def _clients(self) -> tuple[Any, KafkaConsumer]:
        if self._admin is None or self._consumer is None:
            self._admin = admin_client(self.bootstrap, client_id="chaos-progress", request_timeout_ms=5000)
            self._consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, request_timeout_ms=5000)
        return self._admin, self._consumer

    def snapshot(self) -> tuple[dict[int, int], dict[int, int]] | None:
        """(committed, end) per partition, or None while the cluster does not answer."""
        try:
            admin, consumer = self._clients()
            offsets = admin.list_group_offsets({self.group: None}).get(self.group, {})
            committed = {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == self.topic}
            parts = [TopicPartition(self.topic, p) for p in sorted(consumer.partitions_for_topic(self.topic) or ())]
            ends = {tp.partition: off for tp, off in consumer.end_offsets(parts).items()}
            return committed, ends
        except Exception as exc:  # noqa: BLE001 - the broker may be down right now: try again later
            log.debug("no progress snapshot: %s", exc)
            self.close()
            return None

    def stable_members(self) -> int:
        """Members of the group once it is Stable; -1 while it rebalances, is empty or does not answer."""
        try:
            admin, _ = self._clients()
            group = admin.describe_groups([self.group])[self.group]
        except Exception as exc:  # noqa: BLE001 - the broker may be down right now: try again later
            log.debug("no group description: %s", exc)
            self.close()
            return -1
        return len(group["members"]) if group["group_state"] == "Stable" else -1

    def close(self) -> None:
        for client in (self._admin, self._consumer):
            with contextlib.suppress(Exception):
                if client is not None:
                    client.close()
        self._admin = self._consumer = None


def moved_on(at_kill: tuple[dict[int, int], dict[int, int]], now: tuple[dict[int, int], dict[int, int]]) -> bool:
    """True when every partition that had work at the kill has committed past it (or has none left)."""
    committed0, _ = at_kill
    committed, ends = now
    for part, end in ends.items():
        done = committed.get(part, -1)
        if done < end and done <= committed0.get(part, -1):
            return False
    return True
