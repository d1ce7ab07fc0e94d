"""Quotes component: speaker choice on hard sentences (subordinate clauses around the quote,
pronoun gender), through the real upstream components."""

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


def test_a_clause_after_the_quote_opened_by_when_is_not_its_attribution(pipeline: Pipeline) -> None:
    text = ("Donald Trump told supporters in Ohio that the election was “rigged against us,” when Clinton "
            "campaign manager Robby Mook said the claim was dangerous.\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Donald Trump"


def test_a_clause_after_the_quote_opened_by_but_is_not_its_attribution(pipeline: Pipeline) -> None:
    text = ("Tampa Mayor Jane Castor said the report was “deeply troubling and painful to read,” but Police "
            "Chief Brian Dugan said the department would wait for the state investigation.\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Jane Castor"


def test_a_sentence_opened_by_when_reports_through_its_main_clause(pipeline: Pipeline) -> None:
    text = ("When Senator Elizabeth Warren said the bank had cheated its customers, chief executive John Stumpf "
            "replied, “We have apologized and we are making it right.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "John Stumpf"


def test_a_pronoun_in_an_appositive_does_not_set_the_persons_gender(pipeline: Pipeline) -> None:
    text = ("Hillary Clinton campaigned in Ohio on Monday.\n\n"
            "Donald Trump, her Republican opponent, visited Florida on Tuesday. Speaking to reporters, he "
            "called the race “very, very close.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Donald Trump"


def test_a_quoted_pronoun_is_a_word_mentioned_not_a_quotation(pipeline: Pipeline) -> None:
    text = ("Some voters say they will back Trump, but not for his policies. They back him simply because "
            "“she” is not a “he.”\n")
    assert marked(pipeline, text) == []


def test_a_second_report_joined_by_and_has_its_own_speaker(pipeline: Pipeline) -> None:
    text = ("Ivanka Trump defended the plan on Tuesday. She said adoptive parents would not be covered, and when "
            "pressed on why the plan leaves out fathers, the 35-year-old mother of three replied, “It is meant "
            "to help the mother who has just given birth.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1
    assert got[0]["speaker_mention"]["text"].endswith("mother")
    assert got[0]["cue"]["text"] == "replied"


def test_a_fragment_takes_the_attribution_closing_its_sentence(pipeline: Pipeline) -> None:
    text = ("Senator Ron Wyden questioned the chief executive for two hours on Tuesday. Mary Barra "
            "“squeezed her engineers to the breaking point” to cut costs at the plant in Michigan, he said.\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == "he"
    assert got[0]["speaker"] == "Ron Wyden"


def test_a_quote_paragraph_after_a_paraphrase_is_its_subjects(pipeline: Pipeline) -> None:
    text = ("Governor Chris Christie arrived in New Hampshire on Monday.\n\n"
            "Buddy Valastro praised Christie's leadership after Hurricane Sandy and his record in a Democratic state.\n\n"
            "“We need someone who can cut through the noise and bring people together.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Buddy Valastro"


def test_no_speaker_from_a_paragraph_that_quotes_someone_else(pipeline: Pipeline) -> None:
    text = ("The senator left the hearing early. “It was a waste of time,” one aide said of the session.\n\n"
            "“Nobody wants to go back to that room.”\n")
    got = marked(pipeline, text)
    assert [q["speaker_mention"]["text"] for q in got] == ["one aide", "one aide"]  # continued, not re-attributed


def test_the_writer_as_i_speaks_the_quotations_they_report(pipeline: Pipeline) -> None:
    text = ("The judge looked at me for a long time. “Okay,” I said, trying to regroup. "
            "“I was seventeen when I came to this country.”\n")
    got = marked(pipeline, text)
    assert got and all(q["speaker_mention"]["text"] == "I" for q in got)
    assert all(q["speaker"] is None for q in got)  # the writer has no name in the text


def test_a_statement_introduced_by_a_colon_paragraph_without_a_reporting_verb(pipeline: Pipeline) -> None:
    text = ("When the senator died in 2012, Governor Jerry Brown released the following statement:\n\n"
            "“He was a tireless servant of California and a friend to all of us.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Jerry Brown"


def test_a_plural_noun_is_not_a_reporting_verb_and_rating_verbs_are(pipeline: Pipeline) -> None:
    text = "Last year, PolitiFact rated 32 percent of Republican claims as “false” and 11 percent as “true.”\n"
    got = marked(pipeline, text)
    assert [q["text"].rstrip(".") for q in got] == ["false", "true"]
    assert all(q["speaker_mention"]["text"] == "PolitiFact" for q in got)


def test_as_x_put_it_names_the_speaker_before_or_after_the_quote(pipeline: Pipeline) -> None:
    text = ("The main requirement of the program is a “lawful source of investment income,” as a Treasury "
            "memo put it.\n\n"
            "Critics have long seen him, as The Atlantic put it in a long profile, “the ultimate insider.”\n")
    got = marked(pipeline, text)
    assert [q["speaker_mention"]["text"] for q in got] == ["a Treasury memo", "The Atlantic"]
    assert all(q["cue"]["text"] == "put it" for q in got)


def test_a_passive_report_and_a_sign_that_reads(pipeline: Pipeline) -> None:
    text = ("The crowd sang along.\n\n"
            "“Born in the U.S.A.” was written by Bruce Springsteen in 1982.\n\n"
            "Outside the hall, protesters held up placards. “No wall, no ban,” the largest sign read.\n")
    got = marked(pipeline, text)
    assert [q["speaker_mention"]["text"] for q in got] == ["Bruce Springsteen", "the largest sign"]


def test_a_participle_after_the_quote_continues_the_sentences_subject(pipeline: Pipeline) -> None:
    text = ("Speaking to supporters in South Carolina, Ted Cruz said there is “only one strong conservative in a "
            "position to win this race,” adding that it is why Donald Trump attacks him.\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Ted Cruz"


def test_name_went_on_after_a_quote(pipeline: Pipeline) -> None:
    text = ("Megyn Kelly said she had been bullied as a teenager.\n\n"
            "“You know, it happens, right?” Donald Trump went on, as if he had not heard her.\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Donald Trump"


def test_a_sentence_ends_after_us_when_a_pronoun_opens_the_next(pipeline: Pipeline) -> None:
    text = ("Chris Cox says Obama is trying to distract from his record on terrorism in the U.S. He says "
            "Americans do not need more “condescending lectures from the president.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == "He"


def test_a_title_cased_name_before_a_noun_is_no_quotation(pipeline: Pipeline) -> None:
    text = ("Donald Trump said the crowd in Ohio, many of them in “Make America Great Again” hats, was the "
            "biggest yet, and Senator Ted Cruz said he handed out “Cruz Country” signs in Iowa.\n")
    assert marked(pipeline, text) == []


@pytest.mark.parametrize("text, speaker", [
    ("Praising the mayor's rival, Ann Lee, as “the partner we need,” the governor rebuked the mayor on Friday.\n",
     "the governor"),
    ("Celebrating the victory of her deputy, Mark Stone, as “a win for every family,” Governor Helen Park thanked "
     "the voters.\n", "Helen Park"),
])
def test_a_fragment_in_a_fronted_phrase_is_spoken_by_the_main_clauses_subject(
    pipeline: Pipeline, text: str, speaker: str
) -> None:
    got = marked(pipeline, text)
    assert len(got) == 1
    assert speaker in got[0]["speaker_mention"]["text"]
    assert got[0]["speaker"] is None or got[0]["speaker"] in got[0]["speaker_mention"]["text"]


def test_a_quote_after_a_sentence_closed_by_an_inverted_attribution_continues_its_speaker(pipeline: Pipeline) -> None:
    text = ("The new rules are badly written, said Jane Roe, policy director at a watchdog group. “It would take "
            "years to fix them.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Jane Roe"


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("Mayor Dan Ortiz issued a statement describing the agreement as a “very positive step toward peace” "
         "on Monday.\n", "Dan Ortiz"),
        ("Reyes posted a message on Twitter reading “Thank you Ohio” moments after the polls closed.\n", "Reyes"),
    ],
)
def test_a_participle_modifying_a_thing_reports_for_the_subject_of_the_clause_above(
    pipeline: Pipeline, text: str, speaker: str
) -> None:
    # "issued a statement describing ...": the statement (or Twitter) is what the participle
    # modifies; the speaker is the subject of "issued" ("posted"), from the sentence's parse
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == speaker


def test_a_title_after_a_possessive_is_no_quotation_when_a_verb_follows(pipeline: Pipeline) -> None:
    # the verb after the closing mark reports the words after it, not the show's name
    text = ("In an interview on CBS's “Face the Nation,” House Speaker Paul Ryan said the party would unite.\n\n"
            "Speaking Sunday on ABC’s “This Week,” Ben Carson said he would stay in the race.\n")
    assert marked(pipeline, text) == []


def test_a_chant_after_a_possessive_is_still_words_spoken(pipeline: Pipeline) -> None:
    text = "The crowd's “Lock Her Up!” drowned out the speaker, Senator Jeff Flake said.\n"
    assert [q["text"] for q in marked(pipeline, text)] == ["Lock Her Up!"]


def test_every_fragment_of_a_report_closed_by_an_attribution_with_a_long_appositive_is_its_subjects(
    pipeline: Pipeline,
) -> None:
    text = ("Taxes are “a drag on every family” and “a gift to lobbyists,” Maria Gonzalez, the former mayor of "
            "Springfield and a candidate for governor, declared to a cheering crowd on Saturday.\n")
    got = marked(pipeline, text)
    assert [q["text"] for q in got] == ["a drag on every family", "a gift to lobbyists,"]
    assert [q["speaker"] for q in got] == ["Maria Gonzalez", "Maria Gonzalez"]


@pytest.mark.parametrize("text", [
    "According to The Boston Globe, Mayor Tom Hill said the pension fund was “in free fall” and needed help.\n",
    "Mayor Tom Hill told donors that the pension fund was “in free fall” and needed help, according to The Boston Globe.\n",
])
def test_a_report_the_writer_has_from_a_source_is_attributed_to_the_source(pipeline: Pipeline, text: str) -> None:
    got = marked(pipeline, text)
    assert [q["text"] for q in got] == ["in free fall"]
    assert got[0]["speaker"] == "Boston Globe" and got[0]["cue"]["text"].lower() == "according to"


def test_the_verb_of_a_relative_clause_in_a_long_appositive_is_not_the_attribution(pipeline: Pipeline) -> None:
    text = ("The bill passed the Senate on Tuesday.\n\n“This is a good day for farmers,” Senate Agriculture "
            "Committee Chairman Walter Brandt, a Republican from Iowa who wrote the bill, said.\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Walter Brandt" and got[0]["cue"]["text"] == "said"


@pytest.mark.parametrize("text,speaker", [
    ("Lee has been “unfairly treated” by the board since 2019, and should be paid back, the advocacy group says.\n",
     "the advocacy group"),
    ("Mayor Ann Park noted that the new tax is “a burden on families,” reported the Daily Herald.\n", "Daily Herald"),
])
def test_an_attribution_closing_the_sentence_frames_the_fragment_before_it(
    pipeline: Pipeline, text: str, speaker: str
) -> None:
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == speaker


def test_an_attribution_closing_the_sentence_frames_every_fragment_before_it(pipeline: Pipeline) -> None:
    text = ("Mayor Ann Park noted that the new tax is “a burden on families” and “a gift to landlords,” the Daily "
            "Herald reported on Monday.\n")
    got = marked(pipeline, text)
    assert [q["speaker"] for q in got] == ["Daily Herald", "Daily Herald"]


def test_a_closing_attribution_does_not_reach_over_another_report(pipeline: Pipeline) -> None:
    text = ("Mayor Ann Park called the new tax “a burden on families,” and council members said they would "
            "delay it, the Daily Herald reported.\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Ann Park"


def test_a_source_closing_the_attribution_of_a_quote_of_several_sentences_is_its_source(pipeline: Pipeline) -> None:
    text = ("“The dam is safe. The inspectors checked it twice. Nobody should panic,” Mayor Ed Lyle said on "
            "Monday, according to a transcript of the meeting.\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == "a transcript of the meeting"


def test_an_outlet_reporting_an_attributed_quote_is_its_source(pipeline: Pipeline) -> None:
    text = ("“We will not close the clinic,” said Ruth Park, director of the county health board, reports the "
            "Daily Herald.\n\n“The clinic stays open,” Omar Sayed, a nurse at the clinic, told the Daily Herald.\n")
    got = marked(pipeline, text)
    assert [q["speaker_mention"]["text"] for q in got] == ["Daily Herald", "Omar Sayed"]


@pytest.mark.parametrize("text,source", [
    ("“He is not sympathetic to them,” Lee said, according to a transcript of the show.\n", "a transcript of the show"),
    ("“We cannot wait any longer,” the governor will say, according to excerpts of her speech released on Sunday.\n",
     "excerpts of her speech released on Sunday"),
])
def test_according_to_a_source_that_names_no_one_is_still_the_source(pipeline: Pipeline, text: str, source: str) -> None:
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == source
    assert got[0]["cue"]["text"].lower() == "according to"


def test_the_possessor_of_a_report_noun_speaks_the_words_it_reports(pipeline: Pipeline) -> None:
    text = ("Former diplomat Ruth Meyer, a supporter of the mayor, caused a stir with her remark that "
            "“nobody reads the budget.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == "her" and got[0]["speaker"] == "Ruth Meyer"


def test_a_report_noun_owned_by_a_thing_does_not_name_the_speaker(pipeline: Pipeline) -> None:
    text = "Mayor Ann Park said the memo was mocked for its claim that the plan would be “the cheapest ever.”\n"
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] != "its"


@pytest.mark.parametrize("text, speaker", [
    ("Mayor Ruth Hale, who was speaking to the National League of Cities, did not mention Governor Ben Ward by name, "
     "but told the delegates that the state should be run by people “who keep their promises.”\n", "Ruth Hale"),
    ("Rep. Tom Green of Nebraska, an ally of the party's leaders, said on Thursday that the bill was “dead on "
     "arrival.”\n", "Tom Green"),
])
def test_the_subject_of_the_cue_is_not_a_name_in_a_clause_between_them(
    pipeline: Pipeline, text: str, speaker: str
) -> None:
    # a relative clause, an appositive or a first coordinated verb between the subject and the
    # reporting verb holds names nearer the verb than its subject: the parse says which is its subject
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == speaker


def test_the_one_told_before_a_colon_is_not_the_speaker(pipeline: Pipeline) -> None:
    text = "On the budget, council president Ana Ruiz told The Springfield Gazette: “We cannot keep borrowing.”\n"
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Ana Ruiz"


@pytest.mark.parametrize("text, mention", [
    # the fragment lies in the "even if" clause: its subject, not the sentence's first name
    ("Ms. Ortiz was calmer than in earlier debates, even if she kept her sharpest words for the “broken permit "
     "system.”\n", "she"),
    # the subject is the possessed name, not the outlet that comes first
    ("The Daily Ledger’s Tom Baker sees the plan as a return to the city’s “old machine politics.”\n", "Tom Baker"),
    # a complement clause is asserted by the matrix subject, not spoken by its own subject
    ("Councilman Paul Green doubts Mayor Karen Holt is “fit for the job” after the harbor delays.\n", "Paul Green"),
    # the main clause's subject names no person, but is whose words these are, not the name after it
    ("Across the region, farmers have been alarmed by Governor Dana Whitfield’s “water first” budget.\n", "farmers"),
    ("The county board issued a notice on Friday warning that Mayor Ed Lyle’s permits were “void.”\n", "county board"),
])
def test_a_fragment_without_a_reporting_verb_is_spoken_by_the_subject_of_its_clause(
    pipeline: Pipeline, text: str, mention: str
) -> None:
    got = marked(pipeline, text)
    assert len(got) == 1
    assert got[0]["speaker_mention"] is not None
    assert mention in got[0]["speaker_mention"]["text"]


def test_a_participle_after_a_sentence_ending_in_a_quote_is_its_own_sentences_subjects(pipeline: Pipeline) -> None:
    text = ("Governor Anna Price met the council on Monday. Mayor John Hale said the plan was “a disgrace.” "
            "However, she praised council member Ruth Park, calling her “a true partner.”\n")
    got = [q for q in marked(pipeline, text) if q["text"].startswith("a true")]
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == "she" and got[0]["speaker"] != "John Hale"


def test_a_verb_in_a_fronted_subordinate_clause_does_not_attribute_the_main_clauses_quote(pipeline: Pipeline) -> None:
    text = ("When Senator Mark Lane announced his bid in June, Governor Paul Ortiz dismissed it as “a cheap stunt.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Paul Ortiz"


def test_a_document_is_the_speaker_of_what_it_alleges(pipeline: Pipeline) -> None:
    text = ("The workers sued on Friday. The lawsuit, which was filed in federal court in Denver, alleged that the "
            "company “ignored every warning it was given.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and "lawsuit" in got[0]["speaker_mention"]["text"]


def test_a_quote_after_a_sentence_reporting_speech_unquoted_is_its_subjects(pipeline: Pipeline) -> None:
    text = ("Councilman Ray Diaz distanced himself from the mayor on Tuesday by saying he would vote against the "
            "budget if it came up for a vote this month. “I cannot support a plan that closes the library.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"].endswith("Ray Diaz")


def test_a_capitalised_word_opening_a_sentence_is_a_name_when_written_so_mid_sentence() -> None:
    from streams.enrich.components.quotes.syntax import _name_elsewhere

    text = "Wilson praised the plan. The senator agreed with Wilson on Monday."
    assert _name_elsewhere(text, "Wilson")
    assert not _name_elsewhere(text, "The")


def test_a_quotation_nothing_attributes_is_the_last_quoted_speakers(pipeline: Pipeline) -> None:
    text = ("Mayor Ed Lyle took questions for an hour on Monday. “The budget is balanced,” Lyle said.\n\n"
            "What the plan means for the harbor is far from clear.\n\n"
            "“We have the money and we will spend it wisely.”\n\n"
            "“Nobody will lose a job.”\n")
    got = marked(pipeline, text)
    assert [q["speaker"] for q in got] == ["Ed Lyle", "Ed Lyle", "Ed Lyle"]


def test_a_participle_is_spoken_by_its_clauses_subject_not_a_name_in_its_object(pipeline: Pipeline) -> None:
    text = ("The farmers union has been loud in its opposition to Governor Dana Whitfield, arguing that her "
            "water plan is “a gift to developers.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and "farmers union" in got[0]["speaker_mention"]["text"]


def test_a_fragment_in_a_relative_clause_is_spoken_by_its_relative_pronoun(pipeline: Pipeline) -> None:
    # the annotated speaker of a relative clause's words is its pronoun ("who"), resolved to the antecedent
    text = ("Radio host Glenn Park, who has in the past described the mayor as “a reckless spender,” endorsed "
            "her rival on Tuesday.\n")
    got = marked(pipeline, text)
    assert len(got) == 1
    assert got[0]["speaker_mention"]["text"] == "who" and got[0]["speaker"] == "Glenn Park"


def test_a_relative_clause_before_the_main_verb_does_not_take_its_fragment(pipeline: Pipeline) -> None:
    text = "Glenn Park, who ran for the seat in 2012, described the mayor as “a reckless spender” on Tuesday.\n"
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker_mention"]["text"] == "Glenn Park"


@pytest.mark.parametrize("when", ["on Tuesday", "on Monday night", "last week", "earlier this month"])
def test_the_writers_time_between_subject_and_verb_leaves_the_subject(pipeline: Pipeline, when: str) -> None:
    text = (f"The committee met in the morning. Governor Ann Park {when} called the budget deal "
            "“a betrayal of working families.”\n")
    got = marked(pipeline, text)
    assert len(got) == 1 and got[0]["speaker"] == "Ann Park" and got[0]["cue"]["text"] == "called"
