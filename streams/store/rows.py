"""Flatten an :class:`~streams.core.model.EnrichedArticle` into the archive's rows (pure code, no database).

One enriched article becomes one ``articles`` row plus ``entities``, ``mentions``, ``quotes`` and
``topics`` rows. The enrichment lists follow the contract in ``shared/eval/README.md``; anything
the archive needs that is missing or of the wrong type raises
:class:`~streams.core.errors.ValidationError` naming the field, so the consumer can dead-letter it.

Names used for lookups (entity names, speakers, sources, topic labels) are also stored
case-folded (``*_norm``) so searches are case-insensitive on both backends without collations.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

import orjson

from streams.core.errors import ValidationError
from streams.core.model import EnrichedArticle

#: sort value of a missing ``versioncreated``: older than any real date
NO_TIME = -1.0e15

ARTICLE_COLUMNS: tuple[str, ...] = (
    "id",
    "version",
    "versioncreated",
    "vc_ts",
    "enriched_ts",
    "published_at",
    "firstcreated",
    "received_at",
    "enriched_at",
    "stored_at",
    "headline",
    "body_text",
    "language",
    "uri",
    "byline",
    "located",
    "provider",
    "provider_norm",
    "source",
    "source_norm",
    "cluster_id",
    "duplicate_of",
    "keywords",
    "doc",
)
ENTITY_COLUMNS: tuple[str, ...] = ("article_id", "idx", "name", "name_norm", "type", "mention_count")
MENTION_COLUMNS: tuple[str, ...] = (
    "article_id", "entity_idx", "idx", "start_offset", "end_offset", "text", "text_norm"
)
QUOTE_COLUMNS: tuple[str, ...] = (
    "article_id",
    "idx",
    "kind",
    "start_offset",
    "end_offset",
    "segments",
    "text",
    "speaker",
    "speaker_norm",
    "speaker_start",
    "speaker_end",
    "speaker_text",
    "cue",
)
TOPIC_COLUMNS: tuple[str, ...] = ("article_id", "code", "label", "label_norm", "score")

#: JSON-valued columns (TEXT in SQLite, JSONB in PostgreSQL)
JSON_COLUMNS: frozenset[str] = frozenset({"keywords", "doc", "segments"})


def norm(name: str | None) -> str | None:
    """The lookup form of a name: stripped, inner whitespace collapsed, case-folded."""
    if name is None:
        return None
    folded = " ".join(name.split()).casefold()
    return folded or None


def iso_to_epoch(value: str | None) -> float | None:
    """Seconds since the epoch of an ISO 8601 date-time (naive = UTC), or None."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


@dataclass(frozen=True)
class ArticleRows:
    """Every row one enriched article contributes to the archive."""

    id: str
    order_key: tuple[int, float, float]  # (version, versioncreated, enriched_at): larger wins
    article: dict[str, Any]
    entities: list[tuple[Any, ...]] = field(default_factory=list)
    mentions: list[tuple[Any, ...]] = field(default_factory=list)
    quotes: list[tuple[Any, ...]] = field(default_factory=list)
    topics: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def child_row_count(self) -> int:
        return len(self.entities) + len(self.mentions) + len(self.quotes) + len(self.topics)


def order_key(version: int, vc_ts: float | None, enriched_ts: float | None) -> tuple[int, float, float]:
    """The key that decides which of two versions of an article the archive keeps."""
    return (version, NO_TIME if vc_ts is None else vc_ts, NO_TIME if enriched_ts is None else enriched_ts)


def _require(obj: Mapping[str, Any], key: str, types: tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, types) or isinstance(value, bool):
        want = "/".join(t.__name__ for t in types)
        raise ValidationError(f"expected {want}, got {type(value).__name__}", field=f"{where}.{key}")
    return value


def _optional(obj: Mapping[str, Any], key: str, types: tuple[type, ...], where: str) -> Any:
    if obj.get(key) is None:
        return None
    return _require(obj, key, types, where)


def _span(obj: Any, where: str) -> tuple[int, int, str | None]:
    if not isinstance(obj, Mapping):
        raise ValidationError(f"expected an object, got {type(obj).__name__}", field=where)
    start = _require(obj, "start", (int,), where)
    end = _require(obj, "end", (int,), where)
    if not 0 <= start <= end:
        raise ValidationError(f"bad span [{start}, {end})", field=where)
    return start, end, _optional(obj, "text", (str,), where)


def _entity_rows(ea: EnrichedArticle) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    entities: list[tuple[Any, ...]] = []
    mentions: list[tuple[Any, ...]] = []
    for i, ent in enumerate(ea.entities):
        where = f"entities[{i}]"
        if not isinstance(ent, Mapping):
            raise ValidationError(f"expected an object, got {type(ent).__name__}", field=where)
        name = _require(ent, "name", (str,), where)
        if not name.strip():
            raise ValidationError("must not be empty", field=f"{where}.name")
        kind = _optional(ent, "type", (str,), where)
        raw_mentions = ent.get("mentions") or []
        if not isinstance(raw_mentions, list):
            raise ValidationError("expected a list", field=f"{where}.mentions")
        for j, m in enumerate(raw_mentions):
            start, end, text = _span(m, f"{where}.mentions[{j}]")
            if text is None:
                text = ea.article.body_text[start:end]
            mentions.append((ea.id, i, j, start, end, text, norm(text)))
        entities.append((ea.id, i, name, norm(name), kind, len(raw_mentions)))
    return entities, mentions


