"""One batch consumer loop for every sink: storage, alert matcher, alert delivery.

A sink says what to do with a batch of records (:meth:`Sink.handle`); the loop does the rest and
owns the Kafka clients: it creates the topics, subscribes in the sink's consumer group (or, without
a group, reads every partition), polls batches, produces what the sink returns (alerts, dead
letters) and waits for every acknowledgement, and only then commits the batch's offsets. Delivery
is therefore at-least-once, and nothing is committed before its outputs are safe:

* ``handle`` raises (the database or the broker is away): the consumer seeks back to the batch's
  first record on each partition, and the batch is consumed again after a back-off;
* an output is not acknowledged: the outputs still unconfirmed are sent again after a back-off (the
  batch is not handled twice), and the offsets stay where they were meanwhile;
* the stop event is set: what the sink finished of the batch in hand (``handled``) is committed,
  the rest is rewound; the loop returns and closes the clients without committing anything else.

A sink whose re-delivered records are harmless (an idempotent write, a memory that makes a repeated
evaluation a no-op) may commit less often than every batch (``LoopSpec.commit_every_s``): finished
batches' offsets are then committed together, at most that long after the first of them, as soon as
a poll brings nothing, and when the loop stops. Only offsets of finished batches are ever committed;
a crash or a rebalance meanwhile means those records are consumed again, never skipped.

A record the sink cannot handle is data, not a crash: the sink turns it into a dead letter
(:meth:`Batch.dead_letter`: the reason and the original bytes), which the loop publishes to the
dead-letter topic before committing its offset.
"""

from __future__ import annotations

import functools
import math
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence, TypeVar

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from streams.core import metrics
from streams.core.errors import BrokerError, StreamsError
from streams.core.model import DeadLetter
from streams.core.retry import Backoff, retry_call
from streams.core.settings import Settings
from streams.kafka import admin, clients, topics
from streams.kafka.wait import when_kafka_answers
from streams.kafka.watchdog import STUCK_AFTER_S, CoordinatorWatch, coordinator_unknown
from streams.kafka.clients import close_clients, idle_done, reliable_producer, rewind

log = logging.getLogger(__name__)
T = TypeVar("T")

#: kafka-python's ConsumerRecord (topic, partition, offset, key, value, timestamp, ...)
Record = Any

POLL_TIMEOUT_MS = 500
ACK_TIMEOUT_S = 60.0
#: waits before consuming a failed batch again, or re-sending unacknowledged outputs: 0.5 s doubling up to 30 s
RETRY_BASE_S = 0.5
RETRY_CAP_S = 30.0
#: while a group consumer has no coordinator, the loop polls without blocking this often: kafka-python's
#: blocking poll can turn its coordinator lookup into a busy loop (100 % CPU) when the lookup fails at once
NO_COORDINATOR_WAIT_S = 0.25


@dataclass(frozen=True)
class Output:
    """A record a sink wants produced (and acknowledged) before its batch is committed."""

    topic: str
    key: bytes | None
    value: bytes | None
    on_acked: Callable[[], None] | None = None  # runs once, when the broker acknowledged it
    on_written: Callable[[int, int], None] | None = None  # then with the (partition, offset) it was written at


@dataclass
class BatchResult:
    """What a sink did with a batch.

    ``handled`` is how many records of the batch, in order, the sink finished; None means all of
    them. Fewer (the stop event was set part-way) commits only those and rewinds the rest; 0 commits
    nothing. ``dead_letters`` and ``produced`` belong to the handled records. ``on_done`` runs after
    they were all acknowledged and the offsets committed (accounting: stats, metrics).
    """

    dead_letters: Sequence[DeadLetter] = ()
    produced: Sequence[Output] = ()
    handled: int | None = None
    on_done: Callable[[], None] | None = None


@dataclass(frozen=True)
class Batch:
    """Records polled from the sink's topic, with the stop event (for sinks that wait while handling)."""

    records: Sequence[Record]
    stage: str
    stop: threading.Event

    def dead_letter(self, exc: BaseException, record: Record) -> DeadLetter:
        """Log and build the dead letter of ``record`` (its reason from ``exc``, its original bytes)."""
        return dead_letter(self.stage, exc, record)


