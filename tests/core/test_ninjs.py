"""ninjs 2.2 out: every document validates against IPTC's official schema and our extension schema,
and reads back exactly (pure tests, on real enrichment output)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from streams.core.model import Article, EnrichedArticle
from streams.core.ninjs import EXTENSION, EXTENSION_SCHEMA_PATH, MEDIA_TOPIC_URI, to_ninjs
from streams.enrich.pipeline import Pipeline
from streams.ingest.formats import article_from_record, article_from_text

SHARED = Path(__file__).resolve().parents[3] / "shared"
OFFICIAL = SHARED / "standards" / "ninjs" / "ninjs-schema_2.2.json"


@pytest.fixture(scope="module")
def validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    if not OFFICIAL.is_file():
        pytest.skip("../shared/standards/ninjs is not present")
    official = json.loads(OFFICIAL.read_text())
    extension = json.loads(EXTENSION_SCHEMA_PATH.read_text())
    registry = Registry().with_resource(official["$id"].rstrip("#"), Resource.from_contents(official))
    return Draft202012Validator(official), Draft202012Validator(extension, registry=registry)


def _articles() -> list[Article]:
    out = [article_from_text(p.read_bytes(), namespace="text", max_bytes=1 << 20)
           for p in sorted(SHARED.glob("samples/*.txt"))]
    for name, n in (("news_sample.jsonl", 8), ("reuters21578.jsonl", 8)):
        with (SHARED / "corpus" / name).open(encoding="utf-8") as fh:
            out += [article_from_record(json.loads(line), namespace="json") for line in itertools.islice(fh, n)]
    out.append(Article(id="feed:1", body_text="Parliament dissolved", headline="Parliament dissolved",
                       profile="headline-only", language="en", uri="http://127.0.0.1/a/1",
                       subjects=[{"name": "elections", "uri": "http://cv.iptc.org/newscodes/mediatopic/20000587",
                                  "rel": "about"}], altids={"guid": "g1", "feed": "http://127.0.0.1/rss"}))
    return out


@pytest.fixture(scope="module")
def enriched() -> list[EnrichedArticle]:
    if not (SHARED / "samples").is_dir():
        pytest.skip("../shared is not present")
    outcomes = Pipeline.from_names(None).run_many(_articles())
    return [o for o in outcomes if isinstance(o, EnrichedArticle)]


def _errors(validator: Draft202012Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def _assert_date_times(doc: dict[str, Any]) -> None:
    for name in ("versioncreated", "firstcreated"):
        if name in doc:
            assert "T" in doc[name] and datetime.fromisoformat(doc[name].replace("Z", "+00:00")).tzinfo, doc[name]


def test_enriched_documents_validate_against_the_official_schema_and_the_extension(
    enriched: list[EnrichedArticle], validators: tuple[Draft202012Validator, Draft202012Validator]
) -> None:
    official, extension = validators
    assert len(enriched) >= 15
    for item in enriched:
        doc = json.loads(json.dumps(to_ninjs(item)))
        assert _errors(extension, doc) == []
        core = {k: v for k, v in doc.items() if k != EXTENSION}
        assert _errors(official, core) == []
        assert _errors(official, doc)  # the extension is not a ninjs property: only our schema allows it
        _assert_date_times(doc)


def test_raw_article_documents_validate_too(validators: tuple[Draft202012Validator, Draft202012Validator]) -> None:
    official, extension = validators
    for article in _articles():
        doc = json.loads(json.dumps(to_ninjs(article)))
        assert _errors(extension, doc) == []
        assert _errors(official, {k: v for k, v in doc.items() if k != EXTENSION}) == []


def test_round_trip_is_exact(enriched: list[EnrichedArticle]) -> None:
    for item in enriched:
        assert EnrichedArticle.from_json(item.to_wire()).to_dict() == item.to_dict()
        assert Article.from_json(item.article.to_wire()) == item.article
        assert EnrichedArticle.from_json(item.to_json()).to_dict() == item.to_dict()  # the contract form too


def test_entities_topics_and_provenance_land_in_ninjs_properties(enriched: list[EnrichedArticle]) -> None:
    sample = next(e for e in enriched if "Kallas" in e.article.body_text)
    doc = to_ninjs(sample)
    assert {"name": "Kaja Kallas", "rel": "mentions"} in doc["people"]
    assert any(p["name"] == "Berlin" for p in doc.get("places", []))
    topic_uris = [s["uri"] for s in doc["subjects"] if s.get("creator") == "streams"]
    assert topic_uris and all(u.startswith(MEDIA_TOPIC_URI) and u[len(MEDIA_TOPIC_URI):].isdigit() for u in topic_uris)
    assert doc["headlines"][0]["role"] == "derived"  # a wire text without a title line
    assert {"name": "Ukrinform", "role": "originator"} in doc["infosources"]
    assert doc["versioncreated"] == "2026-01-13T00:00:00Z"
    assert doc[EXTENSION]["article"]["versioncreated"] == "2026-01-13"  # as received
    assert doc["bodies"][0]["value"] == sample.article.body_text  # never rewritten
