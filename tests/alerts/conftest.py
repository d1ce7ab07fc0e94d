"""Fixtures for alert tests: real articles enriched by the real pipeline, clustered by the real index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from streams.core.model import Article, EnrichedArticle
from streams.enrich.pipeline import Pipeline
from streams.worker.story_index import StoryIndex

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.txt"
NEWS_SAMPLE = SHARED / "corpus" / "news_sample.jsonl"
SAMPLE_HEADLINE = "Kallas: security guarantees for Ukraine must be tangible, not on paper"


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    """The default enrichment pipeline (spaCy model loaded once per session)."""
    return Pipeline.from_names()


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def news_rows() -> dict[str, dict[str, Any]]:
    """news_sample.jsonl by id."""
    with NEWS_SAMPLE.open(encoding="utf-8") as handle:
        return {row["id"]: row for row in map(json.loads, handle)}


def clustered(index: StoryIndex, enriched: EnrichedArticle) -> EnrichedArticle:
    """Assign the story cluster as the worker does (signature replaced by the answer)."""
    answer = index.assign(enriched.id, enriched.dedupe)
    enriched.dedupe = {"exact": enriched.dedupe.get("exact"), **answer}
    return enriched


@pytest.fixture(scope="session")
def story(pipeline: Pipeline, sample_text: str, news_rows: dict[str, dict[str, Any]]) -> Iterator[dict[str, EnrichedArticle]]:
    """The sample wire story, a syndicated copy of it (other provider, other header line), and an
    unrelated Reuters article, all enriched and clustered by the real pipeline and index."""
    index = StoryIndex()
    original = Article(
        id="menafn-kallas-1", body_text=sample_text, headline=SAMPLE_HEADLINE, provider="MENAFN",
        source="Ukrinform", received_at="2026-01-13T10:00:00.000Z", versioncreated="2026-01-13T09:58:00Z",
    )
    body = sample_text.replace(" date 2026-01-13 MENAFN - UkrinForm) ", "BERLIN (Ukrinform) - ", 1)
    copy = Article(
        id="ukrinform-kallas-1", body_text=body, headline=SAMPLE_HEADLINE.upper(), provider="Ukrinform",
        source="Ukrinform", received_at="2026-01-13T10:05:00.000Z",
    )
    row = news_rows["reuters21578:3573"]  # an unrelated Reuters story (a takeover offer)
    other = Article(id="reuters-qintex", body_text=row["text"], headline=row["title"], provider="Reuters",
                    source="Reuters", received_at="2026-01-13T10:01:00.000Z")
    yield {
        "original": clustered(index, pipeline.run(original)),
        "copy": clustered(index, pipeline.run(copy)),
        "other": clustered(index, pipeline.run(other)),
    }
