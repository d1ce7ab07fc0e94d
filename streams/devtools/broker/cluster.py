"""The managed local cluster: one node (``STREAMS_KAFKA_BROKERS=1``, the default) or three.

``streams kafka start --brokers 3`` (or ``STREAMS_KAFKA_BROKERS=3``) runs three KRaft nodes on
127.0.0.1, node i on ``STREAMS_KAFKA_PORT + 2i`` with its controller one above, each with its own
state directory (:func:`~streams.devtools.broker.paths.node_settings`) and one shared cluster id.
Every node is a voter, so the cluster keeps working, and loses no acknowledged write, while any one
node is down: topics get 3 replicas and ``min.insync.replicas=2``, producers use ``acks=all``.

:func:`start`, :func:`stop` and :func:`status` take either size; one node is :mod:`.process` itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Callable

from streams.core.errors import BrokerError, ConfigError
from streams.core.settings import Settings
from streams.devtools.broker import process
from streams.devtools.broker.config import format_storage, new_cluster_id, write_server_properties
from streams.devtools.broker.java import check_java, ensure_jars
from streams.devtools.broker.paths import broker_dir, controller_port, data_dir, locked, node_settings
from streams.devtools.broker.pids import clear_pid, is_our_broker, read_pid

#: node counts that make sense for a voter quorum (a majority survives one loss from 3 on)
CLUSTER_SIZES = (1, 3, 5)


def _nodes(settings: Settings) -> list[Settings]:
    if settings.kafka_brokers not in CLUSTER_SIZES:
        raise ConfigError(f"STREAMS_KAFKA_BROKERS={settings.kafka_brokers}: use 1, 3 or 5 (a KRaft quorum of 2 "
                          "stops when either node does)")
    return [node_settings(settings, node) for node in range(settings.kafka_brokers)]


def _cluster_id(nodes: list[Settings]) -> str:
    """The id in an already formatted node's meta.properties, else a new one (all nodes share it)."""
    for node in nodes:
        with contextlib.suppress(OSError):
            for line in (data_dir(node) / "meta.properties").read_text().splitlines():
                if line.startswith("cluster.id="):
                    return line.split("=", 1)[1].strip()
    return new_cluster_id()


def start_node(settings: Settings, node: int, owner: str = "cli", cluster_id: str | None = None) -> bool:
    """Start node ``node`` of the managed cluster unless it runs; True if it was started. Does not wait."""
    nodes = _nodes(settings)
    me = nodes[node]
    with locked(broker_dir(me) / "lock"):
        pid = read_pid(me)
        if pid is not None and is_our_broker(pid, me):
            return False
        if pid is not None:
            clear_pid(me)
        for port in (me.kafka_port, controller_port(me)):
            if process.port_open(port):
                raise BrokerError(f"port {port} on 127.0.0.1 (node {node + 1} of the local cluster) is taken; "
                                  "set STREAMS_KAFKA_PORT so that it and the 5 ports above it are free")
        java, _ = check_java()
        props = write_server_properties(settings, node)
        format_storage(me, java, cluster_id or _cluster_id(nodes))
        process.spawn(me, java, props, owner)
        return True


def wait_nodes(settings: Settings, timeout: float = process.DEFAULT_START_TIMEOUT) -> dict[str, object]:
    """Block until the cluster's metadata lists every node; the answer. BrokerError on timeout."""
    want = settings.kafka_brokers
    deadline = time.monotonic() + timeout
    while True:
        info = process.probe(settings.bootstrap, timeout=5.0)
        if info is not None and len(info.get("brokers") or ()) >= want:  # type: ignore[arg-type]
            return info
        if time.monotonic() >= deadline:
            raise BrokerError(f"the {want} local Kafka nodes at {settings.bootstrap} did not all answer within "
                              f"{timeout:.0f} s; see broker.log in {settings.home}/broker-<port>/")
        time.sleep(0.5)


def start(settings: Settings, timeout: float = process.DEFAULT_START_TIMEOUT, owner: str = "cli",
          on_line: Callable[[str], None] | None = None) -> process.BrokerStatus:
    """Start the managed broker or cluster (or reuse what runs) and wait until every node answers."""
    if not settings.managed_broker or settings.kafka_brokers == 1:
        return process.start(settings, timeout, owner, on_line)
    nodes = _nodes(settings)
    ensure_jars(settings, on_line)
    cluster_id = _cluster_id(nodes)
    for node in range(len(nodes)):  # all at once: no node is ready before a majority of voters runs
        start_node(settings, node, owner, cluster_id)
    wait_nodes(settings, timeout)
    return process.status(settings)


def stop(settings: Settings, timeout: float = process.DEFAULT_STOP_TIMEOUT, force: bool = False) -> bool:
    """Stop the managed broker, or every node of the managed cluster; True if any was running."""
    if not settings.managed_broker or settings.kafka_brokers == 1:
        return process.stop(settings, timeout, force)
    nodes = _nodes(settings)
    process.check_no_users(settings, force)
    for node in nodes:  # SIGTERM all first: each shuts down while the others still form a quorum
        pid = read_pid(node)
        if pid is not None and is_our_broker(pid, node):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
    stopped = [process.stop(node, timeout, force=True) for node in nodes]
    return any(stopped)


def status(settings: Settings) -> process.BrokerStatus:
    """The managed broker's state (for a cluster: node 1's process; ``running`` when the cluster answers)."""
    return process.status(settings)
