"""The storage consumer: ``articles.enriched`` → the archive, exactly-once in effect.

Why kafka-python and not a Faust agent: storing is a batch-shaped, synchronous job (read a few
hundred records, write them in one database transaction, then commit the offsets). With a plain
consumer and ``enable_auto_commit=False`` the order "database commit, then offset commit" is
explicit in ten lines, and nothing acks a record behind our back (Faust acks a message once the
agent moved past it). Delivery is at-least-once; the archive's upsert (newer version wins, equal
or older changes nothing) makes a re-delivered record a no-op, so the effect is exactly-once.

The consumer loop itself (polling, dead letters, commits, idle detection) is
:class:`streams.kafka.loop.BatchLoop`; :class:`StoreConsumer` is its sink. A record that cannot be
decoded or validated becomes a :class:`~streams.core.model.DeadLetter` (stage ``store``) on the
dead-letter topic; its offset is committed only after the dead letter is acknowledged by the
broker. When the database is unreachable the batch is retried with backoff and no offset moves;
when the database rejects one record, that record alone is dead-lettered.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Sequence

from streams.core import metrics
from streams.core.errors import DatabaseUnavailable, StorageError, StreamsError
from streams.core.model import DeadLetter, EnrichedArticle
from streams.core.retry import Backoff
from streams.core.settings import Settings
from streams.kafka import topics
from streams.kafka.loop import Batch, BatchLoop, BatchResult, LoopSpec
from streams.store.archive import Archive, WriteResult
from streams.store.backends import open_archive
from streams.store.rows import ArticleRows, article_rows, iso_to_epoch
from streams.store.upkeep import StatisticsSchedule

log = logging.getLogger(__name__)

STAGE = "store"
#: waiting for an unavailable database: 0.5 s doubling up to MAX_BACKOFF_S (one connection attempt
#: every 5 s costs a down server nothing; a 30 s cap made a 5 s PostgreSQL restart a 25 s stall)
RETRY_BASE_S = 0.5
MAX_BACKOFF_S = 5.0
#: a crashed consumer's partitions move to a live one after this long (kafka-python 3 defaults to 45 s)
SESSION_TIMEOUT_MS = 10_000
PROGRESS_EVERY_S = 30.0
#: finished batches' offsets are committed together at most this often (and when idle or stopping): an
#: offset commit is a round trip and a write to the broker's offsets log per batch, and a trickle makes
#: a batch of one or two articles. Re-delivered articles are harmless here (the upsert is idempotent)
COMMIT_EVERY_S = 1.0


@dataclass
class StoreStats:
    """What a :meth:`StoreConsumer.run` did."""

    consumed: int = 0  # records read from the topic
    written: int = 0  # articles inserted or replaced by a newer version
    unchanged: int = 0  # records whose article was already stored at the same or a newer version
    dead_lettered: int = 0
    batches: int = 0


def open_when_available(database_url: str, stop: threading.Event) -> Archive | None:
    """Open the archive, waiting with back-off while its database server does not answer (a reboot
    or a crashed server brings things up in any order); None if ``stop`` is set first. Any other
    error (a wrong URL, password or schema) is raised at once."""
    backoff = Backoff(RETRY_BASE_S, MAX_BACKOFF_S)
    while True:
        try:
            return open_archive(database_url)
        except DatabaseUnavailable as exc:
            delay = backoff.next()
            if backoff.attempt == 1:
                log.warning("waiting for the database (%s); the store starts once it answers, retrying with "
                            "back-off up to %.0f s", exc, MAX_BACKOFF_S)
            if stop.wait(delay):
                return None


def store_group_id(settings: Settings) -> str:
    """Consumer group of the storage consumers (per topic prefix, so tenants never share offsets)."""
    return topics.store_group(settings)


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
        batch_wait_s: float = 0.05,  # a trickle waits 50 ms for company (one commit, one fsync); a burst fills 500
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
        self.statistics = StatisticsSchedule()
        self._last_report = time.monotonic()
        self.loop = BatchLoop(settings, LoopSpec(
            stage=STAGE,
            topic=self.topic,
            group_id=self.group_id,
            client_id=f"streams-store-{self.group_id}",
            batch_size=batch_size,
            batch_wait_s=batch_wait_s,
            create_topics=(topics.ENRICHED, topics.DEAD_LETTERS),
            consumer_options={
                "max_poll_records": batch_size,
                "session_timeout_ms": SESSION_TIMEOUT_MS,
                "heartbeat_interval_ms": SESSION_TIMEOUT_MS // 4,
                "max_partition_fetch_bytes": topics.ENRICHED.max_message_bytes,
                "fetch_max_bytes": 4 * topics.ENRICHED.max_message_bytes,
            },
            redelivery="records will be re-delivered, harmlessly: the upsert is idempotent",
            commit_every_s=COMMIT_EVERY_S,
        ), self)

    def run(self, until_idle: float | None = None, stop_event: threading.Event | None = None) -> StoreStats:
        """Consume until ``stop_event`` is set (or, with ``until_idle``, until drained and idle)."""
        self.loop.run(stop_event, until_idle=until_idle)
        log.info("store finished: %s", self.stats)
        return self.stats

    # -- the sink, run by the loop ------------------------------------------------------------------
    def open(self) -> None:
        self._last_report = time.monotonic()
        log.info("storing %s into %r (group %s)", self.topic, self.archive, self.group_id)
        self.refresh_statistics("start")

    def close(self) -> None:
        """Refresh the planner statistics if articles arrived since the last time, then close the
        archive if this consumer opened it (the loop closes the Kafka clients)."""
        try:
            if self.statistics.written:
                self.refresh_statistics("end")
        finally:
            if self._own_archive:
                self.archive.close()

    def refresh_statistics(self, why: str) -> None:
        """``Archive.refresh_statistics``, timed and logged; a failure is a warning (the statistics are
        an optimisation: storing goes on, and the next due refresh tries again)."""
        started = time.perf_counter()
        try:
            if not self.archive.refresh_statistics():
                self.statistics.refreshed(self.statistics.size + self.statistics.written)
                return
            size = self.archive.count()
        except StorageError as exc:
            log.warning("could not refresh the archive's planner statistics (%s), trying again later: %s", why, exc)
            return
        seconds = time.perf_counter() - started
        metrics.ARCHIVE_STATISTICS.labels(backend=self.archive.backend).observe(seconds)
        log.info("archive planner statistics refreshed (%s, %d articles) in %.3fs", why, size, seconds)
        self.statistics.refreshed(size)

    def handle(self, batch: Batch) -> BatchResult:
        """Write the newest version of each article of the batch; a bad record becomes a dead letter."""
        started = time.perf_counter()
        good: dict[str, ArticleRows] = {}
        dead: list[DeadLetter] = []
        received_at: dict[str, str | None] = {}
        sources: dict[str, Any] = {}
        for record in batch.records:
            try:
                rows = article_rows(EnrichedArticle.from_json(record.value))
            except Exception as exc:  # noqa: BLE001 - a bad record is data, not a crash
                dead.append(batch.dead_letter(exc, record))
                continue
            kept = good.get(rows.id)
            if kept is None or rows.order_key > kept.order_key:
                good[rows.id] = rows
                received_at[rows.id] = rows.article["received_at"]
                sources[rows.id] = record
        result, rejected = self._write(list(good.values()), batch.stop)
        if result is None:  # stopped while the database was unavailable: commit nothing
            return BatchResult(handled=0)
        dead += [batch.dead_letter(exc, sources[row.id]) for exc, row in rejected]
        return BatchResult(dead_letters=dead,
                           on_done=functools.partial(self._account, batch.records, result, dead, received_at, started))

    def _write(
        self, rows: list[ArticleRows], stop: threading.Event
    ) -> tuple[WriteResult | None, list[tuple[StorageError, ArticleRows]]]:
        """Write a batch, retrying while the database is unavailable, isolating rejected records."""
        backoff = Backoff(RETRY_BASE_S, MAX_BACKOFF_S, jitter=False)
        while not stop.is_set():
            try:
                return self.archive.write_rows(rows), []
            except StorageError as exc:
                if exc.reason == "storage_rejected":
                    return self._write_one_by_one(rows, stop)
                delay = backoff.next()
                log.warning("archive unavailable, retrying in %.1fs: %s", delay, exc)
                stop.wait(delay)
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

    def _account(self, records: Sequence[Any], result: WriteResult, dead: Sequence[DeadLetter],
                 received_at: dict[str, str | None], started: float) -> None:
        seconds = time.perf_counter() - started
        self.stats.consumed += len(records)
        self.stats.written += result.written
        self.stats.unchanged += len(records) - len(dead) - result.written
        self.stats.dead_lettered += len(dead)
        self.stats.batches += 1
        metrics.ARTICLES_STORED.labels(backend=self.archive.backend).inc(result.written)
        self.statistics.wrote(result.written)
        if self.statistics.due():  # after the commit, between batches
            self.refresh_statistics("grown")
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
        log.debug("batch of %d: %d written, %d dead-lettered in %.3fs", len(records), result.written, len(dead), seconds)
        if time.monotonic() - self._last_report >= PROGRESS_EVERY_S:
            log.info("store progress: %s", self.stats)
            self._last_report = time.monotonic()
