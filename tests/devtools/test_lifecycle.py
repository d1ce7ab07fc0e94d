"""The managed broker's lifecycle on a real, second broker (never the session broker)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Callable

import pytest

from streams.cli.main import main
from streams.core.errors import BrokerError
from streams.core.settings import Settings
from streams.devtools import broker

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PidFinder = Callable[[Settings], list[int]]


def _wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(") ")[1][0] == "Z":
            return True
        time.sleep(0.1)
    return False


def test_start_status_stop(
    spare_settings: Settings, find_broker_pids: PidFinder, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = spare_settings
    before = broker.status(s)
    assert not before.running and before.pid is None

    state = broker.start(s, timeout=120)
    assert state.running and state.managed and state.pid is not None
    assert state.bootstrap == f"127.0.0.1:{s.kafka_port}"
    assert state.version == s.kafka_version
    assert state.data_dir == broker.data_dir(s) and (state.data_dir / "meta.properties").is_file()
    assert state.log_file is not None and "Kafka Server started" in state.log_file.read_text()
    assert find_broker_pids(s) == [state.pid]
    assert broker.pid_file(s).read_text().strip() == str(state.pid)
    props = (broker.broker_dir(s) / "server.properties").read_text()
    assert f"CONTROLLER://127.0.0.1:{s.kafka_port + 1}" in props

    # starting again reuses the running broker
    again = broker.start(s, timeout=60)
    assert again.pid == state.pid
    assert find_broker_pids(s) == [state.pid]

    # the CLI sees the same broker; status exits 0 while running
    for var, value in {"STREAMS_KAFKA_PORT": str(s.kafka_port), "STREAMS_HOME": str(s.home)}.items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("STREAMS_KAFKA_BOOTSTRAP", raising=False)
    assert main(["kafka", "status"]) == 0

    assert broker.stop(s, timeout=30) is True
    assert _wait_gone(state.pid)
    assert find_broker_pids(s) == []
    assert not broker.pid_file(s).exists()
    assert not broker.status(s).running
    assert main(["kafka", "status"]) == 1
    assert broker.stop(s) is False  # nothing left to stop

    # the KRaft storage is kept: a restart keeps the cluster id
    restarted = broker.start(s, timeout=120)
    assert restarted.cluster_id == state.cluster_id and restarted.pid != state.pid
    assert main(["kafka", "stop"]) == 0
    assert find_broker_pids(s) == []


@pytest.mark.killer
def test_stale_pid_file_after_kill_9_recovers(spare_settings: Settings, find_broker_pids: PidFinder) -> None:
    s = spare_settings
    first = broker.start(s, timeout=120)
    assert first.pid is not None
    os.kill(first.pid, signal.SIGKILL)
    assert _wait_gone(first.pid)
    assert broker.pid_file(s).exists()  # left behind by the killed broker

    dead = broker.status(s)
    assert not dead.running and not dead.managed

    second = broker.start(s, timeout=120)
    assert second.running and second.pid not in (None, first.pid)
    assert find_broker_pids(s) == [second.pid]
    assert second.cluster_id == first.cluster_id  # same storage, recovered after the unclean stop

    # a broker that ignores SIGTERM (frozen) is SIGKILLed once the stop timeout has passed
    os.kill(second.pid, signal.SIGSTOP)
    started = time.monotonic()
    assert broker.stop(s, timeout=3) is True
    assert 3 <= time.monotonic() - started < 20
    assert _wait_gone(second.pid)
    assert find_broker_pids(s) == []
    assert not broker.pid_file(s).exists()


def test_concurrent_starts_give_one_broker(spare_settings: Settings, find_broker_pids: PidFinder) -> None:
    s = spare_settings
    env = {**os.environ, "STREAMS_KAFKA_PORT": str(s.kafka_port), "STREAMS_HOME": str(s.home)}
    env.pop("STREAMS_KAFKA_BOOTSTRAP", None)
    code = (
        "from streams.devtools import broker; from streams.core.settings import load_settings;"
        "print(broker.start(load_settings(), timeout=120).pid)"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    pids = {p.communicate(timeout=180)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(pids) == 1
    assert find_broker_pids(s) == [int(pids.pop())]

    # a live test session holding a lease keeps the broker from being stopped under it
    user = subprocess.Popen(["sleep", "60"])
    try:
        broker.take_lease(s, pid=user.pid)
        with pytest.raises(BrokerError, match="--force"):
            broker.stop(s)
        assert len(find_broker_pids(s)) == 1
    finally:
        user.kill()
        user.wait()
    assert broker.live_leases(s) == []  # the dead session's lease is dropped
    assert broker.stop(s) is True
    assert find_broker_pids(s) == []


def test_port_taken_by_something_else_is_a_clear_error(spare_settings: Settings, find_broker_pids: PidFinder) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", spare_settings.kafka_port))
        squatter.listen()
        with pytest.raises(BrokerError, match="STREAMS_KAFKA_PORT"):
            broker.start(spare_settings, timeout=10)
    assert find_broker_pids(spare_settings) == []


def test_external_cluster_starts_nothing(
    kafka_bootstrap: str, spare_settings: Settings, find_broker_pids: PidFinder
) -> None:
    external = spare_settings.replace(kafka_bootstrap=kafka_bootstrap)
    state = broker.start(external, timeout=30)
    assert state.running and not state.managed and state.cluster_id
    assert find_broker_pids(spare_settings) == []
    assert not broker.pid_file(spare_settings).exists()
    assert broker.stop(external) is False  # an external cluster is never stopped
    assert broker.status(external).running



def test_broker_that_dies_at_start_reports_its_log(spare_settings: Settings, find_broker_pids: PidFinder) -> None:
    """Storage of another node: the JVM exits; start() says why (log tail) and leaves no pid file."""
    s = spare_settings
    broker.data_dir(s).mkdir(parents=True)
    (broker.data_dir(s) / "meta.properties").write_text("version=1\nnode.id=7\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\n")
    with pytest.raises(BrokerError) as err:
        broker.start(s, timeout=60)
    assert "exited while starting" in str(err.value)
    assert "node id 7" in str(err.value)  # the broker's own reason, from broker.log
    assert not broker.pid_file(s).exists()
    assert find_broker_pids(s) == []
