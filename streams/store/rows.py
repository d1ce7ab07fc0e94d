"""Flatten an :class:`~streams.core.model.EnrichedArticle` into the archive's rows (pure code, no database).

One enriched article becomes one ``articles`` row plus ``entities``, ``mentions``, ``quotes`` and
``topics`` rows. The enrichment lists are read as the records of :mod:`streams.core.records` (the
contract in ``shared/eval/README.md``); anything the archive needs that is missing or of the wrong
type raises :class:`~streams.core.errors.ValidationError` naming the field, so the consumer can
dead-letter it.

Names used for lookups (entity names, speakers, sources, topic labels) are also stored
case-folded (``*_norm``) so searches are case-insensitive on both backends without collations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

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


def _entity_rows(ea: EnrichedArticle) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    entities: list[tuple[Any, ...]] = []
    mentions: list[tuple[Any, ...]] = []
    body = ea.article.body_text
    folded: dict[str, str | None] = {}  # an entity's mentions mostly repeat a few texts: fold each once
    for i, ent in enumerate(ea.entity_records()):
        for j, m in enumerate(ent.mentions):
            text = m.text_in(body)
            text_norm = folded[text] if text in folded else folded.setdefault(text, norm(text))
            mentions.append((ea.id, i, j, m.start, m.end, text, text_norm))
        entities.append((ea.id, i, ent.name, norm(ent.name), ent.type, len(ent.mentions)))
    return entities, mentions


def _quote_text(body: str, segments: tuple[tuple[int, int], ...]) -> str:
    return " … ".join(body[s:e].strip() for s, e in segments)


def _quote_rows(ea: EnrichedArticle) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    body = ea.article.body_text
    for i, q in enumerate(ea.quote_records()):
        segments = q.spans
        text = q.text if q.text is not None else _quote_text(body, segments)
        sm = q.speaker_mention
        s_start, s_end, s_text = (sm.start, sm.end, sm.text) if sm is not None else (None, None, None)
        rows.append(
            (ea.id, i, q.kind_or_direct, q.start, q.end, [list(s) for s in segments], text, q.speaker,
             norm(q.speaker), s_start, s_end, s_text, q.cue_text)
        )
    return rows


def _topic_rows(ea: EnrichedArticle) -> list[tuple[Any, ...]]:
    best: dict[str, tuple[Any, ...]] = {}
    for t in ea.topic_records():
        score = None if t.score is None else float(t.score)
        previous = best.get(t.code)
        if previous is None or (score or 0.0) > (previous[4] or 0.0):
            best[t.code] = (ea.id, t.code, t.label, norm(t.label), score)
    return list(best.values())


def _doc_without_body(ea: EnrichedArticle) -> dict[str, Any]:
    """The enriched article minus ``article.body_text``, which has its own column (stored once)."""
    doc = ea.to_dict()
    doc["article"] = {k: v for k, v in doc["article"].items() if k != "body_text"}
    return doc


def article_rows(ea: EnrichedArticle, *, stored_at: float | None = None) -> ArticleRows:
    """Every archive row of ``ea``; raises :class:`ValidationError` on malformed enrichment."""
    a = ea.article
    dedupe = ea.dedupe_record()
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
        "cluster_id": dedupe.cluster_id,
        "duplicate_of": dedupe.duplicate_of,
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
