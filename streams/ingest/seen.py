"""Memory of items already ingested, kept in the compacted topic ``ingest.seen``.

Key = the item key (``feed URL`` + GUID, else link, else content hash); value = the article id and
when it was acknowledged. Every ingester reads the topic fully at start and catches up before each
poll (:meth:`SeenStore.refresh`), so several ingesters and restarts share one memory. An item is
written here only after its article was acknowledged on ``articles.raw``: a crash in between
re-sends the article (same id, same key), it never loses it.

Items are remembered for :data:`streams.kafka.topics.SEEN_MEMORY_DAYS` days after they were last written:
the topic deletes older records (``cleanup.policy=compact,delete``) and each ingester drops them
from its memory too, so a process that follows feeds for months does not grow without bound.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Iterable

import orjson
from kafka import TopicPartition

from streams.core.model import utcnow_iso
from streams.core.settings import Settings
from streams.ingest.producer import RawProducer
from streams.kafka import clients, topics

log = logging.getLogger(__name__)


def item_key(namespace: str, *, guid: str | None = None, link: str | None = None, body: str | None = None) -> str:
    """The seen-memory key of one item: namespace + GUID, else link, else a hash of the content."""
    if guid and guid.strip():
        ident = "guid:" + guid.strip()
    elif link and link.strip():
        ident = "link:" + link.strip()
    elif body is not None:
        ident = "hash:" + hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
    else:
        raise ValueError("item_key needs a guid, a link or a body")
    key = f"{namespace}\x1f{ident}"
    if len(key.encode()) > 1000:  # keep Kafka keys small
        key = f"{namespace[:200]}\x1fsha:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


class SeenStore:
    """The shared memory of seen items, backed by the compacted ``ingest.seen`` topic."""

    def __init__(self, settings: Settings, producer: RawProducer, *, load: bool = True) -> None:
        self.topic = topics.SEEN_ITEMS.name(settings)
        self._producer = producer
        self._seen: dict[str, float] = {}  # item key -> when it was written (epoch seconds)
        self._forget_after_s = topics.SEEN_MEMORY_DAYS * 86400.0
        self._next_prune = 0.0
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()
        self._consumer = clients.consumer(settings, client_id="streams-ingest-seen", consumer_timeout_ms=1000)
        self._tp = TopicPartition(self.topic, 0)
        self._consumer.assign([self._tp])
        self._consumer.seek_to_beginning(self._tp)
        if load:
            self.refresh(full=True)

    def __len__(self) -> int:
        return len(self._seen)

    def refresh(self, *, full: bool = False, timeout_s: float = 60.0) -> int:
        """Read what other ingesters wrote since the last call (``full``: up to the current end)."""
        end = self._consumer.end_offsets([self._tp])[self._tp]
        added = 0
        deadline = time.monotonic() + timeout_s
        while self._consumer.position(self._tp) < end and time.monotonic() < deadline:
            batch = self._consumer.poll(timeout_ms=500, max_records=10_000)
            for records in batch.values():
                for rec in records:
                    if rec.key is None:
                        continue
                    key = rec.key.decode("utf-8", "replace")
                    with self._lock:
                        if rec.value:
                            added += key not in self._seen
                            self._seen[key] = max(self._seen.get(key, 0.0), rec.timestamp / 1000.0)
                        else:  # tombstone: forget
                            self._seen.pop(key, None)
        if time.time() >= self._next_prune:  # the scan is over every item: at most once an hour
            self._next_prune = time.time() + 3600.0
            self.prune()
        if full:
            log.info("seen-items memory: %d item(s) from %s", len(self._seen), self.topic)
        return added

    def prune(self, now: float | None = None) -> int:
        """Forget items written more than the memory's span ago; returns how many."""
        now = time.time() if now is None else now
        horizon = now - self._forget_after_s
        with self._lock:
            old = [key for key, when in self._seen.items() if when < horizon]
            for key in old:
                del self._seen[key]
        return len(old)

    def is_seen(self, key: str) -> bool:
        """True if the item was acknowledged before (by anyone) or is being sent by this process."""
        with self._lock:
            return key in self._seen or key in self._in_flight

    def claim(self, key: str) -> bool:
        """Mark ``key`` as being sent now; False if it is seen or already in flight."""
        with self._lock:
            if key in self._seen or key in self._in_flight:
                return False
            self._in_flight.add(key)
            return True

    def release(self, key: str) -> None:
        """Give up a claim (the item was dead-lettered instead of sent)."""
        with self._lock:
            self._in_flight.discard(key)

    def mark(self, key: str, article_id: str) -> None:
        """Remember ``key`` (call after the article was acknowledged); written to the topic."""
        with self._lock:
            self._in_flight.discard(key)
            self._seen[key] = time.time()
        value = orjson.dumps({"id": article_id, "at": utcnow_iso()})
        self._producer.send_record(self.topic, key.encode("utf-8", "surrogatepass"), value)

    def forget(self, keys: Iterable[str]) -> None:
        """Write tombstones so the items are ingested again on the next poll."""
        for key in keys:
            with self._lock:
                self._seen.pop(key, None)
            self._producer.send_record(self.topic, key.encode("utf-8", "surrogatepass"), None)

    def close(self) -> None:
        self._consumer.close()
