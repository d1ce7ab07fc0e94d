"""Quotes component: the sample article (against its hand annotation) and the hard cases on short
real-looking snippets, through the real upstream components (textspans, language, nlp, entities)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from streams.core.errors import PipelineConfigError
from streams.core.model import Article
from streams.enrich.components.quotes import QuoteComponent, extract_quotes
from streams.enrich.components.quotes.lexicon import inflections, load_lexicon
from streams.enrich.components.quotes.marks import find_marked_quotes
from streams.enrich.pipeline import Context, Pipeline
from tests.enrich.conftest import quotes_of

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
SAMPLE = SAMPLES / "wire-menafn-ukrinform-2026-01-13.txt"
SAMPLE_GOLD = SAMPLES / "wire-menafn-ukrinform-2026-01-13.gold.json"


@pytest.fixture(scope="module")
def pipeline(quote_pipeline: Pipeline) -> Pipeline:
    return quote_pipeline


def run(pipeline: Pipeline, text: str) -> list[dict[str, Any]]:
    return quotes_of(pipeline, text)


def quoted(quotes: list[dict[str, Any]], kinds: tuple[str, ...] = ("direct", "mixed")) -> list[dict[str, Any]]:
    return [q for q in quotes if q["kind"] in kinds]


def jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter / (max(a[1], b[1]) - min(a[0], b[0])) if inter > 0 else 0.0


# ------------------------------------------------------------------ the sample article

@pytest.fixture(scope="module")
def sample(pipeline: Pipeline) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    if not SAMPLE.exists():
        pytest.skip("../shared/samples is not available")
    text = SAMPLE.read_text(encoding="utf-8")
    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))["quotes"]
    return text, run(pipeline, text), gold


def test_sample_direct_and_mixed_quotes_with_speaker_and_mention(sample: tuple) -> None:
    text, quotes, gold = sample
    got = quoted(quotes)
    want = [g for g in gold if g["kind"] in ("direct", "mixed")]
    assert len(want) == 9
    assert len(got) == 9, [q["text"][:40] for q in got]
    for g, q in zip(want, got):
        assert (q["start"], q["end"]) == (g["start"], g["end"]), g["text"][:40]
        assert q["kind"] == g["kind"], g["text"][:40]
        assert q["speaker"] == "Kaja Kallas", g["text"][:40]
        assert q["speaker_mention"] == g["speaker_mention"], g["text"][:40]
        assert q["cue"]["text"] in g["cue"], (q["cue"], g["cue"])
        assert text[q["cue"]["start"] : q["cue"]["end"]] == q["cue"]["text"]


def test_sample_speaker_entity_links_to_the_person(pipeline: Pipeline, sample: tuple) -> None:
    text = sample[0]
    ctx = Context(article=Article(id="t", body_text=text), text=text)
    for comp in pipeline.components:
        comp(ctx)
    for q in quoted(ctx.quotes):
        assert ctx.entities[q["speaker_entity"]]["name"] == "Kaja Kallas"


def test_sample_indirect_quotes(sample: tuple) -> None:
    _, quotes, gold = sample
    got = quoted(quotes, ("indirect",))
    for g in [g for g in gold if g["kind"] == "indirect"]:
        match = [q for q in got if jaccard((q["start"], q["end"]), (g["start"], g["end"])) >= 0.8]
        assert match, g["text"]
        assert match[0]["speaker"] == "Kaja Kallas", g["text"]


def test_sample_lead_and_expected_event_are_not_indirect_quotes(sample: tuple) -> None:
    """The lead only names who said what follows ("This was stated by ..."), and "It is expected
    that ..." has no speaker: neither is reported content."""
    text, quotes, _ = sample
    starts = [text[q["start"] : q["start"] + 16] for q in quoted(quotes, ("indirect",))]
    assert not [s for s in starts if s.startswith(("This was stated", "U.S. President"))]


def test_sample_related_headline_is_not_a_quote(sample: tuple) -> None:
    text, quotes, _ = sample
    headline = text.index("Zelensky says")
    assert not [q for q in quotes if q["start"] <= headline < q["end"]]


# ------------------------------------------------------------------ hard cases

def test_quote_glued_to_the_previous_word_with_colon(pipeline: Pipeline) -> None:
    text = ("Kaja Kallas visited Berlin on Tuesday. Asked about the guarantees, Kallas said:“History is full of "
            "cases where Russians have instigated an attack.”")
    [q] = quoted(run(pipeline, text))
    assert q["text"].startswith("History is full") and q["kind"] == "direct"
    assert q["speaker"] == "Kaja Kallas" and q["speaker_mention"]["text"] == "Kallas"
    assert q["cue"]["text"] == "said"


