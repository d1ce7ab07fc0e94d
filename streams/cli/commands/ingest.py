"""``streams ingest``: files, folders, drop folders, stdin, feeds and HTTP push → articles.raw."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rich.console import Console

from streams.core import metrics
from streams.core.errors import ConfigError
from streams.core.settings import Settings
from streams.ingest.producer import IngestSummary, RawProducer, responsive_gil
from streams.ingest.sources import Source
from streams.kafka import admin, topics
from streams.kafka.wait import when_kafka_answers

if TYPE_CHECKING:
    from streams.ingest.sources.feeds import PollResult

log = logging.getLogger(__name__)

EPILOG = """\
inputs (any mix; each bad item is logged and dead-lettered with its reason, the run goes on):
  PATH ...        files or folders: *.txt wire text (body kept exactly as received; UTF-8, or Windows-1252 /
                  Latin-1 decoded so and recorded as altids.encoding=cp1252), *.json ninjs 1.x/2.x
                  or article objects (or arrays), *.jsonl JSON Lines (also the corpus format with
                  id,title,text,date,dateline,publisher); *.gz is decompressed (with a bomb cap)
  -               stdin: JSON Lines, one JSON object, or one wire text
  --watch DIR     drop folder: each new file is ingested, then moved to DIR/done/ once acknowledged;
                  a file with no good article (unreadable, refused, every item bad) goes to DIR/failed/
                  with NAME.error.txt beside it saying why (its items are in the dead-letter topic)
  --feed URL|FILE RSS 2.0 / Atom / RDF; once, or polled with --follow (conditional GET, back-off,
                  seen items remembered in the compacted topic ingest.seen, shared by all ingesters).
                  Once: a feed that cannot be read (HTTP error, unknown host, not a feed) makes the
                  exit status 1, naming the feed and the cause. With --follow it is logged on every
                  poll and retried with back-off; a refused document is dead-lettered once, not per poll.
  --http          HTTP push on STREAMS_HTTP_HOST:STREAMS_HTTP_PORT (127.0.0.1:8080):
                    curl -H 'Authorization: Bearer $STREAMS_API_KEY' -H 'Content-Type: text/plain' \\
                         --data-binary @story.txt http://127.0.0.1:8080/articles
                  202 {"id"} after the broker's ack; 400 says what is wrong; 401; 413 over
                  STREAMS_MAX_ARTICLE_BYTES. Needs STREAMS_API_KEY.

An article counts as sent only when the broker acknowledged it (acks=all, idempotent producer).
While the broker is down, ingest waits and retries; it never drops.

examples:
  streams ingest ../shared/samples/wire-menafn-ukrinform-2026-01-13.txt
  streams ingest ../shared/corpus/reuters21578.jsonl          # backfill with a progress bar
  streams ingest --feed https://example.org/rss.xml --follow --interval 120
  cat stories.jsonl | streams ingest -
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="send articles from files, folders, stdin, feeds or HTTP push to the raw topic",
        description="Ingest news articles into the Kafka topic articles.raw (keyed by a stable article id).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to ingest; '-' reads stdin")
    p.add_argument("--watch", metavar="DIR", type=Path,
                   help="follow a drop folder (processed files go to DIR/done/, failed ones to DIR/failed/)")
    p.add_argument("--feed", metavar="URL|FILE", action="append", default=[], help="an RSS/Atom/RDF feed (repeatable)")
    p.add_argument("--follow", action="store_true", help="keep polling the feeds (default: poll each once)")
    p.add_argument("--interval", type=float, default=300.0, metavar="SECONDS",
                   help="seconds between polls of one feed (default 300; jittered, backs off on failure)")
    p.add_argument("--fetch-linked", action="store_true",
                   help="fetch each feed item's linked page and extract its text (needs trafilatura)")
    p.add_argument("--http", action="store_true", help="run the HTTP push endpoint POST /articles")
    p.add_argument("--remember", action="store_true",
                   help="for PATHs: skip articles whose id an earlier run already sent (seen-items topic)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes for JSON Lines files of 8 MiB or more: each parses and sends a part of the "
                        "file (default: one per core, 2 to 4; with --remember or .gz they parse only: cores - 1); "
                        "0 = all in this process")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-create-topics", action="store_true", help="do not create missing topics first")
    p.set_defaults(handler=run)


