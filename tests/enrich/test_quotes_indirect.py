"""Quotes component: indirect speech spans on hard sentences, through the real upstream components."""

from __future__ import annotations

from typing import Any

import pytest

from streams.enrich.pipeline import Pipeline
from tests.enrich.conftest import indirect


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def test_a_sentence_inside_a_quotation_is_not_indirect_speech(pipeline: Pipeline) -> None:
    text = ("Sanders was in Vermont on Monday.\n\n"
            "“The system is broken. The insurance companies are making record profits,” Sanders said.\n")
    assert indirect(pipeline, text) == []


def test_after_said_a_bare_noun_phrase_opens_the_reported_clause(pipeline: Pipeline) -> None:
    text = "Homeland Security Secretary Jeh Johnson said local election officials should ask Washington for help.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["local election officials should ask Washington for help"]
    assert got[0]["speaker"] == "Jeh Johnson"


def test_said_with_an_object_that_is_no_clause_reports_nothing(pipeline: Pipeline) -> None:
    text = "Senator Tom Carper said nothing about the vote when he left the chamber on Tuesday.\n"
    assert indirect(pipeline, text) == []


def test_reported_content_ends_before_a_participle_clause(pipeline: Pipeline) -> None:
    text = ("Senator Tom Carper said he would vote against the bill, arguing that it would raise costs for "
            "families in Delaware.\n")
    got = indirect(pipeline, text)
    assert got and got[0]["text"] == "he would vote against the bill"
    assert got[0]["speaker"] == "Tom Carper"


def test_a_name_and_its_appositive_opening_the_sentence_are_the_speaker_not_the_content(pipeline: Pipeline) -> None:
    text = ("Representative Adam Schiff, the top Democrat on the Intelligence Committee, said the FBI had "
            "briefed the panel in private.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the FBI had briefed the panel in private"]
    assert got[0]["speaker"] == "Adam Schiff"


def test_a_report_closed_by_a_plain_noun_phrase_and_said(pipeline: Pipeline) -> None:
    text = "The officer who fired the shot was not wearing a body camera, police said.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["The officer who fired the shot was not wearing a body camera"]
    assert got[0]["speaker_mention"]["text"] == "police"


def test_a_closing_speaker_with_a_determiner_is_the_cues_own_subject(pipeline: Pipeline) -> None:
    # the appositive and the verb phrase before "her friend" do not make a name earlier in the
    # sentence the speaker: "her friend" opens a noun phrase of its own, the subject of "said"
    text = "Hamdy, a project manager at IBM, was also headed to Cairo, her friend said.\n"
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["Hamdy, a project manager at IBM, was also headed to Cairo"]
    assert got[0]["speaker_mention"]["text"] == "her friend"