def _quote_text(body: str, segments: list[tuple[int, int]]) -> str:
    return " … ".join(body[s:e].strip() for s, e in segments)


def _quote_rows(ea: EnrichedArticle) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    body = ea.article.body_text
    for i, q in enumerate(ea.quotes):
        where = f"quotes[{i}]"
        start, end, _ = _span(q, where)
        kind = _optional(q, "kind", (str,), where) or "direct"
        raw_segments = q.get("segments") or [[start, end]]
        if not isinstance(raw_segments, list):
            raise ValidationError("expected a list of [start, end]", field=f"{where}.segments")
        segments: list[tuple[int, int]] = []
        for seg in raw_segments:
            if (
                not isinstance(seg, (list, tuple))
                or len(seg) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in seg)
            ):
                raise ValidationError(f"expected [start, end], got {seg!r}", field=f"{where}.segments")
            segments.append((seg[0], seg[1]))
        text = q.get("text") if isinstance(q.get("text"), str) else _quote_text(body, segments)
        speaker = _optional(q, "speaker", (str,), where)
        sm = q.get("speaker_mention")
        s_start, s_end, s_text = _span(sm, f"{where}.speaker_mention") if sm else (None, None, None)
        cue = q.get("cue")
        cue_text = cue.get("text") if isinstance(cue, Mapping) else cue if isinstance(cue, str) else None
        rows.append(
            (ea.id, i, kind, start, end, [list(s) for s in segments], text, speaker, norm(speaker),
             s_start, s_end, s_text, cue_text)
        )
    return rows


def _topic_rows(ea: EnrichedArticle) -> list[tuple[Any, ...]]:
    best: dict[str, tuple[Any, ...]] = {}
    for i, t in enumerate(ea.topics):
        where = f"topics[{i}]"
        if not isinstance(t, Mapping):
            raise ValidationError(f"expected an object, got {type(t).__name__}", field=where)
        code = _require(t, "code", (str,), where)
        label = _optional(t, "label", (str,), where)
        score = _optional(t, "score", (int, float), where)
        score = None if score is None else float(score)
        if score is not None and not math.isfinite(score):
            raise ValidationError("must be a finite number", field=f"{where}.score")
        previous = best.get(code)
        if previous is None or (score or 0.0) > (previous[4] or 0.0):
            best[code] = (ea.id, code, label, norm(label), score)
    return list(best.values())


def _doc_without_body(ea: EnrichedArticle) -> dict[str, Any]:
    """The enriched article minus ``article.body_text``, which has its own column (stored once)."""
    doc = ea.to_dict()
    doc["article"] = {k: v for k, v in doc["article"].items() if k != "body_text"}
    return doc


def article_rows(ea: EnrichedArticle, *, stored_at: float | None = None) -> ArticleRows:
    """Every archive row of ``ea``; raises :class:`ValidationError` on malformed enrichment."""
    a = ea.article
    if not isinstance(ea.dedupe, Mapping):
        raise ValidationError("expected an object", field="dedupe")
    try:
        enriched_ts = iso_to_epoch(ea.enriched_at)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{ea.enriched_at!r} is not an ISO 8601 date-time", field="enriched_at") from exc
    vc_ts = iso_to_epoch(a.versioncreated)
    published = vc_ts
    for candidate in (a.firstcreated, a.received_at):
        if published is None:
            published = iso_to_epoch(candidate)
    if published is None:
        published = enriched_ts
    cluster_id = ea.dedupe.get("cluster_id")
    duplicate_of = ea.dedupe.get("duplicate_of")
    entities, mentions = _entity_rows(ea)
    article = {
        "id": a.id,
        "version": a.version,
        "versioncreated": a.versioncreated,
        "vc_ts": vc_ts,
        "enriched_ts": enriched_ts,
        "published_at": published,
        "firstcreated": a.firstcreated,
        "received_at": a.received_at,
        "enriched_at": ea.enriched_at,
        "stored_at": time.time() if stored_at is None else stored_at,
        "headline": a.headline,
        "body_text": a.body_text,
        "language": ea.language or a.language,
        "uri": a.uri,
        "byline": a.byline,
        "located": a.located,
        "provider": a.provider,
        "provider_norm": norm(a.provider),
        "source": a.source,
        "source_norm": norm(a.source),
        "cluster_id": None if cluster_id is None else str(cluster_id),
        "duplicate_of": None if duplicate_of is None else str(duplicate_of),
        "keywords": list(ea.keywords),
        "doc": _doc_without_body(ea),
    }
    return ArticleRows(
        id=a.id,
        order_key=order_key(a.version, vc_ts, enriched_ts),
        article=article,
        entities=entities,
        mentions=mentions,
        quotes=_quote_rows(ea),
        topics=_topic_rows(ea),
    )


def dumps(value: Any) -> str:
    """JSON text of a column value (orjson, UTF-8)."""
    return orjson.dumps(value).decode("utf-8")
