"""Fixtures of the operations tests: a real Prometheus server run from its binary on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from streams.cli.up_ports import free_port  # below the ephemeral range: a server started later binds it

ROOT = Path(__file__).resolve().parents[2]
ENSURE_PROMETHEUS = ROOT / "scripts" / "ensure_prometheus.sh"


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until ``url`` answers 200 (or fail, showing that the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def prometheus_binaries() -> tuple[str, str]:
    """Paths of ``prometheus`` and ``promtool``, installed by scripts/ensure_prometheus.sh if missing."""
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        subprocess.run(["bash", str(ENSURE_PROMETHEUS)], check=True, stdout=subprocess.DEVNULL)
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    assert prometheus and promtool, "scripts/ensure_prometheus.sh did not install prometheus"
    return prometheus, promtool


@pytest.fixture()
def promtool(prometheus_binaries: tuple[str, str]) -> str:
    return prometheus_binaries[1]


@pytest.fixture()
def run_prometheus(
    prometheus_binaries: tuple[str, str], tmp_path: Path
) -> Iterator[Callable[[Path], str]]:
    """Start Prometheus with a config file on 127.0.0.1 (temp storage); returns its base URL."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(config: Path) -> str:
        port = free_port()
        log = open(tmp_path / f"prometheus-{port}.log", "wb")
        proc = subprocess.Popen(
            [
                prometheus_binaries[0],
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / f'tsdb-{port}'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/-/ready", 30.0, proc)
        return url

    yield start
    for proc in procs:
        stop(proc)
