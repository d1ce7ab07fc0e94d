"""Fixtures for the broker's own tests: a second, throw-away broker on free ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
from pathlib import Path
from typing import Callable, Iterator

import pytest

from streams.core.settings import Settings, load_settings
from streams.devtools import broker


def free_port_pair() -> int:
    """A port p such that p and p + 1 are both free on 127.0.0.1 (broker + controller)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535 and _free(port) and _free(port + 1):
            return port
    raise RuntimeError("no two adjacent free ports found")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def broker_pids(settings: Settings) -> list[int]:
    """Pids of live kafka.Kafka JVMs running this settings' server.properties (scans /proc)."""
    props = str(broker.broker_dir(settings) / "server.properties")
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if "kafka.Kafka" in cmdline and props in cmdline and stat[stat.rindex(")") + 2] not in "ZX":
            pids.append(int(entry.name))
    return pids


@pytest.fixture()
def find_broker_pids() -> Callable[[Settings], list[int]]:
    """The :func:`broker_pids` helper, for tests that count JVMs."""
    return broker_pids


@pytest.fixture()
def free_port() -> int:
    """A free broker port whose controller port (+1) is free too."""
    return free_port_pair()


@pytest.fixture()
def spare_settings() -> Iterator[Settings]:
    """Settings of a second managed broker on free ports, sharing the jar cache of STREAMS_HOME.

    The session broker (other tests use it) is never touched: this one has its own port and so its
    own state dir. It is stopped and its state dir removed afterwards.
    """
    settings = load_settings(kafka_bootstrap="", kafka_port=free_port_pair(), kafka_controller_port=0)
    yield settings
    try:
        broker.stop(settings, timeout=20.0)
    finally:
        for pid in broker_pids(settings):  # a broken stop() must not leak a JVM into other tests
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(broker.broker_dir(settings), ignore_errors=True)
