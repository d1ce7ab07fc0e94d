"""The short chaos run (``make chaos`` in small): 300 articles and 1 % poison of every kind through
ingest, two enrich workers, the store, the alert matcher and webhook delivery, all as separate
``streams`` processes on a broker of the run's own, while workers, the store, the matcher and the
deliverer are SIGKILLed, the broker is kill -9ed, and a worker and an ingest start while it is down;
on the PostgreSQL archive the database server is also kill -9ed under the store and started again.
Nothing may be lost, stored twice, delivered with two effects, or left running."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from streams.core.settings import load_settings

pytestmark = [pytest.mark.broker, pytest.mark.killer, pytest.mark.slow]

LAST_LINE = re.compile(
    r"^chaos: articles (\d+) lost (\d+) duplicate_rows (\d+) duplicate_webhook_effects (\d+) poison (\d+) "
    r"dead_lettered (\d+) orphans (\d+) worst_worker_recovery_s ([0-9.]+)$"
)
#: a worker restarts in ~20 s on the shared 2-core test machine and its rejoin costs one more
#: rebalance; test_crash_recovery_broker pins the ≤ 10 s of the group itself
WORST_WORKER_RECOVERY_S = 30.0


@pytest.mark.parametrize("database", [pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def test_short_chaos_run_loses_nothing(kafka_bootstrap: str, tmp_path: Path, database: str) -> None:
    base = load_settings()
    if not base.managed_broker:
        pytest.skip("the chaos run kills its own managed broker (STREAMS_KAFKA_BOOTSTRAP names an external cluster)")
    env = {k: v for k, v in os.environ.items() if k != "STREAMS_KAFKA_CONTROLLER_PORT"}
    port = int(os.environ.get("STREAMS_TEST_CHAOS_KAFKA_PORT", base.kafka_port + 8))
    results = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "streams.devtools.chaos", "--articles", "300", "--pipeline", "textspans,dedupe",
         "--worker-kills", "2", "--chunks", "6", "--seed", "7", "--kafka-port", str(port), "--results", str(results),
         "--workdir", str(tmp_path / "run"),
         "--drain-timeout", "300", "--database", database],
        env=env, capture_output=True, text=True, timeout=1500)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    match = LAST_LINE.match(last)
    assert match, f"no verdict line:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    articles, lost, dup_rows, dup_effects, poison, dead, orphans = map(int, match.groups()[:7])
    worst = float(match.group(8))
    assert (articles, dup_rows, dup_effects, orphans) == (300, 0, 0, 0), done.stdout[-3000:]
    assert poison == dead > 0
    assert 0 < worst <= WORST_WORKER_RECOVERY_S
    (row,) = [orjson.loads(line) for line in results.read_text().splitlines()]
    assert row["unexpected_exits"] == [], row["unexpected_exits"]  # every process survived what it was not killed by
    assert row["dead_letters_by_reason"] == row["injected_by_reason"]
    if database == "postgresql":  # the server was crashed once, and the store committed again after it
        assert row["recovery"]["database"]["n"] == 1, row["recovery"]
    assert lost == 0, done.stdout[-3000:]
    assert done.returncode == 0, done.stdout[-3000:]
