"""The storage consumer: ``articles.enriched`` → the archive, exactly-once in effect.

Why kafka-python and not a Faust agent: storing is a batch-shaped, synchronous job (read a few
hundred records, write them in one database transaction, then commit the offsets). With a plain
consumer and ``enable_auto_commit=False`` the order "database commit, then offset commit" is
explicit in ten lines, and nothing acks a record behind our back (Faust acks a message once the
agent moved past it). Delivery is at-least-once; the archive's upsert (newer version wins, equal
or older changes nothing) makes a re-delivered record a no-op, so the effect is exactly-once.

A record that cannot be decoded or validated becomes a :class:`~streams.core.model.DeadLetter`
(stage ``store``) on the dead-letter topic; its offset is committed only after the dead letter is
acknowledged by the broker. When the database is unreachable the batch is retried with backoff
and no offset moves; when the database rejects one record, that record alone is dead-lettered.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Sequence

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from streams.core import metrics
from streams.core.errors import BrokerError, StorageError, StreamsError
from streams.core.model import DeadLetter, EnrichedArticle
from streams.core.settings import Settings
from streams.kafka import topics
from streams.kafka.clients import (
    NO_ASSIGNMENT_GRACE_S,
    close_clients,
    drained,
    reliable_producer,
)
from streams.store.archive import Archive, WriteResult
from streams.store.backends import open_archive
from streams.store.rows import ArticleRows, article_rows, iso_to_epoch

log = logging.getLogger(__name__)

STAGE = "store"
MAX_BACKOFF_S = 30.0
#: a crashed consumer's partitions move to a live one after this long (kafka-python 3 defaults to 45 s)
SESSION_TIMEOUT_MS = 10_000
PROGRESS_EVERY_S = 30.0
#: with --until-idle: give up waiting for a partition assignment after this much extra idle time


@dataclass
class StoreStats:
    """What a :meth:`StoreConsumer.run` did."""

    consumed: int = 0  # records read from the topic
    written: int = 0  # articles inserted or replaced by a newer version
    unchanged: int = 0  # records whose article was already stored at the same or a newer version
    dead_lettered: int = 0
    batches: int = 0


def store_group_id(settings: Settings) -> str:
    """Consumer group of the storage consumers (per topic prefix, so tenants never share offsets)."""
    return f"{settings.topic_prefix}{settings.app_id}-store"


class StoreConsumer:
    """Consume ``articles.enriched`` into the archive at ``settings.database_url``.

    ``StoreConsumer(settings).run(until_idle=None, stop_event=event)`` runs until ``event`` is
    set; with ``until_idle=SECONDS`` it returns once the topic is drained and nothing new arrived
    for that long.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        archive: Archive | None = None,
        batch_size: int = 500,
        batch_wait_s: float = 0.2,
        group_id: str | None = None,
    ) -> None:
        if batch_size < 1:
            raise StreamsError("batch size must be >= 1")
        self.settings = settings
        self._own_archive = archive is None
        self.archive = archive if archive is not None else open_archive(settings.database_url)
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_s
        self.group_id = group_id or store_group_id(settings)
        self.topic = topics.ENRICHED.name(settings)
        self.dead_letter_topic = topics.DEAD_LETTERS.name(settings)
        self.stats = StoreStats()
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    def run(self, until_idle: float | None = None, stop_event: threading.Event | None = None) -> StoreStats:
        """Consume until ``stop_event`` is set (or, with ``until_idle``, until drained and idle)."""
        stop = stop_event or threading.Event()
        self._ensure_topics()
        self._consumer = self._connect_consumer()
        last_record = last_report = time.monotonic()
        log.info("storing %s into %r (group %s)", self.topic, self.archive, self.group_id)
        try:
            while not stop.is_set():
                records = self._next_batch(stop)
                if records:
                    self._process(records, stop)
                    last_record = time.monotonic()
                    if last_record - last_report >= PROGRESS_EVERY_S:
                        log.info("store progress: %s", self.stats)
                        last_report = last_record
                elif until_idle is not None and self._idle_done(time.monotonic() - last_record, until_idle):
                    break
        finally:
            self.close()
        log.info("store finished: %s", self.stats)
        return self.stats

    def close(self) -> None:
        """Close the Kafka clients (and the archive if this consumer opened it)."""
        close_clients(self._consumer, self._producer)
        self._consumer = self._producer = None
        if self._own_archive:
            self.archive.close()

    def _ensure_topics(self) -> None:
        from streams.kafka import admin

        admin.create_topics(self.settings, [topics.ENRICHED, topics.DEAD_LETTERS])

    def _connect_consumer(self) -> KafkaConsumer:
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=self.settings.bootstrap,
                group_id=self.group_id,
                client_id=f"streams-store-{self.group_id}",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self.batch_size,
                session_timeout_ms=SESSION_TIMEOUT_MS,
                heartbeat_interval_ms=SESSION_TIMEOUT_MS // 4,
                max_partition_fetch_bytes=topics.ENRICHED.max_message_bytes,
                fetch_max_bytes=4 * topics.ENRICHED.max_message_bytes,
            )
        except KafkaError as exc:
            raise BrokerError(f"cannot reach Kafka at {self.settings.bootstrap}: {exc}") from exc
        consumer.subscribe([self.topic])
        return consumer

    def _dead_letter_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = reliable_producer(self.settings, max_request_size=topics.DEAD_LETTERS.max_message_bytes)
        return self._producer

    # -- the loop ---------------------------------------------------------------------------------
    def _next_batch(self, stop: threading.Event) -> list[Any]:
        """Up to ``batch_size`` records, waiting at most ``batch_wait_s`` after the first one."""
        assert self._consumer is not None
        batch: list[Any] = []
        deadline: float | None = None
        while len(batch) < self.batch_size and not stop.is_set():
            timeout_ms = 500 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
            polled = self._consumer.poll(timeout_ms=timeout_ms, max_records=self.batch_size - len(batch))
            for partition_records in polled.values():
                batch.extend(partition_records)
            if deadline is None:
                if not batch:
                    return batch
                deadline = time.monotonic() + self.batch_wait_s
            if time.monotonic() >= deadline:
                break
        return batch

    def _idle_done(self, idle_s: float, until_idle: float) -> bool:
        if idle_s < until_idle:
            return False
        if self._consumer is not None and drained(self._consumer):
            return True
        if idle_s >= until_idle + NO_ASSIGNMENT_GRACE_S and self._consumer and not self._consumer.assignment():
            log.warning("no partitions of %s assigned to this consumer; another member of group %s holds them",
                        self.topic, self.group_id)
            return True
        return False

    def _process(self, records: Sequence[Any], stop: threading.Event) -> None:
        started = time.perf_counter()
        good: dict[str, ArticleRows] = {}
        dead: list[DeadLetter] = []
        received_at: dict[str, str | None] = {}
        sources: dict[str, Any] = {}
        for record in records:
            try:
                rows = article_rows(EnrichedArticle.from_json(record.value))
            except Exception as exc:  # noqa: BLE001 - a bad record is data, not a crash
                dead.append(self._dead_letter(exc, record))
                continue
            kept = good.get(rows.id)
            if kept is None or rows.order_key > kept.order_key:
                good[rows.id] = rows
                received_at[rows.id] = rows.article["received_at"]
                sources[rows.id] = record
        result, rejected = self._write(list(good.values()), stop)
        if result is None:  # stopped while the database was unavailable: commit nothing
            return
        dead += [self._dead_letter(exc, sources[row.id]) for exc, row in rejected]
        if not self._publish_dead_letters(dead, stop):
            return  # stopped before the dead letters were safe: commit nothing, they come back
        self._commit()
        self._account(records, result, dead, received_at, time.perf_counter() - started)

    def _write(
        self, rows: list[ArticleRows], stop: threading.Event
    ) -> tuple[WriteResult | None, list[tuple[StorageError, ArticleRows]]]:
        """Write a batch, retrying while the database is unavailable, isolating rejected records."""
        backoff = 0.5
        while not stop.is_set():
            try:
                return self.archive.write_rows(rows), []
            except StorageError as exc:
                if exc.reason == "storage_rejected":
                    return self._write_one_by_one(rows, stop)
                log.warning("archive unavailable, retrying in %.1fs: %s", backoff, exc)
                stop.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
        return None, []

    def _write_one_by_one(
        self, rows: list[ArticleRows], stop: threading.Event
    ) -> tuple[WriteResult | None, list[tuple[StorageError, ArticleRows]]]:
        written = unchanged = 0
        rejected: list[tuple[StorageError, ArticleRows]] = []
        for row in rows:
            try:
                one = self.archive.write_rows([row])
            except StorageError as exc:
                if exc.reason != "storage_rejected":
                    result, more = self._write([row], stop)  # unavailable again: back to retrying
                    if result is None:
                        return None, []
                    written, unchanged, rejected = written + result.written, unchanged + result.unchanged, rejected + more
                    continue
                log.error("archive rejected article %s: %s", row.id, exc)
                rejected.append((exc, row))
                continue
            written, unchanged = written + one.written, unchanged + one.unchanged
        return WriteResult(len(rows), written, unchanged), rejected

    def _dead_letter(self, exc: BaseException, record: Any) -> DeadLetter:
        value = record.value if isinstance(record.value, bytes) else b""
        log.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, exc)
        return DeadLetter.from_error(
            STAGE, exc, value, source_topic=record.topic, source_partition=record.partition,
            source_offset=record.offset, source_key=record.key,
        )

    def _publish_dead_letters(self, dead: Sequence[DeadLetter], stop: threading.Event) -> bool:
        """Publish and await every dead letter, retrying while the broker refuses; False if stopped first."""
        backoff = 0.5
        while dead and not stop.is_set():
            try:
                producer = self._dead_letter_producer()
                futures = [producer.send(self.dead_letter_topic, key=d.source_key, value=d.to_json()) for d in dead]
                producer.flush(timeout=60)
                for future in futures:
                    future.get(timeout=60)
                return True
            except KafkaError as exc:
                # offsets stay uncommitted until this succeeds; a duplicate letter beats a lost one
                log.warning("could not publish %d dead letter(s) to %s, retrying in %.1fs: %s",
                            len(dead), self.dead_letter_topic, backoff, exc)
                stop.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
        return not dead

    def _commit(self) -> None:
        assert self._consumer is not None
        try:
            self._consumer.commit()
        except KafkaError as exc:
            # e.g. a rebalance took the partitions: their new owner re-delivers, and the upsert is idempotent
            log.warning("offset commit failed (records will be re-delivered, harmlessly): %s", exc)

    def _account(self, records: Sequence[Any], result: WriteResult, dead: Sequence[DeadLetter],
                 received_at: dict[str, str | None], seconds: float) -> None:
        self.stats.consumed += len(records)
        self.stats.written += result.written
        self.stats.unchanged += len(records) - len(dead) - result.written
        self.stats.dead_lettered += len(dead)
        self.stats.batches += 1
        metrics.ARTICLES_STORED.labels(backend=self.archive.backend).inc(result.written)
        for d in dead:
            metrics.DEAD_LETTERS.labels(stage=STAGE, reason=d.reason).inc()
        now = time.time()
        stage_latency = metrics.STAGE_LATENCY.labels(stage=STAGE)
        end_to_end = metrics.END_TO_END_LATENCY.labels(path="ingest_to_stored")
        for when in received_at.values():
            stage_latency.observe(seconds)
            try:
                received = iso_to_epoch(when)
            except ValueError:
                received = None
            if received is not None:
                end_to_end.observe(max(0.0, now - received))
        metrics.LAST_PROCESSED.labels(stage=STAGE).set(now)
        log.debug("batch of %d: %d written, %d dead-lettered in %.3fs", len(records), result.written, len(dead), seconds)
