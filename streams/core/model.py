"""The article model (ninjs field names), the enriched article, and the dead-letter envelope.

Everything that crosses Kafka is one of these, serialized with orjson. Validation is strict:
a wrong record raises :class:`~streams.core.errors.ValidationError` naming the field that is wrong.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Mapping

import orjson

from streams.core.errors import (
    DecodeError,
    StreamsError,
    TooLargeError,
    ValidationError,
)
from streams.core.ninjs import is_streams_ninjs, model_dict_of, ninjs_of
from streams.core.records import (
    Dedupe,
    Entity,
    Quote,
    Topic,
    dedupe_of,
    entities_of,
    quotes_of,
    topics_of,
)

SCHEMA_VERSION = 1


def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_now_cache: tuple[float, str] = (0.0, "")


def received_now() -> str:
    """``utcnow_iso()``, computed at most once per millisecond (it is stamped on every article)."""
    global _now_cache
    now = time.time()
    if now - _now_cache[0] >= 0.001:
        _now_cache = (now, utcnow_iso())
    return _now_cache[1]


def reject_unknown_fields(cls: type, data: Mapping[str, Any], *, name_known: bool = True) -> None:
    """ValidationError naming the keys of ``data`` that are not fields of the dataclass ``cls``."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        hint = f"; known: {', '.join(sorted(known))}" if name_known else ""
        raise ValidationError(f"unknown field(s) {', '.join(unknown)}{hint}")


def _check_iso_datetime(name: str, value: str) -> None:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an ISO 8601 date-time", field=name) from exc


#: characters that carry no text: whitespace, C0/C1 controls (NUL...), and the invisible format
#: characters (soft hyphen, zero-width and bidi marks, word joiners, variation selectors, BOM)
_NOT_TEXT = (r"\s\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u180b-\u180f\u200b-\u200f\u202a-\u202e"
             r"\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb")
_TEXT_CHAR = re.compile(f"[^{_NOT_TEXT}]")


def has_text(body: str) -> bool:
    """True when ``body`` has at least one character that is text (not whitespace, a control or invisible)."""
    return _TEXT_CHAR.search(body) is not None  # stops at the first text character: O(1) on real articles


def check_body(body: str) -> None:
    """Raise ``ValidationError`` (reason ``empty_body``) unless ``body`` has text; the message says what it holds."""
    if has_text(body):
        return
    if not body or body.isspace():
        raise ValidationError("is empty" if not body else "is only whitespace", field="body_text", reason="empty_body")
    shown = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(body[:1000]))
    raise ValidationError(f"has no text, only {len(body)} control or invisible character(s) ({shown[:200]})",
                          field="body_text", reason="empty_body")


