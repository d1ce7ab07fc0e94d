"""Quotes component: whom a description names when it speaks ("the group said", "his wife said",
"the Sanders campaign said"): the kind of its noun in speaker_nouns.txt decides, not the person named
last."""

from __future__ import annotations

from typing import Any

import pytest

from streams.enrich.components.quotes.lexicon import load_lexicon
from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import quotes_of


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def _at(pipeline: Pipeline, text: str, words: str) -> dict[str, Any]:
    return next(q for q in quotes_of(pipeline, text) if words in q["text"])


def test_the_group_is_the_organisation_not_the_person_named_since(pipeline: Pipeline) -> None:
    text = ("The Harbor Rights Foundation did not want to comment on the ruling. Its director, Jane Okafor, "
            "was travelling.\n\n“We are focused on the families of this city,” the group said.\n")
    got = _at(pipeline, text, "focused on the families")
    assert got["speaker_mention"]["text"] == "the group"
    assert got["speaker"] == "Harbor Rights Foundation"


def test_a_relative_with_a_possessive_is_someone_else(pipeline: Pipeline) -> None:
    text = ("Mark Delaney, 54, was on the flight to Cairo.\n\n"
            "“He had wanted to be a pilot since he was five,” his wife said.\n")
    got = _at(pipeline, text, "wanted to be a pilot")
    assert got["speaker_mention"]["text"] == "his wife"
    assert got["speaker"] is None  # not Mark Delaney, whose wife speaks


def test_a_name_inside_the_description_is_its_owner(pipeline: Pipeline) -> None:
    text = ("Senator Bernie Sanders spoke in Iowa on Monday. Hillary Clinton answered him in Ohio, and "
            "Governor Mark Delaney praised her.\n\n"
            "The Sanders campaign said the attacks were “a sign of desperation.”\n")
    got = _at(pipeline, text, "a sign of desperation")
    assert got["speaker"] == "Bernie Sanders"


def test_a_document_names_no_one_when_its_author_is_not_said(pipeline: Pipeline) -> None:
    text = ("Governor Mark Delaney met the union on Monday.\n\n"
            "“The cuts will hurt the poorest families first,” the letter says.\n")
    got = _at(pipeline, text, "The cuts will hurt")
    assert got["speaker_mention"]["text"] == "the letter"
    assert got["speaker"] is None  # not the governor


def test_a_campaign_without_an_owner_is_still_the_candidate_named_last(pipeline: Pipeline) -> None:
    text = ("Senator Bernie Sanders spoke in Iowa on Monday.\n\n"
            "“We raised more money than ever,” the campaign said.\n")
    got = _at(pipeline, text, "We raised more money")
    assert got["speaker"] == "Bernie Sanders"


def test_every_kind_in_the_word_list_is_known() -> None:
    kinds = load_lexicon().noun_kinds
    assert kinds["group"] == "org" and kinds["letter"] == "thing" and kinds["wife"] == "kin"
    assert kinds["campaign"] == "own"
    assert set(kinds.values()) == {"org", "own", "thing", "kin"}


def test_an_office_or_a_team_speaks_for_its_owner_only(pipeline: Pipeline) -> None:
    text = ("Senator Mark Delaney of Ohio voted against the bill on Monday.\n\n"
            "Delaney’s office said the bill was “a gift to the banks.”\n")
    got = _at(pipeline, text, "a gift to the banks")
    assert got["speaker_mention"]["text"] == "Delaney’s office"
    assert got["speaker"] == "Mark Delaney"
    text = ("Senator Mark Delaney of Ohio voted against the bill on Monday.\n\n"
            "The budget office said the bill would cost “far more than promised.”\n")
    got = _at(pipeline, text, "far more than promised")
    assert got["speaker_mention"]["text"] == "The budget office"
    assert got["speaker"] is None  # not the senator: no one owns this office in the text


def test_a_report_in_a_clause_after_a_fronted_adverb_ends_at_the_main_clause(pipeline: Pipeline) -> None:
    text = ("Senator Mark Delaney finished second in Nevada.\n\n"
            "Now, after arguing that the results in Iowa narrowed the primary to a three-man race, his team "
            "is suggesting that his finish in Nevada has turned it into a two-man contest.\n")
    got = [q for q in quotes_of(pipeline, text) if q["kind"] == "indirect"]
    assert [q["text"].rstrip(".") for q in got] == [
        "that the results in Iowa narrowed the primary to a three-man race",
        "that his finish in Nevada has turned it into a two-man contest",
    ]
    assert {q["speaker_mention"]["text"] for q in got} == {"his team"}
    assert {q["speaker"] for q in got} == {"Mark Delaney"}
