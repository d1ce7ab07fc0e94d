"""The raw-topic producer: acks=all, idempotent, compressed, and it never drops an item.

An item counts as ingested only when the broker acknowledged it: :class:`RawProducer` keeps every
record it was handed until its future succeeds; a failed delivery (broker down past the delivery
timeout, leader moves) is sent again after a jittered back-off, forever, with a log line each time.
Memory is bounded by ``max_pending``: :meth:`RawProducer.send` blocks while that many records
wait for their acknowledgement.

Acknowledgements arrive on kafka-python's I/O thread, where only cheap bookkeeping runs (counts,
metrics, resolving the returned future: so callbacks added to that future must not send). The
caller's ``on_acked`` callbacks (e.g. remembering a feed item as seen) run on a small "pump"
thread instead, so they may themselves send; the pump also schedules retries.

Bulk ingest (files, drop folders) needs neither a callback nor a future per record, so those records
take a lighter path: kept in a FIFO with kafka-python's own future and checked in bulk by the sending
thread (every few hundred sends, when the FIFO is full, and in :meth:`RawProducer.flush`). Counts
still move only on acknowledgement, and a failed record joins the tracked path above and is retried.
This halved the producer's own cost per record next to a bare kafka-python loop.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import gc
import heapq
import logging
import queue
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError

from streams.core import metrics
from streams.core.errors import BrokerError, StreamsError, TooLargeError
from streams.core.model import Article, DeadLetter, received_now
from streams.core.retry import Backoff, retry_call, retry_delay
from streams.core.settings import Settings
from streams.kafka import topics
from streams.kafka.clients import KeyHashPartitioner

log = logging.getLogger(__name__)

#: codec for every ingest record (needs the ``zstandard`` package; the broker supports it since 2.1)
COMPRESSION = "zstd"
#: largest record the producer accepts: an article at the size limit plus its JSON envelope, or a
#: dead letter carrying up to DEAD_LETTER_MAX_ORIGINAL bytes (base64 grows it by a third)
MAX_REQUEST_BYTES = 8 * 1024 * 1024
DEAD_LETTER_MAX_ORIGINAL = 4 * 1024 * 1024
#: re-sending a record the broker did not acknowledge: jittered, 0.5 s doubling up to 30 s
RETRY_BASE_S = 0.5
RETRY_CAP_S = 30.0
#: connecting at start-up (the broker may be starting): jittered, 1 s doubling up to 10 s, for 5 minutes
CONNECT_BASE_S = 1.0
CONNECT_CAP_S = 10.0
CONNECT_FOR_S = 300.0


#: GIL switch interval while ingesting: parsing in the caller's thread and Kafka's I/O thread hand
#: the GIL back and forth on every socket call; at Python's default (5 ms) each hand-off can stall
#: the other side that long (a convoy), which halves throughput on a busy machine
SWITCH_INTERVAL_S = 0.0005


#: youngest-generation GC threshold during bulk ingest (Python's default is 700 allocations)
BULK_GC_THRESHOLD = 20_000


@contextlib.contextmanager
def bulk_gc(threshold: int = BULK_GC_THRESHOLD) -> Iterator[None]:
    """Garbage collection tuned for a backfill, restored afterwards.

    Parsing allocates a dozen containers per article and the producer keeps up to ``max_pending``
    records and futures alive, so at Python's defaults the collector ran every ~700 allocations and
    kept rescanning those survivors and every loaded module: 20-25 us an article, 10-25 % of a
    sending process's CPU. Ingest makes no reference cycles worth collecting early, so the
    objects that exist at the start are frozen (never scanned) and collections are rarer.
    """
    old, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(max(old[0], threshold), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        if not frozen_before:  # someone else's freeze (a long-lived process's setup) is theirs to keep
            gc.unfreeze()


@contextlib.contextmanager
def responsive_gil(interval: float = SWITCH_INTERVAL_S) -> Iterator[None]:
    """Lower ``sys.setswitchinterval`` for the duration (never raises it); restore it afterwards."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(min(old, interval))
    try:
        yield
    finally:
        sys.setswitchinterval(old)


