"""Quotes component: a fragment that a noun of speech reports is spoken by the noun's possessor
("her message was that “...”"), through the real upstream components."""

from __future__ import annotations

from typing import Any

import pytest

from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import quotes_of


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def marked(pipeline: Pipeline, text: str) -> list[dict[str, Any]]:
    return [q for q in quotes_of(pipeline, text) if q["kind"] in ("direct", "mixed")]


def test_the_possessor_of_a_message_that_speaks_the_fragment(pipeline: Pipeline) -> None:
    text = ("Senator Amy Lund toured the flooded site on Monday, and her message was that “the bridge must be "
            "finished this year.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == "her"


def test_a_capitalised_possessive_opening_the_sentence_is_the_speaker(pipeline: Pipeline) -> None:
    text = ("Mayor Tom Reyes did not hide his anger at the plan. His answer was that “nobody asked the city "
            "first.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == "His"
    assert got[0]["speaker"] == "Tom Reyes"
