"""The ``streams`` command line."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from streams import __version__
from streams.core.errors import StreamsError
from streams.core.settings import load_settings

#: sub-command modules under ``streams.cli.commands``, in the order ``--help`` lists them
COMMAND_MODULES: tuple[str, ...] = (
    "up",
    "kafka",
    "topics",
    "ingest",
    "enrich",
    "worker",
    "store",
    "search",
    "export",
    "serve",
    "alerts",
    "deadletters",
    "config",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streams",
        description="A real-time pipeline for news-wire articles on plain Kafka: ingest, enrich "
        "(entities, quotes, IPTC topics, dedupe), store and search. Configuration comes from "
        "STREAMS_* environment variables (see `streams config`).",
    )
    parser.add_argument("--version", action="version", version=f"streams {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"streams.cli.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"streams.cli.commands.{name}":
                continue  # command not built yet in this checkout
            raise
        module.register(sub)
    return parser


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # client libraries log every connection at INFO; keep their warnings, not their chatter
    for noisy in ("kafka", "aiokafka", "faust", "mode", "httpx"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    # "task ran for 0.1s" is kafka-python timing its own IO loop on a busy machine, not our error
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    logging.getLogger("kafka.net.transport").addFilter(_closed_socket_race)


def _closed_socket_race(record: logging.LogRecord) -> bool:
    """Drop kafka-python's traceback for a read racing its own close (the socket is None by then).

    kafka-python 3.0 closes a connection from the caller's thread while its I/O thread may be
    reading it; the read then fails on ``None.recv`` and is logged as an error with a traceback,
    though nothing was lost (we are closing). Every other transport error is kept.
    """
    exc = record.exc_info[1] if record.exc_info else None
    return not (isinstance(exc, AttributeError) and "'NoneType' object has no attribute" in str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings()
        setup_logging("DEBUG" if args.verbose else settings.log_level)
        return int(args.handler(args, settings) or 0)
    except StreamsError as exc:
        print(f"streams: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
