"""Alert rules and the matcher: pure code, no Kafka.

A :class:`Rule` is a named set of conditions on an :class:`~streams.model.EnrichedArticle`.
Different conditions are AND-combined; the values of one condition are alternatives (any of them
may hit). ``match(rule, enriched)`` returns a :class:`Match` saying which conditions hit and with
what (the entity, the quote, the text snippet), or ``None``.

Conditions:

* ``text``: words or phrases in the headline or body; case-insensitive, on word boundaries, any
  run of whitespace in the phrase matches any run in the text.
* ``entity``: an entity whose name or one of its mentions (its aliases in this article, e.g.
  "Kallas" for "Kaja Kallas") equals the value, case-insensitively; narrowed by ``entity_type``
  (PERSON, ORG, GPE, LOC, ...) and ``min_salience`` when given. ``entity_type`` alone means "an
  entity of that type".
* ``speaker``: a quote whose resolved speaker is the value (by name, or by an alias of the
  speaker's entity).
* ``topic``: an IPTC Media Topic by code (``medtop:16000000`` or ``16000000``) or by its English
  label; a code also matches articles tagged with any of its descendants.
* ``source`` / ``provider`` / ``language``: equality, case-insensitive, on the article fields.

Rules serialize to JSON with orjson; validation is strict and every error names the field.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import orjson

from streams.errors import DecodeError, ValidationError
from streams.model import EnrichedArticle, utcnow_iso

#: rule ids: short, URL- and Kafka-key-safe, and free of ":" so ``rule_id:cluster_id`` splits cleanly
RULE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TOPIC_CODE_RE = re.compile(r"^(?:medtop:)?(\d{8})$")
MAX_VALUES = 100  # per condition
MAX_VALUE_CHARS = 200
SNIPPET_CHARS = 160
LIST_CONDITIONS: tuple[str, ...] = ("text", "entity", "speaker", "topic", "source", "provider", "language")


# -- the IPTC taxonomy (read once; the same bundled file the topics component uses) -------------
@dataclass(frozen=True)
class _Taxonomy:
    labels: dict[str, str]  # 8-digit code -> English label
    by_label: dict[str, str]  # lower-cased label -> code
    ancestors: dict[str, tuple[str, ...]]  # code -> ancestor codes


@lru_cache(maxsize=1)
def _taxonomy() -> _Taxonomy:
    from streams.enrich.topics import DATA_DIR, TAXONOMY_FILE  # data location only; pure module

    concepts = json.loads((DATA_DIR / TAXONOMY_FILE).read_text(encoding="utf-8"))["concepts"]
    active = [c for c in concepts if not c["retired"]]
    return _Taxonomy(
        labels={c["code"]: c["label_en_gb"] for c in active},
        by_label={c["label_en_gb"].lower(): c["code"] for c in active}
        | {c["label_en_us"].lower(): c["code"] for c in active if c.get("label_en_us")},
        ancestors={c["code"]: tuple(c["ancestors"]) for c in active},
    )


def normalize_topic(value: str) -> str:
    """``medtop:16000000``, ``16000000`` or a label such as ``"conflict, war and peace"`` → ``medtop:NNNNNNNN``."""
    tax = _taxonomy()
    m = TOPIC_CODE_RE.match(value.strip())
    if m:
        if m.group(1) not in tax.labels:
            raise ValidationError(f"{value!r} is not an active IPTC Media Topic code", field="topic")
        return f"medtop:{m.group(1)}"
    code = tax.by_label.get(" ".join(value.lower().split()))
    if code is None:
        raise ValidationError(
            f"{value!r} is neither an IPTC Media Topic code (medtop:16000000) nor an English label of one",
            field="topic",
        )
    return f"medtop:{code}"


def topic_label(code: str) -> str | None:
    """English label of ``medtop:NNNNNNNN`` (None if unknown)."""
    return _taxonomy().labels.get(code.removeprefix("medtop:"))


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

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not RULE_ID_RE.match(self.id):
            raise ValidationError(
                f"{self.id!r} is not a valid rule id (letters, digits, '.', '_', '-'; at most 64)", field="id"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError("must be a non-empty string", field="name")
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
        if not self.conditions():
            raise ValidationError(
                "a rule needs at least one condition (text, entity, entity_type, speaker, topic, source, "
                "provider, language)"
            )

    def conditions(self) -> list[str]:
        """Names of the conditions this rule sets."""
        out = [name for name in LIST_CONDITIONS if getattr(self, name)]
        if self.entity_type is not None and not self.entity:
            out.append("entity_type")
        return out

    # -- (de)serialization ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Rule":
        if not isinstance(data, Mapping):
            raise ValidationError(f"a rule must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
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
        """The conditions in one human line, e.g. ``entity=Kaja Kallas AND topic=medtop:16000000``."""
        parts = []
        for name in LIST_CONDITIONS:
            values = getattr(self, name)
            if values:
                parts.append(f"{name}=" + "|".join(values))
        if self.entity_type:
            parts.append(f"entity_type={self.entity_type}")
        if self.min_salience is not None:
            parts.append(f"min_salience={self.min_salience:g}")
        return " AND ".join(parts)


# -- matching ---------------------------------------------------------------------------------
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
        return "; ".join(f"{h.condition} {h.matched!r}" for h in self.hits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "article_id": self.article_id,
            "reason": self.reason(),
            "hits": [h.__dict__.copy() for h in self.hits],
            "snippet": self.snippet,
        }


def _fold(value: str) -> str:
    return " ".join(value.replace("’", "'").casefold().split())


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in _fold(phrase).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _snippet(text: str, start: int, end: int) -> str:
    pad = max(0, (SNIPPET_CHARS - (end - start)) // 2)
    lo, hi = max(0, start - pad), min(len(text), end + pad)
    out = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + out + ("…" if hi < len(text) else "")


def _match_text(rule: Rule, enriched: EnrichedArticle) -> Hit | None:
    article = enriched.article
    for phrase in rule.text:
        pattern = _phrase_pattern(phrase)
        for source in (article.headline or "", article.body_text):
            found = pattern.search(source.replace("’", "'"))
            if found:
                return Hit("text", phrase, source[found.start():found.end()], _snippet(source, *found.span()))
    return None


def _entity_aliases(entity: Mapping[str, Any]) -> set[str]:
    names = {_fold(str(entity.get("name") or ""))}
    for mention in entity.get("mentions") or ():
        if isinstance(mention, Mapping) and mention.get("text"):
            names.add(_fold(str(mention["text"])))
    names.discard("")
    return names


def _entity_ok(rule: Rule, entity: Mapping[str, Any]) -> bool:
    if rule.entity_type is not None and str(entity.get("type") or "").upper() != rule.entity_type:
        return False
    if rule.min_salience is not None and float(entity.get("salience") or 0.0) < rule.min_salience:
        return False
    return True


def _match_entity(rule: Rule, enriched: EnrichedArticle) -> Hit | None:
    candidates = [e for e in enriched.entities if isinstance(e, Mapping) and _entity_ok(rule, e)]
    if not rule.entity:  # entity_type (and maybe min_salience) alone
        if candidates:
            best = max(candidates, key=lambda e: float(e.get("salience") or 0.0))
            return Hit("entity_type", rule.entity_type or "", str(best.get("name")))
        return None
    for value in rule.entity:
        wanted = _fold(value)
        for entity in candidates:
            if wanted in _entity_aliases(entity):
                salience = entity.get("salience")
                shown = f"{entity.get('name')}" + (f" (salience {salience:.2f})" if isinstance(salience, float) else "")
                return Hit("entity", value, shown, _entity_snippet(enriched, entity))
    return None


def _entity_snippet(enriched: EnrichedArticle, entity: Mapping[str, Any]) -> str | None:
    for mention in entity.get("mentions") or ():
        if isinstance(mention, Mapping) and isinstance(mention.get("start"), int) and isinstance(mention.get("end"), int):
            return _snippet(enriched.article.body_text, mention["start"], mention["end"])
    return None


def _speaker_names(enriched: EnrichedArticle, quote: Mapping[str, Any]) -> set[str]:
    names = {_fold(str(quote.get("speaker") or ""))}
    index = quote.get("speaker_entity")
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(enriched.entities):
        entity = enriched.entities[index]
        if isinstance(entity, Mapping):
            names |= _entity_aliases(entity)
    names.discard("")
    return names


def _match_speaker(rule: Rule, enriched: EnrichedArticle) -> Hit | None:
    quotes = [q for q in enriched.quotes if isinstance(q, Mapping) and q.get("speaker")]
    # direct quotes first: they are the speaker's own words
    quotes.sort(key=lambda q: q.get("kind") != "direct")
    for value in rule.speaker:
        wanted = _fold(value)
        for quote in quotes:
            if wanted in _speaker_names(enriched, quote):
                text = " ".join(str(quote.get("text") or "").split())
                snippet = text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
                return Hit("speaker", value, str(quote["speaker"]), f"“{snippet}”" if snippet else None)
    return None


def article_topic_codes(enriched: EnrichedArticle) -> set[str]:
    """The article's ``medtop:`` codes and all their ancestors."""
    tax = _taxonomy()
    codes: set[str] = set()
    for topic in enriched.topics:
        if not isinstance(topic, Mapping) or not isinstance(topic.get("code"), str):
            continue
        code = topic["code"].removeprefix("medtop:")
        codes.add(code)
        codes.update(tax.ancestors.get(code, ()))
    return {f"medtop:{c}" for c in codes}


