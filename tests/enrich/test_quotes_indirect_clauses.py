"""Quotes component: where a report's clause starts and ends when the cue sits in a relative clause,
before a sentence's quotation, or in the second of two coordinated clauses (constructed sentences,
through the real upstream components)."""

from __future__ import annotations

import pytest

from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import indirect


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def test_a_report_in_a_relative_clause_ends_with_the_clause(pipeline: Pipeline) -> None:
    text = "Mayor Ruth Okafor, who has said that the county will pay for the bridge, spoke in Dayton on Monday.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["that the county will pay for the bridge"]
    assert got[0]["speaker"] == "Ruth Okafor"


def test_the_antecedent_of_a_restrictive_relative_clause_speaks(pipeline: Pipeline) -> None:
    text = "The budget is late again. Nurses who said that the clinic would close were ignored by the board.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["that the clinic would close"]
    assert got[0]["speaker_mention"]["text"].lower() == "nurses"


def test_a_relative_clause_inside_a_report_stays_part_of_it(pipeline: Pipeline) -> None:
    text = "The governor said the plan was the only choice for families who know what it costs to heat a home.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == [
        "the plan was the only choice for families who know what it costs to heat a home"
    ]


def test_a_report_before_a_quotation_ends_at_the_participle_clause(pipeline: Pipeline) -> None:
    text = "Senator Mia Ross pointed to the state’s budget, noting that it holds “a surplus for the third year.”\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["the state’s budget"]
    assert got[0]["speaker"] == "Mia Ross"


def test_a_second_clause_with_its_own_subject_ends_the_first_report(pipeline: Pipeline) -> None:
    text = "Six in 10 nurses said the clinic was run well, and a third said the hospital needed more staff.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the clinic was run well", "the hospital needed more staff"]


def test_an_approximate_amount_opens_the_reported_clause(pipeline: Pipeline) -> None:
    text = "The budget office said about half of the new spending went to roads and bridges.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["about half of the new spending went to roads and bridges"]


def test_a_second_verb_reporting_a_quotation_ends_the_first_report(pipeline: Pipeline) -> None:
    text = "She says she respects the mayor and calls him “a tireless public servant.”\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["she respects the mayor"]


def test_a_participle_after_a_dash_reports_for_the_main_subject(pipeline: Pipeline) -> None:
    text = "Senator Mia Ross changed her vote at the last minute – saying the bill would now protect small farms.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the bill would now protect small farms"]
    assert got[0]["speaker"] == "Mia Ross"


def test_the_subject_of_an_absolute_participle_after_with_speaks(pipeline: Pipeline) -> None:
    text = "Other senators went further, with former Ohio Gov. Alan Pike calling the budget a fraud.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the budget a fraud"]
    assert got[0]["speaker"] == "Alan Pike"


def test_an_embedded_question_after_a_reporting_verb_is_its_content(pipeline: Pipeline) -> None:
    text = "“It was the right call,” Dana Okoro said, explaining why the county closed the bridge in May.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["why the county closed the bridge in May"]
    assert got[0]["speaker"] == "Dana Okoro"

