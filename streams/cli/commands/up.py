"""``streams up``: start everything the pipeline needs, feed it, and stop it all on Ctrl-C.

``streams up [PATH...] [--watch DIR]`` starts the managed broker (unless an existing cluster is
configured), creates the topics, starts an enrich worker, the storage consumer, the alert matcher
and alert delivery (to ``alerts.jsonl`` beside the SQLite archive, and to the webhook of each
rule that names one: signed, guarded, retried, as ``streams alerts deliver``) as child processes, ingests
PATHs, follows the drop folder, serves the web console and JSON API (``streams serve``, its URL shown
in the live view), and shows a live view until Ctrl-C. Child logs go to ``$STREAMS_HOME/logs/``.

``streams up --once PATH...`` pushes the files through the whole pipeline, waits until every
article is stored or dead-lettered, prints a summary, stops everything and exits 0 (1 if
something was lost or a process died) — the form scripts and checks use.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from streams.cli import up_ports
from streams.core.errors import StreamsError
from streams.core.settings import Settings
from streams.kafka import topics

log = logging.getLogger(__name__)

DESCRIPTION = """\
Run the whole pipeline on this machine, feed it, and stop it all on Ctrl-C.

`streams up [PATH...] [--watch DIR]` starts the managed broker (unless STREAMS_KAFKA_BOOTSTRAP names a
cluster), creates the topics, starts an enrich worker, the storage consumer, the alert matcher and alert
delivery (to alerts.jsonl beside the SQLite archive, and to each rule's webhook) as child processes,
ingests PATHs, follows the drop folder DIR, and shows a live view. Logs: $STREAMS_HOME/logs/ (one per
child; up.log has the Kafka client's own warnings, retried, kept off the terminal).

`streams up --once PATH...` pushes the files through the whole pipeline, waits until every article is
stored or dead-lettered, prints a summary (this run's articles; ingested, enriched, stored,
dead-lettered), stops everything and exits 0 (1 if something was lost or a process died).

Prometheus: each process serves /metrics on a fixed port, STREAMS_UP_METRICS_PORT (9110) + an offset:
up 0, store 1, alerts 2, alert-delivery 3, alert-webhooks 4, ingest-watch 5, worker-N 5+N
(deploy/prometheus/prometheus.up.yml scrapes them; 0 = free ports).

examples:
  streams up --watch var/inbox ../shared/samples/*.txt     # what `make run` runs
  streams up --once ../shared/samples/*.txt                # for scripts and checks
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "up",
        help="run the whole pipeline locally (broker, worker, storage, ingest); Ctrl-C stops it all",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", type=Path, help="files or folders of articles to ingest at start")
    p.add_argument("--watch", type=Path, metavar="DIR", help="follow a drop folder (new files are ingested)")
    p.add_argument("--once", action="store_true", help="ingest PATHs, wait until drained, print a summary, exit")
    p.add_argument("--workers", type=int, default=1, help="enrich worker processes (<= partitions; default 1)")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="--once: give up (exit 1) after this many seconds (default 600)")
    p.add_argument("--no-dashboard", action="store_true", help="log progress lines instead of the live view")
    p.add_argument("--console-port", type=int, default=None, metavar="PORT",
                   help="port of the web console and JSON API (default STREAMS_HTTP_PORT, or any free port when "
                   "that one is taken; -1: no console)")
    p.set_defaults(handler=run)


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    metrics_port: int


@dataclass
class Stack:
    """The processes ``streams up`` started, so they can all be stopped."""

    settings: Settings
    ports: dict[str, int] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    started_broker: bool = False

    def spawn(self, name: str, *args: str) -> Child:
        port = self.ports.get(name, -1)  # -1: none (the console serves /metrics on its own HTTP port)
        env = {**os.environ, "STREAMS_METRICS_PORT": str(port), "STREAMS_KAFKA_BOOTSTRAP": self.settings.bootstrap,
               "STREAMS_TOPIC_PREFIX": self.settings.topic_prefix, "STREAMS_DATABASE_URL": self.settings.database_url}
        log_dir = self.settings.home / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        out = open(log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "streams.cli.main", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        child = Child(name, proc, port)
        self.children.append(child)
        log.info("started %s (pid %d, log %s)", name, proc.pid, log_dir / f"{name}.log")
        return child

    def dead(self) -> list[Child]:
        return [c for c in self.children if c.proc.poll() is not None]

    def metrics_urls(self) -> list[str]:
        # this process's own counters (the start-up ingest) are read in-process by the live view
        return [f"http://127.0.0.1:{c.metrics_port}/metrics" for c in self.children if c.metrics_port > 0]

    def stop(self) -> None:
        for child in self.children:
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in self.children:
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
        if self.started_broker:
            from streams.devtools import broker

            broker.stop(self.settings)


def _start_broker(stack: Stack) -> None:
    from streams.devtools import broker
    from streams.kafka.admin import create_topics

    if stack.settings.managed_broker:
        before = broker.status(stack.settings)
        broker.start(stack.settings)
        stack.started_broker = not before.running
    else:
        broker.wait_ready(stack.settings.bootstrap, timeout=30.0)
    create_topics(stack.settings)


def _drained(settings: Settings, groups: dict[str, str]) -> bool:
    """True when every (group -> topic) has consumed everything on its topic."""
    from streams.kafka.lag import LagMonitor

    for group, topic in groups.items():
        monitor = LagMonitor(settings, group, [topic], interval=3600)
        try:
            lag = monitor.measure()
        finally:
            monitor._close_clients()
        if any(t.messages > 0 for t in lag.values()) or topic not in lag:
            return False
    return True


def _ingest(stack: Stack, paths: list[Path]) -> list[str]:
    """Ingest the start-up files in this process (the live view reads this process's counters)."""
    from streams.ingest.sources.files import ingest_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise StreamsError(f"no such file or folder: {', '.join(missing)}")
    if not paths:
        return []
    summary = ingest_paths(stack.settings, paths, progress=sys.stderr.isatty(), keep_ids=True)
    log.info("ingested %d article(s) from %s; %d duplicate(s), %d dead-lettered", summary.sent,
             ", ".join(map(str, paths)), summary.duplicates, summary.dead_lettered)
    return summary.ids


def _print_summary(settings: Settings, ingested_ids: list[str], dead_letters: int, enriched: int) -> int:
    from rich.console import Console

    from streams.cli.summary import print_once_summary
    from streams.store.backends import archive_location, open_archive

    archive = open_archive(settings.database_url)
    try:
        return print_once_summary(Console(), archive, ingested_ids, dead_letters,
                                  archive_location(settings.database_url), enriched=enriched)
    finally:
        archive.close()


#: loggers whose records go to $STREAMS_HOME/logs/up.log, not the terminal: the Kafka client's warnings
#: and our retried lag reads, which a fresh broker (group coordinators still loading) fills with
#: NotCoordinator / CoordinatorNotAvailable lines that are retried, not failures
LOG_FILE_ONLY = ("kafka", "streams.kafka.lag")


def route_client_logs(settings: Settings) -> Path:
    """Send the :data:`LOG_FILE_ONLY` loggers to ``$STREAMS_HOME/logs/up.log`` only; returns its path."""
    path = settings.home / "logs" / "up.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in LOG_FILE_ONLY:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
    return path


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.once and not args.paths:
        raise StreamsError("--once needs at least one PATH to push through the pipeline")
    route_client_logs(settings)
    stack = Stack(settings, _metrics_ports(args, settings))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        from streams.core.metrics import serve_metrics

        serve_metrics(stack.ports["up"], settings.metrics_host)  # the start-up ingest's counters
        _start_broker(stack)
        before = _Offsets.now(settings)
        for i in range(max(1, args.workers)):
            stack.spawn(f"worker-{i + 1}", "worker", "--no-create-topics")
        stack.spawn("store", "store")
        stack.spawn("alerts", "alerts", "run")
        for name, deliver_args in alert_deliverers(settings):
            stack.spawn(name, *deliver_args)
        if args.watch:
            args.watch.mkdir(parents=True, exist_ok=True)
            stack.spawn("ingest-watch", "ingest", "--watch", str(args.watch))
        console_url = None if args.once else _start_console(stack, args.console_port)
        ingested_ids = _ingest(stack, args.paths)
        if args.once:
            return _finish_once(stack, args.timeout, before, ingested_ids)
        return _live(stack, stop, args.no_dashboard, console_url)
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def console_port(settings: Settings, wanted: int | None) -> int:
    """The console's port: ``wanted``, else STREAMS_HTTP_PORT when it is free, else any free port."""
    if wanted is not None:
        return wanted if wanted != 0 else up_ports.free_port()
    with socket.socket() as s:
        try:
            s.bind((settings.http_host, settings.http_port))
        except OSError:
            log.info("port %d is taken; the console takes a free one", settings.http_port)
            return up_ports.free_port()
    return settings.http_port


def _start_console(stack: Stack, wanted: int | None) -> str | None:
    """``streams serve`` as a child, once the archive exists (it opens it read-only); its console URL."""
    if wanted is not None and wanted < 0:
        return None
    from streams.store.backends import open_archive

    open_archive(stack.settings.database_url).close()  # created and migrated before its first reader
    port = console_port(stack.settings, wanted)
    stack.spawn("console", "serve", "--host", stack.settings.http_host, "--port", str(port))
    host = stack.settings.http_host
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/console/"


def _metrics_ports(args: argparse.Namespace, settings: Settings) -> dict[str, int]:
    """Every process's fixed /metrics port (checked free before anything starts); ``up`` serves its own."""
    from streams.cli import up_ports

    names = ["up", "store", "alerts", *(name for name, _ in alert_deliverers(settings)),
             *(["ingest-watch"] if args.watch else []), *(f"worker-{i + 1}" for i in range(max(1, args.workers)))]
    ports = up_ports.plan(settings.up_metrics_port, names)
    up_ports.check_free(ports, settings.metrics_host, settings.up_metrics_port)
    return ports


def alert_deliverers(settings: Settings) -> list[tuple[str, list[str]]]:
    """The delivery processes of the stack: (name, `streams` arguments).

    Every alert goes to a JSON Lines file; alerts of rules with a webhook also go to that webhook (rules added
    while the stack runs included: the deliverer reads each alert's webhook, not a list made at start).
    """
    alerts_file = Path(settings.database_url.removeprefix("sqlite:///")).parent / "alerts.jsonl" \
        if settings.database_url.startswith("sqlite:///") else settings.home / "alerts.jsonl"
    return [("alert-delivery", ["alerts", "deliver", "--file", str(alerts_file)]),
            ("alert-webhooks", ["alerts", "deliver", "--rule-webhooks-only"])]


def _groups(settings: Settings) -> dict[str, str]:
    from streams.alerts.matcher import matcher_group_id
    from streams.store.consumer import store_group_id

    return {
        topics.worker_group(settings): topics.RAW.name(settings),
        store_group_id(settings): topics.ENRICHED.name(settings),
        matcher_group_id(settings): topics.ENRICHED.name(settings),
    }


@dataclass(frozen=True)
class _Offsets:
    """End offsets of the topics the ``--once`` summary counts from (this run: between two of these)."""

    dead_letters: dict[int, int]
    enriched: dict[int, int]

    @classmethod
    def now(cls, settings: Settings) -> "_Offsets":
        from streams.cli.once_counts import end_offsets

        return cls(end_offsets(settings, topics.DEAD_LETTERS.name(settings)),
                   end_offsets(settings, topics.ENRICHED.name(settings)))


def _finish_once(stack: Stack, timeout: float, before: _Offsets, ingested_ids: list[str]) -> int:
    settings = stack.settings
    deadline = time.monotonic() + timeout
    while not _drained(settings, _groups(settings)):
        if stack.dead():
            names = ", ".join(c.name for c in stack.dead())
            raise StreamsError(f"{names} exited early; see the logs under {settings.home / 'logs'}")
        if time.monotonic() > deadline:
            raise StreamsError(f"the pipeline did not drain within {timeout:g}s")
        time.sleep(1.0)
    from streams.cli.once_counts import enriched_of

    after = _Offsets.now(settings)
    dead_letters = sum(after.dead_letters.values()) - sum(before.dead_letters.values())
    enriched = enriched_of(settings, topics.ENRICHED.name(settings), before.enriched, after.enriched, ingested_ids)
    _print_summary(settings, ingested_ids, dead_letters, enriched)
    return 0


def _live(stack: Stack, stop: threading.Event, no_dashboard: bool, console_url: str | None = None) -> int:
    from streams.cli.live import run_dashboard

    watcher = threading.Thread(target=_watch_children, args=(stack, stop), daemon=True)
    watcher.start()
    run_dashboard(stack.settings, stack.metrics_urls(), stop, plain=True if no_dashboard else None,
                  console_url=console_url)
    return 0 if not stack.dead() else 1


def _watch_children(stack: Stack, stop: threading.Event) -> None:
    while not stop.is_set():
        dead = stack.dead()
        if dead:
            log.error("%s exited (code %s); stopping", dead[0].name, dead[0].proc.returncode)
            stop.set()
        time.sleep(1.0)
