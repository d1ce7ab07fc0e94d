"""Shared fixtures of the enrichment tests."""

from __future__ import annotations

from typing import Any

import pytest

from streams.core.model import Article
from streams.enrich.pipeline import Context, Pipeline

#: the components the quote component needs, in order, and itself
QUOTE_COMPONENTS = ["textspans", "language", "nlp", "entities", "quotes"]


@pytest.fixture(scope="session")
def quote_pipeline() -> Pipeline:
    """The real upstream components and the quote component, built once."""
    return Pipeline.from_names(QUOTE_COMPONENTS)


def quotes_of(pipeline: Pipeline, text: str, title: str | None = None) -> list[dict[str, Any]]:
    """Every quote ``pipeline`` finds in ``text`` (with ``title`` as the article's headline)."""
    ctx = Context(article=Article(id="t", body_text=text), text=text, title=title)
    for comp in pipeline.components:
        comp(ctx)
    return ctx.quotes


def indirect(pipeline: Pipeline, text: str) -> list[dict[str, Any]]:
    """The indirect quotes ``pipeline`` finds in ``text``."""
    return [q for q in quotes_of(pipeline, text) if q["kind"] == "indirect"]
