"""``streams worker``: run the enrich agents (a Faust worker) against the broker."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Callable

from streams.core.settings import Settings

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="run the enrich agents: articles.raw -> articles.enriched (+ quotes, dead letters)",
        description="Run one enrich worker process (a Faust worker in the consumer group STREAMS_APP_ID). "
        "Start more processes to use more cores; at most one per partition of articles.raw does work.",
    )
    p.add_argument("--pipeline", help="comma-separated components (default: STREAMS_PIPELINE or the full pipeline; "
                   "'none' = pass-through)")
    p.add_argument("--no-create-topics", action="store_true", help="do not create missing topics at start")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from faust import Worker

    from streams.core import metrics
    from streams.kafka import topics
    from streams.kafka.admin import create_topics
    from streams.kafka.lag import LagMonitor
    from streams.kafka.wait import when_kafka_answers
    from streams.worker.app import create_app
    from streams.worker.runner import EnrichmentRunner

    if args.pipeline is not None:
        settings = settings.replace(pipeline=args.pipeline)
    # Ctrl-C or SIGTERM (default action) end the wait
    when_kafka_answers(settings, lambda: None if args.no_create_topics else create_topics(settings),
                       what="the enrich worker")
    runner = EnrichmentRunner(settings.pipeline, settings.enrich_timeout_s)
    runner.start()  # builds (and checks) the pipeline before joining the consumer group
    port = metrics.serve_metrics(settings.metrics_port, settings.metrics_host)
    if port:
        print(f"metrics: http://{settings.metrics_host}:{port}/metrics", flush=True)
    app = create_app(settings, runner=runner)
    # the replay of the fingerprint log happens before the group gives this worker partitions: the
    # other workers keep every partition moving meanwhile
    loop = asyncio.new_event_loop()  # its own loop: asyncio.run would unset the one Faust is to use
    try:
        loop.run_until_complete(app.streams_logic.clusters.catch_up())
    finally:
        loop.close()
    lag = None
    if port:  # lag of this worker's consumer group, exported beside its own metrics
        lag = LagMonitor(settings, app.conf.id, [topics.RAW.name(settings)])
        lag.start()
    worker = Worker(app, loglevel=settings.log_level.lower(), quiet=True, redirect_stdouts=False)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        if not kafka_went_away(exc, settings.bootstrap):
            raise
        restart = exc
    finally:
        runner.close()
        if lag is not None:
            lag.stop()
    # Faust gives up when the broker is gone at its bootstrap (it died between our wait and Faust's
    # start); its app cannot be started twice in one process, so start this command afresh
    log.warning("the worker stopped (exit %s) and Kafka at %s does not answer; starting again, "
                "it will wait for Kafka", restart.code, settings.bootstrap)
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    return 1  # not reached


def kafka_went_away(exc: SystemExit, bootstrap: str, probe: Callable[[str], str | None] | None = None) -> bool:
    """True when the Faust worker failed (exit status not 0) and the cluster does not answer now."""
    from streams.kafka.wait import cluster_answers

    if exc.code in (0, None):
        return False
    return (probe or cluster_answers)(bootstrap) is not None