def test_mixed_fragment_glued_to_the_previous_word(pipeline: Pipeline) -> None:
    text = ("EU foreign policy chief Kaja Kallas met German Defence Minister Boris Pistorius in Berlin on Tuesday.\n\n"
            "She also acknowledged that relations with Washington“are not as good as they used to be,” but the two "
            "sides are“stronger when we act together.”")
    got = quoted(run(pipeline, text))
    assert [q["text"] for q in got] == ["are not as good as they used to be,", "stronger when we act together."]
    assert all(q["kind"] == "mixed" and q["speaker"] == "Kaja Kallas" for q in got)
    assert all(q["speaker_mention"]["text"] == "She" and q["cue"]["text"] == "acknowledged" for q in got)


@pytest.fixture(scope="module")
def open_pipeline(pipeline: Pipeline) -> Pipeline:
    """The same components, with a quote component that also reports stretches left open."""
    return Pipeline([*pipeline.components[:-1], QuoteComponent(open_quotes=True)])


UNBALANCED = ('Senator Mark Warner said: "We will keep asking questions until we get answers.\n\n'
              "The committee meets again on Thursday. Its chairman has not set an agenda.\n\n"
              "Lawmakers from both parties are expected to attend the closed session.")


def test_unbalanced_mark_does_not_swallow_the_rest(open_pipeline: Pipeline) -> None:
    got = quoted(run(open_pipeline, UNBALANCED))
    assert len(got) == 1
    assert got[0]["end"] <= UNBALANCED.index("\n\n") and got[0]["speaker"] == "Mark Warner"
    assert "Thursday" not in got[0]["text"]


def test_a_stretch_a_mark_opens_and_never_closes_is_not_reported_by_default(pipeline: Pipeline) -> None:
    # where a lost mark would have closed is a guess: the gold sets never count such a stretch
    assert quoted(run(pipeline, UNBALANCED)) == []


def test_stray_marks_never_crash_and_stay_inside_the_text() -> None:
    rng = random.Random(7)
    words = ["said", "he", "“", "”", '"', "'", "‘", "’", "«", "»", "„", "the", "minister", ":", ",", ".", "\n\n", "A", "B"]
    for _ in range(200):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 60)))
        for q in extract_quotes(text):
            assert 0 <= q["start"] <= q["end"] <= len(text)
            assert all(0 <= s <= e <= len(text) for s, e in q["segments"])


SEVERAL_PARAGRAPHS = ("Defence Minister Boris Pistorius told parliament on Wednesday:\n\n"
                      "“We have to be ready to defend ourselves. Nobody else will do it for us.\n\n"
                      "“That means more soldiers, more equipment and more money, year after year.”\n\n"
                      "The opposition criticised the plan.")


def test_quote_over_several_paragraphs_is_one_quote(open_pipeline: Pipeline) -> None:
    text = SEVERAL_PARAGRAPHS
    [q] = quoted(run(open_pipeline, text))
    assert len(q["segments"]) == 2
    first, second = (text[s:e] for s, e in q["segments"])
    assert first.startswith("We have to be ready") and first.endswith("for us.")
    assert second.startswith("That means more soldiers")
    assert q["speaker"] == "Boris Pistorius" and q["cue"]["text"] == "told"


def test_a_quote_over_several_paragraphs_reports_its_closed_paragraph_with_the_whole_quotes_speaker(
    pipeline: Pipeline,
) -> None:
    # the paragraphs left open are quoted by convention, not by a pair of marks (see quotes.extent)
    text = SEVERAL_PARAGRAPHS
    [q] = quoted(run(pipeline, text))
    assert [text[s:e] for s, e in q["segments"]] == [
        "That means more soldiers, more equipment and more money, year after year."
    ]
    assert q["speaker"] == "Boris Pistorius" and q["cue"]["text"] == "told"


def test_interrupted_quote_is_one_quote_with_two_segments(pipeline: Pipeline) -> None:
    text = ("Angela Merkel spoke to reporters after the summit in Brussels.\n\n"
            '"We made progress," she said, "but there is still a lot of work ahead of us."')
    [q] = quoted(run(pipeline, text))
    assert [text[s:e] for s, e in q["segments"]] == ["We made progress,", "but there is still a lot of work ahead of us."]
    assert q["speaker"] == "Angela Merkel"
    assert q["speaker_mention"]["text"] == "she" and q["cue"]["text"] == "said"


