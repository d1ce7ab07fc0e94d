"""``streams export``: articles from the archive as IPTC ninjs 2.2 (or the contract form), one per line."""

from __future__ import annotations

import argparse
import sys
from typing import IO

import orjson

from streams.core.model import EnrichedArticle
from streams.core.ninjs import EXTENSION_SCHEMA_PATH, to_ninjs
from streams.core.settings import Settings
from streams.store.archive import MAX_PAGE, SearchQuery
from streams.store.backends import open_archive

from streams.cli.commands.search import _time_arg  # the same date arguments as `streams search`


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write archived articles as ninjs 2.2 (or enriched JSON) Lines, newest first",
        description="Write the archive's articles, one JSON document per line, newest first: IPTC ninjs 2.2 "
        "with the 'streams' extension (entities, quotes, topics with their offsets; schema: "
        f"{EXTENSION_SCHEMA_PATH.name} in the package) or the enriched contract form. Filters as in "
        "`streams search`; everything when none is given.",
    )
    p.add_argument("--format", choices=("ninjs", "contract"), default="ninjs",
                   help="ninjs: IPTC ninjs 2.2 documents (default); contract: the enriched JSON of `streams enrich`")
    p.add_argument("--entity", help='an entity name, e.g. "Kaja Kallas"')
    p.add_argument("--speaker", help="the speaker of a quote in the article")
    p.add_argument("--topic", help="IPTC Media Topic code (medtop:16000000) or label")
    p.add_argument("--source", help="original source or provider")
    p.add_argument("--since", type=_time_arg, help="published at or after (ISO date or date-time, UTC)")
    p.add_argument("--until", type=_time_arg, help="published before (ISO date or date-time, UTC)")
    p.add_argument("--limit", type=int, default=None, help="at most this many articles (default: all)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--database-url", default=None, metavar="URL", help="override STREAMS_DATABASE_URL")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit is not None and args.limit < 1:
        raise argparse.ArgumentTypeError("--limit must be at least 1")
    out: IO[bytes] = open(args.output, "wb") if args.output else sys.stdout.buffer
    written = 0
    try:
        with open_archive(args.database_url or settings.database_url, read_only=True) as archive:
            offset = 0
            while args.limit is None or written < args.limit:
                size = MAX_PAGE if args.limit is None else min(MAX_PAGE, args.limit - written)
                page = archive.search(SearchQuery(entity=args.entity, speaker=args.speaker, topic=args.topic,
                                                  source=args.source, since=args.since, until=args.until,
                                                  all_copies=True, limit=size, offset=offset))
                for row in page.results:
                    doc = archive.article(row["id"])
                    if doc is None:  # replaced or removed since the page was read
                        continue
                    value = to_ninjs(EnrichedArticle.from_dict(doc)) if args.format == "ninjs" else doc
                    out.write(orjson.dumps(value) + b"\n")
                    written += 1
                offset += len(page.results)
                if len(page.results) < size or offset >= page.total:
                    break
    finally:
        if args.output:
            out.close()
        else:
            out.flush()
    print(f"streams export: {written} article(s) as {args.format}", file=sys.stderr)
    return 0
