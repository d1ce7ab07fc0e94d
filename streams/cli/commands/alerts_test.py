"""``streams alerts test RULE|FILE``: what a rule would have fired on the archive or on given files, and why.

Registered by :mod:`streams.cli.commands.alerts` (a sub-action of ``streams alerts``); nothing is
written anywhere: no rule, no alert, no offset.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import orjson
from rich.console import Console
from rich.markup import escape

from streams.core.errors import ConfigError, DecodeError, StreamsError, ValidationError
from streams.core.model import Article, EnrichedArticle
from streams.core.settings import Settings

if TYPE_CHECKING:
    from streams.alerts.rules import Rule

PAGE = 500
DEFAULT_LIMIT = 5000


def register(alerts: argparse._SubParsersAction) -> None:
    test = alerts.add_parser(
        "test", help="try rules before they go live: what they would have fired on the archive or on files, and why",
        description="Evaluate a rule (by id, from the rules topic) or every rule of a rule file on the archived "
        "articles (oldest first, --since/--limit), or on given files (--article: enriched JSON Lines from "
        "`streams enrich`, or plain wire text, enriched here). Shows each match with the conditions that held "
        "and their evidence (entity, quote, topic, text), and whether it would have fired: once per rule and "
        "story cluster, as the matcher does. Writes nothing.",
    )
    test.add_argument("rule", metavar="RULE|FILE", help="a rule id, or a YAML/JSON rule file")
    test.add_argument("--since", default=None, metavar="TIME",
                      help="archive: articles published since TIME (ISO date or date-time, or an age: 2h, 7d)")
    test.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                      help=f"archive: at most the newest N articles ({DEFAULT_LIMIT})")
    test.add_argument("--article", action="append", default=[], metavar="FILE",
                      help="try on this file instead of the archive (repeatable)")
    test.add_argument("--json", action="store_true", help="one JSON object per match")
    test.set_defaults(handler=run_test)


def _rules(spec: str, settings: Settings) -> list[Rule]:
    from streams.alerts.files import load_rules

    if Path(spec).is_file() or spec.endswith((".yml", ".yaml", ".json")):
        return load_rules(spec)
    from streams.alerts.matcher import list_rules

    rules = [r for r in list_rules(settings) if r.id == spec]
    if not rules:
        raise ConfigError(f"{spec!r} is neither a rule file nor the id of a current rule (`streams alerts list`)")
    return rules


def _file_articles(path: str) -> Iterator[EnrichedArticle]:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"--article {path}: no such file")
    raw = file.read_bytes()
    if raw.lstrip().startswith(b"{"):
        for lineno, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                try:
                    yield EnrichedArticle.from_json(line)
                except (DecodeError, ValidationError) as exc:
                    raise ConfigError(f"{path}:{lineno}: not an enriched article ({exc}); give the output of "
                                      "`streams enrich`, or a plain text file") from None
        return
    from streams.enrich.pipeline import Pipeline
    from streams.ingest.formats import decode_text

    text, _ = decode_text(raw, path)
    yield Pipeline.from_names().run(Article(id=file.stem, body_text=text))


def _archive_articles(settings: Settings, since: datetime | None, limit: int) -> list[EnrichedArticle]:
    """Archived articles published since ``since``, at most the newest ``limit``, oldest first."""
    from streams.store.archive import SearchQuery
    from streams.store.backends import open_archive

    archive = open_archive(settings.database_url, read_only=True)
    try:
        ids: list[str] = []
        while len(ids) < limit:
            page = archive.search(SearchQuery(since=since, all_copies=True, limit=min(PAGE, limit - len(ids)),
                                              offset=len(ids)))
            ids += [r["id"] for r in page.results]
            if len(ids) >= page.total or not page.results:
                break
        docs = [archive.article(i) for i in reversed(ids)]
    finally:
        archive.close()
    return [EnrichedArticle.from_dict(d) for d in docs if d is not None]


def run_test(args: argparse.Namespace, settings: Settings) -> int:
    from streams.alerts.trial import evidence, try_rules
    from streams.kafka.deadletters import parse_time

    if args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    if args.article and args.since:
        raise ConfigError("--since applies to the archive; with --article the files given are tried")
    rules = _rules(args.rule, settings)
    if args.article:
        articles = [a for path in args.article for a in _file_articles(path)]
    else:
        try:
            articles = _archive_articles(settings, parse_time(args.since) if args.since else None, args.limit)
        except StreamsError as exc:
            raise ConfigError(f"cannot read the archive ({exc}); try on files with --article") from None
    trial = try_rules(rules, articles)
    if args.json:
        for outcome in trial.outcomes:
            sys.stdout.write(orjson.dumps(outcome.to_dict()).decode() + "\n")
    out = Console(stderr=args.json, highlight=False, soft_wrap=True)
    for outcome in [] if args.json else trial.outcomes:
        art = outcome.article
        when = (art.article.versioncreated or art.article.received_at or "")[:16].replace("T", " ")
        verdict = "[bold green]FIRES[/]" if outcome.fires else "[dim]same story: would not fire again[/]"
        out.print(f"{verdict}  [{escape(outcome.rule.name)}]  {escape(art.display_headline or art.id)}  "
                  f"({escape(art.id)}, {when or 'no date'}, story {escape(outcome.cluster)})")
        for hit in outcome.found.hits:
            out.print(f"    {escape(evidence(hit))}")
    for rule in rules:
        fired, matched = len(trial.fired(rule.id)), len(trial.matched(rule.id))
        out.print(f"rule {escape(rule.id)} ({escape(rule.name)}): {rule.describe()} — would have fired "
                  f"{fired} alert(s); {matched} matching article(s) of {trial.checked} checked")
    return 0
