"""textspans: header, dateline, related headline, credit and boilerplate spans; provenance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.core.model import Article
from streams.enrich.components.textspans import TextSpans
from streams.enrich.pipeline import Context
from streams.text.wire import dateline_iso_date, parse_dateline, parse_wire_header

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.txt"
GOLD = SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.gold.json"
needs_shared = pytest.mark.skipif(not SAMPLE.exists(), reason=f"shared sample not found at {SAMPLE}")


def run(text: str, **article: object) -> Context:
    ctx = Context(article=Article(id="t", body_text=text, **article), text=text)  # type: ignore[arg-type]
    TextSpans()(ctx)
    return ctx


def kinds(ctx: Context) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in ctx.spans:
        out.setdefault(s["kind"], []).append(ctx.text[s["start"]:s["end"]])
    return out


@needs_shared
def test_sample_header_related_headline_and_provenance() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    ctx = run(text)
    found = kinds(ctx)
    assert found["header"] == [gold["noise"]["header_line"]]
    assert found["related_headline"] == [gold["noise"]["inline_related_headline"]]
    assert ctx.provenance["date"] == gold["provenance"]["date"]
    assert ctx.provenance["distributor"] == gold["provenance"]["distributor"]
    assert ctx.provenance["original_source"] == gold["provenance"]["original_source"]
    assert ctx.text == text  # never rewritten


def test_parse_wire_header_forms() -> None:
    h = parse_wire_header(" date 2026-01-13 MENAFN - UkrinForm) This was stated")
    assert h is not None and (h.date, h.distributor, h.source) == ("2026-01-13", "MENAFN", "UkrinForm")
    p = parse_wire_header("(MENAFN - Gulf Times) Qatar said on Monday")
    assert p is not None and (p.date, p.distributor, p.source) == (None, "MENAFN", "Gulf Times")
    assert parse_wire_header("The minister said (on Monday) that") is None


@pytest.mark.parametrize(
    ("text", "place", "date", "agency", "dateline"),
    [
        ("BERLIN, Jan 13 (Reuters) - German Defence Minister", "BERLIN", "Jan 13", "Reuters", "BERLIN, Jan 13 (Reuters) -"),
        ("NEW YORK, March 11 - Qintex said", "NEW YORK", "March 11", None, "NEW YORK, March 11 -"),
        ("WASHINGTON (AP) — The Senate", "WASHINGTON", None, "AP", "WASHINGTON (AP) —"),
        ("LONDON 1996-08-30\nWest Indian all-rounder", "LONDON", "1996-08-30", None, "LONDON 1996-08-30"),
    ],
)
def test_parse_dateline(text: str, place: str, date: str | None, agency: str | None, dateline: str) -> None:
    d = parse_dateline(text)
    assert d is not None
    assert (d.place, d.date, d.agency) == (place, date, agency)
    assert text[d.start:d.end] == dateline


def test_no_dateline_in_ordinary_sentences() -> None:
    assert parse_dateline("The man - who was not named - said") is None
    assert parse_dateline("Kallas said on Tuesday that") is None


def test_dateline_date_and_place_in_provenance() -> None:
    ctx = run("BERLIN, Sept 3 (Reuters) - Germany's economy grew.", versioncreated="2025-09-03T10:00:00Z")
    assert kinds(ctx)["dateline"] == ["BERLIN, Sept 3 (Reuters) -"]
    assert ctx.provenance["place"] == "BERLIN"
    assert ctx.provenance["agency"] == "Reuters"
    assert ctx.provenance["date"] == "2025-09-03"
    d = parse_dateline("PARIS, Feb 30 - x")
    assert d is not None and dateline_iso_date(d, 2025) is None  # no such day


def test_dateline_on_the_line_after_a_title() -> None:
    ctx = run("CRICKET - LEICESTERSHIRE TAKE OVER AT TOP.\nLONDON 1996-08-30\nWest Indian all-rounder Phil Simmons")
    assert kinds(ctx)["dateline"] == ["LONDON 1996-08-30"]
    assert ctx.provenance["date"] == "1996-08-30"


def test_credit_and_boilerplate() -> None:
    text = ("BERLIN, Jan 13 (Reuters) - The government said it would act.\n\n"
            "(Reporting by Sarah Marsh; Editing by Alex Richardson)\n\n"
            "Copyright 2026 Thomson Reuters. All rights reserved.")
    ctx = run(text)
    found = kinds(ctx)
    assert found["credit"] == ["(Reporting by Sarah Marsh; Editing by Alex Richardson)"]
    assert found["boilerplate"] == ["Copyright 2026 Thomson Reuters. All rights reserved."]
    assert ctx.provenance["credits"] == ["Reporting by Sarah Marsh; Editing by Alex Richardson"]


def test_short_paragraph_with_final_punctuation_is_not_a_headline() -> None:
    body = "The first paragraph of the story is long enough to be prose, and it ends properly."
    text = f"{body}\n\nShe said no.\n\n{body}\n\nMarkets rally as inflation cools in euro zone\n\n{body}"
    found = kinds(run(text))
    assert found.get("related_headline") == ["Markets rally as inflation cools in euro zone"]


@needs_shared
def test_reuters_corpus_articles_get_no_false_headlines() -> None:
    corpus = SHARED / "corpus" / "reuters21578.jsonl"
    with corpus.open(encoding="utf-8") as f:
        recs = [json.loads(next(f)) for _ in range(200)]
    for rec in recs:
        if rec["text"].strip():
            ctx = run(rec["text"])
            assert all(s["kind"] != "related_headline" for s in ctx.spans), rec["id"]
            assert all(0 <= s["start"] < s["end"] <= len(rec["text"]) for s in ctx.spans)


@needs_shared
def test_sample_without_title_gets_a_derived_headline_span_and_provenance() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    ctx = run(text)
    derived = kinds(ctx)["headline_derived"]
    assert len(derived) == 1
    headline = derived[0]
    assert headline.startswith("This was stated by EU High Representative")
    assert "Kaja Kallas" in headline and headline.endswith("correspondent reports.")
    assert "MENAFN" not in headline and "2026-01-13" not in headline
    assert ctx.provenance["headline"] == headline
    assert ctx.provenance["headline_derived"] is True
    assert ctx.article.headline is None and ctx.text == text  # the body and the received headline stay
    assert ctx.noise_spans() == ctx.noise_spans("header", "dateline", "credit", "boilerplate", "related_headline")


def test_derived_headline_skips_the_dateline_and_takes_a_title_line() -> None:
    ctx = run("BERLIN, Jan 13 (Reuters) - Germany's parliament voted on Tuesday to extend the mission. "
              "The vote was close.")
    assert kinds(ctx)["headline_derived"] == ["Germany's parliament voted on Tuesday to extend the mission."]
    ctx = run("GERMANY BEAT FRANCE IN FRIENDLY\nLONDON 1996-08-30\nGermany beat France 2-1 on Friday.")
    assert ctx.provenance["headline"] == "GERMANY BEAT FRANCE IN FRIENDLY"
    ctx = run("Cummins Engine Co said it told\nshareholders higher engine orders will result in improved\n"
              "earnings in the first quarter.\n    Cummins said the company should make progress.")
    assert ctx.provenance["headline"] == ("Cummins Engine Co said it told shareholders higher engine orders will "
                                          "result in improved earnings in the first quarter.")
    ctx = run("Sweden's Stora Kopparbergs Bergslags\nAB <SKPS ST> said it had now acquired 90 pct of shares in "
              "rival\npulp and paper makers Papyrus AB, thus passing the threshold\nabove which it can buy the rest.")
    assert ctx.provenance["headline"].startswith("Sweden's Stora Kopparbergs Bergslags AB <SKPS ST> said")
    ctx = run("Troops leave the city\nThe last soldiers left on Tuesday, officials said.")
    assert ctx.provenance["headline"] == "Troops leave the city"


def test_no_derived_headline_when_the_article_has_one() -> None:
    ctx = run("Mr. Smith said U.S. troops left. More text.", headline="Troops leave")
    assert "headline_derived" not in kinds(ctx) and "headline" not in ctx.provenance
    ctx = run("Mr. Smith said U.S. troops left on Jan. 3 after talks. More text.")
    assert ctx.provenance["headline"] == "Mr. Smith said U.S. troops left on Jan. 3 after talks."


def test_a_long_lead_is_cut_at_a_word_boundary() -> None:
    text = "The minister said " + "that the talks went on and on " * 20 + "until dawn. Next."
    ctx = run(text)
    headline = ctx.provenance["headline"]
    assert 100 < len(headline) <= 240 and text.startswith(headline) and not headline.endswith(" ")
