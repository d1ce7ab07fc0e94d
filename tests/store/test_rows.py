"""Flattening enriched articles into archive rows (pure code)."""

from __future__ import annotations

import dataclasses

import pytest

from streams.core.errors import ValidationError
from streams.core.model import EnrichedArticle
from streams.store.rows import NO_TIME, article_rows, iso_to_epoch, norm, order_key
from tests.store.articles import SAMPLE_ID, news_sample_articles, sample_article


def test_sample_article_rows_carry_the_annotation() -> None:
    ea = sample_article()
    rows = article_rows(ea)
    assert rows.id == SAMPLE_ID
    assert rows.article["source_norm"] == "ukrinform" and rows.article["provider"] == "MENAFN"
    assert rows.article["cluster_id"] == "cluster-sample"
    kallas = [e for e in rows.entities if e[2] == "Kaja Kallas"]
    assert kallas and kallas[0][3] == "kaja kallas" and kallas[0][4] == "PERSON"
    kallas_idx = kallas[0][1]
    body = ea.article.body_text
    kallas_mentions = [m for m in rows.mentions if m[1] == kallas_idx]
    assert len(kallas_mentions) == kallas[0][5] > 5
    assert all(body[m[3]:m[4]] == m[5] for m in kallas_mentions)  # offsets index the body as received
    assert {q[8] for q in rows.quotes} == {"kaja kallas"}
    first = rows.quotes[0]
    assert first[6].startswith("We are discussing the security guarantees")
    assert {t[1] for t in rows.topics} == {"medtop:11000000", "medtop:16000000"}


def test_quote_text_joins_segments_from_the_body() -> None:
    ea = sample_article()
    ea.quotes = [{"kind": "direct", "start": 269, "end": 1088, "segments": [[269, 300], [928, 960]], "speaker": "Kaja Kallas"}]
    (quote,) = article_rows(ea).quotes
    body = ea.article.body_text
    assert quote[6] == f"{body[269:300].strip()} … {body[928:960].strip()}"
    assert quote[5] == [[269, 300], [928, 960]]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"entities": [{"type": "PERSON", "mentions": []}]}, "entities[0].name"),
        ({"entities": [{"name": "X", "mentions": [{"start": 5, "end": 2}]}]}, "entities[0].mentions[0]"),
        ({"entities": ["Kaja Kallas"]}, "entities[0]"),
        ({"quotes": [{"kind": "direct", "start": "269", "end": 300}]}, "quotes[0].start"),
        ({"quotes": [{"start": 1, "end": 9, "segments": [[1]]}]}, "quotes[0].segments"),
        ({"topics": [{"label": "politics", "score": 0.5}]}, "topics[0].code"),
        ({"topics": [{"code": "medtop:11000000", "score": float("nan")}]}, "topics[0].score"),
        ({"dedupe": ["not", "a", "mapping"]}, "dedupe"),
    ],
)
def test_malformed_enrichment_names_the_field(change: dict, field: str) -> None:
    ea = dataclasses.replace(sample_article(), **change)
    with pytest.raises(ValidationError) as err:
        article_rows(ea)
    assert err.value.field == field


def test_duplicate_topic_codes_keep_the_best_score() -> None:
    ea = sample_article()
    ea.topics = [{"code": "medtop:11000000", "score": 0.2}, {"code": "medtop:11000000", "label": "politics", "score": 0.9}]
    assert article_rows(ea).topics == [(SAMPLE_ID, "medtop:11000000", "politics", "politics", 0.9)]


def test_order_key_prefers_version_then_versioncreated_then_enrichment_time() -> None:
    old = article_rows(sample_article(version=1, versioncreated="2026-01-13T10:00:00Z"))
    later = article_rows(sample_article(version=1, versioncreated="2026-01-13T12:00:00+01:00"))
    v2 = article_rows(sample_article(version=2, versioncreated="2026-01-13T09:00:00Z"))
    assert old.order_key < later.order_key < v2.order_key
    assert order_key(1, None, None) == (1, NO_TIME, NO_TIME) < old.order_key


def test_time_zones_are_normalised() -> None:
    assert iso_to_epoch("2026-01-13T12:00:00+02:00") == iso_to_epoch("2026-01-13T10:00:00Z")
    assert iso_to_epoch("2026-01-13T10:00:00") == iso_to_epoch("2026-01-13T10:00:00Z")


def test_norm_folds_case_and_space() -> None:
    assert norm("  Kaja\n  KALLAS ") == "kaja kallas"
    assert norm("   ") is None and norm(None) is None


def test_corpus_articles_flatten_with_consistent_offsets() -> None:
    total_mentions = 0
    for ea in news_sample_articles():
        rows = article_rows(EnrichedArticle.from_json(ea.to_json()))  # as it arrives from Kafka
        body = ea.article.body_text
        for m in rows.mentions:
            assert body[m[3]:m[4]] == m[5]
        total_mentions += len(rows.mentions)
    assert total_mentions > 500
