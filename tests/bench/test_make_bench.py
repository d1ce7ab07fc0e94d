"""``make bench`` end to end in its quick mode with tiny numbers, on the session's real broker.

Starts the product's processes (workers, store, matcher, delivery, ingest) like the full bench, so it is
slow for a test (a worker loads spaCy): about two minutes on a quiet machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.pipeline.report import SUMMARY_LABELS, parse_summary
from streams.core.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
TINY = {"BENCH_QUICK": "1", "BENCH_ARTICLES": "16", "BENCH_WARMUP": "4", "BENCH_FIRST_WARMUP": "8", "BENCH_LATENCY_S": "4",
        "BENCH_SOAK_S": "8", "BENCH_SAMPLE_S": "1", "BENCH_CEILING_ARTICLES": "6", "BENCH_STALL_S": "90"}


@pytest.mark.broker
def test_quick_bench_runs_end_to_end_and_prints_the_five_lines(kafka_bootstrap: str, tmp_path: Path) -> None:
    home = load_settings().home
    before = set((home / "bench").glob("*"))
    env = {**os.environ, **TINY, "BENCH_OUT": str(tmp_path / "out")}
    done = subprocess.run([sys.executable, "-m", "benchmarks.pipeline"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    tail = done.stdout.strip().splitlines()[-5:]
    assert [line.split(":")[0] for line in tail] == list(SUMMARY_LABELS)
    parsed = parse_summary(done.stdout)
    ratio = parsed["ceiling ratio, 2 workers, everything on"]
    assert ratio is not None and ratio > 0
    assert parsed["dedupe on/off ratio"] is not None and parsed["dedupe on/off ratio"] > 0
    assert parsed["p99 ingest->stored at 80%"] is not None and parsed["p99 ingest->stored at 80%"] > 0
    assert parsed["soak RSS growth, worker parent"] is not None
    assert parsed["soak RSS growth, worker child"] is not None

    result = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert (tmp_path / "out" / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [run["workers"] for run in result["throughput"]] == [1, 2, 2]
    assert all(run["rate"] and run["transport_ceiling"] for run in result["throughput"])
    stored_80 = result["latency"][0]["stored"]
    assert result["latency"][0]["load_pct"] == 80.0 and stored_80["n"] >= 1
    for run in ("cpu", "cpu_paced"):  # the CPU each process spent per article, in the burst and paced at 80 %
        assert result[run]["ms_per_article"]["worker-1 child"] > 0 and result[run]["seconds"] > 0
    rss = result["soak"]["rss"]
    assert rss["worker-1 child"]["peak"] > rss["worker-1 parent"]["peak"] > 0  # the child holds spaCy
    assert rss["store"]["peak"] > 0
    labels = [row["label"] for row in result["baselines"]["rows"]]
    assert any("full pipeline" in x for x in labels) and any("NER alone" in x for x in labels)
    assert set((home / "bench").glob("*")) == before  # its run folder (logs, archives) is gone
