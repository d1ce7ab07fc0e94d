"""Quotes component: the headline line (the text opening with the article's title) and transcript
turns, through the real upstream components."""

from __future__ import annotations

from typing import Any

import pytest

from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import quotes_of


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def run(pipeline: Pipeline, text: str, title: str | None = None) -> list[dict[str, Any]]:
    return quotes_of(pipeline, text, title)


HEADLINE_TEXT = (
    "Merkel: Europe must 'take its fate into its own hands.'\n\n"
    "German Chancellor Angela Merkel said on Sunday that Europeans could no longer rely on their allies. "
    "“The times in which we could completely depend on others are, to a certain extent, over,” Merkel said "
    "at a rally in Munich.\n"
)
HEADLINE_TITLE = "Merkel: Europe must 'take its fate into its own hands'"


def test_headline_quote_marks_are_not_quotations(pipeline: Pipeline) -> None:
    quotes = run(pipeline, HEADLINE_TEXT, HEADLINE_TITLE)
    first_line_end = HEADLINE_TEXT.index("\n")
    assert not [q for q in quotes if q["kind"] != "indirect" and q["start"] < first_line_end]
    direct = [q for q in quotes if q["kind"] == "direct"]
    assert len(direct) == 1 and direct[0]["speaker"] == "Angela Merkel"


def test_headline_speaker_colon_is_reported_speech(pipeline: Pipeline) -> None:
    quotes = run(pipeline, HEADLINE_TEXT, HEADLINE_TITLE)
    head = [q for q in quotes if q["start"] < HEADLINE_TEXT.index("\n")]
    assert len(head) == 1
    q = head[0]
    assert q["kind"] == "indirect"
    assert q["text"].startswith("Europe must") and q["text"].rstrip(".'").endswith("own hands")
    assert q["speaker_mention"]["text"] == "Merkel" and q["cue"]["text"] == ":"


def test_without_the_title_the_first_line_is_read_as_prose(pipeline: Pipeline) -> None:
    quotes = run(pipeline, HEADLINE_TEXT)
    assert any(q["kind"] != "indirect" and q["start"] < HEADLINE_TEXT.index("\n") for q in quotes)


def test_headline_with_a_colon_but_no_speaker_is_not_a_report(pipeline: Pipeline) -> None:
    text = "Stormy Weekend: Floods Close Roads Across the Valley.\n\nHeavy rain closed dozens of roads on Saturday.\n"
    quotes = run(pipeline, text, "Stormy Weekend: Floods Close Roads Across the Valley")
    assert not [q for q in quotes if q["start"] < text.index("\n")]


TRANSCRIPT = (
    "Senator Tim Kaine was interviewed by Jake Tapper on Sunday. Partial transcript as follows:\n\n"
    "TAPPER: Do you think the debate will change the race?\n\n"
    "KAINE: I think voters will see two very different visions, and they will make a choice.\n\n"
    "(CROSSTALK.)\n\n"
    "TAPPER: Thank you, Senator.\n"
)


def test_unquoted_transcript_lines_are_turns_of_their_speakers(pipeline: Pipeline) -> None:
    turns = [q for q in run(pipeline, TRANSCRIPT) if q["cue"] and q["cue"]["text"] == ":"]
    assert [q["speaker_mention"]["text"] for q in turns] == ["TAPPER", "KAINE", "TAPPER"]
    assert all(q["kind"] == "indirect" for q in turns)
    assert turns[1]["speaker"] == "Tim Kaine"
    assert turns[1]["text"] == "I think voters will see two very different visions, and they will make a choice."


def test_quoted_transcript_turn_runs_over_its_continuation_paragraphs(pipeline: Pipeline) -> None:
    text = (
        "Gov. Mike Pence spoke to Chris Wallace. Partial transcript as follows:\n\n"
        '"WALLACE: Will she be there?\n\n'
        '"PENCE: No. She will not be attending the debate.\n\n'
        '"And I think the American people are going to be focused on the issues, on what they call “the choice.”\n\n'
        '"(CROSSTALK.)\n\n'
        '"WALLACE: Governor, thank you.\n'
    )
    quotes = run(pipeline, text)
    turns = [q for q in quotes if q["kind"] == "indirect" and q["cue"] and q["cue"]["text"] == ":"]
    assert [q["speaker_mention"]["text"] for q in turns] == ["WALLACE", "PENCE", "WALLACE"]
    pence = turns[1]
    assert pence["text"].startswith("No. She will") and pence["text"].rstrip(".”\"").endswith("“the choice")
    inner = [q for q in quotes if q["kind"] != "indirect"]
    assert [q["text"] for q in inner] == ["the choice."] and inner[0]["speaker"] == "Mike Pence"


def test_a_one_off_capitalised_label_is_not_a_speaker(pipeline: Pipeline) -> None:
    text = "BYLINE: Amber Phillips.\n\nThe Senate voted on Tuesday to pass the bill.\n"
    assert not [q for q in run(pipeline, text) if q["cue"] and q["cue"]["text"] == ":"]


def test_a_tally_or_a_colon_before_a_quotation_is_no_transcript_turn(pipeline: Pipeline) -> None:
    text = ("Pledged delegates won so far:\n\nHillary Clinton: 1,769.\n\nBernie Sanders: 1,501.\n\n"
            "Continued Sanders: “We are going all the way to the convention.”\n")
    quotes = run(pipeline, text)
    assert not [q for q in quotes if q["kind"] == "indirect"]
    assert [q["text"].rstrip(".") for q in quotes] == ["We are going all the way to the convention"]
