"""The summary ``streams up --once`` prints: this run's articles as stored, and this run's counts."""

from __future__ import annotations

from typing import Any, Sequence, TypeVar

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from streams.core.model import headline_of
from streams.core.records import Entity, Quote, Record, Topic, readable
from streams.store.archive import Archive

R = TypeVar("R", bound=Record)

#: articles of the run listed in the table (the counts cover all of them)
SHOWN = 10


def _records(cls: type[R], doc: dict[str, Any], key: str, n: int) -> list[R]:
    """The first ``n`` valid records of a stored document's list ``key``."""
    return [r for r in readable(cls, doc.get(key) or [])[:n] if r is not None]


def _row(article_id: str, doc: dict[str, Any]) -> tuple[str, str, str, str]:
    article = doc.get("article") or {}
    headline = headline_of(article.get("headline"), doc.get("provenance")) or article_id
    ents = ", ".join(e.name for e in _records(Entity, doc, "entities", 5))
    body = article.get("body_text") or ""
    quotes = "; ".join(f"{(q.text or body[q.start:q.end])[:40]}… ({q.speaker or 'unattributed'})"
                       for q in _records(Quote, doc, "quotes", 3))
    tops = ", ".join(t.label or t.code for t in _records(Topic, doc, "topics", 3))
    return escape(headline[:120]), escape(ents), escape(quotes), escape(tops)


def print_once_summary(console: Console, archive: Archive, ingested_ids: Sequence[str], dead_letters: int,
                       where: str, enriched: int | None = None) -> int:
    """Print this run's stored articles (headline, entities, quotes by speaker, topics) and the run's
    counts: ingested, enriched (when given: what the workers published this run), stored (of this run's
    articles, not the archive's total), dead-lettered. Returns the number stored."""
    ids = list(dict.fromkeys(ingested_ids))
    table = Table("article", "entities", "quotes (speaker)", "topics", title="this run's stored articles")
    for article_id in ids[:SHOWN]:
        doc = archive.article(article_id)
        if doc is not None:
            table.add_row(*_row(article_id, doc))
    console.print(table)
    if len(ids) > SHOWN:
        console.print(f"… and {len(ids) - SHOWN} more")
    stored = archive.count_ids(ids)
    enriched_part = "" if enriched is None else f"enriched: {enriched}   "
    console.print(f"ingested: {len(ids)}   {enriched_part}stored: {stored}   dead-lettered: {dead_letters}   "
                  f"archive: {where} ({archive.count()} in all)")
    return stored
