"""Quotes component: indirect speech in doubled-apostrophe quotations and other reports the adjacency
rules used to miss, on constructed sentences, through the real upstream components."""

from __future__ import annotations


import pytest

from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import indirect


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def test_a_doubled_apostrophe_quotation_continued_after_its_attribution_is_one_report(pipeline: Pipeline) -> None:
    text = ("''The budget is balanced,'' Ms. Lane said. ''And the schools got more money this year.''\n\n"
            "The council meets again in May.\n")
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == [
        "''The budget is balanced,'' Ms. Lane said. ''And the schools got more money this year."
    ]
    assert got[0]["speaker"] == "Lane"


def test_a_doubled_apostrophe_quotation_ends_before_its_speakers_description(pipeline: Pipeline) -> None:
    text = "''We will appeal the ruling,'' said Ann Fox, a lawyer for the city of Dayton.\n"
    got = indirect(pipeline, text)
    assert [q["text"].strip("'") for q in got] == ["We will appeal the ruling"]
    assert got[0]["speaker"] == "Ann Fox"


def test_a_doubled_apostrophe_quotation_of_several_sentences_is_reported_from_its_first(pipeline: Pipeline) -> None:
    # the sentence split inside the quotation does not start the report: the quotation's opening marks do
    text = "''The plant is closing. We have known it for months,'' said Ann Fox, a union steward.\n"
    got = indirect(pipeline, text)
    assert [q["text"].strip("'") for q in got] == ["The plant is closing. We have known it for months"]
    assert got[0]["speaker"] == "Ann Fox"


def test_a_short_doubled_apostrophe_quotation_is_reported_by_the_attribution_after_it(pipeline: Pipeline) -> None:
    # a plain clause this short before ", X said" is not taken for a report; between doubled apostrophes it is one
    text = "Has the storm passed? ''I hope so,'' Mrs. Ruth Lane said.\n"
    got = indirect(pipeline, text)
    assert [q["text"].strip("'") for q in got] == ["I hope so"]
    assert got[0]["speaker"] == "Ruth Lane"
    text = "''Did the mayor enjoy it? No, not at all,'' Ruth Lane said.\n"
    assert [q["text"].strip("'") for q in indirect(pipeline, text)] == ["Did the mayor enjoy it? No, not at all"]


def test_a_doubled_apostrophe_quotation_after_its_reporting_verb_is_reported_whole(pipeline: Pipeline) -> None:
    text = "At the meeting, Ms. Ruth Lane said: ''I hope not. The council will decide.''\n\nThe vote is in May.\n"
    got = indirect(pipeline, text)
    assert [q["text"].strip("'") for q in got] == ["I hope not. The council will decide."]
    assert got[0]["speaker"] == "Ruth Lane"


def test_a_doubled_apostrophe_fragment_inside_a_report_does_not_cut_it(pipeline: Pipeline) -> None:
    text = ("''Most of the delay comes from the effort to inspect'' every bridge, he said, rather than from "
            "the paperwork the state requires.\n")
    got = indirect(pipeline, text)
    assert got and "every bridge" in got[0]["text"]


def test_a_stance_verb_coordinated_with_the_report_before_it_shares_its_subject(pipeline: Pipeline) -> None:
    text = "In a post on her website, Mayor Ruth Okafor criticized the council and urged its chairman to resign.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["the council", "its chairman to resign"]
    assert [q["speaker"] for q in got] == ["Ruth Okafor", "Ruth Okafor"]


def test_a_coordinated_ing_word_is_no_second_report(pipeline: Pipeline) -> None:
    text = "Senator Mia Ross criticized the bank for charging fees and speaking fees from lobbyists.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the bank for charging fees and speaking fees from lobbyists"]


def test_a_source_clause_opening_the_sentence_reports_the_main_clause(pipeline: Pipeline) -> None:
    text = "As the Daily Planet reported last week, the agency issued new rules for small farms.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the agency issued new rules for small farms"]
    assert got[0]["cue"]["text"] == "reported"
    assert "Daily Planet" in got[0]["speaker_mention"]["text"]


def test_a_temporal_as_clause_is_no_source(pipeline: Pipeline) -> None:
    text = "As the storm moved east, the agency issued new rules for small farms.\n"
    assert indirect(pipeline, text) == []


