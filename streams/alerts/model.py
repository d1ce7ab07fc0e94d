"""The alert data: rules (validated, JSON), what a match found, and the alert message. Pure code.

A :class:`Rule` is a named set of conditions on an enriched article; the conditions and how they
are evaluated are described in :mod:`streams.alerts.rules`. Building a rule validates it strictly
and every error names the field; topics are normalized to IPTC ``medtop:`` codes with the bundled
taxonomy. :class:`Match` (one :class:`Hit` per condition) is what the evaluation returns, and
:class:`Alert` is the message on the ``alerts`` topic, one per rule and story cluster.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, fields
from typing import Any, Mapping
from urllib.parse import urlsplit

import orjson

from streams.alerts import language
from streams.alerts.language import All, EntityCond, FieldCond, Node, SpeakerCond, Text, TopicCond
from streams.alerts.pacing import DELIVERIES, NOW, parse_throttle, parse_window
from streams.alerts.taxonomy import normalize_topic
from streams.core.errors import DecodeError, ValidationError
from streams.core.model import EnrichedArticle, reject_unknown_fields, utcnow_iso
from streams.core.records import Dedupe

#: rule ids: short, URL- and Kafka-key-safe, and free of ":" so ``rule_id:cluster_id`` splits cleanly
RULE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_VALUES = language.MAX_VALUES  # per condition
MAX_VALUE_CHARS = language.MAX_VALUE_CHARS
LIST_CONDITIONS: tuple[str, ...] = ("text", "entity", "speaker", "topic", "source", "provider", "language")


# -- the rule -------------------------------------------------------------------------------
def new_rule_id() -> str:
    """A fresh rule id (``r-`` + 10 hex digits)."""
    return f"r-{uuid.uuid4().hex[:10]}"


def _str_list(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValidationError(f"expected a list of strings, got {type(value).__name__}", field=name)
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValidationError(f"expected strings, got {type(item).__name__}", field=name)
        item = " ".join(item.split())
        if not item:
            raise ValidationError("values must not be empty", field=name)
        if len(item) > MAX_VALUE_CHARS:
            raise ValidationError(f"a value is longer than {MAX_VALUE_CHARS} characters", field=name)
        if item not in out:
            out.append(item)
    if len(out) > MAX_VALUES:
        raise ValidationError(f"more than {MAX_VALUES} values", field=name)
    return tuple(out)


def check_webhook(url: str) -> None:
    """Raise ValidationError (field webhook) unless ``url`` is an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"{url!r} is not an http(s) URL", field="webhook")