def _match_topic(rule: Rule, enriched: EnrichedArticle) -> Hit | None:
    codes = article_topic_codes(enriched)
    for code in rule.topic:
        if code in codes:
            return Hit("topic", code, f"{code} ({topic_label(code)})")
    return None


def _match_field(name: str, wanted: Iterable[str], actual: str | None) -> Hit | None:
    if not actual:
        return None
    folded = _fold(actual)
    for value in wanted:
        if _fold(value) == folded:
            return Hit(name, value, actual)
    return None


def match(rule: Rule, enriched: EnrichedArticle) -> Match | None:
    """The :class:`Match` if every condition of ``rule`` holds for ``enriched``, else None.

    Cheap conditions (fields) are checked first so most non-matches cost a few comparisons.
    """
    article = enriched.article
    hits: list[Hit] = []
    checks = (
        (rule.language, lambda: _match_field("language", rule.language, enriched.language or article.language)),
        (rule.source, lambda: _match_field("source", rule.source, article.source)),
        (rule.provider, lambda: _match_field("provider", rule.provider, article.provider)),
        (rule.topic, lambda: _match_topic(rule, enriched)),
        (rule.entity or rule.entity_type, lambda: _match_entity(rule, enriched)),
        (rule.speaker, lambda: _match_speaker(rule, enriched)),
        (rule.text, lambda: _match_text(rule, enriched)),
    )
    for wanted, check in checks:
        if not wanted:
            continue
        hit = check()
        if hit is None:
            return None
        hits.append(hit)
    return Match(rule.id, rule.name, enriched.id, tuple(hits))


