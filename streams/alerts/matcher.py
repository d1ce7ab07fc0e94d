"""The alert matcher: ``articles.enriched`` → ``alerts``, once per rule and story cluster.

Three kafka-python clients:

* :class:`RuleStore` reads the compacted ``alert-rules`` topic (one partition, no consumer group)
  from the beginning at start and catches up to its end before every batch, so a rule acknowledged
  before an article was produced is always applied to that article. A tombstone deletes a rule.
* :class:`FiredKeys` is the once-per-cluster memory: it reads every partition of the ``alerts``
  topic itself (no group) at start and catches up before every batch. An alert's Kafka key is
  ``rule_id:cluster_id``, so the set of keys on the topic *is* the set of (rule, story) pairs that
  already fired — no second store to keep consistent with it, and what is on the topic is exactly
  what was acknowledged. The memory reaches back as far as the topic's retention (7 days), in ~12
  bytes a key and at most :data:`streams.alerts.memory.MAX_KEYS` keys (the oldest go first).
* :class:`AlertMatcher` consumes ``articles.enriched`` in its own group (a sink of
  :class:`streams.kafka.loop.BatchLoop`), evaluates every rule on every article, and produces one
  alert per new key (acks=all, idempotent producer). Offsets are committed only after every alert
  and dead letter of the batch was acknowledged; if the broker refuses, what it refused is sent
  again after a back-off, and if the rules or the memory cannot be read, the consumer seeks back
  and the batch is evaluated again — keys acknowledged meanwhile are in the memory, so nothing
  fires twice. An article that cannot be decoded or evaluated becomes a dead letter (stage
  ``alert``); the process keeps running.

A rule's ``throttle`` or ``digest`` (:mod:`streams.alerts.pacing`) is decided here too, from the
same memory: each alert is marked ``now``, ``throttled`` or ``digest``, and when a digest window has
closed (looked for after each batch and, between articles, about once a second through the loop's
``idle`` hook) one digest record listing the window's alerts is produced to ``alerts``.

Several matcher processes may share the group (partitions of ``articles.enriched`` are split
between them). Two copies of one story that reach two processes within the same fraction of a
second can then both fire; the alerts carry the same key, so delivery skips the second one and
webhook receivers can dedupe by ``Idempotency-Key``. With one matcher process it is exact.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from streams.alerts.memory import KeyMemory
from streams.alerts.pacing import NOW, Pacing
from streams.alerts.rules import Alert, Match, Rule, alert_key, cluster_id, match, view
from streams.core import allocator, metrics
from streams.core.errors import BrokerError, DecodeError, ValidationError
from streams.core.model import DeadLetter, EnrichedArticle
from streams.core.settings import Settings
from streams.kafka import clients, topics
from streams.kafka.clients import reliable_producer
from streams.kafka.loop import Batch, BatchLoop, BatchResult, LoopSpec, Output

log = logging.getLogger(__name__)

STAGE = "alert"
CATCH_UP_TIMEOUT_S = 60.0
#: a reader's end-offsets lookup gives up after this long (kafka-python's default: 30 s), and the next
#: catch-up reads with a new consumer
END_OFFSETS_TIMEOUT_MS = 10_000
IDLE_EVERY_S = 1.0  # between articles, how often closed digest windows are looked for
FIRED_PRUNE_EVERY_S = 3600.0


def matcher_group_id(settings: Settings) -> str:
    """Consumer group of the alert matchers (per topic prefix)."""
    return topics.matcher_group(settings)


def _producer(settings: Settings) -> KafkaProducer:
    return reliable_producer(settings, max_request_size=topics.ALERTS.max_message_bytes)


def _reader(settings: Settings, client_id: str) -> KafkaConsumer:
    """A group-less consumer for reading a topic from the beginning (rules, fired keys)."""
    return clients.consumer(settings, client_id=client_id, auto_offset_reset="earliest")


class _TopicFollower:
    """Read every partition of a topic from the beginning, and catch up to its end on demand."""

    def __init__(self, settings: Settings, spec: topics.TopicSpec, client_id: str) -> None:
        self.topic = spec.name(settings)
        self._settings, self._client_id = settings, client_id
        self._consumer = self._connect()
        self._failed = False
        self._own: dict[int, set[int]] = {}  # partition -> offsets this process wrote and applied already

    def _connect(self) -> KafkaConsumer:
        """A reader of every partition, from the beginning (applying a record twice changes nothing)."""
        consumer = _reader(self._settings, self._client_id)
        found = consumer.partitions_for_topic(self.topic)  # as on the broker, whatever the settings say
        if not found:
            consumer.close()
            raise BrokerError(f"topic {self.topic} does not exist; run `streams topics create`")
        self._partitions = [TopicPartition(self.topic, p) for p in sorted(found)]
        consumer.assign(self._partitions)
        consumer.seek_to_beginning(*self._partitions)
        return consumer

    def catch_up(self, timeout_s: float = CATCH_UP_TIMEOUT_S) -> int:
        """Apply every record up to the end offsets of now; returns how many were read.

        After a failure the next call reads with a new consumer, from the beginning: after a whole-cluster
        restart a kafka-python reader could stay unable to list offsets ("Failed to get offsets by
        timestamps") for minutes, while a new one answered at once.
        """
        if self._failed:
            log.warning("reading %s again with a new consumer after a failed catch-up", self.topic)
            self._consumer.close(autocommit=False)
            self._consumer = self._connect()
            self._failed = False
            self._own.clear()
        try:
            return self._read_to_end(timeout_s)
        except (BrokerError, KafkaError):
            self.renew()
            raise

    def _load(self) -> None:
        """The first catch-up; on failure the reader is closed and the error raised."""
        try:
            self.catch_up()
        except BaseException:
            self.close()
            raise

    def renew(self) -> None:
        """Read with a new consumer, from the beginning, at the next catch-up."""
        self._failed = True

    def written(self, partition: int, offset: int) -> None:
        """This process wrote the record at ``offset`` and applied it already: a catch-up may step over it."""
        self._own.setdefault(partition, set()).add(offset)

    def _skip_own(self, ends: dict[TopicPartition, int]) -> None:
        """Step over the records at the head of each partition that this process wrote itself (applying them
        again would change nothing): the matcher need not fetch back every alert it just produced. Stops at
        the first record written by anyone else, which is read as usual."""
        for tp in self._partitions:
            own = self._own.get(tp.partition)
            if not own:
                continue
            start = position = self._consumer.position(tp)
            while position < ends[tp] and position in own:
                position += 1
            if position > start:
                self._consumer.seek(tp, position)
            self._own[tp.partition] = {offset for offset in own if offset >= position}

    def _read_to_end(self, timeout_s: float) -> int:
        ends = self._consumer.end_offsets(self._partitions, timeout_ms=END_OFFSETS_TIMEOUT_MS)
        self._skip_own(ends)
        deadline = time.monotonic() + timeout_s
        read = 0
        while any(self._consumer.position(tp) < ends[tp] for tp in self._partitions):
            if time.monotonic() > deadline:
                raise BrokerError(f"could not read {self.topic} to its end within {timeout_s:.0f}s")
            for records in self._consumer.poll(timeout_ms=500, max_records=10_000).values():
                for record in records:
                    self.apply(record)
                    read += 1
        return read

    def apply(self, record: Any) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class RuleStore(_TopicFollower):
    """The current alert rules, from the compacted ``alert-rules`` topic (latest value per rule id)."""

    def __init__(self, settings: Settings, *, load: bool = True) -> None:
        self._rules: dict[str, Rule] = {}
        self._lock = threading.Lock()
        super().__init__(settings, topics.ALERT_RULES, "streams-alert-rules")
        if load:
            self._load()
            log.info("alert rules: %d from %s", len(self._rules), self.topic)

    def apply(self, record: Any) -> None:
        if record.key is None:
            return
        rule_id = record.key.decode("utf-8", "replace")
        with self._lock:
            if record.value is None:
                self._rules.pop(rule_id, None)
                return
            try:
                rule = Rule.from_json(record.value)
            except (ValidationError, DecodeError) as exc:
                # written by something other than `streams alerts add`; the previous version stays
                log.warning("ignoring invalid rule %s at %s@%d: %s", rule_id, self.topic, record.offset, exc)
                return
            if rule.id != rule_id:
                log.warning("ignoring rule at %s@%d: key %r differs from its id %r", self.topic, record.offset,
                            rule_id, rule.id)
                return
            self._rules[rule_id] = rule

    def rules(self) -> list[Rule]:
        """The current rules, by id."""
        with self._lock:
            return [self._rules[k] for k in sorted(self._rules)]

    def get(self, rule_id: str) -> Rule | None:
        with self._lock:
            return self._rules.get(rule_id)


class FiredKeys(_TopicFollower):
    """``rule_id:cluster_id`` keys already alerted, learned from the ``alerts`` topic itself.

    Held in a :class:`~streams.alerts.memory.KeyMemory` (~12 bytes a key, at most ``MAX_KEYS``) for
    as long as the topic keeps them: a restart would not know older ones either.
    """

    def __init__(self, settings: Settings, *, load: bool = True, pacing: Pacing | None = None) -> None:
        retention = topics.ALERTS.retention_ms
        self._fired = KeyMemory(None if retention is None else retention / 1000.0)  # key -> when it fired
        self._pruned_at = time.monotonic()
        self.pacing = pacing if pacing is not None else Pacing()  # throttle counts and open digests, same source
        super().__init__(settings, topics.ALERTS, "streams-alerts-fired")
        if load:
            self._load()
            log.info("alert memory: %d (rule, story) pair(s) from %s", len(self._fired), self.topic)

    def apply(self, record: Any) -> None:
        if record.key is not None:
            key = record.key.decode("utf-8", "replace")
            if self._fired.add(key, record.timestamp / 1000.0):  # the record's time: when it fired
                self.pacing.observe(key, record.timestamp / 1000.0, record.value)

    def __contains__(self, key: object) -> bool:
        return key in self._fired

    def __len__(self) -> int:
        return len(self._fired)

    def add(self, key: str, value: bytes | None = None) -> None:
        """Remember ``key`` (call once its alert or digest, ``value``, was acknowledged)."""
        now = time.time()
        if self._fired.add(key, now):
            self.pacing.observe(key, now, value)

    def prune(self) -> int:
        """Forget keys older than the topic's retention (a restart would not know them either), and
        the pacing state no window needs any more; returns how many keys were forgotten."""
        if time.monotonic() - self._pruned_at < FIRED_PRUNE_EVERY_S:
            return 0
        self._pruned_at = time.monotonic()
        self.pacing.prune(time.time())
        return self._fired.forget_old()


@dataclass
class MatcherStats:
    """What an :class:`AlertMatcher` did."""

    consumed: int = 0  # enriched records read
    alerted: int = 0  # alerts produced and acknowledged
    already_fired: int = 0  # matches whose (rule, story) had fired before: duplicates and redeliveries
    dead_lettered: int = 0
    batches: int = 0
    retries: int = 0  # batches evaluated again, or alerts/dead letters sent again, after the broker refused
    digests: int = 0  # digests produced (one per rule and window)


#: after the first article of a batch, wait this long for more: a trickle of one or two articles a
#: poll cost a produce, an ack wait and an offset commit each (2.6 ms of CPU an article at 46/s,
#: four times a burst's); 50 ms is small beside the enrichment before it, and a burst fills the batch
BATCH_WAIT_S = 0.05
#: finished batches' offsets are committed together at most this often (and when idle or stopping), not
#: after every batch: a re-evaluated article fires nothing twice (its alerts' keys are in the memory)
COMMIT_EVERY_S = 1.0
#: while articles flow, the memory of fired alerts is read up to its end at most this often. Reading it before every
#: batch cost an end-offsets request a batch (at 36 articles/s the matcher spent 2.8 ms of CPU an article, 1.8-2.2
#: with both readers caught up once a second; 2.7 with the memory's alone). A batch that does not go on where the
#: last one ended, on every partition (the first one, and the first after a rebalance or a rewind: records that may
#: have been evaluated before), always reads it first, so that the alerts already fired for those records are in it.
#: Two matchers racing on one story may now both fire it within this long (they could within a batch before):
#: delivery sends it once. The rules are still read before every batch: a rule written before an article applies to
#: it.
FOLLOW_EVERY_S = 1.0


class AlertMatcher:
    """Evaluate the alert rules on every enriched article; produce one alert per rule and story.

    ``AlertMatcher(settings).run(stop_event)`` runs until the event is set. ``ready`` is set once
    the rules and the alert memory are loaded and the consumer subscribed.
    """

    def __init__(self, settings: Settings, *, group_id: str | None = None, batch_size: int = 200,
                 batch_wait_s: float = BATCH_WAIT_S, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock  # throttle and digest windows (tests move it forward)
        self.group_id = group_id or matcher_group_id(settings)
        self.batch_size = batch_size
        self.topic = topics.ENRICHED.name(settings)
        self.alerts_topic = topics.ALERTS.name(settings)
        self.dead_letter_topic = topics.DEAD_LETTERS.name(settings)
        self.stats = MatcherStats()
        self.ready = threading.Event()
        self.rules: RuleStore | None = None
        self.fired: FiredKeys | None = None
        self._idle_at = 0.0
        self._follow_at = 0.0  # monotonic time the memory of fired alerts is next read to its end
        self._next_offsets: dict[tuple[str, int], int] = {}  # (topic, partition) -> offset after the last batch's
        self._release_at = 0.0
        self.loop = BatchLoop(settings, LoopSpec(
            stage=STAGE,
            topic=self.topic,
            group_id=self.group_id,
            client_id=f"streams-alerts-{self.group_id}",
            batch_size=batch_size,
            batch_wait_s=batch_wait_s,
            create_topics=(topics.ENRICHED, topics.ALERTS, topics.ALERT_RULES, topics.DEAD_LETTERS),
            consumer_options={
                "max_partition_fetch_bytes": topics.ENRICHED.max_message_bytes,
                "fetch_max_bytes": 4 * topics.ENRICHED.max_message_bytes,
            },
            max_request_size=topics.ALERTS.max_message_bytes,
            redelivery="records will be evaluated again, harmlessly: the alert memory makes that a no-op",
            commit_every_s=COMMIT_EVERY_S,
        ), self, ready=self.ready, on_retry=self._retried)

    def run(self, stop_event: threading.Event | None = None, *, until_idle: float | None = None) -> MatcherStats:
        """Match until ``stop_event`` is set (or, with ``until_idle``, until nothing arrived for that long)."""
        self.loop.run(stop_event, until_idle=until_idle)
        log.info("alert matcher finished: %s", self.stats)
        return self.stats

    # -- the sink, run by the loop ------------------------------------------------------------------
    def open(self) -> None:
        """Load the rules and the alert memory."""
        try:
            self.rules = RuleStore(self.settings)
            self.fired = FiredKeys(self.settings)
        except BaseException:
            self.close()  # the loop opens again after a back-off
            raise
        log.info("matching %s against %d rule(s) (group %s)", self.topic, len(self.rules.rules()), self.group_id)
        self._release_memory()

    def close(self) -> None:
        """Close the rule and alert readers (the loop closes its clients; offsets are never committed on close)."""
        for follower in (self.rules, self.fired):
            if follower is not None:
                follower.close()
        self.rules = self.fired = None

    def handle(self, batch: Batch) -> BatchResult:
        """Evaluate every rule on the batch; the alerts of new (rule, story) pairs are its outputs."""
        assert self.rules is not None and self.fired is not None
        started = time.perf_counter()
        remember = not self._continues(batch.records) or time.monotonic() >= self._follow_at
        if remember:
            self._follow_at = 0.0  # until this catch-up succeeds, the next batch reads the memory too
        try:
            self.rules.catch_up()
            if remember:
                self.fired.catch_up()
        except (BrokerError, KafkaError) as exc:
            # the readers share the cluster's fate: after a whole-cluster restart both were stuck, one after the other
            self.rules.renew()
            self.fired.renew()
            raise BrokerError(f"could not catch up with rules/alerts: {exc}") from exc
        if remember:
            self._follow_at = time.monotonic() + FOLLOW_EVERY_S
        for record in batch.records:
            self._next_offsets[(record.topic, record.partition)] = record.offset + 1
        self.fired.prune()
        self._release_memory()
        rules = self.rules.rules()
        by_id = {rule.id: rule for rule in rules}
        active = [rule for rule in rules if not rule.disabled]  # a disabled rule is kept, not applied
        pending: dict[str, Alert] = {}
        dead: list[DeadLetter] = []
        already = 0
        now = self.clock()
        for record in batch.records:
            try:
                found = self._evaluate(record, active)
            except Exception as exc:  # noqa: BLE001 - a bad record is data, not a crash
                dead.append(batch.dead_letter(exc, record))
                continue
            for alert in found:
                if alert.key in self.fired or alert.key in pending:
                    already += 1
                else:
                    pending[alert.key] = self._paced(alert, by_id[alert.rule_id], pending, now)
        alerts = [self._output(a.key, a.to_json(), a) for a in pending.values()]
        return BatchResult(dead_letters=dead, produced=alerts + self._digests(rules, now),
                           on_done=functools.partial(self._account, len(batch.records), already, len(dead), started))

    def _continues(self, records: Sequence[Any]) -> bool:
        """Whether every partition of ``records`` goes on at the offset where the previous batch ended."""
        seen: set[tuple[str, int]] = set()
        for record in records:
            where = (record.topic, record.partition)
            if where not in seen:
                if self._next_offsets.get(where) != record.offset:
                    return False
                seen.add(where)
        return True

    def _release_memory(self) -> None:
        now = time.monotonic()
        if now >= self._release_at:
            self._release_at = now + allocator.RELEASE_MEMORY_EVERY_S
            allocator.release_free_memory()

    def _paced(self, alert: Alert, rule: Rule, pending: dict[str, Alert], now: float) -> Alert:
        """``alert`` marked with how it is delivered: now, throttled (over the rule's limit) or in a digest."""
        if rule.throttle is None and rule.digest is None:
            return alert
        unacked = sum(1 for a in pending.values() if a.rule_id == rule.id and a.delivery == NOW)
        delivery = self.fired.pacing.decide(rule, now, unacked) if self.fired is not None else NOW
        return alert if delivery == NOW else dataclasses.replace(alert, delivery=delivery)

    def _output(self, key: str, value: bytes, alert: Alert | None = None) -> Output:
        return Output(self.alerts_topic, key.encode(), value, functools.partial(self._acked, key, value, alert),
                      self._written)

    def _written(self, partition: int, offset: int) -> None:
        """An acknowledged alert's place on the topic: its key is in the memory already (:meth:`_acked`)."""
        if self.fired is not None:
            self.fired.written(partition, offset)

    def _digests(self, rules: Sequence[Rule], now: float) -> list[Output]:
        """The digests whose window closed, as outputs (their key on the topic means: done)."""
        if self.fired is None or not any(rule.digest for rule in rules):
            return []
        return [self._output(d.key, d.to_json()) for d in self.fired.pacing.due(rules, now)]

    def idle(self) -> list[Output]:
        """Between articles: the digests whose window closed (run by the loop when a poll brought nothing)."""
        if self.rules is None or self.fired is None or not any(rule.digest for rule in self.rules.rules()):
            return []
        now = time.monotonic()
        if now < self._idle_at:
            return []
        self._idle_at = now + IDLE_EVERY_S
        self.rules.catch_up()
        self.fired.catch_up()  # a digest another matcher produced is done
        return self._digests(self.rules.rules(), self.clock())

    @staticmethod
    def _evaluate(record: Any, rules: Sequence[Rule]) -> list[Alert]:
        if not record.value:
            raise DecodeError("empty record (no enriched article)", reason="empty")
        enriched = EnrichedArticle.from_json(record.value)
        prepared = view(enriched)
        alerts = []
        for rule in rules:
            found: Match | None = match(rule, prepared)
            if found is not None:
                alerts.append(Alert.build(rule, found, enriched))
        return alerts

    def _acked(self, key: str, value: bytes, alert: Alert | None) -> None:
        """Remember an acknowledged alert's (or digest's) key: it never fires again; count an alert."""
        if self.fired is not None:
            self.fired.add(key, value)
        if alert is None:
            self.stats.digests += 1
            return
        self.stats.alerted += 1
        metrics.ARTICLES_ALERTED.inc()
        self._observe_latency(alert, time.time())

    @staticmethod
    def _observe_latency(alert: Alert, now: float) -> None:
        if not alert.received_at:
            return
        from datetime import datetime

        try:
            received = datetime.fromisoformat(alert.received_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return
        metrics.END_TO_END_LATENCY.labels(path="ingest_to_alert").observe(max(0.0, now - received))

    def _retried(self) -> None:
        self.stats.retries += 1

    def _account(self, consumed: int, already: int, dead: int, started: float) -> None:
        self.stats.consumed += consumed
        self.stats.already_fired += already
        self.stats.dead_lettered += dead
        self.stats.batches += 1
        metrics.STAGE_LATENCY.labels(stage=STAGE).observe((time.perf_counter() - started) / max(1, consumed))


# -- rule administration (used by `streams alerts add|list|remove`) ------------------------------
def _send_rule(settings: Settings, key: str, value: bytes | None) -> None:
    from streams.kafka import admin

    admin.create_topics(settings, [topics.ALERT_RULES])
    producer = _producer(settings)
    try:
        producer.send(topics.ALERT_RULES.name(settings), key=key.encode(), value=value).get(timeout=60)
    except KafkaError as exc:
        raise BrokerError(f"could not write to {topics.ALERT_RULES.name(settings)}: {exc}") from exc
    finally:
        producer.close(timeout=10)


def put_rule(settings: Settings, rule: Rule) -> None:
    """Add or replace ``rule`` (keyed by its id); returns once the broker acknowledged it."""
    _send_rule(settings, rule.id, rule.to_json())


def delete_rule(settings: Settings, rule_id: str) -> None:
    """Delete a rule: a tombstone on its key (compaction drops it for good)."""
    _send_rule(settings, rule_id, None)


def list_rules(settings: Settings) -> list[Rule]:
    """The current rules, read from the topic."""
    from streams.kafka import admin

    admin.create_topics(settings, [topics.ALERT_RULES])
    store = RuleStore(settings)
    try:
        return store.rules()
    finally:
        store.close()


__all__ = [
    "AlertMatcher", "FiredKeys", "MatcherStats", "RuleStore", "alert_key", "cluster_id", "delete_rule", "list_rules",
    "matcher_group_id", "put_rule",
]
