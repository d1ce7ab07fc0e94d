"""Quotes component: reports whose cue is more than one word ("made clear that ...", "point out
that ..."), on constructed sentences, through the real upstream components."""

from __future__ import annotations

import pytest

from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import indirect


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


@pytest.mark.parametrize("cue", ["made clear", "made it clear", "has made clear on Tuesday"])
def test_made_clear_reports_the_clause_after_it(pipeline: Pipeline, cue: str) -> None:
    text = f"The council met in Dayton. Mayor Ann Lowe {cue} that the city would not raise the water tax this year.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["that the city would not raise the water tax this year"]
    assert got[0]["cue"]["text"].endswith("clear")
    assert got[0]["speaker_mention"]["text"] == "Ann Lowe"


def test_the_base_form_of_point_out_reports_the_clause_after_it(pipeline: Pipeline) -> None:
    text = "Union leaders point out that the plant has hired four hundred workers since the spring.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["that the plant has hired four hundred workers since the spring"]
    assert got[0]["cue"]["text"] == "point out"


def test_clear_without_a_speaker_reports_nothing(pipeline: Pipeline) -> None:
    text = "The new bridge made clear water reach the old mill for the first time in years.\n"
    assert indirect(pipeline, text) == []


def test_seem_reports_its_clause_with_its_subject_and_no_speaker(pipeline: Pipeline) -> None:
    text = "After the vote, the council members seemed ready to approve the budget, though two abstained.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["the council members seemed ready to approve the budget"]
    assert got[0]["speaker"] is None and got[0]["speaker_mention"] is None


def test_an_expletive_appear_reports_the_clause_after_it(pipeline: Pipeline) -> None:
    text = "It appears, though, that the plant will stay open until the spring.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["that the plant will stay open until the spring"]


@pytest.mark.parametrize("text", [
    "The mayor appeared on local television with her two deputies on Monday night.\n",
    "It seems strange to hold the vote in the middle of the summer.\n",
])
def test_appearing_somewhere_or_an_expletive_without_a_clause_reports_nothing(pipeline: Pipeline, text: str) -> None:
    assert indirect(pipeline, text) == []


def test_an_inner_according_to_reports_the_whole_sentence_around_it(pipeline: Pipeline) -> None:
    text = "At the heart of the dispute, according to Ann Lowe, was a change in the water tax.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["At the heart of the dispute, according to Ann Lowe, was a change in the water tax"]


def test_an_according_to_before_a_clause_of_its_own_reports_what_comes_before(pipeline: Pipeline) -> None:
    text = "The plant hired 400 workers last year, according to a state count, but the mill closed in May.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["The plant hired 400 workers last year"]


@pytest.mark.parametrize("verb", ["congratulated", "thanked", "chastised"])
def test_a_judgement_verb_reports_whom_it_judges_and_for_what(pipeline: Pipeline, verb: str) -> None:
    text = f"The council met in Dayton. Mayor Ann Lowe {verb} the city engineers for finishing the bridge early.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["the city engineers for finishing the bridge early"]
    assert got[0]["speaker_mention"]["text"] == "Ann Lowe"


def test_thanks_as_a_noun_reports_nothing(pipeline: Pipeline) -> None:
    text = "The bridge opened early, thanks to the city engineers and a dry spring.\n"
    assert indirect(pipeline, text) == []


@pytest.mark.parametrize("verb", ["joked", "tweeted", "lamented"])
def test_a_verb_of_saying_with_a_that_clause_reports_it(pipeline: Pipeline, verb: str) -> None:
    text = f"The council met in Dayton. Mayor Ann Lowe {verb} that the new bridge had taken longer than the old one.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["that the new bridge had taken longer than the old one"]


def test_a_passive_report_with_an_agent_reports_its_subject(pipeline: Pipeline) -> None:
    text = "The council met in Dayton on Monday. The water tax plan was first reported by the Dayton Herald.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["The water tax plan"]
    assert "Dayton Herald" in got[0]["speaker_mention"]["text"]


def test_a_passive_judgement_with_its_reason_reports_the_whole_clause(pipeline: Pipeline) -> None:
    text = "The mayor has been criticized by her rivals for raising the water tax twice.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["The mayor has been criticized by her rivals for raising the water tax twice"]


@pytest.mark.parametrize("text", [
    "The deal that was rejected by the council in May would have cut the bus budget.\n",
    "The bridge was painted by a crew from Ohio last spring.\n",
])
def test_a_relative_or_a_passive_of_no_report_reports_nothing(pipeline: Pipeline, text: str) -> None:
    assert indirect(pipeline, text) == []


@pytest.mark.parametrize("head", ["Mayor Ann Lowe was confident", "Mayor Ann Lowe is not convinced",
                                  "Mayor Ann Lowe left the meeting early, optimistic"])
def test_an_adjective_of_certainty_reports_the_clause_after_its_that(pipeline: Pipeline, head: str) -> None:
    text = f"The council met in Dayton. {head} that the water tax would pass in the spring.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["that the water tax would pass in the spring"]
    assert got[0]["speaker_mention"]["text"] == "Ann Lowe"


def test_a_certainty_adjective_without_a_speaker_reports_nothing(pipeline: Pipeline) -> None:
    text = "It is certain that the water tax will pass in the spring.\n"
    assert indirect(pipeline, text) == []
