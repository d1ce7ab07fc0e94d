"""language: deterministic detection, the article's own language wins, short text is undetermined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.core.model import Article
from streams.enrich.components.language import (
    LanguageDetector,
    detect_language,
    identify,
    normalise_code,
)
from streams.enrich.pipeline import Context, Pipeline

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.txt"

GERMAN = ("Die Bundesregierung hat am Dienstag in Berlin beschlossen, die Ausgaben für die Verteidigung "
          "deutlich zu erhöhen. Der Minister sagte, das sei notwendig, um die Sicherheit des Landes zu gewährleisten.")
FRENCH = ("Le gouvernement a annoncé mardi une forte hausse des dépenses militaires. Le ministre a déclaré "
          "que cette décision était nécessaire pour garantir la sécurité du pays et de ses alliés.")
SPANISH = ("El gobierno anunció el martes un fuerte aumento del gasto militar. El ministro dijo que la decisión "
           "era necesaria para garantizar la seguridad del país y de sus aliados europeos.")


def detect(text: str, language: str | None = None) -> str | None:
    ctx = Context(article=Article(id="l", body_text=text, language=language), text=text)
    LanguageDetector()(ctx)
    return ctx.language


@pytest.mark.parametrize(("text", "code"), [(GERMAN, "de"), (FRENCH, "fr"), (SPANISH, "es")])
def test_detects_other_languages(text: str, code: str) -> None:
    assert detect(text) == code


@pytest.mark.skipif(not SAMPLE.exists(), reason=f"shared sample not found at {SAMPLE}")
def test_sample_is_english() -> None:
    assert detect(SAMPLE.read_text(encoding="utf-8")) == "en"


def test_article_language_wins_and_is_normalised() -> None:
    assert detect(GERMAN, language="en-GB") == "en"
    assert normalise_code("zh_CN") == "zh"
    assert normalise_code(" ") is None


def test_short_text_is_undetermined() -> None:
    assert detect("Oil up.") is None
    assert detect_language("12.5 mln vs 11.2 mln") is None


def test_deterministic() -> None:
    ambiguous = "Radio Free Europe Radio Liberty Prague Praha"
    assert len({detect_language(ambiguous) for _ in range(5)}) == 1


def test_non_english_article_skips_english_only_components() -> None:
    pipeline = Pipeline.from_names("textspans,language,nlp,entities")
    enriched = pipeline.run(Article(id="de", body_text=GERMAN))
    assert enriched.language == "de"
    assert enriched.skipped == ["nlp", "entities"]
    assert enriched.entities == []


@pytest.mark.skipif(not (SHARED / "corpus").exists(), reason=f"shared corpus not found at {SHARED / 'corpus'}")
def test_reuters_prose_is_english() -> None:
    with (SHARED / "corpus" / "reuters21578.jsonl").open(encoding="utf-8") as f:
        recs = [json.loads(next(f)) for _ in range(300)]
    prose = [r for r in recs if r["text"].count(".") > 3 and len(r["text"]) > 600]
    got = [detect(r["text"]) for r in prose]
    assert len(prose) > 50
    assert got.count("en") / len(got) > 0.97


SHORT_ENGLISH = ["Kaja Kallas said hello.", "Kaja Kallas: Ukraine needs guarantees", "Kallas to visit Tallinn",
                 "Zelensky thanks Tusk", "Stubb and Kristersson meet in Turku",
                 "Kaja Kallas said hello.\nKaja Kallas said hello to the ministers."]


@pytest.mark.parametrize("text", SHORT_ENGLISH)
def test_a_short_english_item_never_skips_the_english_components(text: str) -> None:
    ctx = Context(article=Article(id="s", body_text=text), text=text)
    LanguageDetector()(ctx)
    assert ctx.language in (None, "en"), ctx.provenance["language_detection"]
    enriched = Pipeline.from_names("textspans,language,nlp,entities").run(Article(id="s", body_text=text))
    assert enriched.skipped == [] and enriched.entities, enriched.entities


def test_a_low_confidence_guess_is_recorded_but_not_used() -> None:
    text = "Kaja Kallas: Ukraine needs guarantees"
    ctx = Context(article=Article(id="s", body_text=text), text=text)
    LanguageDetector()(ctx)
    found = ctx.provenance["language_detection"]
    assert ctx.language is None and found["by"] == "py3langid"
    assert found["guess"] != "en" and 0 < found["confidence"] < 0.8  # the model leans Estonian, unsure


def test_a_confident_short_foreign_item_is_detected_with_its_confidence() -> None:
    found = identify("Kaja Kallas kohtus Tallinnas ministritega ja rääkis eelarvest.")
    assert found["language"] == "et" and found["confidence"] >= 0.8


def test_how_the_language_was_decided_is_recorded() -> None:
    assert identify("Oil up.")["by"] == "too short"
    assert identify(GERMAN) | {"confidence": 1} == {"language": "de", "by": "py3langid", "guess": "de",
                                                    "confidence": 1}
    assert identify(SAMPLE_TEXT_EN)["by"] == "function words"
    ctx = Context(article=Article(id="g", body_text=GERMAN, language="de-AT"), text=GERMAN)
    LanguageDetector()(ctx)
    assert ctx.provenance["language_detection"] == {"language": "de", "by": "source"}


SAMPLE_TEXT_EN = ("The minister said on Tuesday that the government would raise spending on defence, and that the "
                  "decision was needed for the security of the country and its allies.")
