"""Read, filter and replay the dead-letter topic, which every stage writes to.

A dead letter is named by where it sits in the dead-letter topic: ``PARTITION:OFFSET`` (see
:func:`letter_id`). Replay sends a letter's original bytes, with its original key, back to the
topic it was consumed from (``DeadLetter.source_topic``), so the stage that failed handles it again
once its cause is fixed. Letters without a source topic (stage ``ingest``: a feed entry or a file
line that never became an article) cannot be replayed; re-ingest their origin instead.

Replay is idempotent twice over:

* the sinks are: the archive upserts by article id and version, alerts dedupe by key, so a record
  consumed twice changes nothing;
* each replayed letter gets a marker in the compacted topic ``dead-letters.replayed`` (key: the
  letter id; value: when, where to, and the letter's own time), written after the replayed record is
  acknowledged. A later replay skips letters with a marker unless asked to replay ``again``. The
  marker carries the letter's time, so a dead-letter topic deleted and recreated (offsets start
  over) does not hide new letters behind old markers. A crash between the two writes leaves no
  marker; the letter is replayed again next time, which the sinks absorb.

The replayed record also carries a ``streams-replay-of`` header naming the letter, for tracing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Mapping

import orjson
from kafka import TopicPartition

from streams.core.errors import BrokerError, StreamsError
from streams.core.model import DeadLetter, utcnow_iso
from streams.core.settings import Settings
from streams.kafka import admin, topics
from streams.kafka.clients import close_clients, consumer, reliable_producer

#: header on a replayed record: the dead-letter topic and the letter id it came from
REPLAY_HEADER = "streams-replay-of"
POLL_TIMEOUT_MS = 500
#: a scan gives up when the broker sends nothing for this long though the end is not reached
SCAN_STALL_S = 30.0
ACK_TIMEOUT_S = 60.0

#: kafka-python's ConsumerRecord (topic, partition, offset, key, value, timestamp, headers, ...)
Record = Any

_ID = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")
_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class Letter:
    """A dead letter as read from the topic, with its id there (``PARTITION:OFFSET``)."""

    id: str
    letter: DeadLetter
    timestamp_ms: int  # the broker's record timestamp

    @property
    def time(self) -> datetime:
        """When the stage dead-lettered it (the letter's own time; the record's if unreadable)."""
        try:
            return parse_time(self.letter.time)
        except StreamsError:
            return _from_ms(self.timestamp_ms)


@dataclass(frozen=True)
class Filter:
    """Which letters to select; an empty set or ``None`` means "any"."""

    stages: frozenset[str] = frozenset()
    reasons: frozenset[str] = frozenset()
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def matches(self, item: Letter) -> bool:
        if self.stages and item.letter.stage not in self.stages:
            return False
        if self.reasons and item.letter.reason not in self.reasons:
            return False
        when = item.time
        return (self.since is None or when >= self.since) and (self.until is None or when < self.until)


@dataclass
class ReplayReport:
    """What a replay did (or, dry, would do): ids per outcome."""

    replayed: list[tuple[str, str]] = field(default_factory=list)  # (id, target topic)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, why)


def letter_id(partition: int, offset: int) -> str:
    """The id of the letter at ``offset`` of dead-letter partition ``partition``."""
    return f"{partition}:{offset}"


def parse_id(text: str) -> tuple[int, int]:
    """``"PARTITION:OFFSET"`` -> (partition, offset); a :class:`StreamsError` saying the form otherwise."""
    m = _ID.match(text)
    if not m:
        raise StreamsError(f"bad dead-letter id {text!r}: expected PARTITION:OFFSET, as `streams deadletters list` "
                           "prints it (e.g. 0:42)")
    return int(m.group(1)), int(m.group(2))


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 date or date-time (UTC unless it says otherwise), or an age like ``30m``, ``2h``, ``7d``."""
    m = _AGO.match(text)
    if m:
        ref = now or datetime.now(timezone.utc)
        return ref - timedelta(seconds=float(m.group(1)) * _UNIT_S[m.group(2)])
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise StreamsError(f"bad time {text!r}: give an ISO date or date-time (2026-01-13, 2026-01-13T10:00Z) "
                           "or an age (30m, 2h, 7d)") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def preview(data: bytes, limit: int = 4000) -> tuple[str, str]:
    """How to show ``data``: ``("text", decoded)`` when it is UTF-8, else ``("hex", dump)``; cut at ``limit``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        shown = data[: limit // 3]
        dump = shown.hex(" ")
        more = f" ... ({len(data) - len(shown)} more bytes)" if len(shown) < len(data) else ""
        return "hex", dump + more
    more = f"\n... ({len(text) - limit} more characters)" if len(text) > limit else ""
    return "text", text[:limit] + more


def summary(item: Letter) -> dict[str, object]:
    """A letter as plain JSON-able data (the original as base64), for ``--json`` output."""
    d = item.letter.to_dict()
    return {"id": item.id, **d, "original_bytes": len(item.letter.original)}


def replay_target(letter: DeadLetter, settings: Settings) -> tuple[str | None, str]:
    """The topic a letter goes back to, or ``None`` with why it cannot be replayed."""
    if not letter.source_topic:
        return None, f"stage {letter.stage} records no source topic: re-ingest {letter.origin or 'its origin'}"
    known = {spec.name(settings) for spec in topics.ALL_TOPICS} - {topics.DEAD_LETTERS.name(settings)}
    if letter.source_topic not in known:
        return None, f"source topic {letter.source_topic} is not a topic of this pipeline (prefix " \
                     f"{settings.topic_prefix!r})"
    if not letter.original:
        return None, "no original bytes recorded"
    return letter.source_topic, ""


def plan(items: Iterable[Letter], settings: Settings, markers: Mapping[str, Mapping[str, object]], *,
         again: bool = False) -> tuple[list[tuple[Letter, str]], list[tuple[str, str]]]:
    """Split letters into (letter, target topic) to replay and (id, why) to skip."""
    todo: list[tuple[Letter, str]] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            continue  # the same id given twice is replayed once
        seen.add(item.id)
        target, why = replay_target(item.letter, settings)
        marker = markers.get(item.id)
        if target is None:
            skipped.append((item.id, why))
        elif marker is not None and marker.get("letter_time") == item.letter.time and not again:
            skipped.append((item.id, f"already replayed at {marker.get('replayed_at')} (use --again to resend)"))
        else:
            todo.append((item, target))
    return todo, skipped


# --- on the broker --------------------------------------------------------------------------------


def read_letters(settings: Settings, flt: Filter | None = None) -> Iterator[Letter]:
    """Every letter of the dead-letter topic that ``flt`` selects, partition by partition, oldest first.

    Reads up to the end offsets as they were when the scan began (letters arriving meanwhile wait
    for the next scan). Unreadable records are reported as letters of stage ``?``.
    """
    name = topics.DEAD_LETTERS.name(settings)
    for record in _scan(settings, name):
        item = letter_from_record(record)
        if flt is None or flt.matches(item):
            yield item


def fetch(settings: Settings, ids: Iterable[str]) -> list[Letter]:
    """The letters with these ids, in the order given; :class:`StreamsError` naming any id not found."""
    name = topics.DEAD_LETTERS.name(settings)
    wanted = [parse_id(i) for i in ids]
    c = consumer(settings, client_id="streams-deadletters")
    try:
        found: dict[tuple[int, int], Letter] = {}
        for partition, offset in wanted:
            tp = TopicPartition(name, partition)
            if partition not in (c.partitions_for_topic(name) or set()):
                raise StreamsError(f"no dead letter {partition}:{offset}: {name} has no partition {partition}")
            c.assign([tp])
            c.seek(tp, offset)
            record = _one(c, tp, offset)
            if record is None:
                raise StreamsError(f"no dead letter {partition}:{offset} in {name} (expired or never written; "
                                   "`streams deadletters list` shows what there is)")
            found[(partition, offset)] = letter_from_record(record)
        return [found[w] for w in wanted]
    finally:
        close_clients(c)


def replayed_markers(settings: Settings) -> dict[str, dict[str, object]]:
    """The replay markers: letter id -> {replayed_at, letter_time, topic, partition, offset} (latest wins)."""
    out: dict[str, dict[str, object]] = {}
    for record in _scan(settings, topics.DEAD_LETTERS_REPLAYED.name(settings)):
        if record.key is None:
            continue
        key = record.key.decode("utf-8", "replace")
        if record.value is None:
            out.pop(key, None)
            continue
        try:
            out[key] = orjson.loads(record.value)
        except orjson.JSONDecodeError:
            continue
    return out


def replay(settings: Settings, items: Iterable[Letter], *, again: bool = False,
           dry_run: bool = False) -> ReplayReport:
    """Send each letter's original bytes and key back to its source topic and mark it replayed.

    Letters already marked are skipped unless ``again``; ``dry_run`` only reports what would be sent.
    """
    admin.create_topics(settings, [topics.DEAD_LETTERS_REPLAYED])
    todo, skipped = plan(items, settings, replayed_markers(settings), again=again)
    report = ReplayReport(skipped=skipped)
    if dry_run or not todo:
        report.replayed = [(item.id, target) for item, target in todo]
        return report
    size = max(spec.max_message_bytes for spec in topics.ALL_TOPICS) + 64 * 1024
    producer = reliable_producer(settings, max_request_size=size)
    dl_topic = topics.DEAD_LETTERS.name(settings)
    marker_topic = topics.DEAD_LETTERS_REPLAYED.name(settings)
    try:
        for item, target in todo:
            header = [(REPLAY_HEADER, f"{dl_topic}:{item.id}".encode())]
            meta = producer.send(target, key=item.letter.source_key, value=item.letter.original,
                                 headers=header).get(timeout=ACK_TIMEOUT_S)
            marker = {"replayed_at": utcnow_iso(), "letter_time": item.letter.time, "topic": target,
                      "partition": meta.partition, "offset": meta.offset}
            producer.send(marker_topic, key=item.id.encode(), value=orjson.dumps(marker)).get(timeout=ACK_TIMEOUT_S)
            report.replayed.append((item.id, target))
    except Exception as exc:  # kafka-python raises several unrelated types on a failed send
        done = len(report.replayed)
        raise BrokerError(f"replay stopped after {done} of {len(todo)} letters: {exc}; run the same replay "
                          "again, the letters already sent are skipped") from exc
    finally:
        close_clients(None, producer)
    return report


def _scan(settings: Settings, name: str) -> Iterator[Record]:
    """Every record of topic ``name`` up to its end offsets at the start of the scan."""
    c = consumer(settings, client_id="streams-deadletters", auto_offset_reset="earliest")
    try:
        parts = [TopicPartition(name, p) for p in sorted(c.partitions_for_topic(name) or ())]
        if not parts:
            return
        c.assign(parts)
        c.seek_to_beginning(*parts)
        ends = c.end_offsets(parts)
        left = {tp for tp in parts if ends[tp] > c.position(tp)}
        last = time.monotonic()
        while left:
            batches = c.poll(timeout_ms=POLL_TIMEOUT_MS)
            if not batches and time.monotonic() - last > SCAN_STALL_S:
                raise BrokerError(f"reading {name} stalled: no records for {SCAN_STALL_S:.0f} s before its end")
            for tp, records in batches.items():
                last = time.monotonic()
                for record in records:
                    if record.offset < ends[tp]:
                        yield record
            left = {tp for tp in left if c.position(tp) < ends[tp]}
    finally:
        close_clients(c)


def _one(c: Any, tp: TopicPartition, offset: int) -> Record | None:
    """The record at ``offset`` of the assigned ``tp``, or ``None`` past the end or compacted away."""
    end = c.end_offsets([tp])[tp]
    if offset >= end:
        return None
    for _ in range(20):
        for record in c.poll(timeout_ms=POLL_TIMEOUT_MS).get(tp, []):
            if record.offset == offset:
                return record
            if record.offset > offset:
                return None
    return None


def letter_from_record(record: Record) -> Letter:
    """The letter a record of the dead-letter topic holds (stage ``?`` when it cannot be decoded)."""
    rid = letter_id(record.partition, record.offset)
    ts = int(record.timestamp or 0)
    try:
        letter = DeadLetter.from_json(record.value)
    except (orjson.JSONDecodeError, TypeError, KeyError, ValueError) as exc:
        raw = record.value or b""
        letter = DeadLetter(stage="?", reason="unreadable_dead_letter", error_type=type(exc).__name__,
                            message=f"this dead letter itself cannot be decoded: {exc}", original=bytes(raw),
                            time=_from_ms(ts).isoformat().replace("+00:00", "Z"))
    return Letter(rid, letter, ts)


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)

