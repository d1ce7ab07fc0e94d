"""Typed records of the enriched-article contract: entities, mentions, quotes, topics, dedupe.

:class:`~streams.core.model.EnrichedArticle` keeps ``entities``, ``quotes``, ``topics`` and
``dedupe`` as the plain dicts the enrichment components wrote: that JSON form is what is published,
stored and scored (``shared/eval/README.md``), so it cannot drift by a byte. Code that *reads* an
enriched article turns those dicts into the records here instead of reading string keys.

``from_dict`` checks what the archive has always required (the field named in the error is the
path, e.g. ``entities[3].mentions[0]``); every other field is read leniently: a value of the wrong
type reads as ``None``. ``to_dict`` gives back the dict it was read from, key for key and in the
same order (absent keys stay absent; unknown keys and unreadable values are carried verbatim), so
``orjson.dumps(X.from_dict(d).to_dict()) == orjson.dumps(d)``. A record built with its constructor
(or changed with ``dataclasses.replace``) has every key of the contract. Records are frozen and
shallow (``links`` is a plain dict); the dict a record was read from must not be changed after.

Readers that must never fail on one bad item (metrics, the alert matcher, the live view) use
:func:`readable`, which reads a bad item as ``None`` (keeping positions, which ``speaker_entity``
indexes) instead of raising.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, TypeVar

from streams.core.errors import ValidationError

__all__ = [
    "Dedupe",
    "Entity",
    "Mention",
    "Quote",
    "Record",
    "Topic",
    "dedupe_of",
    "entities_of",
    "quotes_of",
    "readable",
    "topics_of",
]

R = TypeVar("R", bound="Record")


# -- checks (the archive's rules; messages and field paths are part of its dead letters) ------------
def require(obj: Mapping[str, Any], key: str, types: tuple[type, ...], where: str) -> Any:
    """``obj[key]``, which must be one of ``types`` (never a bool)."""
    value = obj.get(key)
    if not isinstance(value, types) or isinstance(value, bool):
        want = "/".join(t.__name__ for t in types)
        raise ValidationError(f"expected {want}, got {type(value).__name__}", field=f"{where}.{key}")
    return value


def optional(obj: Mapping[str, Any], key: str, types: tuple[type, ...], where: str) -> Any:
    """``obj[key]`` or None when it is absent or null; otherwise as :func:`require`."""
    if obj.get(key) is None:
        return None
    return require(obj, key, types, where)


def span(obj: Mapping[str, Any], where: str) -> tuple[int, int]:
    """``(start, end)`` of a record over the body: integers with ``0 <= start <= end``."""
    start = require(obj, "start", (int,), where)
    end = require(obj, "end", (int,), where)
    if not 0 <= start <= end:
        raise ValidationError(f"bad span [{start}, {end})", field=where)
    return start, end


def as_object(obj: Any, where: str) -> Mapping[str, Any]:
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise ValidationError(f"expected an object, got {type(obj).__name__}", field=where)
    return obj


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _are(kind: type) -> Any:
    """A test: a list of values of exactly type ``kind`` (no bools for int)."""
    return lambda v: type(v) is list and set(map(type, v)) <= {kind}


def _lenient(obj: Mapping[str, Any], key: str, ok: Any, convert: Any = None) -> Any:
    """``obj[key]`` if ``ok(value)``, else None (``to_dict`` still gives the value as it was)."""
    value = obj.get(key)
    if value is None or not ok(value):
        return None
    return convert(value) if convert is not None else value


class Record:
    """What the records share: ``to_dict``.

    A record read from a dict of exactly the contract's shape (what the components write) is
    written back from its fields. One read from any other dict (keys missing, unknown or in another
    order, values read leniently) keeps that dict in ``_source`` — a slot, not a field: no init
    cost, not compared, not copied by ``dataclasses.replace`` — and writes it back as it was.
    """

    __slots__ = ("_source",)
    KEYS: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        source = self.source
        if source is not None:
            return dict(source)
        return {key: self._dump(key) for key in self.KEYS}

    @property
    def source(self) -> Mapping[str, Any] | None:
        """The dict this record was read from, when that was not of the contract's exact shape."""
        try:
            return self._source  # type: ignore[no-any-return]
        except AttributeError:
            return None

    def _sourced(self: R, obj: Mapping[str, Any]) -> R:
        object.__setattr__(self, "_source", obj)
        return self

    def _dump(self, key: str) -> Any:
        return getattr(self, key)


