"""Every long-running command started while the broker is down waits for it ("waiting for Kafka at
…") instead of exiting 1, and does its work once the broker is up: ingest, worker, store, alert
matcher and alert delivery are all started first, then the broker, then the data must flow through
to the archive and the webhook receiver.

The broker here is a second managed broker of this test alone (port STREAMS_KAFKA_PORT + 4, its
controller + 5), so the session's broker stays up for the other tests.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import orjson
import pytest

from streams.core.settings import Settings, load_settings
from streams.devtools import broker
from tests.alerts.test_up_webhooks_broker import Receiver

pytestmark = [pytest.mark.broker, pytest.mark.killer, pytest.mark.slow]

N_ARTICLES = 30


@pytest.fixture
def late_broker(kafka_bootstrap: str) -> Iterator[Settings]:
    """Settings of a managed broker that is not running yet; stopped (and its data removed) afterwards."""
    base = load_settings()
    if not base.managed_broker:
        pytest.skip("needs the managed local broker (STREAMS_KAFKA_BOOTSTRAP names an external cluster)")
    port = int(os.environ.get("STREAMS_TEST_LATE_KAFKA_PORT", base.kafka_port + 4))
    settings = base.replace(kafka_port=port, kafka_controller_port=0, topic_prefix=f"late-{os.getpid()}-")
    assert broker.probe(settings.bootstrap, timeout=1.0) is None, f"something already answers at {settings.bootstrap}"
    yield settings
    broker.stop(settings, force=True)
    shutil.rmtree(broker.broker_dir(settings), ignore_errors=True)


def _env(settings: Settings, tmp_path: Path, receiver: Receiver) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STREAMS_KAFKA_BOOTSTRAP", "STREAMS_KAFKA_CONTROLLER_PORT")}
    return {**env, "STREAMS_KAFKA_PORT": str(settings.kafka_port), "STREAMS_TOPIC_PREFIX": settings.topic_prefix,
            "STREAMS_DATABASE_URL": f"sqlite:///{tmp_path}/archive.db", "STREAMS_METRICS_PORT": "-1",
            "STREAMS_PIPELINE": "none", "STREAMS_WEBHOOK_ALLOW": f"127.0.0.1:{receiver.port}"}


def _articles(path: Path, prefix: str, n: int, text: str) -> Path:
    rows = [{"id": f"{prefix}-{i}", "headline": f"Item {i}", "body_text": f"{text} Paragraph {i}."} for i in range(n)]
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


def _stored_ids(db: Path) -> set[str]:
    if not db.exists():
        return set()
    try:
        with sqlite3.connect(db) as conn:
            return {row[0] for row in conn.execute("SELECT id FROM articles")}
    except sqlite3.OperationalError:  # the store has not created its tables yet
        return set()


def test_commands_started_while_the_broker_is_down_wait_and_then_work(
        late_broker: Settings, tmp_path: Path) -> None:
    settings = late_broker
    receiver = Receiver()
    env = _env(settings, tmp_path, receiver)
    first = _articles(tmp_path / "first.jsonl", "early", N_ARTICLES, "The harbour reopened on Monday.")
    commands = {
        "worker": ["worker"],
        "store": ["store"],
        "matcher": ["alerts", "run"],
        "deliver": ["alerts", "deliver", "--webhook", f"http://127.0.0.1:{receiver.port}/hook"],
        "ingest": ["ingest", "--no-progress", str(first)],
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: tmp_path / f"{name}.log" for name in commands}
    try:
        for name, args in commands.items():
            with open(logs[name], "wb") as log:
                procs[name] = subprocess.Popen([sys.executable, "-m", "streams.cli.main", *args], env=env,
                                               stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
        waiting = f"waiting for Kafka at {settings.bootstrap}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(waiting in logs[n].read_text() for n in commands):
            time.sleep(0.5)
        for name, proc in procs.items():
            assert proc.poll() is None, f"{name} exited while the broker was down:\n{logs[name].read_text()[-2000:]}"
            assert waiting in logs[name].read_text(), f"{name} did not say it waits:\n{logs[name].read_text()[-2000:]}"

        broker.start(settings, timeout=180, owner="pytest")
        assert procs["ingest"].wait(120) == 0, logs["ingest"].read_text()[-3000:]
        added = subprocess.run([sys.executable, "-m", "streams.cli.main", "alerts", "add", "--name", "zeppelins",
                                "--id", "zeppelin", "--text", "zeppelin"], env=env, capture_output=True, text=True,
                               timeout=120, cwd=tmp_path)
        assert added.returncode == 0, added.stderr[-2000:]
        second = _articles(tmp_path / "second.jsonl", "late", 1, "A zeppelin landed in the square.")
        sent = subprocess.run([sys.executable, "-m", "streams.cli.main", "ingest", "--no-progress", str(second)],
                              env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert sent.returncode == 0, sent.stderr[-2000:]

        want = {f"early-{i}" for i in range(N_ARTICLES)} | {"late-0"}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and (_stored_ids(tmp_path / "archive.db") != want or not receiver.got):
            for name, proc in procs.items():
                assert name == "ingest" or proc.poll() is None, f"{name} died:\n{logs[name].read_text()[-2000:]}"
            time.sleep(1)
        assert _stored_ids(tmp_path / "archive.db") == want
        assert [orjson.loads(body)["rule_id"] for _, _, body in receiver.got] == ["zeppelin"]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        receiver.close()
