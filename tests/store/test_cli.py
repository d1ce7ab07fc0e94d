"""``streams search`` and ``streams serve`` as a user runs them (archive on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from streams.cli.commands.search import topic_labels
from streams.cli.main import main
from streams.store.backends import open_archive
from tests.store.articles import SAMPLE_ID, corpus

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def filled(database_url: str) -> str:
    with open_archive(database_url) as a:
        a.write(corpus(40))
    return database_url


def test_search_json_and_table(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["search", "security guarantees", "--entity", "Kaja Kallas", "--speaker", "Kaja Kallas",
            "--topic", "medtop:16000000", "--source", "Ukrinform", "--since", "2026-01-01", "--until", "2026-02-01",
            "--database-url", filled]
    assert main([*args, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 1 and out["results"][0]["id"] == SAMPLE_ID
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "1 articles" in table and "Ukrinform" in table
    assert main(["search", "--quotes", "--speaker", "kaja kallas", "--limit", "2", "--format", "json",
                 "--database-url", filled]) == 0
    quotes = json.loads(capsys.readouterr().out)
    assert quotes["total"] == 13 and [q["speaker"] for q in quotes["results"]] == ["Kaja Kallas"] * 2


def test_search_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "x", "--database-url", f"sqlite:///{tmp_path}/none.db"]) == 1
    assert "streams store" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["search", "--since", "yesterday-ish"])
    assert "ISO 8601" in capsys.readouterr().err


def test_serve_binds_loopback_and_answers(filled: str) -> None:
    env = {**os.environ, "STREAMS_DATABASE_URL": filled}
    proc = subprocess.Popen([sys.executable, "-m", "streams.cli.main", "serve", "--port", "0"], cwd=REPO, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        url = re.search(r"http://[\d.]+:\d+", line)
        assert url, line
        assert url.group(0).startswith("http://127.0.0.1:")
        body = httpx.get(f"{url.group(0)}/articles", params={"entity": "Kaja Kallas"}, timeout=10).json()
        assert [a["id"] for a in body["results"]] == [SAMPLE_ID]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_search_table_shows_topic_labels_and_speaker_by_surname(filled: str, capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["search", "--speaker", "Kallas", "--database-url", filled]) == 0
    table = capsys.readouterr().out
    assert "1 articles" in table and SAMPLE_ID in table
    assert "conflict, war and peace" in table and "medtop:" not in table
    assert main(["search", "--quotes", "--speaker", "kallas", "--format", "json", "--database-url", filled]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 13


def test_topic_labels_come_from_the_vocabulary_when_not_stored() -> None:
    assert topic_labels([{"code": "medtop:16000000"}, {"code": "medtop:11000000", "label": "politics"},
                         {"code": "medtop:99999999"}]) == "conflict, war and peace, politics, medtop:99999999"