class Sink(Protocol):
    """What a consumer of one topic does; :class:`BatchLoop` runs it."""

    def open(self) -> None:
        """Set up once the topics exist, before consuming starts (e.g. load state from other topics).

        A KafkaError or BrokerError means "the cluster is not ready yet": the loop calls ``open`` again
        after a back-off, so a failed ``open`` releases what it acquired before raising.
        """

    def handle(self, batch: Batch) -> BatchResult:
        """Handle a batch; a bad record becomes a dead letter. Raise only to have the batch retried."""

    def close(self) -> None:
        """Release what :meth:`open` or the constructor acquired (the loop closes its Kafka clients)."""

    # optional: ``idle() -> Sequence[Output]``, called when a poll brought nothing (timed work, e.g. digests)


@dataclass(frozen=True)
class LoopSpec:
    """Where a sink reads and how: its topic, consumer group, batch shape and Kafka options."""

    stage: str  # names the dead letters and the metrics (store, alert, alert_delivery)
    topic: str
    group_id: str | None  # None: no group, every partition read, nothing committed (a live view)
    client_id: str
    batch_size: int
    batch_wait_s: float = 0.0  # after the first record of a batch, wait this long to fill it
    create_topics: Sequence[topics.TopicSpec] = ()  # created if missing before consuming starts
    consumer_options: Mapping[str, Any] = field(default_factory=dict)  # more KafkaConsumer settings
    from_beginning: bool = False  # without a group: read from the start (else only what arrives)
    max_request_size: int = topics.DEAD_LETTERS.max_message_bytes  # of the producer for outputs
    redelivery: str = "the records will be consumed again"  # what a failed offset commit means
    coordinator_stuck_s: float = STUCK_AFTER_S  # a consumer without its group coordinator this long is replaced
    #: 0: commit after every batch. More: commit finished batches together at most this often (and when
    #: idle or stopping), for sinks whose re-delivered records are harmless (see the module's docstring)
    commit_every_s: float = 0.0


@dataclass
class LoopStats:
    """What a :class:`BatchLoop` committed."""

    batches: int = 0
    records: int = 0
    dead_letters: int = 0
    retries: int = 0  # batches consumed again, rounds of outputs sent again, start-ups tried again
    reconnects: int = 0  # consumers replaced because they lost their group coordinator for good


def dead_letter(stage: str, exc: BaseException, record: Record) -> DeadLetter:
    """The dead letter of a consumed record: reason and message from ``exc``, original bytes, source offset."""
    value = record.value if isinstance(record.value, bytes) else b""
    log.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, exc)
    return DeadLetter.from_error(
        stage, exc, value, source_topic=record.topic, source_partition=record.partition,
        source_offset=record.offset, source_key=record.key,
    )