def test_a_second_report_the_rules_miss_is_read_from_the_parse(pipeline: Pipeline) -> None:
    text = "While the mayor has pledged to rebuild the old bridge, her rival suggested that the city cannot afford it.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["to rebuild the old bridge", "that the city cannot afford it"]
    assert [q["cue"]["text"] for q in got] == ["pledged", "suggested"]


def test_a_report_in_a_subordinate_clause_opening_the_sentence_ends_with_it(pipeline: Pipeline) -> None:
    text = "Although Mr. Vance criticized the merger, his company bought shares in both banks.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["the merger"]
    assert got[0]["speaker"] == "Vance"


def test_the_main_clause_after_a_report_is_not_its_content_again(pipeline: Pipeline) -> None:
    text = "While the governor said the new tax would fund schools, her budget office warned of a shortfall.\n"
    got = indirect(pipeline, text)
    # the main clause reports on its own: what the office warned of, not the governor's words again
    assert [q["text"] for q in got] == ["the new tax would fund schools", "a shortfall"]
    assert got[0]["cue"]["text"] == "said"
    assert got[1]["speaker_mention"]["text"] == "her budget office"


def test_an_adverb_between_the_comma_and_a_participle_report_keeps_it_participial(pipeline: Pipeline) -> None:
    text = "The mayor defended the budget on Tuesday, falsely claiming that the city had run a surplus for years.\n"
    got = indirect(pipeline, text)
    assert "that the city had run a surplus for years" in [q["text"].rstrip(".") for q in got]
    assert all(q["speaker_mention"]["text"] == "The mayor" for q in got)


def test_pointing_to_something_reports_nothing(pipeline: Pipeline) -> None:
    text = ("The minister pointed to steady diplomatic contacts with the neighbours, adding that these contacts "
            "remain fragile: “Every week the border sees new incidents.”\n")
    got = indirect(pipeline, text)
    assert not any(q["cue"]["text"].startswith("pointed") for q in got)


def test_declining_to_comment_beside_a_report_is_no_second_report(pipeline: Pipeline) -> None:
    text = ("Asked about the strike, Ms. Ortiz declined to comment publicly, while noting that the talks with "
            "the union would continue next week.\n")
    got = indirect(pipeline, text)
    # the question put to her is reported too; declining to comment is not
    assert [q["cue"]["text"] for q in got] == ["Asked", "noting"]


def test_a_clause_after_the_verb_is_its_report_not_a_closing_attribution(pipeline: Pipeline) -> None:
    text = "As the storm moved east, officials said the roads would close before midnight.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the roads would close before midnight"]


@pytest.mark.parametrize("text, content, cue, speaker", [
    # a title and a party tag between the subject and the verb: no adjacency rule reads it
    ("Senator Ana Ruiz (D-N.M.) on Friday condemned the new drilling permits for the northern basin, "
     "calling them reckless.\n", "the new drilling permits for the northern basin", "condemned", "Ana Ruiz"),
    # the object ends before the verb's adjuncts: where and when are the writer's, not the stance
    ("Two weeks ago, the union endorsed the governor at a rally in Toledo.\n", "the governor", "endorsed", "the union"),
])
def test_a_stance_verbs_direct_object_is_read_from_the_parse(
    pipeline: Pipeline, text: str, content: str, cue: str, speaker: str
) -> None:
    got = [q for q in indirect(pipeline, text) if q["cue"]["text"] == cue]
    assert [q["text"] for q in got] == [content]
    assert got[0]["speaker_mention"]["text"] == speaker


def test_a_report_before_a_sentences_quotation_is_read_from_the_parse(pipeline: Pipeline) -> None:
    text = ("Senator Ana Ruiz (D-N.M.) on Friday condemned the new drilling permits for the northern basin, "
            "saying they were “a gift to the oil companies.”\n")
    got = indirect(pipeline, text)
    assert [(q["text"], q["cue"]["text"]) for q in got] == [
        ("the new drilling permits for the northern basin", "condemned")
    ]


def test_a_report_around_a_quotation_is_no_indirect_speech(pipeline: Pipeline) -> None:
    # the parse reads "had no plans to resign" as the clause "said" governs: it holds a quotation
    assert indirect(pipeline, "The mayor of Dayton said on Friday she had “no plans” to resign.\n") == []