def strict_utf8(raw: bytes, what: str = "input") -> str:
    """``raw`` decoded as strict UTF-8, or ``DecodeError`` (reason ``undecodable``): the same words everywhere."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"{what} is not valid UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 4]!r}); re-encode it as "
            "UTF-8, e.g. for Windows-1252 / Latin-1: iconv -f cp1252 -t utf-8 IN > OUT"
        ) from exc


def _loads(raw: bytes | str, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if isinstance(raw, bytes):
            strict_utf8(raw, what)  # not UTF-8: the reason the ingester gives these bytes, not malformed_json
        raise DecodeError(f"not valid JSON: {exc}", reason="malformed_json") from exc


def headline_of(headline: str | None, provenance: Mapping[str, Any] | None) -> str | None:
    """What readers show as the headline: ``headline`` as received when it has text, else the
    headline derived from the lead (``provenance["headline"]``, marked ``headline_derived``)."""
    if headline and headline.strip():
        return headline
    derived = (provenance or {}).get("headline")
    return derived if isinstance(derived, str) and derived.strip() else None


# field name -> (allowed types, required)
_STR = (str,)
_OPT_STR = (str, type(None))


@dataclass(frozen=True)
class Article:
    """A news article as ingested, with ninjs 2.x field names.

    ``body_text`` is the text exactly as received; enrichment never rewrites it and every offset
    produced downstream indexes it.
    """

    id: str
    body_text: str
    uri: str | None = None
    headline: str | None = None
    language: str | None = None
    versioncreated: str | None = None  # ISO 8601; the publish/update time given by the source
    firstcreated: str | None = None
    byline: str | None = None
    located: str | None = None  # dateline place, e.g. "BERLIN"
    provider: str | None = None  # distributor, e.g. "MENAFN"
    source: str | None = None  # original source, e.g. "Ukrinform"
    version: int = 1  # a higher version of the same id replaces a lower one in the archive
    profile: str | None = None  # ninjs profile: "headline-only" when a feed item carried only its title
    subjects: list[dict[str, Any]] = field(default_factory=list)  # ninjs subjects as received: name, uri, rel...
    altids: dict[str, str] = field(default_factory=dict)  # guid, url, feed, file...
    received_at: str | None = None  # when the ingester got it (ISO 8601)

    _TYPES = {
        "id": _STR,
        "body_text": _STR,
        "uri": _OPT_STR,
        "headline": _OPT_STR,
        "language": _OPT_STR,
        "versioncreated": _OPT_STR,
        "firstcreated": _OPT_STR,
        "byline": _OPT_STR,
        "located": _OPT_STR,
        "provider": _OPT_STR,
        "source": _OPT_STR,
        "version": (int,),
        "profile": _OPT_STR,
        "subjects": (list,),
        "altids": (dict,),
        "received_at": _OPT_STR,
    }

    def __post_init__(self) -> None:
        values = self.__dict__
        for name, types in self._TYPES.items():
            value = values[name]
            # exact-type check first: it is the common case and a third of the cost of isinstance
            if type(value) not in types and (not isinstance(value, types) or isinstance(value, bool)):
                want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
                raise ValidationError(f"expected {want}, got {type(value).__name__}", field=name)
        if not self.id.strip():
            raise ValidationError("must not be empty", field="id")
        if len(self.id) > 512:
            raise ValidationError("longer than 512 characters", field="id")
        check_body(self.body_text)
        if self.version < 1:
            raise ValidationError("must be >= 1", field="version")
        for name in ("versioncreated", "firstcreated", "received_at"):
            value = values[name]
            if value is not None:
                _check_iso_datetime(name, value)
        for subject in self.subjects:
            if type(subject) is not dict:
                raise ValidationError(f"items must be objects, got {type(subject).__name__}", field="subjects")
        for k, v in self.altids.items():
            if type(k) is not str or type(v) is not str:
                if not isinstance(k, str) or not isinstance(v, str):
                    raise ValidationError("keys and values must be strings", field="altids")

    # -- (de)serialization ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    def to_wire(self) -> bytes:
        """The article as it travels on Kafka: a ninjs 2.2 document (:mod:`streams.core.ninjs`)."""
        return orjson.dumps(ninjs_of(self.__dict__))  # read only; a third of the cost of to_dict()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Article":
        """An Article from its dict form or from its ninjs form (:meth:`to_wire`)."""
        if not isinstance(data, Mapping):
            raise ValidationError(f"an article must be a JSON object, got {type(data).__name__}")
        if is_streams_ninjs(data):
            data = model_dict_of(data)
            if "article" in data:
                raise ValidationError("an enriched article where an article was expected")
        reject_unknown_fields(cls, data)
        for name in ("id", "body_text"):
            if name not in data:
                raise ValidationError("is required", field=name, reason="empty_body" if name == "body_text" else None)
        return cls(**dict(data))

    @classmethod
    def from_json(cls, raw: bytes | str, *, max_bytes: int | None = None) -> "Article":
        if max_bytes is not None and len(raw) > max_bytes:
            raise TooLargeError(f"article is {len(raw)} bytes, over the limit of {max_bytes}")
        return cls.from_dict(_loads(raw, "the article"))


@dataclass
class EnrichedArticle:
    """An article with what enrichment added. Offsets index ``article.body_text``.

    The ``entities``, ``quotes`` and ``topics`` lists follow the contract in
    ``shared/eval/README.md`` (the scorer reads ``id`` and these three keys). They, and ``dedupe``,
    hold the dicts the enrichment components wrote, which are the JSON form exactly; readers get
    typed records (:mod:`streams.core.records`) from :meth:`entity_records` and its siblings.
    """

    article: Article
    language: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)  # noise/structure: header, dateline, related headline
    provenance: dict[str, Any] = field(default_factory=dict)
    dedupe: dict[str, Any] = field(default_factory=dict)  # signature, cluster_id, duplicate_of
    skipped: list[str] = field(default_factory=list)  # components skipped (e.g. English-only on German text)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per component
    enriched_at: str = field(default_factory=utcnow_iso)
    schema: int = SCHEMA_VERSION

    @property
    def id(self) -> str:
        return self.article.id

    @property
    def display_headline(self) -> str | None:
        """The headline as received, else the one textspans derived from the lead (see :func:`headline_of`)."""
        return headline_of(self.article.headline, self.provenance)

    # -- typed views (raise ValidationError naming the field, e.g. ``entities[3].name``) -----------
    def entity_records(self) -> tuple[Entity, ...]:
        return entities_of(self.entities)

    def quote_records(self) -> tuple[Quote, ...]:
        return quotes_of(self.quotes)

    def topic_records(self) -> tuple[Topic, ...]:
        return topics_of(self.topics)

    def dedupe_record(self) -> Dedupe:
        return dedupe_of(self.dedupe)

    # -- (de)serialization ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """``id``, then the fields in order. A new dict (and article dict); the enrichment lists are
        shared, not copied: serializing does not need a deep copy (``asdict`` made one, same bytes)."""
        out: dict[str, Any] = {"id": self.article.id, "article": self.article.to_dict()}
        for name in _ENRICHED_FIELDS:
            out[name] = getattr(self, name)
        return out

    def to_json(self) -> bytes:
        """The contract form of ``shared/eval/README.md`` (what ``streams enrich`` prints)."""
        return orjson.dumps(self.to_dict())

    def to_wire(self) -> bytes:
        """The enriched article as it travels on Kafka: ninjs 2.2 with the ``streams`` extension."""
        return orjson.dumps(ninjs_of(self.to_dict()))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EnrichedArticle":
        """An EnrichedArticle from its contract form or from its ninjs form (:meth:`to_wire`)."""
        if is_streams_ninjs(data):
            data = model_dict_of(data)
        if not isinstance(data, Mapping) or "article" not in data:
            raise ValidationError("an enriched article must be a JSON object with an 'article' field")
        values = {k: v for k, v in data.items() if k != "id"}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValidationError(f"unknown field(s) {', '.join(unknown)}")
        values["article"] = Article.from_dict(values["article"])
        return cls(**values)

    @classmethod
    def from_json(cls, raw: bytes | str) -> "EnrichedArticle":
        return cls.from_dict(_loads(raw, "the enriched article"))


_ENRICHED_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(EnrichedArticle) if f.name != "article")


@dataclass(frozen=True)
class DeadLetter:
    """An input that a stage could not handle: why, and the original bytes, so nothing is lost."""

    stage: str  # ingest | enrich | store | alert ...
    reason: str  # short machine-readable reason (bounded set; a metric label)
    error_type: str
    message: str
    original: bytes
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None
    source_key: bytes | None = None
    origin: str | None = None  # file path, feed URL, HTTP client... where the input came from
    time: str = field(default_factory=utcnow_iso)

    @classmethod
    def from_error(cls, stage: str, exc: BaseException, original: bytes, **where: Any) -> "DeadLetter":
        reason = exc.reason if isinstance(exc, StreamsError) else "unexpected_error"
        return cls.of(stage, reason, type(exc).__name__, str(exc), original, **where)

    @classmethod
    def of(cls, stage: str, reason: str, error_type: str, message: str, original: bytes, **where: Any) -> "DeadLetter":
        """A dead letter from an error's parts (e.g. reported by another process)."""
        return cls(stage=stage, reason=reason, error_type=error_type, message=message[:2000], original=original,
                   **where)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["original"] = base64.b64encode(self.original).decode("ascii")
        out["source_key"] = base64.b64encode(self.source_key).decode("ascii") if self.source_key is not None else None
        return out

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_json(cls, raw: bytes) -> "DeadLetter":
        data = orjson.loads(raw)
        data["original"] = base64.b64decode(data["original"])
        if data.get("source_key") is not None:
            data["source_key"] = base64.b64decode(data["source_key"])
        return cls(**data)


def now_ms() -> int:
    return int(time.time() * 1000)
