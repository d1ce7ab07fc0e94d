"""Throttle and digest: how often a rule's webhook is called. Pure code (the matcher feeds it).

A rule may say ``throttle: 5/1h`` (at most 5 webhook calls in any hour; the alerts beyond are kept,
marked ``delivery: throttled``, and not POSTed) or ``digest: 15m`` (its alerts are marked
``delivery: digest`` and not POSTed one by one; once per 15-minute window one :class:`Digest`
listing them is produced to the ``alerts`` topic and POSTed instead).

Why in the matcher, from the ``alerts`` topic: that topic is already the matcher's memory of what
fired. Every alert carries its ``delivery`` mark and every digest lists the alert keys it covers,
so :class:`Pacing` is rebuilt by reading the topic at start — a matcher that crashes mid-window
loses nothing: the window's alerts are on the topic, not in a process, and the digest is produced
once its window has closed (its key ``#digest:<rule>:<window start>`` on the topic means "done";
an alert no digest lists yet goes into the next one). Deliverers stay stateless: a digest is one
message, delivered at least once with ``webhook-id`` = its key, like an alert.
"""

from __future__ import annotations

import bisect
import collections
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

import orjson

from streams.core.errors import DecodeError, ValidationError

DIGEST_PREFIX = "#digest:"  # no rule id starts with '#': a digest key never equals an alert key
MIN_WINDOW_S = 1.0
MAX_WINDOW_S = 86_400.0  # a day: well inside the alerts topic's retention (the memory)
MAX_PER_WINDOW = 1000
DIGEST_GRACE_S = 2.0  # after a window ends, for alerts of other matcher processes to arrive
MAX_DIGEST_ITEMS = 100  # listed in one digest; the count says how many more
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
NOW, THROTTLED, DIGEST = "now", "throttled", "digest"
DELIVERIES = (NOW, THROTTLED, DIGEST)


def parse_window(text: Any, path: str) -> float:
    """``30s``, ``15m``, ``1h``, ``1d`` → seconds (1 s to 1 day)."""
    m = _DURATION.match(text) if isinstance(text, str) else None
    if not m:
        raise ValidationError(f"{text!r} is not a duration such as 30s, 15m, 1h", field=path)
    seconds = float(int(m.group(1)) * _UNIT_S[m.group(2)])
    if not MIN_WINDOW_S <= seconds <= MAX_WINDOW_S:
        raise ValidationError(f"{text!r}: a window lasts from 1s to 1d", field=path)
    return seconds


def parse_throttle(text: Any, path: str = "throttle") -> tuple[int, float]:
    """``5/1h`` → (5, 3600.0): at most 5 webhook calls in any hour."""
    count, _, window = text.partition("/") if isinstance(text, str) else ("", "", "")
    if not count.strip().isdigit() or not window:
        raise ValidationError(f"{text!r} is not N/WINDOW such as 5/1h", field=path)
    if not 1 <= int(count) <= MAX_PER_WINDOW:
        raise ValidationError(f"{count.strip()} calls: give 1 to {MAX_PER_WINDOW} per window", field=path)
    return int(count), parse_window(window, path)


def window_start(ts: float, width: float) -> float:
    """Start of the tumbling window (aligned on the epoch) holding ``ts``."""
    return (ts // width) * width


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def digest_key(rule_id: str, start: float) -> str:
    return f"{DIGEST_PREFIX}{rule_id}:{_iso(start)}"


@dataclass(frozen=True)
class Digest:
    """One delivery listing a rule's alerts of one window (a message on the ``alerts`` topic)."""

    key: str
    rule_id: str
    rule_name: str
    window_start: str
    window_end: str
    webhook: str | None
    count: int  # alerts covered (``alerts`` lists at most MAX_DIGEST_ITEMS of them)
    alerts: list[dict[str, Any]]  # key, article_id, headline, uri, reason, snippet, matched_at
    covers: list[str]  # every alert key covered: the memory of what no later digest lists again
    kind: str = "digest"
    schema: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Digest":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"digest is not valid JSON: {exc}", reason="malformed_json") from exc
        if not isinstance(data, dict) or data.get("kind") != "digest":
            raise ValidationError("not a digest (kind must be 'digest')")
        try:
            digest = cls(**data)
        except TypeError as exc:
            raise ValidationError(f"digest does not match the model: {exc}") from exc
        digest._check()
        return digest

    def _check(self) -> None:
        """Every field of the type it must have (the topic is written by others too)."""
        for name in ("key", "rule_id", "rule_name", "window_start", "window_end"):
            if not isinstance(getattr(self, name), str):
                raise ValidationError("must be a string", field=name)
        if not self.key.startswith(DIGEST_PREFIX):
            raise ValidationError(f"must start with {DIGEST_PREFIX!r}", field="key")
        if self.webhook is not None and not isinstance(self.webhook, str):
            raise ValidationError("must be a URL string or null", field="webhook")
        if isinstance(self.count, bool) or not isinstance(self.count, int):
            raise ValidationError("must be a whole number", field="count")
        if not isinstance(self.covers, list) or not all(isinstance(k, str) for k in self.covers):
            raise ValidationError("must be a list of alert keys", field="covers")
        if not isinstance(self.alerts, list) or not all(isinstance(a, dict) for a in self.alerts):
            raise ValidationError("must be a list of alert summaries", field="alerts")

    def line(self) -> str:
        """A compact one-line view (for ``streams alerts deliver --tail``)."""
        return f"{self.window_end[:19].replace('T', ' ')}  [{self.rule_name}]  digest of {self.count} alert(s) " \
               f"{self.window_start[11:16]}–{self.window_end[11:16]}  ({self.key})"

    # the webhook target reads these like an alert's
    @property
    def delivery(self) -> str:
        return NOW


@dataclass
class _Rule:
    sent: list[float] = field(default_factory=list)  # times of alerts POSTed at once, sorted
    pending: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)  # digest members to list
    digested: dict[str, float] = field(default_factory=dict)  # alert keys a digest already covers -> its time