def test_a_long_plain_subject_before_said_is_the_speaker(pipeline: Pipeline) -> None:
    # 13 words before "say" with no punctuation: the parser reads "going" as the main verb, so the
    # words before a strong cue are taken as its subject up to 14 words (was 10)
    text = ("Majorities of Republicans in six states going to the polls Saturday say they would be happy "
            "with either man as the nominee.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["they would be happy with either man as the nominee"]
    assert got[0]["speaker_mention"]["text"] == "Majorities of Republicans in six states going to the polls Saturday"


def test_a_progressive_report_has_the_subject_before_its_auxiliary(pipeline: Pipeline) -> None:
    text = ("The city of Phoenix is demanding that the campaign stop using images of its police officers.\n\n"
            "Senator Elizabeth Warren is defending her vote on the banking bill.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == [
        "that the campaign stop using images of its police officers", "her vote on the banking bill"]
    assert got[1]["speaker"] == "Elizabeth Warren"


def test_a_name_opening_the_content_does_not_cut_it_short(pipeline: Pipeline) -> None:
    text = ("The Tax Policy Center estimates that Mrs. Clinton said her plan would raise $1.1 trillion over the "
            "next decade.\n")
    got = indirect(pipeline, text)
    assert got and "her plan would raise $1.1 trillion" in got[0]["text"] and len(got[0]["text"]) > 40


def test_after_believes_a_bare_noun_phrase_opens_the_reported_clause(pipeline: Pipeline) -> None:
    text = "Governor Phil Murphy believes voters in New Jersey will back the tax plan in November.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["voters in New Jersey will back the tax plan in November"]


def test_told_an_addressee_then_the_reported_clause(pipeline: Pipeline) -> None:
    text = ("Donald Trump told reporters he would win Ohio easily.\n\n"
            "Senator Bob Corker told CNN on Sunday the deal was dead.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["he would win Ohio easily", "the deal was dead"]
    assert [q["speaker"] for q in got] == ["Donald Trump", "Bob Corker"]


def test_a_conjunction_before_the_name_and_appositive_changes_nothing(pipeline: Pipeline) -> None:
    text = ("But Megan Rivera, a senior analyst at the Brookings Institution, said parents still want "
            "neighborhood schools.\n")
    got = indirect(pipeline, text)
    assert got and got[0]["text"].rstrip(".") == "parents still want neighborhood schools"
    assert got[0]["speaker"] == "Megan Rivera"


def test_a_mostly_noun_base_form_is_a_verb_after_a_subject_pronoun(pipeline: Pipeline) -> None:
    text = ("Union members in Ohio rallied on Saturday. They support the proposal to raise the minimum wage.\n\n"
            "The senator visited them after their support of the proposal.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the proposal to raise the minimum wage"]
    assert [q["cue"]["text"] for q in got] == ["support"]


def test_a_relative_or_coordinated_clause_is_no_closing_attribution(pipeline: Pipeline) -> None:
    text = ("Sanders lost Ohio, Florida and North Carolina to Democratic rival Hillary Clinton, who added to her "
            "delegate lead.\n\n"
            "Minnesota Gov. Mark Dayton is backing Hillary Clinton, but he is not predicting she will win the state.\n")
    got = indirect(pipeline, text)
    # the coordinated clause is a report of its own (read from the parse), not a closing attribution
    assert [q["text"] for q in got] == ["Hillary Clinton", "she will win the state"]
    assert got[0]["cue"]["text"] == "backing" and got[0]["speaker"] == "Mark Dayton"
    assert got[1]["cue"]["text"] == "predicting"


def test_a_report_nested_in_reported_content_is_part_of_it(pipeline: Pipeline) -> None:
    text = "Green Party candidate Jill Stein said she plans to join her supporters at the protest on Monday.\n"
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["she plans to join her supporters at the protest on Monday"]


def test_the_content_of_a_report_opens_with_its_complementizer(pipeline: Pipeline) -> None:
    # "that" belongs to the reported clause, however the rules reach it: after the verb, after an
    # addressee and a time, after the last quote of a sentence; a clause with no "that" starts at its subject
    text = ("The mayor said that the bridge would reopen in May.\n\n"
            "A spokeswoman for the utility told reporters on Monday that, if the rain continued, the dam would hold.\n\n"
            "“We are ready,” the coach said, adding that the team had trained for weeks.\n\n"
            "The senator said the bill would pass.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == [
        "that the bridge would reopen in May", "that, if the rain continued, the dam would hold",
        "that the team had trained for weeks", "the bill would pass"]


def test_a_possessive_title_and_a_name_are_the_subject_not_the_content(pipeline: Pipeline) -> None:
    text = ("Carter’s press secretary, Peter Cook, told the Times that Carter believes his use of personal email "
            "was a mistake.\n")
    got = indirect(pipeline, text)
    assert got and got[0]["text"].startswith("that Carter believes his use of personal email")
    assert got[0]["speaker"] == "Peter Cook"


def test_an_inverted_speaker_with_an_appositive_ends_the_content_before_the_verb(pipeline: Pipeline) -> None:
    text = "The new permits will slow every project in the county, said Maria Ortega, a planner at a builders' group.\n"
    got = indirect(pipeline, text)
    assert len(got) == 1
    assert got[0]["text"].rstrip(" ,") == "The new permits will slow every project in the county"
    assert got[0]["speaker"] == "Maria Ortega"


@pytest.mark.parametrize("text, content, speaker", [
    ("The board, in a letter to shareholders last month, maintained the merger would lower costs for members.\n",
     "the merger would lower costs for members", "The board"),
    ("Analysts at the bank, citing weak demand in Asia, predicted the carmaker would cut its forecast.\n",
     "the carmaker would cut its forecast", "Analysts"),
])
def test_a_report_the_adjacency_rules_miss_is_read_from_the_parse(
    pipeline: Pipeline, text: str, content: str, speaker: str
) -> None:
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == [content]
    assert got[0]["speaker_mention"]["text"].startswith(speaker)


def test_a_sentence_that_only_names_who_said_this_is_not_reported_content(pipeline: Pipeline) -> None:
    text = ("This was stated by Finance Minister Lena Berg during a visit to Oslo, a local correspondent reports.\n\n"
            "Berg said the budget would be balanced by 2027.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["the budget would be balanced by 2027"]


def test_an_expletive_it_does_not_report_speech(pipeline: Pipeline) -> None:
    assert indirect(pipeline, "It is expected that the two leaders will meet in Geneva next month.\n") == []


def test_without_syntax_no_sentence_is_parsed(pipeline: Pipeline) -> None:
    from streams.enrich.components.quotes import QuoteComponent

    fast = Pipeline([*pipeline.components[:-1], QuoteComponent(syntax=False)])
    text = "The board, in a letter to shareholders last month, maintained the merger would lower costs for members.\n"
    assert [q["text"] for q in indirect(pipeline, text)] == ["the merger would lower costs for members"]
    assert indirect(fast, text) == []


def test_a_participle_report_is_not_an_inverted_attribution(pipeline: Pipeline) -> None:
    # ", claiming that Governor ... aide Sandra Boyle ...": the report is the clause after the
    # participle, spoken by the main clause's subject, not the sentence before it spoken by a name after the verb
    text = ("The Ohio Democratic Party is filing a complaint on Tuesday with the state ethics board, claiming "
            "that Governor Mark Dell's aide Sandra Boyle broke the rules on gifts.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["that Governor Mark Dell's aide Sandra Boyle broke the rules on gifts"]
    assert got[0]["speaker"] == "Ohio Democratic Party" and got[0]["cue"]["text"] == "claiming"


def test_a_participle_report_after_an_earlier_report_of_the_sentence(pipeline: Pipeline) -> None:
    text = ("Senator Ann Whitford said she doubted the new figures would change many votes, arguing that the real "
            "problem was the price of insulin.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == [
        "she doubted the new figures would change many votes", "that the real problem was the price of insulin"]
    assert [q["speaker"] for q in got] == ["Ann Whitford", "Ann Whitford"]


def test_a_participle_report_wins_over_a_stance_verbs_object(pipeline: Pipeline) -> None:
    text = ("On Friday, however, Mayor Tom Reyes spoke to a meeting of transit workers, promising to hire more "
            "drivers and restore the night buses.\n")
    got = indirect(pipeline, text)
    assert [q["text"] for q in got] == ["to hire more drivers and restore the night buses"]
    assert got[0]["speaker"] == "Tom Reyes"


def test_a_participle_after_even_is_no_closing_attribution(pipeline: Pipeline) -> None:
    text = ("The mayor complained about the microphone the morning after the forum, even suggesting someone may "
            "have switched it off.\n")
    got = [q for q in indirect(pipeline, text) if q["cue"]["text"] == "suggesting"]
    assert [q["text"].rstrip(".") for q in got] == ["someone may have switched it off"]
    assert got[0]["speaker_mention"]["text"] == "The mayor"
    # what she complained about is reported too, without the writer's time of day
    assert [q["text"] for q in indirect(pipeline, text) if q["cue"]["text"] == "complained about"] == ["the microphone"]


def test_a_reporting_verb_coordinated_with_a_report_shares_its_speaker_and_ends_it(pipeline: Pipeline) -> None:
    text = ("Governor Lisa Chan is telling a farm group that the drought is getting worse and says she will ask "
            "Washington for emergency aid.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == [
        "that the drought is getting worse", "she will ask Washington for emergency aid"]
    assert [q["speaker"] for q in got] == ["Lisa Chan", "Lisa Chan"]


def test_names_and_plural_nouns_spelled_like_a_reporting_verb_get_no_parse(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "States" of "United States" and "the rules" are no reporting verbs: their sentences are not
    # worth a parse (a tenth of the quotes component's parses were these)
    import streams.enrich.components.quotes.indirect as indirect_module

    parsed: list[str] = []
    real = indirect_module.parse

    def spy(art: Any, spans: Any) -> None:
        spans = list(spans)
        parsed.extend(art.text[s:e] for s, e in spans)
        real(art, spans)

    monkeypatch.setattr(indirect_module, "parse", spy)
    text = ("Exports of soybeans to the United States rose by a fifth last year.\n\n"
            "The rules on exports take effect in March.\n\n"
            "The board, in a letter to shareholders last month, maintained the merger would lower costs.\n")
    got = indirect(pipeline, text)
    assert parsed == ["The board, in a letter to shareholders last month, maintained the merger would lower costs."]
    assert [q["text"].rstrip(".") for q in got] == ["the merger would lower costs"]


def test_a_reporting_verb_coordinated_with_other_verbs_shares_their_subject(pipeline: Pipeline) -> None:
    # "X did A, did B and said C": "said" has no subject of its own; it reports C for X
    text = ("The protesters marched to the courthouse, blocked the entrance for an hour and said the city would "
            "hear from them again.\n\n"
            "Local farmers sold their cattle early, cut their hay twice and said the drought had cost them a season.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == [
        "the city would hear from them again", "the drought had cost them a season"]
    assert [q["speaker_mention"]["text"] for q in got] == ["The protesters", "Local farmers"]
    assert [q["cue"]["text"] for q in got] == ["said", "said"]


def test_a_report_after_a_sentences_quotation_is_found_by_the_parse(pipeline: Pipeline) -> None:
    # the words after a sentence's last quote hold a report the rules do not read; the parse finds
    # it (and not the quotation's own verb, before the quote)
    text = ("The governor called the budget “a disgrace” and says she will veto it next week.\n\n"
            "Lee called the plan “reckless,” but analysts at the bank suggest the market has already priced it in.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["she will veto it next week", "the market has already priced it in"]
    assert [q["cue"]["text"] for q in got] == ["says", "suggest"]
    assert got[0]["speaker_mention"]["text"] == "The governor"


def test_a_stance_verbs_to_infinitive_is_reported_content_when_the_rules_read_none(pipeline: Pipeline) -> None:
    # the parse of a sentence no rule reads: a verb with a subject and the to-infinitive it governs
    text = ("After two days of talks, the lenders agreed to extend the deadline by a month.\n\n"
            "The utility hopes to finish the new line before the winter.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["to extend the deadline by a month",
                                                    "to finish the new line before the winter"]
    assert [q["cue"]["text"] for q in got] == ["agreed", "hopes"]
    assert [q["speaker_mention"]["text"] for q in got] == ["the lenders", "The utility"]


def test_a_sentence_with_only_a_stance_verb_is_parsed_for_its_to_infinitive(pipeline: Pipeline) -> None:
    # no verb of speech in the sentence, no rule reads it: the stance verb alone sends it to the parse
    text = ("Ultimately, the two towns decided to share the cost of the bridge.\n\n"
            "In the end, the committee threatened to delay the vote until March.\n")
    got = indirect(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["to share the cost of the bridge", "to delay the vote until March"]
    assert [q["cue"]["text"] for q in got] == ["decided", "threatened"]
