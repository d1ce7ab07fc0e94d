"""nlp: how much of a text the statistical NER reads, and what the output says when it stops early."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.tokens import Doc

from streams.core.model import Article
from streams.enrich.components.nlp import SpacyAnalyzer, load_model, paragraph_sentences
from streams.enrich.components.nlp_budget import (
    LONG_TEXT_TOKENS,
    NER_MAX_TOKENS,
    NER_MIN_TOKENS,
    RUN_ON_COST,
    RUN_ON_WORDS,
    TOKENS_PER_WORD,
    USER_DATA_KEY,
    ner_stop,
    words_for,
)
from streams.enrich.pipeline import Context, Pipeline

SHARED = Path(__file__).resolve().parents[2].parent / "shared"

_STORY = ("The finance minister of Norway, Anna Berg, told reporters in Oslo on Tuesday that Statoil would sell "
          "its stake in the Norsk Hydro unit to a group led by Deutsche Bank. Anna Berg said talks with the "
          "European Commission had ended. Shares rose 3 percent.\n\n")
_TAIL = "Later, Anna Berg flew to France, where she met officials of the French government.\n"


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def _sentenced(nlp, text: str) -> Doc:
    return paragraph_sentences(nlp.get_pipe("sentencizer")(nlp.make_doc(text)))


def test_the_model_reads_a_text_within_the_budget_to_its_end(nlp) -> None:
    doc = _sentenced(nlp, _STORY * 3)
    assert ner_stop(doc, NER_MAX_TOKENS) == len(doc)
    assert ner_stop(doc, None) == len(doc)


def test_past_the_budget_the_model_stops_at_a_sentence_start(nlp) -> None:
    doc = _sentenced(nlp, _STORY * 20)
    stop = ner_stop(doc, 300)
    words = [t for t in doc[:stop] if not t.is_space]
    assert 150 < len(words) <= 300
    assert doc[stop].is_sent_start


def test_a_run_on_sentence_stops_where_the_budget_runs_out(nlp) -> None:
    doc = _sentenced(nlp, "word, " * 1000)  # one sentence of 2,000 words
    assert ner_stop(doc, 300) == 300


def test_a_word_past_the_run_on_bound_of_its_sentence_costs_more(nlp) -> None:
    words = " ".join(f"w{i}" for i in range(60))
    sentences = _sentenced(nlp, (words + ". ") * 40)  # sentences of 61 words: each word costs one
    run_on = _sentenced(nlp, (words + ", ") * 40)  # the same words as one sentence of 2,440
    budget = 2000
    read = [sum(1 for t in doc[:ner_stop(doc, budget)] if not t.is_space) for doc in (sentences, run_on)]
    assert budget // 2 < read[0] <= budget
    assert read[1] == RUN_ON_WORDS + (budget - RUN_ON_WORDS) // RUN_ON_COST
    assert ner_stop(_sentenced(nlp, (words + ", ") * 3), budget) == len(_sentenced(nlp, (words + ", ") * 3))


def test_in_a_very_long_text_the_model_reads_fewer_words() -> None:
    assert words_for(LONG_TEXT_TOKENS, NER_MAX_TOKENS) == NER_MAX_TOKENS
    assert words_for(LONG_TEXT_TOKENS + 50 * TOKENS_PER_WORD, NER_MAX_TOKENS) == NER_MAX_TOKENS - 50
    assert words_for(10 ** 6, NER_MAX_TOKENS) == NER_MIN_TOKENS
    assert words_for(10 ** 6, 300) == 300 and words_for(10 ** 6, None) is None


def test_a_100_kb_text_of_short_reports_gets_the_smaller_budget_and_says_so() -> None:
    text = ("Mr. Lee said: ''It is done. " * 3600)[:100_000]
    doc = SpacyAnalyzer().analyse(text)
    assert len(doc) > LONG_TEXT_TOKENS + 10_000
    budget = words_for(len(doc), NER_MAX_TOKENS)
    assert NER_MIN_TOKENS <= budget < NER_MAX_TOKENS - 2000
    read = sum(1 for t in doc if not t.is_space and t.idx < doc.user_data[USER_DATA_KEY]["model_until"])
    assert budget // 2 < read <= budget
    assert doc.user_data[USER_DATA_KEY]["max_tokens"] == budget


def _context(pipeline: Pipeline, text: str) -> Context:
    ctx = Context(article=Article(id="t", body_text=text), text=text)
    for comp in pipeline.components:
        comp(ctx)
    return ctx


def test_past_its_budget_the_output_says_where_the_model_stopped_and_names_are_still_found() -> None:
    pipeline = Pipeline.from_names("textspans,language,nlp,entities", nlp={"max_ner_tokens": 300})
    text = _STORY * 12 + "THE MINISTER MET DEUTSCHE BANK IN OSLO\n\n" + _TAIL * 3
    ctx = _context(pipeline, text)
    record = ctx.provenance["ner_budget"]
    stop = record["model_until"]
    assert record["text_length"] == len(text) and record["max_tokens"] == 300 and 0 < stop < text.index("THE MINISTER")
    assert ctx.doc.user_data[USER_DATA_KEY] == record
    assert ctx.doc.ents and all(e.end_char <= stop for e in ctx.doc.ents)
    assert text[stop - 2:stop] == "\n\n"  # a paragraph start, here
    tail = text.rindex(_TAIL)
    found = {(e["name"], e["type"]) for e in ctx.entities if any(m["start"] >= tail for m in e["mentions"])}
    assert ("Anna Berg", "PERSON") in found  # found by the model before the stop, propagated
    assert ("France", "GPE") in found  # a gazetteer name
    for ent in ctx.entities:
        for m in ent["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]  # offsets index the text as received


def _corpus_texts(count: int) -> list[str]:
    texts = [(SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.txt").read_text(encoding="utf-8")]
    with (SHARED / "corpus" / "news_sample.jsonl").open(encoding="utf-8") as f:
        for line in f:
            text = json.loads(line).get("text")
            if isinstance(text, str) and text.strip():
                texts.append(text)
            if len(texts) > count:
                break
    return texts


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared is not present")
def test_an_article_within_the_budget_gets_the_entities_of_a_model_without_one() -> None:
    bounded, unbounded = SpacyAnalyzer(), SpacyAnalyzer(max_ner_tokens=None)
    texts = _corpus_texts(40)
    for text, doc in zip(texts, bounded._docs(texts)):
        assert USER_DATA_KEY not in doc.user_data
        expected = [(e.start_char, e.end_char, e.label_) for e in unbounded.analyse(text).ents]
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == expected