# -- mention --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mention(Record):
    """A stretch of the body text: ``{"start", "end", "text"}`` (``str`` offsets, ``text`` optional)."""

    KEYS: ClassVar[tuple[str, ...]] = ("start", "end", "text")
    start: int
    end: int
    text: str | None = None

    @classmethod
    def from_dict(cls, obj: Any, where: str = "mention") -> "Mention":
        return _fast_mention(obj) or cls._checked(obj, where)

    @classmethod
    def _checked(cls, obj: Any, where: str) -> "Mention":
        as_object(obj, where)
        start, end = span(obj, where)
        text = optional(obj, "text", (str,), where)
        return cls(start, end, text)._sourced(obj)

    def text_in(self, body: str) -> str:
        """The mention's text, from the body when the record does not carry it."""
        return self.text if self.text is not None else body[self.start:self.end]


# -- entity ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Entity(Record):
    """One real-world thing named in the article, with its mentions (most salient first in a list)."""

    KEYS: ClassVar[tuple[str, ...]] = (
        "name", "type", "mentions", "salience", "first_position", "in_headline", "roles", "links",
    )
    name: str
    type: str | None = None  # OntoNotes label: PERSON ORG GPE LOC NORP ...
    mentions: tuple[Mention, ...] = ()
    salience: float | None = None  # in [0, 1]
    first_position: int | None = None
    in_headline: bool | None = None
    roles: tuple[str, ...] | None = None
    links: dict[str, Any] | None = None  # iso3166, wikidata, geonames, lat, lon

    @classmethod
    def from_dict(cls, obj: Any, where: str = "entity") -> "Entity":
        return _fast_entity(obj) or cls._checked(obj, where)

    @classmethod
    def _checked(cls, obj: Any, where: str) -> "Entity":
        as_object(obj, where)
        name = require(obj, "name", (str,), where)
        if not name.strip():
            raise ValidationError("must not be empty", field=f"{where}.name")
        kind = optional(obj, "type", (str,), where)
        raw_mentions = obj.get("mentions") or []
        if not isinstance(raw_mentions, list):
            raise ValidationError("expected a list", field=f"{where}.mentions")
        mentions = tuple(Mention.from_dict(m, f"{where}.mentions[{j}]") for j, m in enumerate(raw_mentions))
        return cls(
            name, kind, mentions,
            salience=_lenient(obj, "salience", _is_number),
            first_position=_lenient(obj, "first_position", _is_int),
            in_headline=_lenient(obj, "in_headline", _is_bool),
            roles=_lenient(obj, "roles", lambda v: isinstance(v, list) and all(map(_is_str, v)), tuple),
            links=_lenient(obj, "links", lambda v: isinstance(v, dict)),
        )._sourced(obj)

    def _dump(self, key: str) -> Any:
        if key == "mentions":
            return [m.to_dict() for m in self.mentions]
        if key == "roles":
            return None if self.roles is None else list(self.roles)
        if key == "links":
            return None if self.links is None else dict(self.links)
        return getattr(self, key)

    @property
    def linked(self) -> bool:
        """Whether the entity carries links to outside identities (wikidata, geonames...)."""
        return bool(self.links)


# -- quote ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Quote(Record):
    """A direct, mixed or indirect quote with its speaker (``segments`` when it is interrupted)."""

    KEYS: ClassVar[tuple[str, ...]] = (
        "kind", "start", "end", "segments", "text", "speaker", "speaker_mention", "cue", "speaker_entity",
    )
    start: int
    end: int
    kind: str | None = None  # direct | mixed | indirect; None reads as direct (:attr:`kind_or_direct`)
    segments: tuple[tuple[int, int], ...] | None = None
    text: str | None = None
    speaker: str | None = None  # the resolved name
    speaker_mention: Mention | None = None  # the words naming the speaker at this quote ("she")
    cue: Mention | None = None  # the speech verb ("said")
    speaker_entity: int | None = None  # index into the article's entities

    @classmethod
    def from_dict(cls, obj: Any, where: str = "quote") -> "Quote":
        return _fast_quote(obj) or cls._checked(obj, where)

    @classmethod
    def _checked(cls, obj: Any, where: str) -> "Quote":
        as_object(obj, where)
        start, end = span(obj, where)
        text = optional(obj, "text", (str,), where)
        kind = optional(obj, "kind", (str,), where)
        raw_segments = obj.get("segments")
        segments: tuple[tuple[int, int], ...] | None = None
        if raw_segments:  # empty or absent: the quote is its one span
            if not isinstance(raw_segments, list):
                raise ValidationError("expected a list of [start, end]", field=f"{where}.segments")
            segments = tuple(_segment(seg, where) for seg in raw_segments)
        speaker = optional(obj, "speaker", (str,), where)
        sm = obj.get("speaker_mention")
        speaker_mention = Mention.from_dict(sm, f"{where}.speaker_mention") if sm else None
        return cls(
            start, end, kind, segments, text, speaker, speaker_mention,
            cue=_lenient(obj, "cue", _is_span, Mention.from_dict),
            speaker_entity=_lenient(obj, "speaker_entity", _is_int),
        )._sourced(obj)

    def _dump(self, key: str) -> Any:
        if key == "segments":
            return None if self.segments is None else [list(s) for s in self.segments]
        if key in ("speaker_mention", "cue"):
            value = getattr(self, key)
            return None if value is None else value.to_dict()
        return getattr(self, key)

    @property
    def kind_or_direct(self) -> str:
        return self.kind or "direct"

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """The quoted stretches: ``segments``, or the one span ``(start, end)``."""
        return self.segments or ((self.start, self.end),)

    @property
    def cue_text(self) -> str | None:
        """The cue's words; a cue given as a bare string (hand-made records) is its own text."""
        if self.cue is not None:
            return self.cue.text
        raw = self.source.get("cue") if self.source is not None else None
        return raw.get("text") if isinstance(raw, Mapping) else raw if isinstance(raw, str) else None


