"""language: deterministic detection, the article's own language wins, short text is undetermined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.core.model import Article
from streams.enrich.components.language import (
    LanguageDetector,
    detect_language,
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
