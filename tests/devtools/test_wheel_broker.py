"""An installed wheel (not an editable checkout) starts and stops its managed broker from anywhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from streams.core.settings import Settings, load_settings
from tests.devtools.conftest import broker_pids, free_port_pair
from tests.devtools.test_packaging import ROOT, build_wheel

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def _venv_with_wheel(tmp_path: Path, wheel: Path) -> Path:
    """A new venv with the wheel installed; its dependencies come from this venv (no downloads)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # a plain path line: the checkout's editable-install hooks (.pth files there) are not run
    (Path(site) / "streams-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   timeout=300)
    return venv


def test_installed_wheel_starts_its_broker_outside_the_checkout(tmp_path: Path) -> None:
    venv = _venv_with_wheel(tmp_path, build_wheel(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port_pair()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "STREAMS_KAFKA_CONTROLLER_PORT")}
    env.update(STREAMS_HOME=str(home), STREAMS_KAFKA_PORT=str(port), STREAMS_KAFKA_BOOTSTRAP="")
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import streams.devtools.broker.paths as p; "
                            "print(p.POM)"], env=env, cwd=elsewhere, capture_output=True, text=True, check=True)
    pom = Path(where.stdout.strip())
    assert pom.is_relative_to(venv) and not pom.is_relative_to(ROOT), pom
    streams = str(venv / "bin" / "streams")
    try:
        started = subprocess.run([streams, "kafka", "start"], env=env, cwd=elsewhere, capture_output=True, text=True,
                                 timeout=600)
        assert started.returncode == 0, started.stderr[-3000:]
        status = subprocess.run([streams, "kafka", "status"], env=env, cwd=elsewhere, capture_output=True,
                                text=True, timeout=120)
        assert status.returncode == 0 and f"127.0.0.1:{port}" in status.stdout + status.stderr
        assert (home / f"kafka-{load_settings().kafka_version}" / "libs").is_dir()
    finally:
        subprocess.run([streams, "kafka", "stop"], env=env, cwd=elsewhere, capture_output=True, timeout=120)
        for pid in broker_pids(load_settings(home=home, kafka_port=port, kafka_bootstrap="")):
            os.kill(pid, signal.SIGKILL)  # a failed stop must not leak a JVM


SAMPLES = ROOT.parent / "shared" / "samples"


def test_installed_wheel_runs_up_once_on_the_sample_outside_the_checkout(kafka_settings: Settings,
                                                                          tmp_path: Path) -> None:
    sample = next(SAMPLES.glob("*.txt"), None)
    if sample is None:
        pytest.skip("../shared/samples is not present")
    venv = _venv_with_wheel(tmp_path, build_wheel(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "STREAMS_DATABASE_URL")}
    env.update(STREAMS_HOME=str(tmp_path / "home"), STREAMS_KAFKA_BOOTSTRAP=kafka_settings.bootstrap,
               STREAMS_TOPIC_PREFIX=kafka_settings.topic_prefix, COLUMNS="250")
    result = subprocess.run([str(venv / "bin" / "streams"), "up", "--once", str(sample)], env=env, cwd=elsewhere,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "ingested: 1   enriched: 1   stored: 1   dead-lettered: 0" in result.stdout, result.stdout
    assert "This was stated by EU High Representative" in result.stdout, result.stdout
    assert (elsewhere / "var" / "streams.db").is_file()
    # the children ran the installed package, not the checkout
    worker_log = (tmp_path / "home" / "logs" / "worker-1.log").read_text(errors="replace")
    assert "Traceback" not in worker_log and str(ROOT / "streams") not in worker_log