class BatchLoop:
    """Consume ``spec.topic`` in batches into ``sink``; commit each batch once its outputs are acknowledged.

    ``BatchLoop(settings, spec, sink).run(stop_event)`` runs until the event is set; with
    ``until_idle=SECONDS`` it returns once the topic is drained and nothing arrived for that long.
    ``ready`` is set once the sink is open and the consumer subscribed. ``connect_consumer`` and
    ``connect_producer`` replace the Kafka clients (tests).
    """

    def __init__(
        self,
        settings: Settings,
        spec: LoopSpec,
        sink: Sink,
        *,
        ready: threading.Event | None = None,
        on_retry: Callable[[], None] | None = None,
        connect_consumer: Callable[[], KafkaConsumer] | None = None,
        connect_producer: Callable[[], KafkaProducer] | None = None,
    ) -> None:
        if spec.batch_size < 1:
            raise StreamsError("batch size must be >= 1")
        self.settings = settings
        self.spec = spec
        self.sink = sink
        self.ready = ready if ready is not None else threading.Event()
        self.stats = LoopStats()
        self.dead_letter_topic = topics.DEAD_LETTERS.name(settings)
        self._on_retry = on_retry
        self._connect_consumer = connect_consumer or self._kafka_consumer
        self._real_kafka = connect_consumer is None
        self._connect_producer = connect_producer or self._kafka_producer
        self._backoff = Backoff(RETRY_BASE_S, RETRY_CAP_S, jitter=False)
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self._uncommitted: dict[TopicPartition, int] = {}  # finished, not yet committed: the next offsets
        self._first_uncommitted_at = 0.0  # monotonic time the oldest of them was finished
        self._watch = CoordinatorWatch(settings.bootstrap, spec.group_id or "", spec.coordinator_stuck_s)

    # -- lifecycle --------------------------------------------------------------------------------
    def run(self, stop_event: threading.Event | None = None, *, until_idle: float | None = None) -> LoopStats:
        """Consume until ``stop_event`` is set (or, with ``until_idle``, until drained and idle that long)."""
        stop = stop_event or threading.Event()
        create = (lambda: admin.create_topics(self.settings, list(self.spec.create_topics))) \
            if self.spec.create_topics else (lambda: None)
        if not self._real_kafka:
            create()
        elif not when_kafka_answers(self.settings, create, stop, what=f"the {self.spec.stage} loop")[0]:
            return self.stats  # stopped while the broker was still down: nothing was consumed
        try:
            if not self._when_ready(self.sink.open, "open", stop)[0]:
                return self.stats
            connected, self._consumer = self._when_ready(self._connect_consumer, "connect", stop)
            if not connected:
                return self.stats
            self.ready.set()
            last_record = time.monotonic()
            while not stop.is_set():
                try:
                    records = self._next_batch(self._consumer, stop)
                except KafkaError as exc:  # the broker went away mid-poll: keep running, poll again
                    self._poll_failed(exc, stop)
                    self._replace_if_stuck()
                    continue
                if records:
                    self._process(records, stop)
                    last_record = time.monotonic()
                    continue
                if not coordinator_unknown(self._consumer):  # nothing more came: commit what is finished
                    self._commit_finished()
                self._replace_if_stuck()  # only between batches: records in hand are committed by their consumer
                self._idle(stop)
                if until_idle is not None and self._idle_done(self._consumer, time.monotonic() - last_record,
                                                              until_idle):
                    break
        finally:
            try:
                if self._consumer is not None and not coordinator_unknown(self._consumer):
                    self._commit_finished()  # the finished batches not committed yet (commit_every_s)
            finally:
                self.close()
        return self.stats

    def _when_ready(self, step: Callable[[], T], what: str, stop: threading.Event) -> tuple[bool, T | None]:
        """A start-up ``step`` (open the sink, connect the consumer), again after a back-off while Kafka
        errors say the cluster is not ready: (True, its result), or (False, None) if stopped meanwhile.

        The broker wait before it is not enough: a broker that answers may have no leader elected yet after
        a restart, and an offsets lookup times out, or it may go away again between the wait and the step.
        """
        def retried(exc: Exception, delay: float) -> None:
            self._retried()
            log.warning("%s could not %s (%s: %s); trying again in %.1fs",
                        self.spec.stage, what, type(exc).__name__, exc, delay)

        try:
            return True, retry_call(step, retriable=lambda exc: isinstance(exc, (BrokerError, KafkaError)),
                                    retry_for_s=math.inf, backoff=Backoff(RETRY_BASE_S, RETRY_CAP_S, jitter=False),
                                    wait=stop.wait, on_retry=retried)
        except (BrokerError, KafkaError):
            if stop.is_set():
                return False, None
            raise

    def close(self) -> None:
        """Close the Kafka clients without committing (batches commit themselves), then the sink."""
        try:
            close_clients(self._consumer, self._producer)
        finally:
            self._consumer = self._producer = None
            self.sink.close()

    def _kafka_consumer(self) -> KafkaConsumer:
        spec = self.spec
        consumer = clients.consumer(self.settings, client_id=spec.client_id, group_id=spec.group_id,
                                    auto_offset_reset="earliest", **spec.consumer_options)
        if spec.group_id is not None:
            consumer.subscribe([spec.topic])
            return consumer
        partitions = [TopicPartition(spec.topic, p) for p in sorted(consumer.partitions_for_topic(spec.topic) or ())]
        consumer.assign(partitions)
        if spec.from_beginning:
            consumer.seek_to_beginning(*partitions)
        else:
            consumer.seek_to_end(*partitions)
        return consumer

    def _replace_if_stuck(self) -> None:
        """Close and connect again a group consumer that lost its coordinator for good (see :mod:`.watchdog`)."""
        stuck_s = self._watch.stuck_for(self._consumer)
        if stuck_s is None:
            return
        log.warning("%s: the consumer of %s has not found the coordinator of group %s for %.0f s although a new "
                    "client at %s does; closing it and connecting a new one (it resumes from the last committed "
                    "offsets)",
                    self.spec.stage, self.spec.topic, self.spec.group_id, stuck_s, self.settings.bootstrap)
        old, self._consumer = self._consumer, None
        if self._uncommitted:  # a consumer without its coordinator cannot commit: these are consumed again
            log.info("%s: %d partition offset(s) not committed before the new consumer; their records come again",
                     self.spec.stage, len(self._uncommitted))
            self._uncommitted.clear()
        try:
            close_clients(old)
        except Exception as exc:  # noqa: BLE001 - a stuck client may fail to close; the new one matters
            log.warning("%s: closing the stuck consumer failed: %s", self.spec.stage, exc)
        self._consumer = self._connect_consumer()
        self._watch.reset()
        self.stats.reconnects += 1

    def _kafka_producer(self) -> KafkaProducer:
        return reliable_producer(self.settings, max_request_size=self.spec.max_request_size)

    # -- the loop ---------------------------------------------------------------------------------
    def _next_batch(self, consumer: KafkaConsumer, stop: threading.Event) -> list[Record]:
        """Up to ``batch_size`` records, waiting at most ``batch_wait_s`` after the first one."""
        size = self.spec.batch_size
        batch: list[Record] = []
        deadline: float | None = None
        lost = coordinator_unknown(consumer)
        while len(batch) < size and not stop.is_set():
            timeout_ms = POLL_TIMEOUT_MS if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
            if lost:
                timeout_ms = 0  # the lookup goes on in kafka-python's IO thread; we wait below, not in its loop
            try:
                polled = consumer.poll(timeout_ms=timeout_ms, max_records=size - len(batch))
            except KafkaError:
                if batch:  # already past these records: handle them; the next poll meets the error again
                    return batch
                raise
            for partition_records in polled.values():
                batch.extend(partition_records)
            if deadline is None:
                if not batch:
                    if lost:
                        stop.wait(NO_COORDINATOR_WAIT_S)
                    return batch
                deadline = time.monotonic() + self.spec.batch_wait_s
            if time.monotonic() >= deadline:
                break
        return batch

    def _poll_failed(self, exc: KafkaError, stop: threading.Event) -> None:
        delay = self._backoff.next()
        log.warning("%s: polling %s failed (the broker is away?), polling again in %.1fs: %s",
                    self.spec.stage, self.spec.topic, delay, exc)
        self._retried()
        stop.wait(delay)

    def _idle_done(self, consumer: KafkaConsumer, idle_s: float, until_idle: float) -> bool:
        if not idle_done(consumer, idle_s, until_idle):
            return False
        if not consumer.assignment():
            log.warning("no partitions of %s assigned to this consumer; another member of group %s holds them",
                        self.spec.topic, self.spec.group_id)
        return True

    def _idle(self, stop: threading.Event) -> None:
        """Nothing arrived: let a sink with timed work (``idle() -> outputs``) produce it; nothing is committed."""
        idle = getattr(self.sink, "idle", None)
        if idle is None:
            return
        try:
            outputs = idle()
        except Exception as exc:  # noqa: BLE001 - timed work is tried again at the next idle poll
            log.warning("%s: idle work failed, trying again: %s", self.spec.stage, exc,
                        exc_info=not isinstance(exc, (StreamsError, KafkaError)))
            return
        if outputs:
            self._send(outputs, stop)

    def _process(self, records: Sequence[Record], stop: threading.Event) -> None:
        """Handle one batch, publish its outputs, commit; rewind what is not done."""
        stage = self.spec.stage
        try:
            result = self.sink.handle(Batch(records, stage, stop))
        except Exception as exc:  # noqa: BLE001 - the batch is retried, the loop keeps running
            delay = self._backoff.next()
            log.warning("%s: batch of %d record(s) from %s failed, consuming it again in %.1fs: %s",
                        stage, len(records), self.spec.topic, delay, exc,
                        exc_info=not isinstance(exc, (StreamsError, KafkaError)))  # a bug: show where
            self._rewind(records)
            self._retried()
            stop.wait(delay)
            return
        handled = len(records) if result.handled is None else max(0, min(result.handled, len(records)))
        done = records[:handled]
        if not done:
            self._rewind(records)
            return
        letters = [Output(self.dead_letter_topic, d.source_key, d.to_json(),
                          functools.partial(_count_dead_letter, stage, d.reason)) for d in result.dead_letters]
        if not self._send([*result.produced, *letters], stop):
            self._rewind(records)  # stopped before every output was safe: commit nothing, the batch comes back
            return
        self._finished(done)
        if handled < len(records):
            self._rewind(records[handled:])
        self._backoff.reset()
        self.stats.batches += 1
        self.stats.records += handled
        self.stats.dead_letters += len(letters)
        if result.on_done is not None:
            _call_safely(result.on_done, "batch accounting")
        metrics.LAST_PROCESSED.labels(stage=stage).set(time.time())

    def _send(self, outputs: Sequence[Output], stop: threading.Event) -> bool:
        """Produce ``outputs`` and wait for every ack, re-sending the unacknowledged; False if stopped first."""
        backoff = Backoff(RETRY_BASE_S, RETRY_CAP_S, jitter=False)
        pending = list(outputs)
        while pending:
            pending = self._send_once(pending)
            if not pending:
                break
            if stop.is_set():
                return False
            delay = backoff.next()
            # offsets stay uncommitted until this succeeds; a duplicate record beats a lost one
            log.warning("%s: %d record(s) not acknowledged, sending them again in %.1fs", self.spec.stage,
                        len(pending), delay)
            self._retried()
            if stop.wait(delay):
                return False
        return True

    def _send_once(self, outputs: list[Output]) -> list[Output]:
        """Send and await ``outputs`` once; returns those not acknowledged, in their order."""
        futures: list[Any] = []
        flushed = False
        try:
            if self._producer is None:
                self._producer = self._connect_producer()
            for out in outputs:
                futures.append(self._producer.send(out.topic, key=out.key, value=out.value))
            self._producer.flush(timeout=ACK_TIMEOUT_S)
            flushed = True
        except (KafkaError, BrokerError) as exc:
            log.warning("%s: could not send %d record(s): %s", self.spec.stage, len(outputs), exc)
        failed: list[Output] = []
        for i, out in enumerate(outputs):
            future = futures[i] if i < len(futures) else None
            if future is None or (not flushed and not future.is_done):
                failed.append(out)
                continue
            try:
                metadata = future.get(timeout=ACK_TIMEOUT_S)
            except KafkaError as exc:
                log.warning("%s: record for %s not acknowledged: %s", self.spec.stage, out.topic, exc)
                failed.append(out)
                continue
            if out.on_acked is not None:
                _call_safely(out.on_acked, "acknowledgement callback")
            if out.on_written is not None and metadata is not None:
                _call_safely(functools.partial(out.on_written, metadata.partition, metadata.offset),
                             "acknowledgement callback")
        return failed

    def _finished(self, records: Sequence[Record]) -> None:
        """``records`` are done (outputs acknowledged): commit their offsets now, or with the next batches'
        when the spec commits at most every ``commit_every_s``."""
        if self.spec.group_id is None:
            return
        if not self._uncommitted:
            self._first_uncommitted_at = time.monotonic()
        offsets = self._uncommitted
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
        every = self.spec.commit_every_s
        if every <= 0 or time.monotonic() - self._first_uncommitted_at >= every:
            self._commit_finished()

    def _commit_finished(self) -> None:
        """Commit the offsets after every finished record (nothing without a consumer group)."""
        assert self._consumer is not None
        if not self._uncommitted:
            return
        offsets, self._uncommitted = self._uncommitted, {}
        try:
            self._consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})
        except KafkaError as exc:
            # e.g. a rebalance took the partitions: their new owner consumes the records again
            log.warning("%s: offset commit failed (%s): %s", self.spec.stage, self.spec.redelivery, exc)

    def _rewind(self, records: Sequence[Record]) -> None:
        assert self._consumer is not None
        rewind(self._consumer, records)

    def _retried(self) -> None:
        self.stats.retries += 1
        if self._on_retry is not None:
            _call_safely(self._on_retry, "retry callback")


def _count_dead_letter(stage: str, reason: str) -> None:
    metrics.DEAD_LETTERS.labels(stage=stage, reason=reason).inc()


def _call_safely(fn: Callable[[], None], what: str) -> None:
    """Run a sink's callback; its failure is logged, never allowed to undo a committed batch."""
    try:
        fn()
    except Exception:  # noqa: BLE001 - the batch is committed already; retrying it would repeat outputs
        log.exception("%s failed", what)
