"""``streams search``: query the archive by text, entity, speaker, topic, source and time."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from streams.alerts.taxonomy import topic_label
from streams.core.errors import ValidationError
from streams.core.settings import Settings
from streams.store.archive import Page, SearchQuery, parse_time
from streams.store.backends import open_archive


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search",
        help="search the archive (full text, entity, speaker, topic, source, dates)",
        description="Search the archive. TEXT uses web-search syntax: words (all must match), "
        '"quoted phrases", `or` between alternatives, -word to exclude. Filters combine with AND; '
        "names match case-insensitively.",
    )
    p.add_argument("text", nargs="?", default=None, help='full-text query, e.g. "security guarantees"')
    p.add_argument("--entity", help='an entity name, e.g. "Kaja Kallas"')
    p.add_argument("--speaker", help='the speaker of a quote in the article, matched as --entity is: '
                   '"Kaja Kallas", "kallas" (surname) or a name the article uses for them')
    p.add_argument("--topic", help="IPTC Media Topic code (medtop:16000000) or label")
    p.add_argument("--source", help="original source or provider, e.g. Ukrinform")
    p.add_argument("--cluster", help="dedupe story cluster id")
    p.add_argument("--language", help="language code, e.g. en")
    p.add_argument("--since", type=_time_arg, help="published at or after (ISO date or date-time, UTC)")
    p.add_argument("--until", type=_time_arg, help="published before (ISO date or date-time, UTC)")
    p.add_argument("--quotes", action="store_true", help="list quotes (by --speaker) instead of articles")
    p.add_argument("--all-copies", action="store_true",
                   help="list every syndicated copy of a story (default: one row per story cluster, with its "
                   "number of copies; quotes from one copy)")
    p.add_argument("--limit", type=int, default=20, help="results per page (1-500, default 20)")
    p.add_argument("--offset", type=int, default=0, help="skip this many results")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    p.add_argument("--database-url", default=None, metavar="URL", help="override STREAMS_DATABASE_URL")
    p.set_defaults(handler=run)


def _time_arg(value: str) -> datetime:
    try:
        return parse_time(value)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def run(args: argparse.Namespace, settings: Settings) -> int:
    with open_archive(args.database_url or settings.database_url, read_only=True) as archive:
        if args.quotes:
            page = archive.quotes(args.speaker, limit=args.limit, offset=args.offset, all_copies=args.all_copies)
        else:
            page = archive.search(
                SearchQuery(text=args.text, entity=args.entity, speaker=args.speaker, topic=args.topic,
                            source=args.source, cluster_id=args.cluster, language=args.language,
                            since=args.since, until=args.until, all_copies=args.all_copies, limit=args.limit,
                            offset=args.offset)
            )
    if args.format == "json":
        sys.stdout.write(orjson.dumps(page.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_table(page, quotes=args.quotes, collapsed=not args.all_copies)
    return 0


def topic_labels(topics: list[dict[str, Any]]) -> str:
    """Topics as a reader names them: the IPTC label (from the vocabulary when not stored), else the code."""
    return ", ".join(t.get("label") or topic_label(t.get("code") or "") or t.get("code") or "?" for t in topics)


def _print_table(page: Page, *, quotes: bool, collapsed: bool = True) -> None:
    console = Console()
    shown = f"{page.offset + 1}-{page.offset + len(page.results)}" if page.results else "none"
    note = "; syndicated copies in one row, --all-copies lists them" \
        if collapsed and any(int(r.get("copies") or 1) > 1 for r in page.results) else ""
    if page.ranked:
        note += f"; the best of the newest {page.ranked:,} matches: --since/--until reach older ones"
    if quotes:
        table = Table("published", "speaker", "quote", "article", title=f"{page.total} quotes ({shown} shown{note})")
        for q in page.results:
            table.add_row((q["published_at"] or "")[:10] + _copies(q, collapsed), escape(q["speaker"] or "?"), escape(q["text"] or ""),
                          escape(q["article_id"]))
    else:
        table = Table("published", "source", "headline", "topics", "id", title=f"{page.total} articles ({shown} shown{note})")
        table.columns[4].overflow = "fold"
        for r in page.results:
            topics = escape(topic_labels(r.get("topics", [])[:3]))
            headline = escape(r["headline"] or "")
            if r.get("snippet"):
                headline += f"\n[dim]{escape(r['snippet'])}[/dim]"
            table.add_row((r["published_at"] or "")[:10] + _copies(r, collapsed), escape(r["source"] or r["provider"] or ""), headline,
                          topics, escape(r["id"]))
    console.print(table)


def _copies(row: dict[str, Any], collapsed: bool) -> str:
    """"(+N copies)" under a story's row when syndicated copies were collapsed into it."""
    n = int(row.get("copies") or 1)
    return f"\n[dim]+{n - 1} cop{'y' if n == 2 else 'ies'}[/dim]" if collapsed and n > 1 else ""
