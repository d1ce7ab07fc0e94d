"""What the bench reads back from an archive: received, enriched and stored times of its own articles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks.pipeline.observe import stage_times, stored_times


def _archive(path: Path, rows: list[tuple[str, str | None, float | None, float]]) -> Path:
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, received_at TEXT, enriched_ts REAL, stored_at REAL)")
        con.executemany("INSERT INTO articles VALUES (?, ?, ?, ?)", rows)
    con.close()
    return path


def test_stage_times_split_each_latency_at_the_enrichment_and_keep_only_the_prefix(tmp_path: Path) -> None:
    db = _archive(tmp_path / "a.db", [
        ("b1-p80-0", "2026-12-05T07:00:00Z", 1796454000.25, 1796454000.5),
        ("b1-p80-1", "2026-12-05T07:00:01+00:00", None, 1796454001.75),  # enriched before the field existed
        ("b1-p80-2", None, 1796454002.0, 1796454002.5),  # no received_at: not timed
        ("b1-p50-0", "2026-12-05T07:00:00Z", 1796454000.1, 1796454000.2),
    ])
    stages = sorted(stage_times(db, "b1-p80-"))
    assert stages == [(1796454000.0, 1796454000.25, 1796454000.5), (1796454001.0, None, 1796454001.75)]
    assert sorted(stored_times(db, "b1-p80-")) == [(1796454000.0, 1796454000.5), (1796454001.0, 1796454001.75)]


def test_an_archive_not_yet_created_reads_as_nothing_stored(tmp_path: Path) -> None:
    assert stage_times(tmp_path / "missing.db", "b1-") == []
    con = sqlite3.connect(tmp_path / "empty.db")
    con.close()
    assert stage_times(tmp_path / "empty.db", "b1-") == []


def test_other_database_errors_are_not_hidden(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "old.db")
    with con:
        con.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, received_at TEXT, stored_at REAL)")
    con.close()
    with pytest.raises(sqlite3.OperationalError, match="enriched_ts"):
        stage_times(tmp_path / "old.db", "b1-")