class Pacing:
    """The matcher's throttle counts and open digests, learned from the ``alerts`` topic."""

    def __init__(self) -> None:
        self._rules: dict[str, _Rule] = collections.defaultdict(_Rule)
        self._digests: dict[str, float] = {}  # digests produced (their keys) -> their time

    # -- learning from the topic (at start and on every catch-up) and from acknowledgements ----
    def observe(self, key: str, ts: float, value: bytes | None) -> None:
        """Account for one record of the ``alerts`` topic (or an alert this process just produced)."""
        if value is None:
            return
        if key.startswith(DIGEST_PREFIX):
            self._observe_digest(key, ts, value)
            return
        if b'"delivery":' not in value:  # an alert POSTed at once, the common case: no JSON decoding
            self._sent(self._rules[key.split(":", 1)[0]], ts)
            return
        try:
            data = orjson.loads(value)
        except orjson.JSONDecodeError:
            return
        if not isinstance(data, dict) or not isinstance(data.get("rule_id"), str):
            return  # not an alert this version wrote: nothing to count
        rule = self._rules[data["rule_id"]]
        mark = data.get("delivery")
        if mark == DIGEST and key not in rule.digested:
            rule.pending[key] = (ts, _summary(data))
        elif mark == NOW:
            self._sent(rule, ts)

    @staticmethod
    def _sent(rule: _Rule, ts: float) -> None:
        """Count an alert POSTed at once. Only the newest MAX_PER_WINDOW times are kept: no throttle allows
        more in a window, so they answer :meth:`decide` exactly; keeping them all (a day of them, for every
        rule, throttled or not) grew the matcher by 32 bytes an alert."""
        bisect.insort(rule.sent, ts)  # partitions are read interleaved
        if len(rule.sent) > MAX_PER_WINDOW:
            del rule.sent[: len(rule.sent) - MAX_PER_WINDOW]

    def _observe_digest(self, key: str, ts: float, value: bytes) -> None:
        if key in self._digests:
            return
        self._digests[key] = ts
        try:
            digest = Digest.from_json(value)
        except (DecodeError, ValidationError):
            return
        rule = self._rules[digest.rule_id]
        for covered in digest.covers:
            rule.digested[covered] = ts
            rule.pending.pop(covered, None)

    # -- deciding ---------------------------------------------------------------------------------
    def decide(self, rule: Any, now: float, unacked: int = 0) -> str:
        """How the next alert of ``rule`` is delivered: ``now``, ``throttled`` or ``digest``;
        ``unacked``: alerts of the rule already decided ``now`` in the batch in hand."""
        if rule.digest_window is not None:
            return DIGEST
        if rule.throttle_limit is None:
            return NOW
        most, width = rule.throttle_limit
        sent = self._rules[rule.id].sent
        recent = len(sent) - bisect.bisect_right(sent, now - width)
        return THROTTLED if recent + unacked >= most else NOW

    def due(self, rules: Iterable[Any], now: float) -> list[Digest]:
        """The digests whose window closed (plus a grace), each listing the rule's alerts up to its end."""
        out = []
        for rule in rules:
            width = rule.digest_window
            state = self._rules.get(rule.id)
            if width is None or state is None or not state.pending:
                continue
            start = window_start(min(ts for ts, _ in state.pending.values()), width)
            while digest_key(rule.id, start) in self._digests:  # a late alert of a window already sent
                start += width  # goes into the next one
            end = start + width
            key = digest_key(rule.id, start)
            if now < end + DIGEST_GRACE_S:
                continue
            members = sorted((item for item in state.pending.items() if item[1][0] < end), key=lambda i: i[1][0])
            out.append(Digest(key=key, rule_id=rule.id, rule_name=rule.name, window_start=_iso(start),
                              window_end=_iso(end), webhook=rule.webhook, count=len(members),
                              alerts=[summary for _, (_, summary) in members[:MAX_DIGEST_ITEMS]],
                              covers=[k for k, _ in members]))
        return out

    def prune(self, now: float) -> None:
        """Forget send times older than the longest window, and digests (with the keys they cover) older than
        two: an alert is read after the digest that lists it only within one catch-up of the topic (its
        partitions are read interleaved), and a digest is produced a window and a grace after its alerts.
        Kept forever, they grew by an entry per digested alert."""
        digests_before = now - 2 * MAX_WINDOW_S
        for state in self._rules.values():
            del state.sent[:bisect.bisect_right(state.sent, now - MAX_WINDOW_S)]
            state.digested = {k: ts for k, ts in state.digested.items() if ts >= digests_before}
        self._digests = {k: ts for k, ts in self._digests.items() if ts >= digests_before}


def _summary(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in ("key", "article_id", "cluster_id", "headline", "uri", "reason", "snippet",
                                     "matched_at")}
