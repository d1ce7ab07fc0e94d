"""``streams deadletters list|show|replay``: read the dead-letter topic and send letters back after a fix."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Sequence

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from streams.core.errors import StreamsError
from streams.core.settings import Settings

if TYPE_CHECKING:
    from streams.kafka.deadletters import Filter, Letter

ID_HELP = "a dead-letter id PARTITION:OFFSET, as `streams deadletters list` prints it"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deadletters",
        help="list, read and replay dead letters (inputs a stage could not handle)",
        description="Every stage (ingest, enrich, dedupe, store, alert, alert_delivery) writes what it cannot "
        "handle to the dead-letters topic: the reason, the error, where the input came from and its original "
        "bytes. List them, read one, and after fixing the cause replay them: the original bytes go back to "
        "the topic the stage read them from. A dead letter's id is PARTITION:OFFSET in the dead-letters topic.",
    )
    p.set_defaults(handler=lambda args, settings: (p.print_help(), 2)[1])
    actions = p.add_subparsers(dest="deadletters_action", metavar="ACTION")

    ls = actions.add_parser(
        "list", help="a table of dead letters: id, time, stage, reason, source, size, error",
        description="List dead letters, oldest first. Example: streams deadletters list "
        "--stage store --since 2h",
    )
    _filters(ls)
    ls.add_argument("--json", action="store_true",
                    help="one JSON letter per line (the original bytes base64-encoded in 'original')")
    ls.add_argument("--limit", type=int, default=None, metavar="N", help="only the newest N letters")
    ls.set_defaults(handler=run_list)

    show = actions.add_parser(
        "show", help="one dead letter in full: reason, error, source and its original bytes",
        description="Print a dead letter: its reason, error type and message, where the input came from "
        "(topic, partition, offset, key, origin) and the original bytes, as text when they are UTF-8, else "
        "as a hex dump (--raw writes the bytes unchanged to stdout, e.g. to a file to fix and re-ingest).",
    )
    show.add_argument("id", metavar="ID", help=ID_HELP)
    show.add_argument("--raw", action="store_true", help="write only the original bytes to stdout")
    show.add_argument("--json", action="store_true", help="the letter as JSON (original bytes base64)")
    show.set_defaults(handler=run_show)

    replay = actions.add_parser(
        "replay", help="send dead letters' original bytes back to their source topic, once",
        description="Replay the selected letters (by id, or by --stage/--reason/--since/--until; at least one "
        "is required): each letter's original bytes and key go back to the topic its stage read them from "
        "(articles.raw for enrich, articles.enriched for store and alert, alerts for alert_delivery), so the "
        "stage handles them again once the cause is fixed. Ingest letters have no source topic: re-ingest "
        "their origin. Each replayed letter is marked in the compacted dead-letters.replayed topic and "
        "skipped by later replays unless --again; replaying twice is harmless anyway, the archive upserts "
        "by article id and alerts dedupe by rule and story. Example: streams deadletters replay --stage "
        "store --reason storage --dry-run",
    )
    replay.add_argument("ids", nargs="*", metavar="ID", help=ID_HELP + " (instead of filters)")
    _filters(replay)
    replay.add_argument("--dry-run", action="store_true", help="only print what would be replayed, send nothing")
    replay.add_argument("--again", action="store_true", help="also replay letters that were replayed before")
    replay.set_defaults(handler=run_replay)


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stage", action="append", default=[], metavar="STAGE",
                   help="only this stage (repeat for several): ingest, enrich, dedupe, store, alert, alert_delivery")
    p.add_argument("--reason", action="append", default=[], metavar="REASON",
                   help="only this reason (repeat for several), e.g. invalid, undecodable, too_large, storage, delivery_failed")
    p.add_argument("--since", default=None, metavar="TIME",
                   help="dead-lettered at or after TIME: ISO date or date-time (UTC), or an age: 30m, 2h, 7d")
    p.add_argument("--until", default=None, metavar="TIME", help="dead-lettered before TIME (same forms)")


def _filter(args: argparse.Namespace) -> Filter:
    from streams.kafka.deadletters import Filter, parse_time

    return Filter(stages=frozenset(args.stage), reasons=frozenset(args.reason),
                  since=parse_time(args.since) if args.since else None,
                  until=parse_time(args.until) if args.until else None)


def _require_broker(settings: Settings) -> None:
    from streams.kafka.admin import require_listener

    require_listener(settings)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    wanted = _filter(args)  # a bad argument is reported before the broker is looked for
    _require_broker(settings)
    from streams.kafka.deadletters import read_letters, summary

    items = sorted(read_letters(settings, wanted), key=lambda item: item.time)
    if args.limit is not None:
        items = items[-args.limit:] if args.limit > 0 else []
    if args.json:
        for item in items:
            sys.stdout.buffer.write(orjson.dumps(summary(item)) + b"\n")
        return 0
    if not items:
        print("no dead letters match" if _filtered(args) else "no dead letters")
        return 0
    Console().print(letters_table(items))
    print(f"{len(items)} dead letter(s); read one with `streams deadletters show ID`")
    return 0


def letters_table(items: Sequence[Letter]) -> Table:
    """The ``list`` table: one row per letter, the error cut to one line."""
    table = Table()
    for name in ("id", "time (UTC)", "stage", "reason"):
        table.add_column(name, no_wrap=True)
    table.add_column("source", overflow="fold")
    table.add_column("bytes", justify="right")
    table.add_column("error", ratio=1)
    for item in items:
        d = item.letter
        source = (f"{d.source_topic}[{d.source_partition}]@{d.source_offset}" if d.source_topic
                  else d.origin or "")
        error = f"{d.error_type}: {d.message}".splitlines()[0] if d.message else d.error_type
        table.add_row(item.id, item.time.strftime("%Y-%m-%d %H:%M:%S"), d.stage, d.reason, escape(source),
                      str(len(d.original)), escape(error[:120]))
    return table


def _filtered(args: argparse.Namespace) -> bool:
    return bool(args.stage or args.reason or args.since or args.until)


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    _require_broker(settings)
    from streams.kafka.deadletters import fetch, summary

    (item,) = fetch(settings, [args.id])
    if args.raw:
        sys.stdout.buffer.write(item.letter.original)
        return 0
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(summary(item), option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    print(render_letter(item))
    return 0


def render_letter(item: Letter) -> str:
    """A letter for reading: the facts, one per line, then the original bytes (text, or a hex dump)."""
    from streams.kafka.deadletters import preview

    d = item.letter
    kind, shown = preview(d.original)
    key = d.source_key.decode("utf-8", "replace") if d.source_key is not None else None
    lines = [
        f"id:       {item.id}",
        f"time:     {d.time}",
        f"stage:    {d.stage}",
        f"reason:   {d.reason}",
        f"error:    {d.error_type}: {d.message}",
    ]
    if d.source_topic:
        lines.append(f"source:   {d.source_topic} partition {d.source_partition} offset {d.source_offset}")
    if key is not None:
        lines.append(f"key:      {key}")
    if d.origin:
        lines.append(f"origin:   {d.origin}")
    lines.append(f"original: {len(d.original)} bytes, shown as {kind}{'' if kind == 'text' else ' (not UTF-8)'}")
    return "\n".join(lines) + "\n\n" + shown


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    if args.ids and _filtered(args):
        raise StreamsError("give either dead-letter ids or filters (--stage, --reason, --since, --until), not both")
    if not args.ids and not _filtered(args):
        raise StreamsError("say what to replay: dead-letter ids, or at least one of --stage, --reason, --since, "
                           "--until (e.g. --since 1d for everything of the last day); try --dry-run first")
    wanted = None if args.ids else _filter(args)
    _require_broker(settings)
    from streams.kafka.deadletters import fetch, read_letters, replay

    items = fetch(settings, args.ids) if args.ids else list(read_letters(settings, wanted))
    report = replay(settings, items, again=args.again, dry_run=args.dry_run)
    verb = "would replay" if args.dry_run else "replayed"
    for lid, target in report.replayed:
        print(f"{verb}  {lid} -> {target}")
    for lid, why in report.skipped:
        print(f"skipped   {lid}: {why}")
    print(f"{len(report.replayed)} {verb}, {len(report.skipped)} skipped")
    return 0