def cluster_id(enriched: EnrichedArticle) -> str:
    """The story cluster of an article (``dedupe.cluster_id``), else its own id."""
    value = enriched.dedupe.get("cluster_id") if isinstance(enriched.dedupe, Mapping) else None
    return value if isinstance(value, str) and value else enriched.id


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

    @classmethod
    def build(cls, rule: Rule, found: Match, enriched: EnrichedArticle) -> "Alert":
        article = enriched.article
        cluster = cluster_id(enriched)
        return cls(
            key=alert_key(rule.id, cluster), rule_id=rule.id, rule_name=rule.name, cluster_id=cluster,
            article_id=article.id, headline=article.headline, uri=article.uri, source=article.source,
            provider=article.provider, language=enriched.language or article.language,
            versioncreated=article.versioncreated, received_at=article.received_at, reason=found.reason(),
            hits=[h.__dict__.copy() for h in found.hits], snippet=found.snippet, webhook=rule.webhook,
        )

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

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
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(f"unknown field(s) {', '.join(unknown)}")
        for name in ("key", "rule_id", "rule_name", "cluster_id", "article_id"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise ValidationError("is required (a non-empty string)", field=name)
        if data.get("webhook") is not None:
            if not isinstance(data["webhook"], str):
                raise ValidationError("must be a URL string or null", field="webhook")
            check_webhook(data["webhook"])
        defaults = {f.name: None for f in fields(cls) if f.name not in ("matched_at", "schema", "hits", "reason")}
        try:
            return cls(**{**defaults, "hits": [], "reason": "", **data})
        except TypeError as exc:
            raise ValidationError(f"alert does not match the model: {exc}") from exc

    def line(self) -> str:
        """A compact one-line view (for ``streams alerts deliver --tail``)."""
        when = (self.matched_at or "")[:19].replace("T", " ")
        what = self.headline or self.article_id
        return f"{when}  [{self.rule_name}]  {what}  — {self.reason}  ({self.key})"
