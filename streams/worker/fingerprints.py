"""The fingerprint log: how every worker agrees on each article's story cluster without a serial stage.

Each worker appends one compact record per enriched article to ``articles.fingerprints`` (key: the
article id, value: its 154-byte dedupe fingerprint) and follows the whole log into its own
:class:`~streams.worker.story_index.StoryIndex`. The log has one partition, so it has one order, and
the index's answers are a function of that order alone: every worker computes the same cluster for
every article, whichever worker enriched it and however the copies raced. "First copy wins" means
first in the log. An article is published once its own record has been applied
(:meth:`FingerprintLog.assign`): it never waits for another article's enrichment, only for one
produce and one fetch of small records.

What is serial here is the broker appending ~200-byte records to one partition (tens of thousands
a second) and every worker applying all of them (~0.1-0.4 ms each); the full articles never leave
their partitions. A redelivered article (a crash before its input was committed) appends its
record again; the index recognizes it and gives its first answer. A worker that starts replays
the log (its retention is twice the default window) before it joins the consumer group
(:meth:`FingerprintLog.catch_up`), so its partitions never wait for the replay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.core import metrics
from streams.core.errors import BrokerError
from streams.core.retry import Backoff
from streams.core.settings import Settings
from streams.kafka import topics
from streams.worker import story_snapshot
from streams.worker.story_index import Answer, StoryIndex

log = logging.getLogger(__name__)

#: ``send(topic, key, value, partition)`` -> awaitable that resolves to the record's metadata
Send = Callable[[str, bytes, bytes, int], Awaitable[Awaitable[Any]]]

#: how long an article waits for the log to reach its record (a replay at start counts)
REACH_TIMEOUT_S = 120.0
#: a broker that does not answer the follower: 0.5 s doubling up to 10 s between attempts
RETRY_BASE_S = 0.5
MAX_BACKOFF_S = 10.0
FETCH_RECORDS = 5_000
#: the replay before joining the group ends after this long at most (the follower does the rest)
CATCH_UP_TIMEOUT_S = 600.0
#: records applied between two yields to the event loop. A fetch of FETCH_RECORDS applied in one go
#: held the worker's loop 0.5-2 s (seconds under load), again and again while a restarted worker
#: replayed the log: its rebalance callbacks then ran so late that it missed a rebalance's deadline
#: (a survivor left out of the group after a worker kill: 20 s, 120 s in chaos runs)
APPLY_SLICE = 200
#: how long the broker may hold the follower's fetch when the log has nothing new. It answers a held fetch
#: as soon as a record is appended, so this delays no answer; it only sets how often an idle worker asks
#: again: with 100 ms an idle 2-worker stack used 70-74 ms of CPU a second, with 500 ms 57-58 (worker
#: parents 11 -> 8-9 ms/s each, the broker 32-38 -> 23-26; measured alternately, the same machine)
FOLLOW_FETCH_WAIT_MS = 500
PARTITION = 0  # the log's one partition (a topic made with more is still read and written at 0 only)


class FingerprintLog:
    """Appends this worker's fingerprints and applies everyone's, in log order, to one index."""

    def __init__(self, settings: Settings, send: Send, index: StoryIndex | None = None, *,
                 snapshots: bool = False) -> None:
        """``snapshots``: start from the snapshot in the worker's home and keep it up to date
        (:mod:`streams.worker.story_snapshot`)."""
        self.settings = settings
        self.topic = topics.FINGERPRINTS.name(settings)
        self.index = index if index is not None else StoryIndex(window_s=settings.dedupe_window_s or None)
        self._send = send
        self.position = 0  # the next offset to apply
        self._last: tuple[bytes, int, bytes] = (b"", 0, b"")  # key, timestamp (ms), value of record position-1
        self._snapshot_path = story_snapshot.snapshot_path(settings, self.topic) if snapshots else None
        self._snapshot_at = (0, time.monotonic())  # position and time of the last snapshot written
        self._writing: asyncio.Future[Any] | None = None
        self._moved: asyncio.Condition | None = None
        self._pending: dict[str, Answer | None] = {}  # ids this worker waits for -> answer once applied

    # -- the follower ------------------------------------------------------------------------
    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self.settings.bootstrap, group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest",  # the log's start moved (retention): replay from its new start
            client_id="streams-fingerprints", fetch_max_wait_ms=FOLLOW_FETCH_WAIT_MS,
            max_partition_fetch_bytes=4 << 20,
        )

    async def catch_up(self, timeout_s: float = CATCH_UP_TIMEOUT_S,
                       consumer: AIOKafkaConsumer | None = None) -> int:
        """Apply the log up to its end as of now, before the worker joins its consumer group; returns
        the records applied. Best effort: an error or ``timeout_s`` ends it early (the follower, which
        starts at :attr:`position`, replays the rest). A worker that joined first and replayed after
        held its partitions still while it replayed: 40-60 s after 15,000 articles in a chaos run."""
        consumer = consumer or self._consumer()
        started, applied = time.monotonic(), 0
        try:
            await consumer.start()
            tp = TopicPartition(self.topic, PARTITION)
            consumer.assign([tp])
            if self._snapshot_path is not None and self.position == 0:
                await self._resume(consumer, tp, self._snapshot_path)
            consumer.seek(tp, self.position)
            end = (await consumer.end_offsets([tp]))[tp]
            while self.position < end and time.monotonic() - started < timeout_s:
                batch = await consumer.getmany(tp, timeout_ms=1000, max_records=FETCH_RECORDS)
                before = self.position
                self.apply(batch.get(tp, []))
                applied += self.position - before
        except Exception as exc:  # noqa: BLE001 - the follower replays what is left
            log.warning("fingerprint log: replay before joining stopped at offset %d: %s: %s",
                        self.position, type(exc).__name__, exc)
        finally:
            await consumer.stop()
        log.info("fingerprint log: %d record(s) applied in %.1fs before joining the group (at offset %d)",
                 applied, time.monotonic() - started, self.position)
        if applied:  # a worker that crashes again soon after starts from here
            self._snapshot(force=True)
            await self._written()
        return applied

    async def _resume(self, consumer: AIOKafkaConsumer, tp: TopicPartition, path: Path) -> None:
        """Start from the snapshot at ``path`` if the log still holds what it was taken from."""
        snapshot = await asyncio.get_running_loop().run_in_executor(None, story_snapshot.read, path)
        if snapshot is None:
            return
        why = await self._mismatch(consumer, tp, snapshot)
        if why:
            log.warning("fingerprint log: story index snapshot %s not used (%s); replaying the whole log", path, why)
            return
        self.index, self.position = snapshot.index, snapshot.position
        self._last = snapshot.last
        self._snapshot_at = (self.position, time.monotonic())
        log.info("fingerprint log: story index of %d article(s) restored from %s at offset %d",
                 self.index.articles, path, self.position)

    async def _mismatch(self, consumer: AIOKafkaConsumer, tp: TopicPartition,
                        snapshot: story_snapshot.Snapshot) -> str:
        """Why ``snapshot`` does not fit this log and index ("" when it does)."""
        if (snapshot.index.window_s, snapshot.index.threshold) != (self.index.window_s, self.index.threshold):
            return (f"taken with window {snapshot.index.window_s} s and threshold {snapshot.index.threshold}, "
                    f"now {self.index.window_s} s and {self.index.threshold}")
        start = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        if not 0 < snapshot.position <= end:
            return f"it stands at offset {snapshot.position}, the log ends at {end}: another topic"
        if snapshot.position - 1 < start:
            return ""  # retention removed that record; everything before it is out of the window anyway
        consumer.seek(tp, snapshot.position - 1)
        fetched = (await consumer.getmany(tp, timeout_ms=10_000, max_records=1)).get(tp, [])
        record = fetched[0] if fetched else None
        if record is None or record.offset != snapshot.position - 1:
            return f"the log's record {snapshot.position - 1} could not be read"
        if ((record.key or b""), record.timestamp, record.value or b"") != snapshot.last:
            return f"the log's record {snapshot.position - 1} is another one: another topic"
        return ""

    def _snapshot(self, force: bool = False) -> None:
        """Start writing a snapshot in a thread if one is due (the copy of the index is taken here)."""
        if self._snapshot_path is None or (self._writing is not None and not self._writing.done()):
            return
        position, at = self._snapshot_at
        now = time.monotonic()
        if self.position == position or (not force and now - at < story_snapshot.SNAPSHOT_EVERY_S):
            return
        self._snapshot_at = (self.position, now)
        self._writing = asyncio.get_running_loop().run_in_executor(
            None, story_snapshot.write, self._snapshot_path, self.index.state(), self.position, *self._last)

    async def _written(self) -> None:
        """Wait for the snapshot being written, if any; a failure is logged (the next one may work)."""
        if self._writing is None:
            return
        try:
            size = await self._writing
            metrics.DEDUPE_SNAPSHOT_BYTES.set(size)
        except OSError as exc:
            log.warning("fingerprint log: could not write the story index snapshot %s: %s",
                        self._snapshot_path, exc)
        finally:
            self._writing = None

    async def run(self) -> None:
        """Follow the log from its start until cancelled (a background task of the worker)."""
        backoff = Backoff(base=RETRY_BASE_S, cap=MAX_BACKOFF_S)
        while True:
            consumer = self._consumer()
            try:
                await consumer.start()
                tp = TopicPartition(self.topic, PARTITION)
                consumer.assign([tp])
                consumer.seek(tp, self.position)  # 0 at start: the whole retained log
                backoff.reset()
                await self._follow(consumer, tp)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the broker went away: reconnect, resume at our position
                delay = backoff.next()
                log.warning("fingerprint log: %s: %s; reconnecting in %.1fs", type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)
            finally:
                await consumer.stop()

    async def _follow(self, consumer: AIOKafkaConsumer, tp: TopicPartition) -> None:
        while True:
            batch = await consumer.getmany(tp, timeout_ms=1000, max_records=FETCH_RECORDS)
            records = batch.get(tp, [])
            for start in range(0, len(records), APPLY_SLICE):
                self.apply(records[start:start + APPLY_SLICE])
                await asyncio.sleep(0)  # let the heartbeat, the rebalance and the agent in between
            if records:
                await self._notify()
            if self._writing is not None and self._writing.done():
                await self._written()
            self._snapshot()

    def apply(self, records: Sequence[Any]) -> None:
        """Apply fetched records (``key``, ``value``, ``timestamp`` in ms, ``offset``) in order."""
        for record in records:
            if record.offset < self.position:
                continue
            try:
                article_id = record.key.decode("utf-8")
                answer = self.index.apply(article_id, record.timestamp / 1000.0, record.value)
            except (AttributeError, UnicodeDecodeError, ValueError) as exc:
                # every reader skips the same record: the answers stay the same everywhere
                log.warning("fingerprint log: skipping record %d: %s", record.offset, exc)
            else:
                if article_id in self._pending and self._pending[article_id] is None:
                    self._pending[article_id] = answer
            self.position = record.offset + 1
            self._last = (record.key or b"", record.timestamp, record.value or b"")
        metrics.DEDUPE_STATE_BYTES.set(self.index.nbytes)
        metrics.DEDUPE_STATE_ARTICLES.set(self.index.articles)

    async def _notify(self) -> None:
        if self._moved is None:
            self._moved = asyncio.Condition()
        async with self._moved:
            self._moved.notify_all()

    async def reach(self, offset: int, timeout_s: float = REACH_TIMEOUT_S) -> None:
        """Wait until the record at ``offset`` has been applied; BrokerError after ``timeout_s``."""
        if self._moved is None:
            self._moved = asyncio.Condition()

        async def moved_past() -> None:
            assert self._moved is not None
            async with self._moved:
                await self._moved.wait_for(lambda: self.position > offset)

        try:
            await asyncio.wait_for(moved_past(), timeout_s)
        except asyncio.TimeoutError:
            raise BrokerError(f"the fingerprint log did not reach offset {offset} within {timeout_s:g}s "
                              f"(at {self.position}); is the broker up?") from None

    # -- the worker's side ---------------------------------------------------------------------
    async def assign(self, items: Sequence[tuple[str, bytes]]) -> list[Answer]:
        """Append ``(article id, fingerprint)`` records and return each article's answer, in order.

        Raises BrokerError (or the producer's error) if the records cannot be appended or the log
        not followed; the caller dead-letters the articles (they can be replayed)."""
        if not items:
            return []
        for article_id, _ in items:
            self._pending.setdefault(article_id, None)
        try:
            futures = [await self._send(self.topic, aid.encode("utf-8"), fp, PARTITION) for aid, fp in items]
            sent = await asyncio.gather(*futures)
            await self.reach(max(md.offset for md in sent))
            return [self._answer(aid, fp) for aid, fp in items]
        finally:
            for article_id, _ in items:
                self._pending.pop(article_id, None)

    def _answer(self, article_id: str, fingerprint: bytes) -> Answer:
        answer = self._pending.get(article_id)
        if answer is None:  # applied before this call registered it (a replay), or dropped from the window
            answer = self.index.lookup(article_id, fingerprint)
        if answer is None:
            raise BrokerError(f"article {article_id!r} is not in the story index after its record was applied")
        return answer