def test_guillemets_and_german_quotes(pipeline: Pipeline) -> None:
    text = ("Emmanuel Macron told reporters: «Europe must be able to defend itself.»\n\n"
            "Olaf Scholz answered: „We will do whatever it takes to support Ukraine.“")
    got = quoted(run(pipeline, text))
    assert [q["text"] for q in got] == ["Europe must be able to defend itself.",
                                        "We will do whatever it takes to support Ukraine."]
    assert [q["speaker"] for q in got] == ["Emmanuel Macron", "Olaf Scholz"]


def test_speaker_after_the_cue_and_pronoun_resolution(pipeline: Pipeline) -> None:
    text = ("Hillary Clinton campaigned in Ohio on Monday.\n\n"
            '"The broader electorate thinks the 1990s went pretty well," said Matt Bennett, a former aide.\n\n'
            '"We are going to win this state," she told supporters in Toledo.')
    got = quoted(run(pipeline, text))
    assert [q["speaker"] for q in got] == ["Matt Bennett", "Hillary Clinton"]
    assert got[0]["speaker_mention"]["text"] == "Matt Bennett" and got[1]["speaker_mention"]["text"] == "she"


def test_appositive_subject_before_the_cue(pipeline: Pipeline) -> None:
    text = ('Jean-Marc Ayrault, the foreign minister of France, a permanent member of the Security Council, said the '
            'latest test "cannot be left without consequences."')
    [q] = quoted(run(pipeline, text))
    assert q["kind"] == "mixed" and q["speaker_mention"]["text"] == "Jean-Marc Ayrault"


def test_scare_quotes_and_titles_are_dropped(pipeline: Pipeline) -> None:
    text = ('The so-called "peace plan" was discussed again in Geneva on Monday.\n\n'
            'Clinton appeared on NBC\'s "Meet the Press" on Sunday.')
    assert quoted(run(pipeline, text)) == []


def test_single_quotes_in_a_headline(pipeline: Pipeline) -> None:
    text = ("Kallas: 'Security guarantees must be tangible'\n\n"
            "EU foreign policy chief Kaja Kallas spoke in Berlin on Tuesday. Don't expect a deal soon, officials say.")
    got = quoted(run(pipeline, text))
    assert [q["text"] for q in got] == ["Security guarantees must be tangible"]
    assert got[0]["speaker"] == "Kaja Kallas"


def test_according_to_and_said_that_are_indirect(pipeline: Pipeline) -> None:
    text = ("The ceasefire talks will resume next week in Istanbul, according to Turkish Foreign Minister Hakan Fidan.\n\n"
            "Ukrainian President Volodymyr Zelensky said that Kyiv would not give up any territory.")
    got = quoted(run(pipeline, text), ("indirect",))
    assert [q["text"] for q in got] == ["The ceasefire talks will resume next week in Istanbul",
                                        "that Kyiv would not give up any territory."]
    assert got[0]["cue"]["text"] == "according to" and got[0]["speaker"] == "Hakan Fidan"
    assert got[1]["speaker"] == "Volodymyr Zelensky" and got[1]["cue"]["text"] == "said"


def test_transcript_labels_and_dash_attribution(pipeline: Pipeline) -> None:
    text = ("Vice presidential candidate Mike Pence appeared on Fox News Sunday.\n\n"
            '"PENCE: Gennifer Flowers will not be attending the debate tomorrow night.\n\n'
            "“The most unqualified child to ever run for president.” ― Francisco Herrero")
    quotes = run(pipeline, text)
    # a transcript turn in quote marks is the labelled speaker's words, not a quotation
    turn = quoted(quotes, ("indirect",))
    assert [q["speaker_mention"]["text"] for q in turn] == ["PENCE"]
    assert turn[0]["speaker"] == "Mike Pence" and turn[0]["cue"]["text"] == ":"
    assert turn[0]["text"].startswith("Gennifer Flowers") and turn[0]["end"] <= text.index("\n\n“")
    got = quoted(quotes)
    assert [q["speaker_mention"]["text"] for q in got] == ["Francisco Herrero"]


def test_unnamed_speakers_are_noun_phrases(pipeline: Pipeline) -> None:
    text = ("As a phone rang, the announcer said, “It’s 3 a.m., and your children are safe and asleep.”\n\n"
            "“If any human involvement occurs in an election, they will find a way to corrupt it,” wrote one commenter.")
    got = quoted(run(pipeline, text))
    assert [q["speaker_mention"]["text"] for q in got] == ["the announcer", "one commenter"]
    assert [q["speaker"] for q in got] == [None, None]


