"""``streams store``: consume enriched articles into the archive (SQLite or PostgreSQL)."""

from __future__ import annotations

import argparse
import signal
import threading

from rich.console import Console

from streams.core.metrics import serve_metrics
from streams.core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "store",
        help="consume articles.enriched into the searchable archive (STREAMS_DATABASE_URL)",
        description="Consume articles.enriched into the archive: SQLite by default "
        "(sqlite:///var/streams.db, relative to the working directory) or PostgreSQL "
        "(postgresql://user@host/db). Idempotent: re-delivered or older versions change nothing. "
        "Undecodable records go to the dead-letter topic. Runs until Ctrl-C / SIGTERM, or with "
        "--until-idle until the topic is drained.",
    )
    p.add_argument("--until-idle", type=float, metavar="SECONDS", default=None,
                   help="exit once the topic is drained and nothing arrived for SECONDS (batch use)")
    p.add_argument("--batch-size", type=int, default=500, metavar="N",
                   help="records per database transaction (default 500)")
    p.add_argument("--database-url", default=None, metavar="URL", help="override STREAMS_DATABASE_URL")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from streams.store.consumer import StoreConsumer, open_when_available

    if args.database_url:
        settings = settings.replace(database_url=args.database_url)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())  # finish the batch in hand, commit, exit
    serve_metrics(settings.metrics_port, settings.metrics_host)
    archive = open_when_available(settings.database_url, stop)
    if archive is None:  # stopped while the database was still down: nothing was consumed
        return 0
    try:
        consumer = StoreConsumer(settings, archive=archive, batch_size=args.batch_size)
        stats = consumer.run(until_idle=args.until_idle, stop_event=stop)
    finally:
        archive.close()
    Console(stderr=True).print(
        f"stored: {stats.written} written, {stats.unchanged} unchanged, {stats.dead_lettered} dead-lettered "
        f"of {stats.consumed} records in {stats.batches} batches"
    )
    return 0
