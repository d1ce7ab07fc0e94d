"""Quotes component: the speaker of a fragment read from its sentence's clause structure (the
parse), where an earlier quotation or a fronted phrase misleads the adjacency rules."""

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


def _at(quotes: list[dict[str, Any]], words: str) -> dict[str, Any]:
    return next(q for q in quotes if words in q["text"])


def test_a_title_quoted_earlier_in_the_sentence_does_not_hide_its_subject(pipeline: Pipeline) -> None:
    text = ("The actress spoke at the White House on Monday.\n\n"
            "Sandra Okafor, star of the drama “Harbor Lights,” thanked Governor Mark Delaney for “standing up "
            "for the families of this state.”\n")
    got = _at(marked(pipeline, text), "standing up")
    assert got["speaker"] == "Sandra Okafor"


def test_a_title_quoted_in_a_relative_clause_leaves_the_main_clauses_subject(pipeline: Pipeline) -> None:
    text = ("Former mayor Tom Brandt, who hosted the talk show “City Hall Live” for a decade, wants voters in the "
            "district to “throw the bums out.”\n")
    got = _at(marked(pipeline, text), "throw the bums")
    assert got["speaker_mention"]["text"] == "Tom Brandt"


def test_a_name_in_a_participle_after_the_subject_is_not_the_speaker(pipeline: Pipeline) -> None:
    text = ("The county board has twice complained to the company since March. A March 3 letter from the county "
            "board obtained by The Daily Courier warns that “any further delay will be answered in court.”\n")
    got = _at(marked(pipeline, text), "any further delay")
    assert "letter" in got["speaker_mention"]["text"]
    assert got["speaker"] != "The Daily Courier"


def test_a_name_in_a_prepositional_phrase_after_the_subject_is_not_the_speaker(pipeline: Pipeline) -> None:
    text = ("Mayor Jane Roe is running for a third term. Roe’s campaign email to her supporters notes that her rival "
            "is “a career politician who never met a tax he didn’t like.”\n")
    got = _at(marked(pipeline, text), "career politician")
    assert "email" in got["speaker_mention"]["text"]


def test_whom_a_spokesman_speaks_for_stays_the_speaker(pipeline: Pipeline) -> None:
    text = "The senator filed the bill on Monday. A spokesman for Senator Ted Cruz said the plan was “dead on arrival.”\n"
    got = _at(marked(pipeline, text), "dead on arrival")
    assert got["speaker"] == "Ted Cruz"


@pytest.mark.parametrize("relative", ["whom", "who"])
def test_the_subject_pronoun_of_a_relative_clause_is_not_the_clauses_head(pipeline: Pipeline, relative: str) -> None:
    # the pronoun's nearest name is the head the clause describes; "he" cannot be bound by it
    text = ("Senator Marco Rubio spoke in Houston on Monday.\n\n"
            f"Rubio again attacked the businessman Donald Trump, {relative} he called a “con artist,” in front of "
            "a crowd of supporters.\n")
    got = _at(marked(pipeline, text), "con artist")
    assert (got["speaker_mention"]["text"], got["speaker"]) == ("he", "Marco Rubio")


def test_a_pronoun_after_a_relative_pronoun_subject_still_means_the_head(pipeline: Pipeline) -> None:
    text = ("Senator Marco Rubio spoke in Houston on Monday.\n\n"
            "Rubio met the businessman Donald Trump, who said he was “a winner” after the vote.\n")
    got = _at(marked(pipeline, text), "a winner")
    assert got["speaker"] == "Donald Trump"


def test_a_question_put_to_the_subject_of_a_passive_is_the_askers(pipeline: Pipeline) -> None:
    text = ("Senator Dana Whitfield appeared on the program on Friday.\n\n"
            "Whitfield was asked by host Tom Brandt, who has backed her rival, “Will you vote for the bill?”\n")
    assert _at(marked(pipeline, text), "Will you vote")["speaker"] == "Tom Brandt"
    alone = "Governor Mark Delaney toured the plant on Monday. At a news conference, Delaney was asked, “Will you sign it?”\n"
    assert _at(marked(pipeline, alone), "Will you sign")["speaker"] is None  # the asker is not named; not the governor