def _segment(seg: Any, where: str) -> tuple[int, int]:
    if not isinstance(seg, (list, tuple)) or len(seg) != 2 or not all(_is_int(x) for x in seg):
        raise ValidationError(f"expected [start, end], got {seg!r}", field=f"{where}.segments")
    return seg[0], seg[1]


def _is_span(value: Any) -> bool:
    if not isinstance(value, Mapping) or not _is_int(value.get("start")) or not _is_int(value.get("end")):
        return False
    return 0 <= value["start"] <= value["end"] and (value.get("text") is None or isinstance(value["text"], str))


# -- topic ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Topic(Record):
    """An IPTC Media Topic: ``medtop:NNNNNNNN`` code, English label, score in [0, 1], level in the tree."""

    KEYS: ClassVar[tuple[str, ...]] = ("code", "label", "score", "level")
    code: str
    label: str | None = None
    score: float | None = None
    level: int | None = None

    @classmethod
    def from_dict(cls, obj: Any, where: str = "topic") -> "Topic":
        return _fast_topic(obj) or cls._checked(obj, where)

    @classmethod
    def _checked(cls, obj: Any, where: str) -> "Topic":
        as_object(obj, where)
        code = require(obj, "code", (str,), where)
        label = optional(obj, "label", (str,), where)
        score = optional(obj, "score", (int, float), where)
        if score is not None and not math.isfinite(score):
            raise ValidationError("must be a finite number", field=f"{where}.score")
        return cls(code, label, score, _lenient(obj, "level", _is_int))._sourced(obj)


# -- dedupe ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Dedupe(Record):
    """The dedupe facts of an article: its signature as enriched (``exact``, ``bands``, ``sketch``,
    ``shingles``; ``signature`` in older records), then, once the story index clustered it, ``exact``
    and the answer (``cluster_id``, ``duplicate_of``, ``is_duplicate``, ``similarity``)."""

    KEYS: ClassVar[tuple[str, ...]] = (
        "exact", "signature", "bands", "sketch", "shingles", "cluster_id", "duplicate_of", "is_duplicate",
        "similarity",
    )
    exact: str | None = None  # hash of the normalized words
    signature: tuple[int, ...] | None = None  # MinHash values
    bands: tuple[int, ...] | None = None  # LSH band keys (32-bit)
    sketch: str | None = None
    shingles: int | None = None
    cluster_id: str | None = None
    duplicate_of: str | None = None
    is_duplicate: bool | None = None
    similarity: float | None = None

    @classmethod
    def from_dict(cls, obj: Any, where: str = "dedupe") -> "Dedupe":
        if type(obj) is not dict and not isinstance(obj, Mapping):
            raise ValidationError("expected an object", field=where)
        return cls(
            exact=_lenient(obj, "exact", _is_str),
            signature=_lenient(obj, "signature", _are(int), tuple),
            bands=_lenient(obj, "bands", _are(int), tuple),
            sketch=_lenient(obj, "sketch", _is_str),
            shingles=_lenient(obj, "shingles", _is_int),
            cluster_id=_lenient(obj, "cluster_id", _is_str),
            duplicate_of=_lenient(obj, "duplicate_of", _is_str),
            is_duplicate=_lenient(obj, "is_duplicate", _is_bool),
            similarity=_lenient(obj, "similarity", _is_number),
        )._sourced(obj)

    @classmethod
    def clustered(cls, exact: str | None, answer: Mapping[str, Any]) -> "Dedupe":
        """What subscribers get once the story index answered: ``exact`` and the answer, in its order."""
        return cls.from_dict({"exact": exact, **answer})

    def _dump(self, key: str) -> Any:
        value = getattr(self, key)
        return list(value) if isinstance(value, tuple) else value

    @property
    def needs_clustering(self) -> bool:
        """Whether the story index has work to do (the article has LSH bands)."""
        return bool(self.bands)