@dataclass
class IngestSummary:
    """What one ingest run did. Counts only acknowledged records as sent/dead-lettered."""

    sent: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    bytes: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # dead letters by reason
    ids: list[str] = field(default_factory=list)  # ids acknowledged (kept only when asked for)
    keep_ids: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add_sent(self, article_id: str, size: int) -> None:
        with self._lock:
            self.sent += 1
            self.bytes += size
            if self.keep_ids:
                self.ids.append(article_id)

    def add_dead_letter(self, reason: str) -> None:
        with self._lock:
            self.dead_lettered += 1
            self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def add_duplicate(self) -> None:
        with self._lock:
            self.duplicates += 1

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "duplicates": self.duplicates, "dead_lettered": self.dead_lettered,
                "bytes": self.bytes, "reasons": dict(self.reasons)}


class _Record:
    """One record on its way to the broker. Slotted and closure-free: ingest makes one per article."""

    __slots__ = ("owner", "topic", "key", "value", "headers", "done", "on_acked", "bounded", "count",
                 "article_id", "attempts")

    def __init__(self, owner: "RawProducer", topic: str, key: bytes, value: bytes | None,
                 headers: list[tuple[str, bytes]], done: Future | None, on_acked: Callable[[], None] | None,
                 bounded: bool, count: Callable[["_Record"], None] | None = None, article_id: str = "") -> None:
        self.owner = owner
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.done = done  # resolves to True once acknowledged; None when the caller did not ask
        self.on_acked = on_acked  # caller's callback: runs on the pump thread, may send
        self.bounded = bounded
        self.count = count  # cheap bookkeeping: runs on Kafka's I/O thread
        self.article_id = article_id
        self.attempts = 0

    # kafka-python calls these on its I/O thread; bound methods are cheaper than partials or lambdas
    def acked(self, _metadata: object) -> None:
        self.owner._acked(self)

    def failed(self, error: BaseException) -> None:
        self.owner._events.put(("error", self, error))


