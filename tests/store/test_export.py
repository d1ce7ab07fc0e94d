"""``streams export``: the archive as IPTC ninjs 2.2 Lines that validate and read back exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from streams.cli.main import main
from streams.core.model import EnrichedArticle
from streams.core.ninjs import EXTENSION, EXTENSION_SCHEMA_PATH
from streams.store.backends import open_archive
from tests.store.articles import SAMPLE_ID, corpus

OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "standards" / "ninjs" / "ninjs-schema_2.2.json"


def test_export_writes_valid_ninjs_that_reads_back(database_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    articles = corpus(30)
    with open_archive(database_url) as archive:
        archive.write(articles)
    out = tmp_path / "export.jsonl"
    assert main(["export", "--database-url", database_url, "-o", str(out)]) == 0
    assert "30 article(s) as ninjs" in capsys.readouterr().err
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 30 and len({d[EXTENSION]["article"]["id"] for d in docs}) == 30
    official = json.loads(OFFICIAL.read_text())
    registry = Registry().with_resource(official["$id"].rstrip("#"), Resource.from_contents(official))
    extension = Draft202012Validator(json.loads(EXTENSION_SCHEMA_PATH.read_text()), registry=registry)
    core = Draft202012Validator(official)
    for doc in docs:
        assert list(extension.iter_errors(doc)) == []
        assert list(core.iter_errors({k: v for k, v in doc.items() if k != EXTENSION})) == []
    by_id = {a.id: a for a in articles}
    for doc in docs:
        back = EnrichedArticle.from_dict(doc)
        assert back.article.body_text == by_id[back.id].article.body_text
        assert back.quotes == by_id[back.id].quotes and back.entities == by_id[back.id].entities
    assert main(["export", "--database-url", database_url, "--entity", "Kaja Kallas", "--format", "contract"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["id"] == SAMPLE_ID
    assert main(["export", "--database-url", database_url, "--limit", "7"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 7
