"""The article body as received, cut into pieces at every edge of an annotation (stand-off offsets).

Entities' mentions, quotes (each segment), the words naming each quote's speaker, and noise spans
(header, dateline, related headline...) may overlap or nest. The body is cut at every start and end
of every valid span; each piece carries every annotation that covers it, so overlapping spans need
no nesting in the HTML. Offsets are Python ``str`` indices: code points of the text as received,
the same units the enrichment wrote. Spans outside the text, empty or reversed, are skipped (an
article is untrusted input). Every piece of text and every attribute is escaped here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence
from urllib.parse import urlencode

from markupsafe import Markup, escape

from streams.core.records import entities_of, quotes_of
from streams.enrich.components.dedupe import STRUCTURE_KINDS


@dataclass(frozen=True)
class Mark:
    """One annotation over ``text[start:end]``."""

    kind: str  # entity | quote | speaker | noise
    start: int
    end: int
    label: str  # entity type, quote kind, noise span kind
    ref: int  # index of the entity or quote in the article
    name: str | None = None  # entity name, or the speaker's resolved name


@dataclass(frozen=True)
class Piece:
    """A run of text covered by the same marks."""

    text: str
    marks: tuple[Mark, ...]


def article_marks(doc: dict[str, Any]) -> list[Mark]:
    """Every mark of a stored enriched article (entities, quotes, speakers, noise spans)."""
    marks: list[Mark] = []
    for i, entity in enumerate(entities_of(doc.get("entities") or [])):
        marks += [Mark("entity", m.start, m.end, entity.type or "", i, entity.name) for m in entity.mentions]
    for i, quote in enumerate(quotes_of(doc.get("quotes") or [])):
        kind = quote.kind or "direct"
        for start, end in quote.segments or ((quote.start, quote.end),):
            marks.append(Mark("quote", start, end, kind, i, quote.speaker))
        if quote.speaker_mention is not None:
            marks.append(Mark("speaker", quote.speaker_mention.start, quote.speaker_mention.end, kind, i,
                              quote.speaker))
    for i, span in enumerate(doc.get("spans") or []):
        if isinstance(span, dict) and span.get("kind") not in STRUCTURE_KINDS:
            start, end = span.get("start"), span.get("end")
            if isinstance(start, int) and isinstance(end, int):
                marks.append(Mark("noise", start, end, str(span.get("kind")), i))
    return marks


def pieces(text: str, marks: Iterable[Mark]) -> list[Piece]:
    """``text`` cut at every edge of the valid marks, each piece with the marks covering it."""
    valid = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    edges = sorted({0, len(text), *(m.start for m in valid), *(m.end for m in valid)})
    starting: dict[int, list[Mark]] = {}
    for m in valid:
        starting.setdefault(m.start, []).append(m)
    active: list[Mark] = []
    out: list[Piece] = []
    for a, b in zip(edges, edges[1:]):
        active = [m for m in active if m.end > a] + starting.get(a, [])
        out.append(Piece(text[a:b], tuple(active)))
    return out


def speaker_url(name: str) -> str:
    """The console page of a speaker (the name as a query parameter: any text is safe there)."""
    return "/console/speaker?" + urlencode({"name": name})


def _css_word(label: str) -> str:
    """An entity type as a class name: letters and digits only (a type is article data too)."""
    word = "".join(ch for ch in label.lower() if ch.isascii() and ch.isalnum())
    return word or "other"


def _attrs(piece: Piece) -> tuple[str, dict[str, str]]:
    classes: list[str] = []
    attrs: dict[str, str] = {}
    titles: list[str] = []
    for m in piece.marks:
        if m.kind == "entity":
            classes.append(f"ent ent-{_css_word(m.label)}")
            titles.append(f"{m.name} ({m.label})" if m.label else str(m.name))
        elif m.kind == "quote":
            classes.append(f"quote q-{_css_word(m.label)}")
            attrs["data-quote"] = " ".join(filter(None, (attrs.get("data-quote"), str(m.ref))))
            titles.append(f"{m.label} quote" + (f" of {m.name}" if m.name else " (speaker unknown)"))
        elif m.kind == "speaker":
            classes.append("speaker")
            attrs["data-speaker-of"] = " ".join(filter(None, (attrs.get("data-speaker-of"), str(m.ref))))
        else:
            classes.append("noise")
            titles.append(f"noise: {m.label}")
    attrs["class"] = " ".join(sorted(set(" ".join(classes).split())))
    if titles:
        attrs["title"] = "; ".join(dict.fromkeys(titles))
    return ("a" if any(m.kind == "speaker" and m.name for m in piece.marks) else "mark"), attrs


def render(pieces_: Sequence[Piece]) -> Markup:
    """The pieces as HTML: plain text, or a ``<mark>`` (an ``<a>`` to the speaker's page for the words
    naming a resolved speaker) with classes and data attributes naming its marks."""
    html: list[str] = []
    for piece in pieces_:
        if not piece.marks:
            html.append(escape(piece.text))
            continue
        tag, attrs = _attrs(piece)
        if tag == "a":
            attrs["href"] = speaker_url(next(m.name for m in piece.marks if m.kind == "speaker" and m.name))
        rendered = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
        html.append(f"<{tag}{rendered}>{escape(piece.text)}</{tag}>")
    return Markup("".join(html))


def highlighted_body(doc: dict[str, Any]) -> Markup:
    """The stored article's body with every annotation highlighted in place."""
    text = doc.get("article", {}).get("body_text") or ""
    return render(pieces(text, article_marks(doc)))