class RawProducer:
    """Produces articles to ``articles.raw`` and dead letters to ``dead-letters``; thread-safe.

    Use as a context manager; :meth:`flush` waits until everything handed over is acknowledged.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        source_kind: str = "file",
        max_pending: int = 20_000,
        summary: IngestSummary | None = None,
        client_id: str = "streams-ingest",
        producer: KafkaProducer | None = None,
        linger_ms: int = 20,
    ) -> None:
        self.settings = settings
        self.source_kind = source_kind
        self.summary = summary or IngestSummary()
        self.raw_topic = topics.RAW.name(settings)
        self.dead_letter_topic = topics.DEAD_LETTERS.name(settings)
        self._producer = producer or self._connect(settings, client_id, linger_ms)
        self._max_pending = max_pending
        self._bounded_pending = 0
        self._events: queue.Queue[tuple[str, _Record, BaseException | None] | None] = queue.Queue()
        self._outstanding = 0
        self._idle = threading.Condition()
        self._closed = False
        self._kind_bytes = source_kind.encode()
        self._header_cache: dict[str, tuple[tuple[str, bytes], tuple[str, bytes]]] = {}
        self._bulk: collections.deque[tuple[_Record, Any]] = collections.deque()  # (record, kafka future)
        self._bulk_lock = threading.Lock()
        self._m_ingested = metrics.ARTICLES_INGESTED.labels(source_kind)
        self._m_bytes = metrics.INGEST_BYTES.labels(source_kind)
        self._m_last = metrics.LAST_PROCESSED.labels("ingest")
        self._pump = threading.Thread(target=self._run_pump, name="raw-producer-pump", daemon=True)
        self._pump.start()

    @staticmethod
    def _connect(settings: Settings, client_id: str, linger_ms: int) -> KafkaProducer:
        def connect() -> KafkaProducer:
            return KafkaProducer(
                bootstrap_servers=settings.bootstrap,
                client_id=client_id,
                acks="all",
                enable_idempotence=True,
                compression_type=COMPRESSION,
                linger_ms=linger_ms,
                batch_size=256 * 1024,
                max_request_size=MAX_REQUEST_BYTES,
                max_block_ms=30_000,
                delivery_timeout_ms=120_000,
                partitioner=KeyHashPartitioner(),
            )

        def waiting(exc: Exception, delay: float) -> None:
            log.warning("Kafka at %s not reachable (%s); retrying in %.1fs", settings.bootstrap, exc, delay)

        try:  # NoBrokersAvailable at start-up: wait, the broker may be starting
            return retry_call(connect, retriable=lambda exc: isinstance(exc, KafkaError), retry_for_s=CONNECT_FOR_S,
                              backoff=Backoff(CONNECT_BASE_S, CONNECT_CAP_S), on_retry=waiting)
        except KafkaError as exc:
            raise BrokerError(f"cannot reach Kafka at {settings.bootstrap}: {exc}; is it running? "
                              "(`streams kafka start`)") from exc

    # -- public API ------------------------------------------------------------------------------
    def send(
        self,
        article: Article,
        *,
        content_type: str = "application/json",
        origin: str | None = None,
        on_acked: Callable[[Article], None] | None = None,
    ) -> Future:
        """Hand over one article; the returned future resolves to True once acknowledged. Blocks when full.

        The record is keyed by ``article.id`` and carries the headers ``source`` (the ingester
        kind), ``content-type`` (of the original input) and ``ingest-time``. ``origin`` (file:line,
        feed URL, client) is not sent as a header: the article's ``altids`` name it already.
        """
        callback = (lambda _id: on_acked(article)) if on_acked is not None else None
        return self.send_serialized(article.id, article.to_wire(), content_type=content_type, origin=origin,
                                    received_at=article.received_at, on_acked=callback)

    def send_serialized(
        self,
        article_id: str,
        value: bytes,
        *,
        content_type: str = "application/json",
        origin: str | None = None,
        received_at: str | None = None,
        on_acked: Callable[[str], None] | None = None,
        future: bool = True,
    ) -> Future | None:
        """Like :meth:`send` for an article already serialized with ``Article.to_wire()``.

        ``future=False`` returns None instead of a future (bulk ingest does not wait per record).
        """
        kind_header, type_header = self._static_headers(content_type)
        headers = [kind_header, type_header, ("ingest-time", (received_at or received_now()).encode())]
        if on_acked is None and not future:
            self._send_bulk(_Record(self, self.raw_topic, article_id.encode(), value, headers, None, None, True,
                                    self._count_article, article_id))
            return None
        user = (lambda: on_acked(article_id)) if on_acked is not None else None
        return self._submit(self.raw_topic, article_id.encode(), value, headers, user, bounded=True,
                            count=self._count_article, article_id=article_id, future=future)

    def _static_headers(self, content_type: str) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
        cached = self._header_cache.get(content_type)
        if cached is None:
            cached = self._header_cache[content_type] = (("source", self._kind_bytes),
                                                         ("content-type", content_type.encode()))
        return cached

    def _count_article(self, record: _Record) -> None:
        size = len(record.value or b"")
        self.summary.add_sent(record.article_id, size)
        self._m_ingested.inc()
        self._m_bytes.inc(size)
        self._m_last.set(time.time())

    def dead_letter(self, exc: BaseException, original: bytes, *, origin: str | None = None,
                    on_acked: Callable[[], None] | None = None) -> Future:
        """Log and dead-letter one bad input with its reason and (up to 4 MiB of) its original bytes."""
        letter = DeadLetter.from_error("ingest", exc, original[:DEAD_LETTER_MAX_ORIGINAL], origin=origin)
        if len(original) > DEAD_LETTER_MAX_ORIGINAL:
            letter = dataclasses.replace(letter, message=f"{letter.message} (original truncated to "
                                         f"{DEAD_LETTER_MAX_ORIGINAL} of {len(original)} bytes)")
        return self.send_dead_letter(letter, on_acked=on_acked)

    def send_dead_letter(self, letter: DeadLetter, *, bounded: bool = True,
                         on_acked: Callable[[], None] | None = None) -> Future:
        """Produce a ready-made dead letter (stage ``ingest``) and count it once acknowledged."""
        log.warning("dead-lettered input from %s: %s (%s)", letter.origin or "?", letter.message, letter.reason)

        def count(_record: _Record) -> None:
            self.summary.add_dead_letter(letter.reason)
            metrics.DEAD_LETTERS.labels(letter.stage, letter.reason).inc()

        key = (letter.origin or letter.reason).encode("utf-8", "replace")[:512]
        headers = [("source", self.source_kind.encode()), ("reason", letter.reason.encode())]
        return self._submit(self.dead_letter_topic, key, letter.to_json(), headers, on_acked, bounded=bounded,
                            count=count)

    def send_record(self, topic: str, key: bytes, value: bytes | None,
                    on_acked: Callable[[], None] | None = None) -> Future:
        """Produce any record with the same never-drop guarantee (used for the seen-items memory).

        Not counted against ``max_pending`` so that callbacks running on the pump may call it.
        """
        return self._submit(topic, key, value, [], on_acked, bounded=False)

    def warm_up(self) -> None:
        """Fetch the metadata of the raw and dead-letter topics now (fails fast if they are missing)."""
        for topic in (self.raw_topic, self.dead_letter_topic):
            try:
                self._producer.partitions_for(topic)
            except KafkaTimeoutError as exc:
                raise BrokerError(f"topic {topic} not available on {self.settings.bootstrap}: {exc}; "
                                  "create it with `streams topics create`") from exc

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record handed over is acknowledged (and its callback ran)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self._producer.flush(timeout=timeout)
        if not self._settle_bulk(deadline):
            return False
        with self._idle:
            while self._outstanding:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(timeout=1.0 if remaining is None else min(1.0, remaining))
        return True

    @property
    def pending(self) -> int:
        """Records handed over and not yet acknowledged."""
        return self._outstanding + len(self._bulk)

    def close(self, timeout: float | None = None) -> None:
        """Flush, then close the Kafka client."""
        if self._closed:
            return
        self.flush(timeout)
        self._closed = True
        self._events.put(None)
        self._pump.join(timeout=5)
        self._producer.close(timeout=5)

    def __enter__(self) -> "RawProducer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------
    _BULK_CHECK_EVERY = 256

    def _send_bulk(self, record: _Record) -> None:
        """The light path: send, remember the kafka future, settle finished records now and then."""
        if self._closed:
            raise StreamsError("the producer is closed")
        with self._bulk_lock:
            if len(self._bulk) >= self._max_pending:  # back-pressure: wait for the oldest acknowledgement
                self._settle_bulk_locked(block_until=len(self._bulk) - self._BULK_CHECK_EVERY)
            fut = self._send_or_hand_over(record)
            if fut is not None:
                self._bulk.append((record, fut))
                if len(self._bulk) % self._BULK_CHECK_EVERY == 0:
                    self._settle_bulk_locked()

    def _send_or_hand_over(self, record: _Record) -> Any:
        """kafka-python's future for ``record``; None when the record went to the tracked path."""
        record.attempts += 1
        try:
            return self._producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
        except KafkaTimeoutError:  # no metadata: the tracked path waits the broker out
            pass
        except (MessageSizeTooLargeError, ValueError):
            pass  # _dispatch meets the same error again and dead-letters the record
        record.attempts -= 1
        self._track(record)
        return None

    def _track(self, record: _Record) -> None:
        """Move a bulk record onto the tracked path (counted in ``_outstanding``, retried on failure)."""
        with self._idle:
            self._outstanding += 1
        record.bounded = False  # it was already admitted under the bulk FIFO's own bound
        self._dispatch(record)

    def _settle_bulk(self, deadline: float | None = None) -> bool:
        with self._bulk_lock:
            return self._settle_bulk_locked(block_until=0, deadline=deadline)

    def _settle_bulk_locked(self, block_until: int | None = None, deadline: float | None = None) -> bool:
        """Count acknowledged records from the front of the FIFO; hand failed ones to the tracked path.

        Without ``block_until`` it stops at the first unfinished record; with it, it waits until at
        most that many records remain (False if ``deadline`` passed first).
        """
        bulk, sent, size = self._bulk, 0, 0
        try:
            while bulk:
                record, fut = bulk[0]
                if not fut.is_done:
                    if block_until is None or len(bulk) <= block_until:
                        break
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    with contextlib.suppress(Exception):  # failures are read from the future below
                        fut.get(timeout=1.0 if remaining is None else min(1.0, remaining))
                    continue
                bulk.popleft()
                if fut.exception is None:
                    sent += 1
                    size += len(record.value or b"")
                    self.summary.add_sent(record.article_id, len(record.value or b""))
                else:
                    log.warning("delivery to %s failed (%s: %s); retrying", record.topic,
                                type(fut.exception).__name__, fut.exception)
                    with self._idle:
                        self._outstanding += 1
                    record.bounded = False
                    self._events.put(("error", record, fut.exception))
            return True
        finally:
            if sent:
                self._m_ingested.inc(sent)
                self._m_bytes.inc(size)
                self._m_last.set(time.time())

    def _submit(self, topic: str, key: bytes, value: bytes | None, headers: list[tuple[str, bytes]],
                on_acked: Callable[[], None] | None, *, bounded: bool,
                count: Callable[[_Record], None] | None = None, article_id: str = "",
                future: bool = True) -> Future | None:
        if self._closed:
            raise StreamsError("the producer is closed")
        with self._idle:
            if bounded:  # back-pressure: wait while max_pending records are unacknowledged
                while self._bounded_pending >= self._max_pending:
                    self._idle.wait()
                self._bounded_pending += 1
            self._outstanding += 1
        record = _Record(self, topic, key, value, headers, Future() if future else None, on_acked, bounded, count,
                         article_id)
        self._dispatch(record)
        return record.done

    def _dispatch(self, record: _Record) -> None:
        """Hand a record to kafka-python, waiting out a broker that cannot be reached."""
        while True:
            record.attempts += 1
            try:
                fut = self._producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
            except KafkaTimeoutError as exc:  # no metadata: broker down; keep the record and wait
                delay = retry_delay(record.attempts, RETRY_BASE_S, RETRY_CAP_S)
                log.warning("broker not reachable (%s); holding %d record(s), retrying in %.1fs",
                            exc, self._outstanding, delay)
                time.sleep(delay)
                continue
            except (MessageSizeTooLargeError, ValueError) as exc:
                self._events.put(("fatal", record, exc))
                return
            fut.add_callback(record.acked)
            fut.add_errback(record.failed)
            return

    def _run_pump(self) -> None:
        retries: list[tuple[float, int, _Record]] = []  # heap of (due time, tie-breaker, record)
        counter = 0
        while True:
            timeout = max(0.0, retries[0][0] - time.monotonic()) if retries else None
            try:
                event = self._events.get(timeout=timeout)
            except queue.Empty:
                event = ("retry", None, None)
            if event is None:
                return
            kind, record, err = event
            try:
                if kind == "ok" and record is not None:
                    self._finish(record, None)
                elif kind == "fatal" and record is not None:
                    self._fatal(record, err)
                elif kind == "error" and record is not None:
                    delay = retry_delay(record.attempts, RETRY_BASE_S, RETRY_CAP_S)
                    log.warning("delivery to %s failed (%s: %s); attempt %d, retrying in %.1fs", record.topic,
                                type(err).__name__, err, record.attempts, delay)
                    counter += 1
                    heapq.heappush(retries, (time.monotonic() + delay, counter, record))
                while retries and retries[0][0] <= time.monotonic():
                    self._dispatch(heapq.heappop(retries)[2])
            except Exception:  # noqa: BLE001 - the pump must survive a failing callback
                log.exception("ingest producer: callback failed")

    def _acked(self, record: _Record) -> None:
        """On Kafka's I/O thread: finish at once, or hand the caller's callback to the pump."""
        if record.on_acked is None:
            self._finish(record, None)
        else:
            self._events.put(("ok", record, None))

    def _finish(self, record: _Record, error: BaseException | None) -> None:
        try:
            if error is None:
                if record.count is not None:
                    record.count(record)
                if record.on_acked is not None:
                    record.on_acked()
        finally:
            if record.done is not None:
                if error is None:
                    record.done.set_result(True)
                else:
                    record.done.set_exception(error)
            with self._idle:
                self._outstanding -= 1
                if record.bounded:
                    self._bounded_pending -= 1
                    if self._bounded_pending == self._max_pending - 1:
                        self._idle.notify_all()  # a blocked sender may go on
                if not self._outstanding:
                    self._idle.notify_all()

    def _fatal(self, record: _Record, err: BaseException | None) -> None:
        """A record the broker can never take (too large): dead-letter it instead of retrying."""
        exc = TooLargeError(f"record of {len(record.value or b'')} bytes refused by the producer: {err}")
        if record.topic != self.dead_letter_topic:
            letter = DeadLetter.from_error("ingest", exc, (record.value or b"")[:DEAD_LETTER_MAX_ORIGINAL],
                                           origin=record.key.decode("utf-8", "replace"))
            self.send_dead_letter(letter, bounded=False)
        else:
            log.error("dead letter itself refused (%s); logged only: key=%r", err, record.key[:200])
        self._finish(record, exc)