# -- fast paths: what the components write (every key, in order, of the right type) -------------------
# A dict of exactly that shape is read without bookkeeping or error paths; anything else takes the
# checked path, which reads it the same way or raises naming the field.
_ENTITY_KEYS = Entity.KEYS
_QUOTE_KEYS = Quote.KEYS
_TOPIC_KEYS = Topic.KEYS


def _fast_mention(obj: Any) -> Mention | None:
    if type(obj) is not dict or len(obj) != 3:
        return None
    k1, k2, k3 = obj
    if k1 != "start" or k2 != "end" or k3 != "text":
        return None
    start, end, text = obj.values()
    if type(start) is not int or type(end) is not int or not 0 <= start <= end or (
            text is not None and type(text) is not str):
        return None
    return Mention(start, end, text)


def _fast_mentions(items: Any) -> tuple[Mention, ...] | None:
    if type(items) is not list:
        return None
    out = []
    for item in items:
        mention = _fast_mention(item)
        if mention is None:
            return None
        out.append(mention)
    return tuple(out)


def _fast_entity(obj: Any) -> Entity | None:
    if type(obj) is not dict or len(obj) != 8 or tuple(obj) != _ENTITY_KEYS:
        return None
    name, kind, mentions, salience, first, in_headline, roles, links = obj.values()
    if (type(name) is not str or not name.strip() or (kind is not None and type(kind) is not str)
            or type(salience) not in (float, int) or type(first) is not int or type(in_headline) is not bool
            or type(roles) is not list or type(links) is not dict or not all(type(r) is str for r in roles)):
        return None
    records = _fast_mentions(mentions)
    if records is None:
        return None
    return Entity(name, kind, records, salience, first, in_headline, tuple(roles), links)


def _fast_span(obj: Any) -> Mention | None:
    return None if obj is None else _fast_mention(obj)


def _fast_quote(obj: Any) -> Quote | None:
    if type(obj) is not dict or len(obj) != 9 or tuple(obj) != _QUOTE_KEYS:
        return None
    kind, start, end, segments, text, speaker, sm, cue, index = obj.values()
    if (type(start) is not int or type(end) is not int or not 0 <= start <= end or type(segments) is not list
            or not segments or (kind is not None and type(kind) is not str)
            or (text is not None and type(text) is not str) or (speaker is not None and type(speaker) is not str)
            or (index is not None and type(index) is not int)):
        return None
    spans = []
    for seg in segments:
        if type(seg) is not list or len(seg) != 2 or type(seg[0]) is not int or type(seg[1]) is not int:
            return None
        spans.append((seg[0], seg[1]))
    speaker_mention, cue_mention = _fast_span(sm), _fast_span(cue)
    if (sm is not None and speaker_mention is None) or (cue is not None and cue_mention is None):
        return None
    return Quote(start, end, kind, tuple(spans), text, speaker, speaker_mention, cue_mention, index)


def _fast_topic(obj: Any) -> Topic | None:
    if type(obj) is not dict or len(obj) != 4 or tuple(obj) != _TOPIC_KEYS:
        return None
    code, label, score, level = obj.values()
    if (type(code) is not str or (label is not None and type(label) is not str) or type(level) is not int
            or type(score) not in (float, int) or not math.isfinite(score)):
        return None
    return Topic(code, label, score, level)


# -- lists ----------------------------------------------------------------------------------------
def entities_of(items: Iterable[Any]) -> tuple[Entity, ...]:
    """Entity records of an article's ``entities``; raises naming ``entities[i]...``."""
    return tuple(Entity.from_dict(e, f"entities[{i}]") for i, e in enumerate(items))


def quotes_of(items: Iterable[Any]) -> tuple[Quote, ...]:
    """Quote records of an article's ``quotes``; raises naming ``quotes[i]...``."""
    return tuple(Quote.from_dict(q, f"quotes[{i}]") for i, q in enumerate(items))


def topics_of(items: Iterable[Any]) -> tuple[Topic, ...]:
    """Topic records of an article's ``topics``; raises naming ``topics[i]...``."""
    return tuple(Topic.from_dict(t, f"topics[{i}]") for i, t in enumerate(items))


def dedupe_of(obj: Any) -> Dedupe:
    """The Dedupe record of an article's ``dedupe``; raises (field ``dedupe``) unless it is an object."""
    return Dedupe.from_dict(obj, "dedupe")


def readable(cls: type[R], items: Any) -> list[R | None]:
    """Records of ``items`` for readers that must not fail: an item that is not a valid record
    reads as None (in its place, so indexes into the list stay right); a non-list reads as []."""
    if not isinstance(items, (list, tuple)):
        return []
    out: list[R | None] = []
    for item in items:
        try:
            out.append(cls.from_dict(item))  # type: ignore[attr-defined]
        except ValidationError:
            out.append(None)
    return out
