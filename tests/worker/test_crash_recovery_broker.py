"""A SIGKILLed enrich worker stalls its group for seconds, not a minute: the survivors take over
its partitions and the group's committed offsets move again on every partition within
RECOVERY_BUDGET_S (Faust's defaults kept them still for ~60 s: its session and rebalance timeouts)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from streams.core.model import Article
from streams.core.settings import Settings
from streams.kafka import topics

pytestmark = [pytest.mark.broker, pytest.mark.killer, pytest.mark.slow]

# kafka-python cannot decode Faust's member metadata and says so at WARNING on every describe
logging.getLogger("kafka.admin._groups").setLevel(logging.ERROR)

RECOVERY_BUDGET_S = 10.0
SEND_EVERY_S = 0.02


def _start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": settings.bootstrap, "STREAMS_TOPIC_PREFIX": settings.topic_prefix,
           "STREAMS_PARTITIONS": str(settings.partitions), "STREAMS_METRICS_PORT": "-1", "STREAMS_PIPELINE": "none"}
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "streams.cli.main", "worker", "--no-create-topics"], env=env,
                                stdout=log, stderr=subprocess.STDOUT)


class _Feed(threading.Thread):
    """Sends one article every SEND_EVERY_S, round-robin over every partition, until stopped."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.settings = settings
        self.halt = threading.Event()

    def run(self) -> None:
        producer = KafkaProducer(bootstrap_servers=self.settings.bootstrap, acks="all", linger_ms=5)
        raw = topics.RAW.name(self.settings)
        i = 0
        while not self.halt.wait(SEND_EVERY_S):
            article = Article(id=f"a-{i}", body_text=f"Body {i}.")
            producer.send(raw, partition=i % self.settings.partitions, key=article.id.encode(), value=article.to_json())
            i += 1
        producer.flush(30)
        producer.close()


def _committed(admin: KafkaAdminClient, settings: Settings) -> dict[int, int]:
    raw = topics.RAW.name(settings)
    group = topics.worker_group(settings)
    offsets = admin.list_group_offsets({group: None}).get(group, {})
    return {tp.partition: meta.offset for tp, meta in offsets.items()
            if isinstance(tp, TopicPartition) and tp.topic == raw}


def _wait_all_moved(admin: KafkaAdminClient, settings: Settings, since: dict[int, int], timeout: float) -> float:
    """Seconds until every partition's committed offset passed ``since`` (inf when not within timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        now = _committed(admin, settings)
        if len(now) == settings.partitions and all(now[p] > since.get(p, -1) for p in now):
            return time.monotonic() - started
        time.sleep(0.25)
    return float("inf")


@pytest.fixture
def two_workers(kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path) -> Iterator[list]:
    procs = [_start_worker(kafka_settings, tmp_path / f"worker-{n}.log") for n in range(2)]
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _members(admin: KafkaAdminClient, settings: Settings) -> int:
    """Members of the stable worker group; -1 while it rebalances or has no coordinator yet."""
    try:
        group = admin.describe_groups([topics.worker_group(settings)])[topics.worker_group(settings)]
    except KafkaError:
        return -1
    return len(group["members"]) if group["group_state"] == "Stable" else -1


def test_a_killed_worker_stalls_the_group_for_seconds_not_a_minute(kafka_settings: Settings, two_workers: list) -> None:
    settings = kafka_settings
    feed = _Feed(settings)
    feed.start()
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap, client_id="crash-test")
    try:
        deadline = time.monotonic() + 180
        while _members(admin, settings) != 2 and time.monotonic() < deadline:
            assert all(p.poll() is None for p in two_workers), "a worker died while starting"
            time.sleep(0.5)
        assert _members(admin, settings) == 2, "the two workers did not form a stable group"
        assert _wait_all_moved(admin, settings, {}, 120) < 120, "the group never committed on every partition"
        assert _wait_all_moved(admin, settings, _committed(admin, settings), 30) < 30, "the group is not committing"

        victim, survivor = two_workers
        at_kill = _committed(admin, settings)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        wait_s = float(os.environ.get("STREAMS_TEST_RECOVERY_WAIT", 3 * RECOVERY_BUDGET_S))  # longer: to measure
        recovery_s = _wait_all_moved(admin, settings, at_kill, wait_s)
        print(f"worker recovery after SIGKILL: {recovery_s:.1f} s")
        assert survivor.poll() is None
        assert recovery_s <= RECOVERY_BUDGET_S, f"committed offsets stood still for {recovery_s:.1f} s after one kill"

        # the replacement joins: one more rebalance, also quick
        two_workers[0] = _start_worker(settings, Path(os.devnull))
        deadline = time.monotonic() + 120
        while _members(admin, settings) != 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _members(admin, settings) == 2, "the restarted worker did not join"
        assert _wait_all_moved(admin, settings, _committed(admin, settings), RECOVERY_BUDGET_S) <= RECOVERY_BUDGET_S
    finally:
        feed.halt.set()
        feed.join(30)
        admin.close()
