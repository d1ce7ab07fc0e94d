"""``streams store`` killed with SIGKILL mid-stream and restarted: no article lost, none duplicated."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.core.settings import Settings
from streams.store.backends import open_archive
from tests.store.articles import corpus
from tests.store.kafka_io import produce
from tests.store.test_archive import expected_counts

N = 400
KILLS = 3
REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.killer, pytest.mark.slow]


def _store_process(settings: Settings, database_url: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": settings.bootstrap, "STREAMS_TOPIC_PREFIX": settings.topic_prefix,
           "STREAMS_METRICS_PORT": "-1", "STREAMS_DATABASE_URL": database_url}
    return subprocess.Popen([sys.executable, "-m", "streams.cli.main", "store", "--batch-size", "10", *extra],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _count(database_url: str) -> int:
    with open_archive(database_url) as a:
        return a.count()


def test_sigkill_mid_batch_loses_and_duplicates_nothing(
    kafka_settings: Settings, kafka_topics: dict[str, str], database_url: str
) -> None:
    articles = corpus(N)
    open_archive(database_url).close()  # migrate up front, so polling the count never races a migration
    produce(kafka_settings, articles)
    counts_at_kill = []
    for k in range(1, KILLS + 1):
        proc = _store_process(kafka_settings, database_url)
        target = k * N // (KILLS + 2)
        deadline = time.monotonic() + 120
        while _count(database_url) < target and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)  # no chance to finish the batch, commit or close anything
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
        assert proc.returncode == -signal.SIGKILL, output[-2000:]
        counts_at_kill.append(_count(database_url))
    # A kill lands mid-stream unless a restarted consumer drains the rest of the backlog between two polls
    # (seen on a loaded CI machine); one kill mid-stream is what the test needs, and the counts can only grow.
    assert counts_at_kill == sorted(counts_at_kill), counts_at_kill
    assert 0 < counts_at_kill[0] < N, f"no kill fell mid-stream; the test proved nothing: {counts_at_kill}"
    final = _store_process(kafka_settings, database_url, "--until-idle", "3")
    output = final.communicate(timeout=300)[0].decode(errors="replace")
    assert final.returncode == 0, output[-3000:]
    summary = re.search(r"stored: (\d+) written, (\d+) unchanged, (\d+) dead-lettered", " ".join(output.split()))
    assert summary, output[-3000:]
    written, unchanged, dead = map(int, summary.groups())
    # the restart wrote exactly what was missing; re-delivered records (stored, offset not yet committed
    # at the kill) were recognised as unchanged
    assert (written, dead) == (N - counts_at_kill[-1], 0)
    with open_archive(database_url) as a:
        assert a.table_counts() == expected_counts(articles)  # every article once, child rows not doubled
        ids = {r[0] for r in a._execute("SELECT id FROM articles")}
    assert ids == {ea.id for ea in articles}