def test_an_amount_a_stance_verb_takes_is_no_reported_content(pipeline: Pipeline) -> None:
    text = "Senator Ana Ruiz (D-N.M.) on Friday raised $3.2 million for the new drilling permits.\n"
    assert indirect(pipeline, text) == []


@pytest.mark.parametrize("text, content, speaker", [
    # the question opens the sentence; the asker is the reporter, named nowhere
    ("When asked whether the bridge would open in May, the mayor said she hoped so.\n",
     "whether the bridge would open in May", None),
    # the addressee between the verb and the question is not part of it
    ("A reporter asked Lee how the talks were going.\n", "how the talks were going", "A reporter"),
    ("The senator was asked about the missing funds, and declined to answer.\n", "the missing funds", None),
])
def test_a_question_ask_reports_is_indirect_speech(
    pipeline: Pipeline, text: str, content: str, speaker: str | None
) -> None:
    got = [q for q in indirect(pipeline, text) if q["cue"]["text"].lower() == "asked"]
    assert [q["text"] for q in got] == [content]
    assert (got[0]["speaker_mention"] or {}).get("text") == speaker


def test_a_question_quoted_in_part_is_left_to_the_quotation(pipeline: Pipeline) -> None:
    text = "Asked whether Lee “has the integrity to serve,” most voters said yes.\n"
    assert [q for q in indirect(pipeline, text) if q["cue"]["text"] == "Asked"] == []


def test_a_doubled_apostrophe_quotation_continues_past_a_possessive_in_its_attribution(pipeline: Pipeline) -> None:
    text = ("''The budget is balanced,'' said Ann Lane, the city's treasurer. ''And the schools got more money.''\n\n"
            "The council meets again in May.\n")
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == [
        "''The budget is balanced,'' said Ann Lane, the city's treasurer. ''And the schools got more money."
    ]


def test_a_name_inside_a_doubled_apostrophe_quotation_is_not_the_subject_of_the_verb_after_it(pipeline: Pipeline) -> None:
    # "his father" ends right before ",'' said": it is inside the quotation, not the verb's subject; the
    # speaker follows the verb, with a description long enough to have commas of its own
    text = ("Delaney joined the union in 1988. ''It may have been his first break with his father,'' said his "
            "oldest friend from the plant, Ann Fox, who, like several others, spoke on the record.\n")
    got = indirect(pipeline, text)
    assert [q["text"].strip("'") for q in got] == ["It may have been his first break with his father"]
    assert got[0]["speaker_mention"]["text"] == "his oldest friend"


def test_a_verb_followed_by_a_clause_of_two_words_does_not_close_the_sentence(pipeline: Pipeline) -> None:
    # "..., the campaign has denied it happened." reports "it happened", not the subordinate clause
    text = "Even after several videos of the incident surfaced, the Delaney campaign has denied it happened.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["it happened"]
    assert got[0]["speaker_mention"]["text"] == "the Delaney campaign"
    # a closing attribution with an object pronoun after its verb still closes it
    text = "The bridge will close in May for repairs, the Delaney campaign told them.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["The bridge will close in May for repairs"]


def test_finding_a_way_or_oneself_or_a_passive_find_reports_nothing(pipeline: Pipeline) -> None:
    assert indirect(pipeline, "Senator Mark Delaney has found ways to press his agenda through small amendments.\n") == []
    assert indirect(pipeline, "The Delaney campaign found itself at the center of a dispute over the port.\n") == []
    assert indirect(pipeline, "Two nurses who helped the poor in rural Ohio are found slain in their home.\n") == []
    got = indirect(pipeline, "A Quinnipiac University poll found that Delaney would beat his rival by six points.\n")
    assert [q["text"].rstrip(".") for q in got] == ["that Delaney would beat his rival by six points"]


def test_a_contracted_pronoun_after_the_verb_opens_its_report(pipeline: Pipeline) -> None:
    # "he'd like to ...": the report, not the tail of a closing attribution of the words before it
    text = ("In February, as a protester was removed from an event in Dover, Senator Mark Delaney said "
            "he'd like to meet him.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["he'd like to meet him"]
