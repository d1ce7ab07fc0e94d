"""The body cut at annotation edges (pure code): overlaps, code-point offsets, bad spans, escaping."""

from __future__ import annotations

import html
import json
import re

from streams.web.highlight import Mark, article_marks, highlighted_body, pieces, render
from tests.store.articles import SAMPLE_GOLD
from tests.web.articles import hostile_article, sample_with_noise


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_overlapping_and_nested_marks_cut_the_text_at_every_edge() -> None:
    text = "Kaja Kallas said it."
    marks = [Mark("entity", 0, 11, "PERSON", 0, "Kaja Kallas"), Mark("entity", 5, 11, "PERSON", 1, "Kallas"),
             Mark("quote", 5, 16, "direct", 0, "Kaja Kallas"), Mark("noise", 12, 20, "credit", 0)]
    got = [(p.text, sorted(m.kind + str(m.ref) for m in p.marks)) for p in pieces(text, marks)]
    assert got == [
        ("Kaja ", ["entity0"]),
        ("Kallas", ["entity0", "entity1", "quote0"]),
        (" ", ["quote0"]),
        ("said", ["noise0", "quote0"]),
        (" it.", ["noise0"]),
    ]


def test_offsets_are_code_points_of_the_text_as_received() -> None:
    text = "😀🇪🇪 “Tallinn” — said Kallas"  # astral characters: 2 UTF-16 units each, 1 code point
    start = text.index("Tallinn")
    cut = pieces(text, [Mark("quote", start, start + 7, "direct", 0)])
    assert [p.text for p in cut if p.marks] == ["Tallinn"]
    assert "".join(p.text for p in cut) == text


def test_spans_outside_the_text_empty_or_reversed_are_skipped() -> None:
    text = "short"
    bad = [Mark("noise", -1, 3, "x", 0), Mark("noise", 2, 99, "x", 1), Mark("noise", 3, 3, "x", 2),
           Mark("noise", 4, 1, "x", 3)]
    assert [(p.text, p.marks) for p in pieces(text, bad)] == [("short", ())]


def test_the_rendered_body_is_the_text_as_received_with_every_quote_marked() -> None:
    ea = sample_with_noise()
    doc = ea.to_dict()
    body = str(highlighted_body(doc))
    assert _plain(body) == ea.article.body_text  # nothing added, dropped or rewritten
    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))
    for i, quote in enumerate(gold["quotes"]):
        marked = re.findall(rf'<(?:mark|a)[^>]*data-quote="(?:[0-9 ]* )?{i}(?: [0-9 ]*)?"[^>]*>([^<]*)<', body)
        segments = quote.get("segments") or [[quote["start"], quote["end"]]]
        assert html.unescape("".join(marked)) == "".join(ea.article.body_text[s:e] for s, e in segments)
    assert body.count('class="noise') >= 2  # the header line and the inline related headline
    assert {m.label for m in article_marks(doc) if m.kind == "noise"} == {"header", "related_headline"}


def test_hostile_text_and_names_are_escaped() -> None:
    doc = hostile_article().to_dict()
    body = str(highlighted_body(doc))
    assert "<script" not in body and "<img" not in body and "<svg" not in body
    assert _plain(body) == doc["article"]["body_text"]
    for tag in re.findall(r"<[^>]+>", body):  # only our own tags, attributes quoted and escaped
        assert re.fullmatch(r'<(/?)(mark|a)(\s+[a-z-]+="[^"<>]*")*>', tag), tag
    classes = re.findall(r'class="([^"]*)"', body)
    assert classes and all(re.fullmatch(r"[a-z0-9 -]+", c) for c in classes)  # a label never becomes markup


def test_render_escapes_attribute_values() -> None:
    text = "Mallory"
    out = str(render(pieces(text, [Mark("entity", 0, 7, '"><b', 0, '" onclick="x()')])))
    assert 'onclick="' not in out and "&#34;" in out
