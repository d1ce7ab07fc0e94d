"""Quotes component: the cues added from verb classes and nominalizations (speech_verbs.txt,
report_nouns.txt, stance_nouns.txt), a poll opening a sentence and the light-verb "made the case
that", on constructed sentences, through the real upstream components."""

from __future__ import annotations

import pytest

from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import indirect


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def texts(pipeline: Pipeline, text: str) -> list[str]:
    """The indirect quotes' texts, without the complementizer and the full stop."""
    return [q["text"].rstrip(".").removeprefix("that ") for q in indirect(pipeline, text)]


@pytest.mark.parametrize("verb", ["reaffirmed", "conceded", "grumbled", "disputed", "underscored", "posited"])
def test_a_verb_of_saying_or_conjecture_with_a_that_clause_reports_it(pipeline: Pipeline, verb: str) -> None:
    text = f"The hearing ran late. Governor Ann Lowe {verb} that the pension fund would run dry by 2030.\n"
    assert texts(pipeline, text) == ["the pension fund would run dry by 2030"]


@pytest.mark.parametrize("verb", ["decried", "disavowed", "downplayed", "lambasted", "touted"])
def test_a_stance_verb_reports_its_object(pipeline: Pipeline, verb: str) -> None:
    text = f"The hearing ran late. Senator Paul Okafor {verb} the new tariffs on imported steel.\n"
    assert texts(pipeline, text) == ["the new tariffs on imported steel"]


def test_a_noun_of_thinking_reports_its_that_clause_not_a_relative_clause(pipeline: Pipeline) -> None:
    text = ("The board met on Friday. Mayor Ann Lowe repeated her notion that the bridge was unsafe for trucks.\n\n"
            "The rumor that she spread last week did not come up again.\n")
    assert "the bridge was unsafe for trucks" in texts(pipeline, text)
    assert not any("she spread" in t for t in texts(pipeline, text))


@pytest.mark.parametrize(("clause", "content"), [
    ("Her refusal to release the audit angered the council", "to release the audit"),
    ("The mayor's decision not to seek a third term surprised her allies", "not to seek a third term"),
    ("His vow to repeal the water tax drew cheers from the crowd", "to repeal the water tax"),
])
def test_a_stance_noun_reports_the_infinitive_attached_to_it(pipeline: Pipeline, clause: str, content: str) -> None:
    assert content in texts(pipeline, f"The council met in Dayton. {clause}.\n")


def test_in_order_to_reports_nothing(pipeline: Pipeline) -> None:
    text = "The council met in Dayton. The city closed two lanes in order to repair the old bridge over the river.\n"
    assert texts(pipeline, text) == []


def test_a_poll_opening_a_sentence_reports_the_rest_of_it(pipeline: Pipeline) -> None:
    text = ("The race tightened in the fall. In a Dayton Herald poll released Monday, Ms. Lowe led "
            "Mr. Okafor by nine points among likely voters.\n")
    assert texts(pipeline, text) == ["Ms. Lowe led Mr. Okafor by nine points among likely voters"]


def test_a_poll_with_a_reporting_verb_after_it_leaves_the_report_to_the_verb(pipeline: Pipeline) -> None:
    text = ("The race tightened in the fall. In a Dayton Herald poll released Monday, most voters said "
            "the economy was their first concern.\n")
    assert texts(pipeline, text) == ["the economy was their first concern"]


@pytest.mark.parametrize("cue", ["made the case", "is making the point", "made a forceful argument"])
def test_a_light_verb_of_arguing_reports_the_clause_after_its_that(pipeline: Pipeline, cue: str) -> None:
    text = f"The council met in Dayton. Mayor Ann Lowe {cue} that the levy would pay for itself within five years.\n"
    assert texts(pipeline, text) == ["the levy would pay for itself within five years"]


def test_making_the_case_without_a_that_clause_reports_nothing(pipeline: Pipeline) -> None:
    text = "The council met in Dayton. Mayor Ann Lowe made the case for a new levy at the town hall.\n"
    assert texts(pipeline, text) == []


def test_a_plural_noun_after_a_group_name_is_no_closing_attribution(pipeline: Pipeline) -> None:
    # "states" after a nationality or region word is the noun, not "..., the group states."
    text = ("Lopez has already carried the primaries in New England, along with the Midwest and several "
            "other Western states.\n")
    assert indirect(pipeline, text) == []


def test_the_same_form_after_its_subject_still_reports(pipeline: Pipeline) -> None:
    got = indirect(pipeline, "The governor's office states that the port will close in the spring.\n")
    assert [q["text"].rstrip(".") for q in got] == ["that the port will close in the spring"]
