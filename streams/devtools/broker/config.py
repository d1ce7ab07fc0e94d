"""The local broker's configuration (``server.properties``) and its KRaft storage (formatted once)."""

from __future__ import annotations

import base64
import logging
import subprocess
import uuid
from pathlib import Path

from streams.core.errors import BrokerError
from streams.core.settings import Settings
from streams.devtools.broker.java import java_command
from streams.devtools.broker.paths import controller_port, data_dir, kafka_major, node_settings, props_file

log = logging.getLogger(__name__)


def server_properties(settings: Settings, node: int = 0) -> dict[str, str]:
    """The configuration of node ``node``: a KRaft node (broker and controller) on loopback.

    One node: replication 1 everywhere. A cluster (``STREAMS_KAFKA_BROKERS`` = 3): every node is a
    voter of the controller quorum, internal topics have 3 replicas and every write needs 2 in sync.
    """
    me = node_settings(settings, node)
    port, cport = me.kafka_port, controller_port(me)
    nodes = max(1, settings.kafka_brokers)
    voters = ",".join(f"{i + 1}@127.0.0.1:{controller_port(node_settings(settings, i))}" for i in range(nodes))
    replicas, min_isr = str(min(3, nodes)), "2" if nodes >= 3 else "1"
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node + 1),
        "controller.quorum.voters": voters,
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir(me)),
        # topics are created explicitly (streams topics create / Faust's admin calls), with their
        # configs from streams/kafka/topics.py; a typo'd topic name must fail, not silently appear
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": replicas,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": replicas,
        # fewer internal partitions than the default 50: quicker first consumer-group start
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": min_isr,
        "transaction.state.log.num.partitions": "10",
        "group.initial.rebalance.delay.ms": "0",
        # one node serving one machine's pipeline: its CPU goes to per-request overhead (in a profile of a
        # paced run, network threads 38 %, request handling outside the APIs 23 %, produce 17 %, fetch 10 %);
        # 1 network and 2 I/O threads (Kafka's defaults: 3 and 8) spent 95.7-97.3 ms of CPU a second at
        # 20 articles/s against 104.5-107.7 ms with 2 and 4, with the same latency (two runs each)
        "num.network.threads": "1",
        "num.io.threads": "2",
        "log.retention.check.interval.ms": "60000",
        "delete.topic.enable": "true",
        # after a kill -9 the restarted node cannot register until its old session expires
        # (DuplicateBrokerRegistrationException); default 9 s, shorter for quicker recovery
        "broker.session.timeout.ms": "6000",
        "broker.heartbeat.interval.ms": "1500",
        # one node: a controlled shutdown has nobody to hand leadership to; do not retry for long
        "controlled.shutdown.max.retries": "1" if nodes == 1 else "3",
    }
    if nodes > 1:
        # a follower that stopped fetching leaves the ISR after this long: acks=all writes wait no longer
        props["replica.lag.time.max.ms"] = "10000"
    if kafka_major(settings.kafka_version) >= 4:
        props["share.coordinator.state.topic.replication.factor"] = replicas
        props["share.coordinator.state.topic.min.isr"] = min_isr
    return props


def write_server_properties(settings: Settings, node: int = 0) -> Path:
    """Write :func:`server_properties` to the node's ``server.properties``; return its path."""
    path = props_file(node_settings(settings, node))
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{k}={v}\n" for k, v in server_properties(settings, node).items())
    path.write_text(f"# written by streams.devtools.broker on every start; edit the settings, not this file\n{body}")
    return path


def new_cluster_id() -> str:
    """A KRaft cluster id as Kafka makes them: 16 random bytes, URL-safe base64 without padding."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):  # Kafka rejects ids that look like command-line flags
            return text


def format_storage(settings: Settings, java: str, cluster_id: str | None = None) -> str | None:
    """Format the KRaft log dir once (with ``cluster_id``, every node of a cluster the same, or a new
    one); return the cluster id, or None if it was formatted."""
    meta = data_dir(settings) / "meta.properties"
    if meta.is_file():
        return None
    data_dir(settings).mkdir(parents=True, exist_ok=True)
    cluster_id = cluster_id or new_cluster_id()
    cmd = java_command(
        settings, java, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props_file(settings))
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise BrokerError(f"formatting KRaft storage in {data_dir(settings)} failed:\n{proc.stdout}{proc.stderr}")
    log.info("formatted KRaft storage %s (cluster id %s)", data_dir(settings), cluster_id)
    return cluster_id