def test_markup_attribute_values_are_not_quotes() -> None:
    text = '<tweet id="771156540103417856" author="@cspan">Rudy Giuliani speaks in Ohio.</tweet>'
    assert quoted(extract_quotes(text)) == []


def test_no_speaker_means_null_not_a_guess(pipeline: Pipeline) -> None:
    text = ("The storm moved north overnight and power was restored to most homes by morning.\n\n"
            "“It was the worst night of my life, and I hope I never see another one like it.”")
    [q] = quoted(run(pipeline, text))
    assert q["speaker"] is None and q["speaker_mention"] is None and q["speaker_entity"] is None


# ------------------------------------------------------------------ building blocks

def test_marks_finder_conventions() -> None:
    text = "He said \"one\" and “two” and «three» and „four“ and ''five''."
    spans = [text[q.start : q.end] for q in find_marked_quotes(text)]
    assert spans == ["one", "two", "three", "four"]
    spans = [text[q.start : q.end] for q in find_marked_quotes(text, double_apostrophes=True)]
    assert spans == ["one", "two", "three", "four", "five"]


def test_apostrophes_are_not_quotes_in_body_text() -> None:
    text = "Clinton's team said the states' rights debate wasn't over.\n\nSo did Trump's aides, \"again.\""
    assert [text[q.start : q.end] for q in find_marked_quotes(text)] == ["again."]


def test_inflections() -> None:
    assert {"say", "says", "said", "saying"} <= inflections("say")
    assert {"emphasize", "emphasizes", "emphasized", "emphasizing"} == inflections("emphasize")
    assert {"deny", "denies", "denied", "denying"} == inflections("deny")
    assert {"show", "shows", "showed", "shown", "showing"} == inflections("show")
    assert {"see", "sees", "saw", "seen", "seeing"} == inflections("see")
    assert {"refer", "refers", "referred", "referring"} == inflections("refer")
    assert "acknowledged" in load_lexicon().speech_forms and "acknowledged" in load_lexicon().clause_forms


def test_component_contract_and_bad_options() -> None:
    comp = QuoteComponent()
    assert (comp.name, comp.requires, comp.provides, comp.english_only) == ("quotes", ("doc", "entities"),
                                                                            ("quotes",), True)
    with pytest.raises(PipelineConfigError):
        QuoteComponent(single_quotes="sometimes")


def test_stance_verbs_report_their_object(pipeline: Pipeline) -> None:
    text = ("Senator Bernie Sanders called on Michigan Gov. Rick Snyder to resign over the lead crisis in Flint.\n\n"
            "Paul Ryan endorsed Donald Trump in early June, but only after weeks of deliberation, telling reporters "
            "in May that he was “not quite there yet.”\n\n"
            "He said members of the Supreme Court shouldn’t weigh in on American elections.")
    got = quoted(run(pipeline, text), ("indirect",))
    assert [(q["text"], q["cue"]["text"]) for q in got] == [
        ("Michigan Gov. Rick Snyder to resign over the lead crisis in Flint", "called on"),
        ("Donald Trump in early June", "endorsed"),
        ("members of the Supreme Court shouldn’t weigh in on American elections.", "said"),
    ]
    assert [q["speaker"] for q in got] == ["Bernie Sanders", "Paul Ryan", "Paul Ryan"]
    assert [q["text"] for q in quoted(run(pipeline, text))] == ["not quite there yet."]


def test_stance_verb_without_a_speaker_subject_is_not_a_report(pipeline: Pipeline) -> None:
    text = "The plan wants for nothing. Critics of the bill, however, remain unconvinced by the new numbers."
    assert quoted(run(pipeline, text), ("indirect",)) == []


def test_a_quote_left_open_is_not_reported_but_its_speaker_is_the_he_after_it(pipeline: Pipeline) -> None:
    text = ("Senator John Smith spoke in Dayton on Monday.\n\n"
            "Smith, pointing at Mayor Tom Brown, told the crowd: “We will not wait for the money from Washington.\n\n"
            "“It is a promise,” he said.\n")
    [q] = quoted(run(pipeline, text))
    assert q["text"] == "It is a promise,"
    assert q["speaker_mention"]["text"] == "he" and q["speaker"] == "John Smith"
