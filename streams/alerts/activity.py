"""What the alert pipeline did, read back from Kafka for the console: the current rules, the newest
alerts with how far each delivery target got with them, and the newest dead letters by stage and reason.

Every read is bounded (the newest records of each partition, a time limit per read): a page built
from it costs the same on a topic of ten records or ten million. A delivery target's progress is its
consumer group's committed offset on ``alerts``: an alert below it was handled by that target —
delivered, held (throttled or in a digest), or dead-lettered, which the dead letters of stage
``alert_delivery`` name by the alert's partition and offset.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from streams.alerts.delivery import STAGE as DELIVERY_STAGE
from streams.alerts.matcher import RuleStore
from streams.alerts.model import Alert, Rule
from streams.alerts.pacing import DIGEST_PREFIX, NOW, Digest
from streams.core.errors import BrokerError, StreamsError
from streams.core.settings import Settings
from streams.kafka import admin, topics
from streams.kafka.clients import bootstrap_reachable
from streams.kafka.deadletters import Letter, letter_from_record
from streams.kafka.lag import committed_offsets
from streams.kafka.tail import newest

log = logging.getLogger(__name__)

#: the delivery targets whose progress is shown (the kinds `streams up` runs)
TARGETS = ("webhook", "file")
FIRINGS = 50
LETTERS_PER_PARTITION = 500
NEWEST_LETTERS = 10
READ_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Firing:
    """One record of the ``alerts`` topic: an alert (or a digest) and its status per delivery target."""

    partition: int
    offset: int
    time: datetime
    key: str
    alert: Alert | None
    digest: Digest | None
    status: dict[str, str]  # target kind -> delivered | pending | held (throttled) | dead-lettered: reason ...


@dataclass(frozen=True)
class LetterCount:
    stage: str
    reason: str
    count: int


@dataclass
class Activity:
    """What :func:`read_activity` found; ``errors`` says what could not be read, and why."""

    rules: list[Rule] = field(default_factory=list)
    firings: list[Firing] = field(default_factory=list)
    letter_counts: list[LetterCount] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)  # the newest few, newest first
    letters_scanned: int = 0
    targets: list[str] = field(default_factory=list)  # targets with a committed offset on alerts
    errors: list[str] = field(default_factory=list)


def read_activity(settings: Settings, *, firings: int = FIRINGS, letters: int = LETTERS_PER_PARTITION,
                  newest_letters: int = NEWEST_LETTERS, timeout_s: float = READ_TIMEOUT_S) -> Activity:
    """Rules, the newest ``firings`` alerts with their delivery status, and dead-letter counts over the
    newest ``letters`` of each dead-letter partition. A part that cannot be read is left empty and named
    in ``errors``; the others are still read."""
    out = Activity()
    if not bootstrap_reachable(settings.bootstrap, timeout=1.0):
        out.errors.append(f"no Kafka broker answers at {settings.bootstrap}: rules, alerts and dead letters "
                          "are read from it (start it with `streams kafka start`, or set STREAMS_KAFKA_BOOTSTRAP)")
        return out
    out.rules = _guarded(out, "alert rules", lambda: _rules(settings, timeout_s), [])
    dead = _guarded(out, "dead letters", lambda: [letter_from_record(r) for r in newest(
        settings, topics.DEAD_LETTERS.name(settings), letters, timeout_s=timeout_s)], [])
    out.letters_scanned = len(dead)
    out.letters = dead[:newest_letters]
    counts = Counter((d.letter.stage, d.letter.reason) for d in dead)
    out.letter_counts = [LetterCount(s, r, n) for (s, r), n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]
    records = _guarded(out, "alerts", lambda: newest(settings, topics.ALERTS.name(settings), firings,
                                                     timeout_s=timeout_s)[:firings], [])
    committed = _guarded(out, "delivery progress", lambda: _committed(settings), {})
    out.targets = [t for t in TARGETS if committed.get(t)]
    failed = {(d.letter.source_partition, d.letter.source_offset): d.letter.reason for d in dead
              if d.letter.stage == DELIVERY_STAGE and d.letter.source_topic == topics.ALERTS.name(settings)}
    out.firings = [firing(r, committed, failed) for r in records]
    return out


def _guarded(out: Activity, what: str, read: Any, empty: Any) -> Any:
    try:
        return read()
    except Exception as exc:  # noqa: BLE001 - kafka-python raises many unrelated types; the page shows the rest
        log.warning("console: could not read %s: %s", what, exc)
        out.errors.append(f"could not read {what}: {exc}")
        return empty


def _rules(settings: Settings, timeout_s: float) -> list[Rule]:
    try:
        store = RuleStore(settings, load=False)
    except BrokerError:
        return []  # no rules topic yet: no rule was ever added
    try:
        store.catch_up(timeout_s)
        return store.rules()
    finally:
        store.close()


def _committed(settings: Settings) -> dict[str, dict[int, int]]:
    """Committed offset on ``alerts`` per partition, of each delivery target's group."""
    name = topics.ALERTS.name(settings)
    out: dict[str, dict[int, int]] = {}
    with admin.admin_client(settings) as client:
        for kind in TARGETS:
            offsets = committed_offsets(client, topics.delivery_group(settings, kind), retry_for_s=2.0)
            out[kind] = {tp.partition: off for tp, off in offsets.items() if tp.topic == name}
    return out


def firing(record: Any, committed: Mapping[str, Mapping[int, int]],
           failed: Mapping[tuple[int | None, int | None], str]) -> Firing:
    """A record of ``alerts`` with the status of each target that has a committed offset."""
    key = (record.key or b"").decode("utf-8", "replace")
    alert: Alert | None = None
    digest: Digest | None = None
    try:
        if key.startswith(DIGEST_PREFIX):
            digest = Digest.from_json(record.value)
        else:
            alert = Alert.from_json(record.value)
    except (StreamsError, TypeError, ValueError) as exc:
        log.debug("unreadable alert at %s@%d: %s", record.partition, record.offset, exc)
    when = datetime.fromtimestamp((record.timestamp or 0) / 1000, tz=timezone.utc)
    status = {kind: _status(kind, record.partition, record.offset, alert, offsets, failed)
              for kind, offsets in committed.items() if offsets}
    return Firing(record.partition, record.offset, when, key, alert, digest, status)


def _status(kind: str, partition: int, offset: int, alert: Alert | None, offsets: Mapping[int, int],
            failed: Mapping[tuple[int | None, int | None], str]) -> str:
    if offset >= offsets.get(partition, 0):
        return "pending"
    if (partition, offset) in failed:
        return f"dead-lettered: {failed[(partition, offset)]}"
    if kind == "webhook" and alert is not None:
        if alert.delivery != NOW:
            return f"held ({alert.delivery})"
        if not alert.webhook:
            return "no rule webhook"
    return "delivered"

