"""Quotes component: indirect speech spans on hard sentences, through the real upstream components."""

from __future__ import annotations

from typing import Any

import pytest

from streams.enrich.pipeline import Context, Pipeline
from streams.model import Article


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.from_names(["textspans", "language", "nlp", "entities", "quotes"])


def indirect(pipeline: Pipeline, text: str) -> list[dict[str, Any]]:
    ctx = Context(article=Article(id="t", body_text=text), text=text)
    for comp in pipeline.components:
        comp(ctx)
    return [q for q in ctx.quotes if q["kind"] == "indirect"]


def test_a_sentence_inside_a_quotation_is_not_indirect_speech(pipeline: Pipeline) -> None:
    text = ("Sanders was in Vermont on Monday.\n\n"
            "“The system is broken. The insurance companies are making record profits,” Sanders said.\n")
    assert indirect(pipeline, text) == []