@dataclass(frozen=True)
class Rule:
    """An alert rule. Build with :meth:`from_dict` (validates) or the constructor (validates too)."""

    id: str
    name: str
    text: tuple[str, ...] = ()
    entity: tuple[str, ...] = ()
    entity_type: str | None = None
    min_salience: float | None = None
    speaker: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()  # normalized medtop: codes
    source: tuple[str, ...] = ()
    provider: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    webhook: str | None = None
    created_at: str = field(default_factory=utcnow_iso)
    #: the rule language (:mod:`streams.alerts.language`): plain data, canonical once built; AND-ed
    #: with the flat conditions above, which are its shorthand (and how older rules were written)
    when: Any = field(default=None, hash=False)
    #: how often its webhook is called (:mod:`streams.alerts.pacing`): ``5/1h`` at most 5 calls an
    #: hour, the alerts beyond kept but not POSTed; ``15m`` one POST per window listing its alerts
    throttle: str | None = None
    digest: str | None = None
    #: a disabled rule is kept (listed, testable, enabled again as it was) but the matcher skips it
    disabled: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not RULE_ID_RE.match(self.id):
            raise ValidationError(
                f"{self.id!r} is not a valid rule id (letters, digits, '.', '_', '-'; at most 64)", field="id"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError("must be a non-empty string", field="name")
        if isinstance(self.topic, (int, list)):  # 16000000 written without quotes in a rule file
            object.__setattr__(self, "topic", language.codes_as_text(self.topic))
        for name in LIST_CONDITIONS:
            object.__setattr__(self, name, _str_list(name, getattr(self, name)))
        object.__setattr__(self, "topic", tuple(dict.fromkeys(normalize_topic(t) for t in self.topic)))
        object.__setattr__(self, "language", tuple(v.lower() for v in self.language))
        if self.entity_type is not None:
            if not isinstance(self.entity_type, str) or not self.entity_type.strip():
                raise ValidationError("must be a non-empty string or null", field="entity_type")
            object.__setattr__(self, "entity_type", self.entity_type.strip().upper())
        if self.min_salience is not None:
            if isinstance(self.min_salience, bool) or not isinstance(self.min_salience, (int, float)):
                raise ValidationError("must be a number between 0 and 1", field="min_salience")
            if not 0.0 <= self.min_salience <= 1.0:
                raise ValidationError(f"{self.min_salience} is not between 0 and 1", field="min_salience")
            if not self.entity and self.entity_type is None:
                raise ValidationError("applies to entities: give entity or entity_type too", field="min_salience")
        if self.webhook is not None:
            if not isinstance(self.webhook, str):
                raise ValidationError("must be a URL string or null", field="webhook")
            check_webhook(self.webhook)
        if not isinstance(self.created_at, str):
            raise ValidationError("must be an ISO 8601 string", field="created_at")
        if not isinstance(self.disabled, bool):
            raise ValidationError("must be true or false", field="disabled")
        self._pacing()
        when = None
        if self.when is not None:
            when = language.parse(language.to_data(self.when) if _is_node(self.when) else self.when)
            object.__setattr__(self, "when", language.to_data(when))
        parts = self._flat_nodes() + ([] if when is None else list(language.conjuncts(when)))
        if not parts:
            raise ValidationError(
                "a rule needs at least one condition: `when` (and / or / not of text, entity, speaker, quote, "
                "topic, near, source, provider, language) or the shorthand fields"
            )
        tree: Node = parts[0] if len(parts) == 1 else All(tuple(parts))
        language.check_bounds(tree)
        object.__setattr__(self, "_tree", tree)

    def _pacing(self) -> None:
        limit = None if self.throttle is None else parse_throttle(self.throttle)
        window = None if self.digest is None else parse_window(self.digest, "digest")
        if limit is not None and window is not None:
            raise ValidationError("give throttle or digest, not both (a digest is already one call per window)",
                                  field="digest")
        object.__setattr__(self, "throttle_limit", limit)
        object.__setattr__(self, "digest_window", window)

    def _flat_nodes(self) -> list[Node]:
        """The shorthand fields as nodes of the language, in their historical order."""
        out: list[Node] = []
        if self.text:
            out.append(Text(self.text))
        if self.entity or self.entity_type is not None:
            out.append(EntityCond(self.entity, self.entity_type,
                                  None if self.min_salience is None else float(self.min_salience)))
        if self.speaker:
            out.append(SpeakerCond(self.speaker))
        if self.topic:
            out.append(TopicCond(self.topic))
        out += [FieldCond(name, getattr(self, name)) for name in ("source", "provider", "language")
                if getattr(self, name)]
        return out

    @property
    def tree(self) -> Node:
        """The whole condition: the shorthand fields AND ``when``, as one tree of nodes."""
        return self._tree  # type: ignore[attr-defined, no-any-return]

    def conditions(self) -> list[str]:
        """Kinds of the leaf conditions this rule uses (``["entity", "topic"]``)."""
        return language.leaf_names(self.tree)

    # -- (de)serialization ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON data; ``when`` (and pacing, ``disabled``) only when set, so a shorthand rule reads
        as it always did."""
        out = {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}
        for name in ("when", "throttle", "digest"):
            if out[name] is None:
                del out[name]
        if not self.disabled:
            del out["disabled"]
        return out

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Rule":
        if not isinstance(data, Mapping):
            raise ValidationError(f"a rule must be a JSON object, got {type(data).__name__}")
        reject_unknown_fields(cls, data)
        for name in ("id", "name"):
            if name not in data:
                raise ValidationError("is required", field=name)
        return cls(**dict(data))

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Rule":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"rule is not valid JSON: {exc}", reason="malformed_json") from exc
        return cls.from_dict(data)

    def describe(self) -> str:
        """The condition in one human line, e.g. ``speaker=Kaja Kallas AND NOT topic=medtop:15000000``."""
        return language.describe(self.tree)

    def document(self) -> dict[str, Any]:
        """The rule as a desk writes it in a rules file: id, name, the whole condition as ``when``, webhook."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "when": language.to_data(self.tree)}
        for name in ("webhook", "throttle", "digest", "disabled"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


def _is_node(value: Any) -> bool:
    return type(value).__module__ == language.__name__


# -- what a match found ----------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    """One condition that held: which, on what value, and the evidence."""

    condition: str
    value: str  # the rule's value that hit
    matched: str  # what in the article it hit (entity name, speaker, topic code + label, the text found)
    snippet: str | None = None  # surrounding text or the quote


@dataclass(frozen=True)
class Match:
    """A rule matched an article, and why."""

    rule_id: str
    rule_name: str
    article_id: str
    hits: tuple[Hit, ...]

    @property
    def conditions(self) -> list[str]:
        return [h.condition for h in self.hits]

    @property
    def snippet(self) -> str | None:
        """The most telling evidence: a quote, else a text snippet, else None."""
        for kind in ("speaker", "text", "entity"):
            for h in self.hits:
                if h.condition == kind and h.snippet:
                    return h.snippet
        return None

    def reason(self) -> str:
        """One line: ``entity 'Kaja Kallas' (salience 0.99); topic medtop:16000000 (conflict, war and peace)``."""
        return "; ".join(f"not {h.value}" if h.condition == "not" else f"{h.condition} {h.matched!r}"
                         for h in self.hits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "article_id": self.article_id,
            "reason": self.reason(),
            "hits": [h.__dict__.copy() for h in self.hits],
            "snippet": self.snippet,
        }


def cluster_id(enriched: EnrichedArticle) -> str:
    """The story cluster of an article (``dedupe.cluster_id``), else its own id."""
    value = Dedupe.from_dict(enriched.dedupe).cluster_id if isinstance(enriched.dedupe, Mapping) else None
    return value or enriched.id


def alert_key(rule_id: str, cluster: str) -> str:
    """The idempotency key of an alert: ``rule_id:cluster_id`` (one alert per rule and story)."""
    return f"{rule_id}:{cluster}"


# -- the alert message ------------------------------------------------------------------------
ALERT_SCHEMA = 1


@dataclass(frozen=True)
class Alert:
    """One alert on the ``alerts`` topic: a rule matched a story (Kafka key = :attr:`key`)."""

    key: str  # rule_id:cluster_id, also the Idempotency-Key of the webhook call
    rule_id: str
    rule_name: str
    cluster_id: str
    article_id: str
    headline: str | None
    uri: str | None
    source: str | None
    provider: str | None
    language: str | None
    versioncreated: str | None
    received_at: str | None
    reason: str
    hits: list[dict[str, Any]]
    snippet: str | None
    webhook: str | None
    matched_at: str = field(default_factory=utcnow_iso)
    schema: int = ALERT_SCHEMA
    delivery: str = NOW  # now | throttled | digest (streams.alerts.pacing); only "now" is POSTed by itself

    @classmethod
    def build(cls, rule: Rule, found: Match, enriched: EnrichedArticle, delivery: str = NOW) -> "Alert":
        article = enriched.article
        cluster = cluster_id(enriched)
        return cls(
            key=alert_key(rule.id, cluster), rule_id=rule.id, rule_name=rule.name, cluster_id=cluster,
            article_id=article.id, headline=enriched.display_headline, uri=article.uri, source=article.source,
            provider=article.provider, language=enriched.language or article.language,
            versioncreated=article.versioncreated, received_at=article.received_at, reason=found.reason(),
            hits=[h.__dict__.copy() for h in found.hits], snippet=found.snippet, webhook=rule.webhook,
            delivery=delivery,
        )

    def to_dict(self) -> dict[str, Any]:
        """The alert as JSON data; ``delivery`` only when not ``now``, so older deliverers read the rest."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if out["delivery"] == NOW:
            del out["delivery"]
        return out

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Alert":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"alert is not valid JSON: {exc}", reason="malformed_json") from exc
        if not isinstance(data, dict):
            raise ValidationError(f"an alert must be a JSON object, got {type(data).__name__}")
        reject_unknown_fields(cls, data, name_known=False)
        for name in ("key", "rule_id", "rule_name", "cluster_id", "article_id"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise ValidationError("is required (a non-empty string)", field=name)
        if data.get("webhook") is not None:
            if not isinstance(data["webhook"], str):
                raise ValidationError("must be a URL string or null", field="webhook")
            check_webhook(data["webhook"])
        if data.get("delivery", NOW) not in DELIVERIES:
            raise ValidationError(f"must be one of {', '.join(DELIVERIES)}", field="delivery")
        defaults = {f.name: None for f in fields(cls)
                    if f.name not in ("matched_at", "schema", "hits", "reason", "delivery")}
        try:
            return cls(**{**defaults, "hits": [], "reason": "", **data})
        except TypeError as exc:
            raise ValidationError(f"alert does not match the model: {exc}") from exc

    def line(self) -> str:
        """A compact one-line view (for ``streams alerts deliver --tail``)."""
        when = (self.matched_at or "")[:19].replace("T", " ")
        what = self.headline or self.article_id
        if self.delivery != NOW:
            what = f"({self.delivery}) {what}"
        return f"{when}  [{self.rule_name}]  {what}  — {self.reason}  ({self.key})"
