"""What travels on Kafka is ninjs 2.2: the ingest producer's records on articles.raw and the worker's
on articles.enriched validate against IPTC's official schema and our extension (real broker)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from streams.core.model import EnrichedArticle
from streams.core.ninjs import EXTENSION, EXTENSION_SCHEMA_PATH
from streams.core.settings import Settings
from streams.ingest import RawProducer
from streams.ingest.formats import article_from_text
from tests.ingest.conftest import read_topic
from tests.worker.test_agent_broker import _consume, _start_worker, _stop

pytestmark = pytest.mark.broker

SHARED = Path(__file__).resolve().parents[3] / "shared"


def _validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    official = json.loads((SHARED / "standards" / "ninjs" / "ninjs-schema_2.2.json").read_text())
    registry = Registry().with_resource(official["$id"].rstrip("#"), Resource.from_contents(official))
    return (Draft202012Validator(official),
            Draft202012Validator(json.loads(EXTENSION_SCHEMA_PATH.read_text()), registry=registry))


def _valid(doc: dict[str, Any]) -> None:
    official, extension = _validators()
    assert [e.message for e in extension.iter_errors(doc)] == []
    assert [e.message for e in official.iter_errors({k: v for k, v in doc.items() if k != EXTENSION})] == []


def test_raw_and_enriched_records_are_ninjs_2_2(kafka_settings: Settings, kafka_topics: dict[str, str],
                                               tmp_path: Path) -> None:
    samples = sorted((SHARED / "samples").glob("*.txt"))
    if not samples:
        pytest.skip("../shared/samples is not present")
    article = article_from_text(samples[0].read_bytes(), namespace="text", max_bytes=1 << 20)
    with RawProducer(kafka_settings, source_kind="file") as producer:
        producer.send(article)
        producer.flush()
    [raw] = read_topic(kafka_settings, kafka_topics["raw"])
    raw_doc = json.loads(raw.value)
    _valid(raw_doc)
    assert raw_doc["bodies"][0]["value"] == article.body_text
    worker = _start_worker(kafka_settings, tmp_path, "textspans,topics")
    try:
        [record] = _consume(kafka_settings, "enriched", 1, 180, worker)
    finally:
        _stop(worker)
    doc = json.loads(record.value)
    _valid(doc)
    enriched = EnrichedArticle.from_json(record.value)
    assert enriched.article == article
    assert any(s.get("creator") == "streams" for s in doc["subjects"])  # IPTC Media Topics as subjects
