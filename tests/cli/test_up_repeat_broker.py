"""`streams up --once` on a fresh STREAMS_HOME, five times in a row: exit 0 every time and this run's
counts exact (the first-hour crash was a fresh consumer group's coordinator not being ready yet)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from streams.core.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
RUNS = 5


@pytest.mark.slow
def test_up_once_five_times_on_a_fresh_home_exits_0_with_exact_counts(kafka_settings: Settings,
                                                                         tmp_path: Path) -> None:
    sample = next(SAMPLES.glob("*.txt"), None)
    if sample is None:
        pytest.skip("../shared/samples is not present")
    for run in range(RUNS):
        cwd = tmp_path / f"run{run}"
        inbox = cwd / "in"
        inbox.mkdir(parents=True)
        (inbox / "sample.txt").write_bytes(sample.read_bytes())
        (inbox / "broken.jsonl").write_bytes(b'{"id": "bad", "body_text": \n')  # malformed: a dead letter
        env = {k: v for k, v in os.environ.items() if k != "STREAMS_DATABASE_URL"}
        env.update(COLUMNS="250", STREAMS_KAFKA_BOOTSTRAP=kafka_settings.bootstrap,
                   # a new prefix: new topics and new consumer groups, as on a new machine
                   STREAMS_TOPIC_PREFIX=f"rep{run}-{uuid.uuid4().hex[:6]}-", STREAMS_HOME=str(cwd / "home"))
        result = subprocess.run([sys.executable, "-m", "streams.cli.main", "up", "--once", str(inbox)], env=env,
                                capture_output=True, text=True, timeout=900, cwd=cwd)
        assert result.returncode == 0, f"run {run + 1}: {result.stderr[-3000:]}"
        assert "ingested: 1   enriched: 1   stored: 1   dead-lettered: 1" in result.stdout, \
            f"run {run + 1}: {result.stdout}"
        assert "(1 in all)" in result.stdout and "Traceback" not in result.stderr, f"run {run + 1}"
        for log in (cwd / "home" / "logs").glob("*.log"):
            assert "Traceback" not in log.read_text(errors="replace"), f"run {run + 1}: {log.name}"
