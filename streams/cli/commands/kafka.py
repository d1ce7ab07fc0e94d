"""``streams kafka start|stop|status``: the managed local Apache Kafka broker."""

from __future__ import annotations

import argparse
import logging

from rich.console import Console
from rich.table import Table

from streams.core.settings import Settings
from streams.devtools import broker

STATUS_EPILOG = "exit status: 0 when a broker answers at the bootstrap address, 1 when none does"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "kafka",
        help="start, stop or inspect the managed local Kafka broker (KRaft, 127.0.0.1)",
        description="The managed local Apache Kafka broker: one KRaft node on 127.0.0.1:STREAMS_KAFKA_PORT "
        "(or three with --brokers 3 / STREAMS_KAFKA_BROKERS=3), "
        "its jars downloaded once from Maven Central into STREAMS_HOME (needs Java 17+, and Maven for the "
        "first start). With STREAMS_KAFKA_BOOTSTRAP set, nothing is started: the commands check that "
        "cluster instead.",
    )
    actions = p.add_subparsers(dest="kafka_action", metavar="ACTION", required=True)

    start = actions.add_parser(
        "start",
        help="start the broker (or reuse the one running) and wait until it answers",
        description="Start the local broker detached and wait until it answers a metadata request. "
        "Running it twice starts one broker; a stale pid file (broker killed) is cleaned up.",
    )
    start.add_argument(
        "--timeout", type=float, default=broker.DEFAULT_START_TIMEOUT, help="seconds to wait (default %(default)s)"
    )
    _brokers_option(start)
    start.set_defaults(handler=run_start)

    stop = actions.add_parser(
        "stop",
        help="stop the broker started from this STREAMS_HOME (controlled shutdown, then SIGKILL)",
        description="SIGTERM the local broker, wait for its controlled shutdown, SIGKILL after --timeout. "
        "Brokers not started from this STREAMS_HOME, and external clusters, are never touched.",
    )
    stop.add_argument(
        "--timeout", type=float, default=broker.DEFAULT_STOP_TIMEOUT, help="seconds to SIGKILL (default %(default)s)"
    )
    stop.add_argument("--force", action="store_true", help="stop it even while test sessions hold a lease on it")
    _brokers_option(stop)
    stop.set_defaults(handler=run_stop)

    status = actions.add_parser(
        "status",
        help="show whether the broker runs: bootstrap, version, pid, data dir, log file",
        description="Show the broker's state: bootstrap address, Kafka version, pid, data dir and log file.",
        epilog=STATUS_EPILOG,
    )
    _brokers_option(status)
    status.set_defaults(handler=run_status)


def _brokers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--brokers", type=int, choices=broker.CLUSTER_SIZES, default=None,
        help="nodes of the local cluster (default STREAMS_KAFKA_BROKERS, 1): 3 runs KRaft nodes on "
        "STREAMS_KAFKA_PORT, +2, +4 (controllers one above each), topics with 3 replicas and "
        "min.insync.replicas=2, so any one node may die; set STREAMS_KAFKA_BROKERS=3 for the other commands",
    )


def _with_brokers(args: argparse.Namespace, settings: Settings) -> Settings:
    brokers = getattr(args, "brokers", None)
    return settings if brokers is None else settings.replace(kafka_brokers=brokers)


def _quiet_kafka_client(args: argparse.Namespace) -> None:
    # kafka-python logs every connection at INFO; only worth seeing with -v
    if not getattr(args, "verbose", False):
        logging.getLogger("kafka").setLevel(logging.WARNING)


def run_start(args: argparse.Namespace, settings: Settings) -> int:
    _quiet_kafka_client(args)
    settings = _with_brokers(args, settings)
    console = Console(stderr=True)
    first_download = settings.managed_broker and not broker.jars_ready(settings)
    message = (
        f"downloading Kafka {settings.kafka_version} jars (first start only) and starting the broker"
        if first_download
        else f"starting Kafka on {settings.bootstrap}"
        if settings.managed_broker
        else f"checking {settings.bootstrap}"
    )
    with console.status(message) as spinner:
        def show(line: str) -> None:
            spinner.update(f"{message}: {line[:100]}")

        state = broker.start(settings, timeout=args.timeout, owner="cli", on_line=show)
    _print_status(state)
    if settings.managed_broker and settings.kafka_brokers > 1 and args.brokers is not None:
        console.print(f"{settings.kafka_brokers} nodes: export STREAMS_KAFKA_BROKERS={settings.kafka_brokers} so the "
                      f"other commands use all of them ({settings.bootstrap}) and create topics with 3 replicas")
    return 0


def run_stop(args: argparse.Namespace, settings: Settings) -> int:
    _quiet_kafka_client(args)
    settings = _with_brokers(args, settings)
    if not settings.managed_broker:
        print(f"STREAMS_KAFKA_BOOTSTRAP={settings.kafka_bootstrap} is an external cluster; nothing to stop")
        return 0
    if broker.stop(settings, timeout=args.timeout, force=args.force):
        print(f"stopped the Kafka broker on {settings.bootstrap}")
    else:
        print(f"no Kafka broker started from {settings.home} runs on port {settings.kafka_port}")
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    _quiet_kafka_client(args)
    settings = _with_brokers(args, settings)
    state = broker.status(settings)
    _print_status(state)
    return 0 if state.running else 1


def _print_status(state: broker.BrokerStatus) -> None:
    table = Table(show_header=False, box=None)
    for name, value in state.describe():
        table.add_row(name, value)
    Console().print(table)