def _print_summary(summary: IngestSummary, console: Console) -> None:
    reasons = ", ".join(f"{k}={v}" for k, v in sorted(summary.reasons.items())) or "-"
    console.print(f"ingest: sent {summary.sent}, duplicates {summary.duplicates}, "
                  f"dead-lettered {summary.dead_lettered} (reasons: {reasons}), {summary.bytes} bytes")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not (args.paths or args.watch or args.feed or args.http):
        raise ConfigError("nothing to ingest: give PATHs, '-', --watch DIR, --feed URL or --http (see --help)")
    if args.watch and not args.watch.is_dir():
        raise ConfigError(f"--watch {args.watch}: not a folder; create it first (mkdir -p {args.watch})")
    if args.fetch_linked:
        from streams.ingest.sources.feeds import require_trafilatura  # noqa: PLC0415

        require_trafilatura()  # fail now, in the foreground, not later in the feed thread
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("kafka").setLevel(logging.WARNING)  # kafka-python logs every connection at INFO
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    create = (lambda: None) if args.no_create_topics else \
        (lambda: admin.create_topics(settings, (topics.RAW, topics.DEAD_LETTERS, topics.SEEN_ITEMS)))
    if not when_kafka_answers(settings, create, stop, what="ingest")[0]:
        return 0  # stopped before the broker answered: nothing was read, nothing is lost
    metrics.serve_metrics(settings.metrics_port, settings.metrics_host)
    console = Console(stderr=True)
    kind = "http" if args.http else "feed" if args.feed else "watch" if args.watch else \
        "stdin" if args.paths == ["-"] else "file"
    from streams.ingest.sources.feeds import FeedsFailed  # noqa: PLC0415

    failure: FeedsFailed | None = None
    with responsive_gil(), RawProducer(settings, source_kind=kind) as producer:
        try:
            _run_inputs(args, settings, producer, stop, console)
        except KeyboardInterrupt:
            console.print("ingest: interrupted; waiting for the broker to acknowledge what was handed over")
        except FeedsFailed as exc:  # the other inputs were sent: summarise them, then say what failed
            failure = exc
        producer.flush()
    _print_summary(producer.summary, console)
    if failure is not None:
        raise failure
    return 0


def _run_inputs(args: argparse.Namespace, settings: Settings, producer: RawProducer, stop: threading.Event,
                console: Console) -> None:
    """stdin, then the PATHs, in the foreground; feeds and the drop folder in background threads."""
    from streams.ingest.sources.dropfolder import DropFolderSource  # noqa: PLC0415
    from streams.ingest.sources.feeds import FeedSource  # noqa: PLC0415
    from streams.ingest.sources.files import FileSource  # noqa: PLC0415
    from streams.ingest.sources.stdin import StdinSource  # noqa: PLC0415

    paths = [p for p in args.paths if p != "-"]
    foreground: list[Source] = []
    if "-" in args.paths:
        foreground.append(StdinSource(settings, sys.stdin.buffer))
    if paths:
        foreground.append(FileSource(settings, paths, progress=not args.no_progress and console.is_terminal,
                                     remember=args.remember, workers=args.workers))
    for source in foreground:
        source.run(producer, stop.is_set)
    background: list[Source] = []
    if args.feed:
        background.append(FeedSource(settings, args.feed, interval_s=args.interval, follow=args.follow,
                                     fetch_linked=args.fetch_linked, on_poll=_log_poll))
    if args.watch:
        background.append(DropFolderSource(settings, args.watch))
    workers = [_Worker(lambda source=source: source.run(producer, stop.is_set), stop) for source in background]
    for w in workers:
        w.start()
    if args.http:
        from streams.ingest.sources.http_push import serve  # noqa: PLC0415

        try:
            serve(settings, producer)  # in the foreground: aiohttp stops it on Ctrl-C / SIGTERM
        finally:
            stop.set()
    for w in workers:
        while w.is_alive():
            w.join(0.5)
    for w in workers:
        if w.error is not None:
            raise w.error


class _Worker(threading.Thread):
    """A background input (feeds, drop folder); its error stops the others and is re-raised in main."""

    def __init__(self, target: Callable[[], object], stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self._target_fn, self._stop_event = target, stop
        self.error: BaseException | None = None

    def run(self) -> None:
        from streams.ingest.sources.feeds import FeedsFailed  # noqa: PLC0415

        try:
            self._target_fn()
        except FeedsFailed as exc:  # one-shot feeds are done (the failed ones reported): the others go on
            self.error = exc
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.error = exc
            self._stop_event.set()


def _log_poll(result: PollResult) -> None:
    if result.error is not None:
        return  # the poller logged the failure with its cause
    log.info("feed %s: %s, %d new, %d seen before", result.url, result.status, result.new, result.duplicates)
