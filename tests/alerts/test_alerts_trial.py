"""`streams alerts test`: rules tried on the archive (real SQLite) and on files, with evidence (no broker)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import streams.cli.main as cli
from streams.alerts.files import parse_document
from streams.alerts.trial import evidence, try_rules
from streams.core.model import EnrichedArticle
from streams.store.backends import open_archive

from .conftest import SAMPLE

RULES = """
rules:
  - id: kallas-war
    name: Kallas quoted on war, not sport
    when:
      and:
        - speaker: Kaja Kallas
        - topic: conflict, war and peace
        - not: {topic: sport}
  - id: qintex
    name: Qintex
    when: {or: [{entity: Qintex}, {text: Princeville}]}
"""


def test_once_per_story_with_evidence(story: dict[str, EnrichedArticle]) -> None:
    rules = parse_document(RULES)
    trial = try_rules(rules, [story["original"], story["copy"], story["other"]])
    assert trial.checked == 3
    assert [(o.rule.id, o.article.id, o.fires) for o in trial.outcomes] == [
        ("kallas-war", "menafn-kallas-1", True),
        ("kallas-war", "ukrinform-kallas-1", False),  # the syndicated copy: same cluster, would not fire
        ("qintex", "reuters-qintex", True),
    ]
    first = trial.outcomes[0]
    assert first.cluster == trial.outcomes[1].cluster == "menafn-kallas-1"
    lines = [evidence(h) for h in first.found.hits]
    assert lines[0] == "topic 'medtop:16000000': medtop:16000000 (conflict, war and peace)"
    assert lines[1] == "not 'topic=medtop:15000000': absent"
    assert lines[2].startswith("speaker 'Kaja Kallas': Kaja Kallas — “") and "security guarantees" in lines[2]
    assert [len(trial.fired(r.id)) for r in rules] == [1, 1]


@pytest.fixture()
def archived(story: dict[str, EnrichedArticle], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real SQLite archive holding the story, its syndicated copy and an unrelated article."""
    url = f"sqlite:///{tmp_path}/archive.db"
    with open_archive(url) as archive:
        archive.write([story["original"], story["copy"], story["other"]])
    monkeypatch.setenv("STREAMS_DATABASE_URL", url)
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES, encoding="utf-8")
    return rules


def test_cli_on_the_archive_shows_what_would_have_fired(archived: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["alerts", "test", str(archived)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.count("FIRES") == 2 and out.count("same story: would not fire again") == 1
    assert "topic 'medtop:16000000': medtop:16000000 (conflict, war and peace)" in out
    assert "would have fired 1 alert(s); 2 matching article(s) of 3 checked" in out

    assert cli.main(["alerts", "test", str(archived), "--json"]) == 0
    rows = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["rule_id"], r["article_id"], r["fires"]) for r in rows] == [  # oldest first
        ("kallas-war", "menafn-kallas-1", True), ("qintex", "reuters-qintex", True),
        ("kallas-war", "ukrinform-kallas-1", False)]
    assert rows[0]["hits"][2]["condition"] == "speaker" and "security guarantees" in rows[0]["hits"][2]["snippet"]

    # --since: the story was published 2026-01-13 (09:58 and the copy at 10:05); --limit: the newest N
    assert cli.main(["alerts", "test", str(archived), "--since", "2026-01-14", "--json"]) == 0
    assert capsys.readouterr().out == ""
    assert cli.main(["alerts", "test", str(archived), "--limit", "1", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) <= 1


def test_cli_on_files_and_bad_rules(archived: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    story: dict[str, EnrichedArticle]) -> None:
    enriched = tmp_path / "enriched.jsonl"
    enriched.write_bytes(story["other"].to_json() + b"\n")
    assert cli.main(["alerts", "test", str(archived), "--article", str(SAMPLE), "--article", str(enriched),
                     "--json"]) == 0
    rows = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["rule_id"], r["article_id"], r["fires"]) for r in rows] == [
        ("kallas-war", SAMPLE.stem, True), ("qintex", "reuters-qintex", True)]

    bad = tmp_path / "bad.yml"
    bad.write_text(RULES.replace("not: {topic: sport}", "not: {topc: sport}"), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["alerts", "test", str(bad), "--article", str(SAMPLE)]) == 1
    assert "rules[0].when.and[2].not: unknown condition 'topc' (did you mean 'topic'?)" in capsys.readouterr().err
    assert cli.main(["alerts", "test", str(archived), "--article", str(SAMPLE), "--since", "1d"]) == 1
