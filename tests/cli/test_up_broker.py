"""`streams up --once` end to end on the real broker: files in, every article stored or
dead-lettered, a summary out, every child process stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams.core.settings import Settings
from streams.store.archive import SearchQuery
from streams.store.backends import open_archive
from tests.store.articles import SAMPLE_ID, corpus

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


@pytest.mark.slow
def test_up_once_pushes_files_through_the_whole_pipeline(kafka_settings: Settings, tmp_path: Path) -> None:
    sample = next(SAMPLES.glob("*.txt"), None)
    if sample is None:
        pytest.skip("../shared/samples is not present")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "sample.txt").write_bytes(sample.read_bytes())
    (inbox / "broken.json").write_bytes(b'{"id": "x", "body_text": ')  # malformed: a dead letter
    db = tmp_path / "archive.db"
    with open_archive(f"sqlite:///{db}") as archive:  # an earlier run's articles: not this run's count
        archive.write([a for a in corpus(4) if a.id != SAMPLE_ID][:3])
    env = {**os.environ, "COLUMNS": "250", "STREAMS_KAFKA_BOOTSTRAP": kafka_settings.bootstrap,
           "STREAMS_TOPIC_PREFIX": kafka_settings.topic_prefix, "STREAMS_DATABASE_URL": f"sqlite:///{db}",
           "STREAMS_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-m", "streams.cli.main", "up", "--once", str(inbox)], env=env,
                            capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ingested: 1   enriched: 1   stored: 1   dead-lettered: 1" in result.stdout, result.stdout
    assert "(4 in all)" in result.stdout and "(None)" not in result.stdout, result.stdout
    assert "This was stated by EU High Representative" in result.stdout, result.stdout  # a headline, not an id
    with open_archive(f"sqlite:///{db}") as archive:
        hits = archive.search(SearchQuery(speaker="Kaja Kallas")).results
        assert len(hits) == 1 and hits[0]["provider"] == "MENAFN" and hits[0]["source"] == "Ukrinform"
    assert _processes_with_env(f"STREAMS_TOPIC_PREFIX={kafka_settings.topic_prefix}") == []
    for log in (tmp_path / "home" / "logs").glob("*.log"):
        assert "Traceback" not in log.read_text(errors="replace"), log.name


def _processes_with_env(entry: str) -> list[int]:
    """Pids of live processes whose environment holds ``entry`` (the children `up` started)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if entry.encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found
