"""The managed 3-node KRaft cluster (``streams kafka start --brokers 3``): topics with 3 replicas and
min.insync.replicas=2, and while the project's producer (acks=all, idempotent) writes steadily, each
node in turn is kill -9ed and restarted: every acknowledged record is there exactly once, and no
send failed.

The cluster is this test's own (ports STREAMS_KAFKA_PORT + 2 .. + 7), started and removed here.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import uuid
from typing import Iterator

import pytest
from kafka import KafkaConsumer, TopicPartition

from streams.core.settings import Settings, load_settings
from streams.devtools import broker
from streams.kafka import admin, topics
from streams.kafka.clients import admin_client, reliable_producer

pytestmark = [pytest.mark.broker, pytest.mark.killer, pytest.mark.slow]

SEND_EVERY_S = 0.01


@pytest.fixture
def cluster(kafka_bootstrap: str) -> Iterator[Settings]:
    base = load_settings()
    if not base.managed_broker:
        pytest.skip("needs the managed local broker (STREAMS_KAFKA_BOOTSTRAP names an external cluster)")
    port = int(os.environ.get("STREAMS_TEST_CLUSTER_KAFKA_PORT", base.kafka_port + 2))
    settings = base.replace(kafka_port=port, kafka_controller_port=0, kafka_brokers=3,
                            topic_prefix=f"c-{uuid.uuid4().hex[:8]}-")
    nodes = [broker.node_settings(settings, n) for n in range(3)]
    for node in nodes:
        assert broker.probe(node.bootstrap.split(",")[0], timeout=1.0) is None, f"port {node.kafka_port} is in use"
        shutil.rmtree(broker.broker_dir(node), ignore_errors=True)
    try:
        broker.start(settings, timeout=240, owner="pytest")
        yield settings
    finally:
        broker.stop(settings, force=True)
        for node in nodes:
            shutil.rmtree(broker.broker_dir(node), ignore_errors=True)


class _Writer(threading.Thread):
    """Sends numbered records until stopped; keeps what the cluster acknowledged and what failed."""

    def __init__(self, settings: Settings, topic: str) -> None:
        super().__init__(daemon=True)
        self.settings, self.topic = settings, topic
        self.halt = threading.Event()
        self.sent = 0
        self.acked: set[int] = set()
        self.failed: list[str] = []
        self.lock = threading.Lock()

    def _ok(self, n: int) -> None:
        with self.lock:
            self.acked.add(n)

    def _err(self, exc: BaseException) -> None:
        with self.lock:
            self.failed.append(repr(exc))

    def run(self) -> None:
        producer = reliable_producer(self.settings, max_request_size=1 << 20)
        try:
            while not self.halt.wait(SEND_EVERY_S):
                n = self.sent
                future = producer.send(self.topic, key=str(n).encode(), value=str(n).encode())
                future.add_callback(lambda _, n=n: self._ok(n)).add_errback(self._err)
                self.sent += 1
            producer.flush(180)
        finally:
            producer.close(30)


def _in_sync(settings: Settings, topic: str) -> bool:
    client = admin_client(settings.bootstrap, client_id="cluster-test")
    try:
        (meta,) = client.describe_topics([topic])
        return all(len(p.get("isr_nodes") or ()) == 3 for p in meta["partitions"])
    except Exception:  # noqa: BLE001 - a node is still coming back
        return False
    finally:
        client.close()


def _stably_in_sync(settings: Settings, topic: str, timeout: float) -> bool:
    """Every replica in sync on three checks in a row (a restarted node can join the ISR and drop out
    again while it catches up; one answer is not enough to kill the next node on)."""
    deadline = time.monotonic() + timeout  # a loaded machine catches up slowly
    streak = 0
    while streak < 3 and time.monotonic() < deadline:
        streak = streak + 1 if _in_sync(settings, topic) else 0
        time.sleep(0.5)
    return streak >= 3


def _read_all(settings: Settings, topic: str) -> list[int]:
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap, group_id=None, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        got: list[int] = []
        deadline = time.monotonic() + 120
        while any(consumer.position(tp) < ends[tp] for tp in parts) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                got.extend(int(r.value) for r in records)
        return got
    finally:
        consumer.close()


def test_each_node_killed_and_restarted_under_load_loses_nothing(cluster: Settings) -> None:
    settings = cluster
    topic = topics.RAW.name(settings)
    admin.create_topics(settings, [topics.RAW])
    deadline = time.monotonic() + 60
    while topic not in (described := admin.describe(settings, [topic])) and time.monotonic() < deadline:
        time.sleep(0.5)  # the node that answers may not have the new topic's metadata yet
    info = described[topic]
    assert info.replication == 3 and info.config.get("min.insync.replicas") == "2", info

    writer = _Writer(settings, topic)
    writer.start()
    try:
        time.sleep(3)
        for node in range(3):
            assert _stably_in_sync(settings, topic, 300), f"replicas not in sync before killing node {node + 1}"
            me = broker.node_settings(settings, node)
            os.kill(int(broker.pid_file(me).read_text()), signal.SIGKILL)
            time.sleep(4)  # writes go on with 2 of 3 replicas
            assert broker.start_node(settings, node, owner="pytest")
            broker.wait_nodes(settings, 120)
        time.sleep(3)
    finally:
        writer.halt.set()
        writer.join(240)

    assert writer.failed == [], writer.failed[:5]
    assert len(writer.acked) == writer.sent > 1000
    got = _read_all(settings, topic)
    assert len(got) == len(set(got)), f"{len(got) - len(set(got))} duplicates"
    assert set(got) == writer.acked, f"lost {len(writer.acked - set(got))} acknowledged records"
