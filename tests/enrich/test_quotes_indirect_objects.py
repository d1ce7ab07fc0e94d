"""Quotes component: reported content as a prepositional object, and sentence edges around
reports (an appositive speaker before the verb, a bracketed abbreviation, a trailing quote mark)."""

from __future__ import annotations

import pytest

from streams.enrich.components.quotes.prepositional import prep_heads
from streams.enrich.components.quotes.sentences import _join_abbreviations
from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import indirect


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def test_a_name_after_the_verb_with_a_possessive_is_the_clauses_subject(pipeline: Pipeline) -> None:
    text = ("Senator Tom Carper, a longtime critic of the plan, said Johnson’s proposal for the port was "
            "too expensive for Delaware.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["Johnson’s proposal for the port was too expensive for Delaware"]


def test_a_name_after_the_verb_with_an_auxiliary_is_the_clauses_subject(pipeline: Pipeline) -> None:
    text = ("Maria Lopez, one of the few Democrats on the board, said Carper will lose the vote in the "
            "autumn.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["Carper will lose the vote in the autumn"]


def test_a_break_after_a_bracketed_abbreviation_before_a_lower_case_word_is_undone() -> None:
    text = "Sen. Tom Carper (D-Del.) said he would vote against it."
    cut = text.index(") ") + 1
    assert _join_abbreviations(text, [(0, cut), (cut + 1, len(text))]) == [(0, len(text))]
    # a new sentence after the bracket stays one
    text2 = "He met Tom Carper (D-Del.) Then he left."
    cut2 = text2.index(") ") + 1
    assert _join_abbreviations(text2, [(0, cut2), (cut2 + 1, len(text2))]) == [(0, cut2), (cut2 + 1, len(text2))]


def test_a_participle_report_before_the_next_quotes_opening_mark(pipeline: Pipeline) -> None:
    text = ("“We will not give up on the port,” Carper said, suggesting that the state could find the money "
            "elsewhere. “Nobody wants it to close.”\n")
    got = indirect(pipeline, text)
    assert any(q["text"].startswith("that the state could find the money elsewhere") for q in got)


def test_the_object_of_a_verb_of_joking_is_the_reported_content(pipeline: Pipeline) -> None:
    text = "Governor Jack Markell joked about the closing of the port at a rally on Monday.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["the closing of the port"]
    assert got[0]["speaker"] == "Jack Markell"
    assert got[0]["cue"]["text"] == "joked about"


def test_a_nouns_object_needs_its_possessor_as_the_speaker(pipeline: Pipeline) -> None:
    got = indirect(pipeline, "Markell repeated his criticism of the port authority.\n")
    assert [q["text"] for q in got] == ["the port authority"]
    assert indirect(pipeline, "Criticism of the port authority grew in the spring.\n") == []


def test_a_duration_is_no_reported_content(pipeline: Pipeline) -> None:
    assert indirect(pipeline, "Governor Jack Markell argued for about 30 minutes in Dover.\n") == []
    got = indirect(pipeline, "Governor Jack Markell argued for a new port in Dover.\n")
    assert [q["text"] for q in got] == ["a new port in Dover"]


def test_the_lexicon_of_prepositional_heads_inflects_verbs_only() -> None:
    heads = prep_heads()
    assert heads["talked"] == ("v", frozenset({"about"}))
    assert heads["criticism"] == ("n", frozenset({"of"}))
    assert "criticisms" in heads and "criticismed" not in heads


def test_a_parenthetical_attribution_after_one_word_covers_both_sides(pipeline: Pipeline) -> None:
    text = "Voters, Carper suggested, do not have to worry about the port closing this year.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["Voters, Carper suggested, do not have to worry about the port closing this year"]


def test_a_report_nested_after_a_parenthetical_attribution_keeps_it_whole(pipeline: Pipeline) -> None:
    text = "At one point, Carper said, he was considering supporting the port authority.\n"
    got = indirect(pipeline, text)
    assert "At one point, Carper said, he was considering supporting the port authority" in [
        q["text"].rstrip(".") for q in got
    ]


def test_a_parenthetical_closing_by_a_plain_noun_phrase(pipeline: Pipeline) -> None:
    text = "The pilot had no known political ties, the airline added, and had passed every background check.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == [text.strip().rstrip(".")]


def test_a_run_on_sentence_of_heads_is_not_read() -> None:
    from streams.enrich.components.quotes.component import extract_quotes

    text = "He joked about " + "the port and the plan and " * 200 + "the end.\n"
    assert len(text) > 3000
    assert [q for q in extract_quotes(text) if q["cue"] and q["cue"]["text"] == "joked about"] == []
    short = "He joked about the port and the plan.\n"
    assert [q["text"] for q in extract_quotes(short) if q["kind"] == "indirect"] == ["the port and the plan"]


@pytest.mark.parametrize("text, content, speaker", [
    ("Senator Ada Moss, who endorsed the governor last spring, will speak at the dinner on Friday.\n",
     "the governor", "Ada Moss"),
    ("Half of the residents who want a new bridge live north of the river.\n", "a new bridge", "the residents"),
])
def test_a_relative_clause_reports_for_the_noun_it_modifies(
    pipeline: Pipeline, text: str, content: str, speaker: str
) -> None:
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == [content]
    assert got[0]["speaker_mention"]["text"] == speaker


def test_a_relative_clause_about_a_thing_reports_nothing(pipeline: Pipeline) -> None:
    assert indirect(pipeline, "The website that listed the old boat for sale was closed on Monday.\n") == []


def test_a_participle_modifying_a_noun_reports_its_object(pipeline: Pipeline) -> None:
    got = indirect(pipeline, "The mayor gave a speech attacking the new tax on fuel.\n")
    assert [q["text"] for q in got] == ["the new tax on fuel"]
    assert got[0]["speaker_mention"]["text"] == "a speech"


def test_a_report_noun_opens_the_clause_its_that_marks(pipeline: Pipeline) -> None:
    got = indirect(pipeline, "The senator repeated his claim that the vote had been rigged by the county.\n")
    assert [q["text"].rstrip(".") for q in got] == ["that the vote had been rigged by the county"]
    assert got[0]["speaker_mention"]["text"] == "his"
    assert got[0]["cue"]["text"] == "claim"


def test_a_report_noun_inside_a_verbs_report_adds_nothing(pipeline: Pipeline) -> None:
    got = indirect(pipeline, "The governor dismissed warnings that the river would flood the town this spring.\n")
    assert [q["cue"]["text"] for q in got] == ["dismissed"]


def test_the_object_of_a_verb_of_mentioning_without_a_clause_is_the_content(pipeline: Pipeline) -> None:
    # a description as the subject and an auxiliary before the verb: read from the parse
    got = indirect(pipeline, "Their joint statement did not mention the cost of the bridge.\n")
    assert [q["text"].rstrip(".") for q in got] == ["the cost of the bridge"]
    assert got[0]["cue"]["text"] == "mention"
    assert got[0]["speaker_mention"]["text"] == "Their joint statement"


def test_the_object_of_a_verb_of_writing_is_no_reported_content(pipeline: Pipeline) -> None:
    # only the verbs whose object is what they report
    assert indirect(pipeline, "Their joint statement did not repeat the cost of the bridge.\n") == []


def test_a_stance_verb_under_another_verb_takes_that_verbs_subject(pipeline: Pipeline) -> None:
    text = "Over the winter, Governor Ruth Alder has taken to urging farmers to sell their land to the county.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["to sell their land to the county"]
    assert got[0]["speaker"] == "Ruth Alder"
    assert got[0]["cue"]["text"] == "urging"


def test_a_verb_under_one_with_an_object_takes_no_subject_from_it(pipeline: Pipeline) -> None:
    # "asked Lee to discuss it": Lee would discuss, not the board
    got = indirect(pipeline, "The county board asked Ruth Alder to discuss the budget.\n")
    assert [q["cue"]["text"] for q in got] == ["asked"]


def test_a_stance_verbs_object_ends_before_a_description_closing_the_sentence(pipeline: Pipeline) -> None:
    # the description after the comma is the writer's, about the object, not what was opposed
    text = "Senator Maria Lopez opposed the new dam, a project of the state’s water agency since 2019.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["the new dam"]


def test_a_series_of_noun_phrases_is_reported_whole(pipeline: Pipeline) -> None:
    text = "Senator Maria Lopez criticized the delays, the costs, the failure to consult the towns.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the delays, the costs, the failure to consult the towns"]


def test_a_prepositional_report_beside_a_quotation_in_its_sentence(pipeline: Pipeline) -> None:
    text = "“We will build the port,” Governor Jack Markell said on Monday, before talking about the budget.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["the budget"]
    assert got[0]["speaker"] == "Jack Markell"
    text = "Governor Jack Markell joked about the closing of the port, saying he was “proud of Dover.”\n"
    assert [q["text"] for q in indirect(pipeline, text)] == ["the closing of the port"]


def test_an_object_running_into_a_quotation_is_part_of_a_mixed_quote(pipeline: Pipeline) -> None:
    # "the board’s" is the start of the quoted phrase's noun phrase: the whole is a mixed quote
    text = "Governor Jack Markell complained about the board’s “reckless” spending in Dover.\n"
    assert indirect(pipeline, text) == []


def test_whom_someone_speaks_to_is_no_content_but_what_about_is(pipeline: Pipeline) -> None:
    assert indirect(pipeline, "Governor Jack Markell spoke to the gathering of port workers in Dover.\n") == []
    assert indirect(pipeline, "Governor Jack Markell is speaking Thursday to the port authority.\n") == []
    got = indirect(pipeline, "Governor Jack Markell spoke to voters about the closing of the port.\n")
    assert [q["text"] for q in got] == ["the closing of the port"]
    assert got[0]["speaker"] == "Jack Markell"
