"""Stand-off noise and structure spans over an article body, and wire header/dateline parsing.

The body is never rewritten. :class:`TextSpans` records what a reader would skip as
``ctx.spans`` entries ``{"start", "end", "kind"}`` (Python ``str`` offsets into ``ctx.text``,
sorted by start) with these kinds:

- ``header``: a distributor header before the story, e.g. ``date 2026-01-13 MENAFN - UkrinForm)``
  or ``(MENAFN - Ukrinform)``;
- ``dateline``: ``BERLIN, Jan 13 (Reuters) -``, ``NEW YORK, March 11 -``, ``LONDON 1996-08-30``;
- ``related_headline``: an inline headline of another story standing alone as a paragraph
  between body paragraphs (short, one line, no final punctuation, headline-like);
- ``credit``: ``(Reporting by ...; Editing by ...)`` and similar credit lines;
- ``boilerplate``: copyright lines, "All rights reserved", "Click here / Read more / Follow us",
  the ``Reuter`` sign-off line of old Reuters wires;
- ``headline_derived`` (structure, not noise): when the article has no headline, the story's title
  line or first sentence after the header and dateline; ``provenance["headline"]`` holds its text
  and ``provenance["headline_derived"]`` is ``True``. ``article.headline`` stays as received.

``ctx.provenance`` gets what the header, dateline and credits say: ``date`` (ISO), ``distributor``,
``original_source``, ``place`` (dateline), ``agency`` (from ``(Reuters)`` in a dateline),
``credits`` (the credit line texts). Values already on the article (``located``, ``provider``,
``source``, ``versioncreated``) are kept when the text says nothing.

The header, dateline and paragraph parsing lives in :mod:`streams.text.wire`, shared with ingest.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from streams.enrich.pipeline import Context
from streams.text.wire import (
    FINAL_PUNCT,
    HEADLINE_DERIVED,
    HEADLINE_MAX_CHARS,
    Dateline,
    dateline_iso_date,
    derived_headline,
    is_headline_like,
    paragraphs,
    parse_dateline,
    parse_wire_header,
)

_CREDIT = re.compile(
    r"\((?:\s*(?:Additional\s+)?(?:Reporting|Writing|Editing|Compiled|Research|Graphics|Production|Translated)"
    r"(?:\s+and\s+\w+)?\s+by\b[^()]{1,300})\)",
    re.IGNORECASE,
)
_BOILERPLATE_LINE = re.compile(
    r"^[ \t]*(?:(?:©|\(c\)|copyright\b).{0,200}|.{0,120}\ball rights reserved\b.{0,80}|"
    r"(?:read more|click here|follow us|subscribe|sign up|related:?|see also|advertisement)\b.{0,160}|"
    r"reuter|reuters)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


class TextSpans:
    """Marks header, dateline, related headlines, credits and boilerplate; fills provenance."""

    name = "textspans"
    requires: tuple[str, ...] = ("text",)
    provides: tuple[str, ...] = ("spans", "provenance")
    english_only = False

    def __init__(self, related_headlines: bool = True) -> None:
        self.related_headlines = related_headlines

    def __call__(self, ctx: Context) -> None:
        text = ctx.text
        spans: list[dict[str, Any]] = []
        prov: dict[str, Any] = {}
        body_start = 0
        header = parse_wire_header(text)
        if header is not None:
            spans.append({"start": header.start, "end": header.end, "kind": "header"})
            prov.update(date=header.date, distributor=header.distributor,
                        original_source=_preferred_spelling(header.source, text, header.end))
            body_start = header.end
        dateline = parse_dateline(text, body_start) or self._dateline_after_title(text, body_start)
        if dateline is not None:
            spans.append({"start": dateline.start, "end": dateline.end, "kind": "dateline"})
            prov["place"] = dateline.place
            if dateline.agency:
                prov["agency"] = dateline.agency
            if not prov.get("date"):
                year = _year_of(ctx.article.versioncreated)
                dated = dateline_iso_date(dateline, year)
                if dated:
                    prov["date"] = dated
        credits = []
        for m in _CREDIT.finditer(text):
            spans.append({"start": m.start(), "end": m.end(), "kind": "credit"})
            credits.append(m.group(0)[1:-1].strip())
        if credits:
            prov["credits"] = credits
        for m in _BOILERPLATE_LINE.finditer(text):
            s, e = m.start(), m.end()
            while s < e and text[s].isspace():
                s += 1
            if e > s and not _overlaps(spans, s, e):
                spans.append({"start": s, "end": e, "kind": "boilerplate"})
        if self.related_headlines:
            spans.extend(self._related_headlines(text, spans))
        if not (ctx.article.headline or "").strip():
            self._derive_headline(text, header.end if header else 0, dateline, spans, prov)
        spans.sort(key=lambda s: (s["start"], s["end"]))
        ctx.spans.extend(spans)
        ctx.spans.sort(key=lambda s: (s["start"], s["end"]))
        self._fill_from_article(ctx, prov)
        ctx.provenance.update({k: v for k, v in prov.items() if v is not None})

    @staticmethod
    def _derive_headline(text: str, start: int, dateline: Dateline | None, spans: list[dict[str, Any]],
                         prov: dict[str, Any]) -> None:
        """Adds the ``headline_derived`` span and provenance when the story opens with a lead."""
        if dateline is not None and not text[start:dateline.start].strip():
            start = dateline.end
        found = derived_headline(text, start)
        if found is None:
            return
        s, e = found
        spans.append({"start": s, "end": e, "kind": HEADLINE_DERIVED})
        prov.update(headline=" ".join(text[s:e].split()), headline_derived=True)

    @staticmethod
    def _dateline_after_title(text: str, body_start: int) -> Dateline | None:
        """A dateline on the line after a headline line that opens the text (``TITLE\nLONDON 1996-08-30``)."""
        first_nl = text.find("\n", body_start)
        if first_nl < 0 or first_nl - body_start > HEADLINE_MAX_CHARS:
            return None
        return parse_dateline(text, first_nl + 1)

    @staticmethod
    def _related_headlines(text: str, taken: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pars = paragraphs(text)
        out = []
        for i in range(1, len(pars) - 1):
            s, e = pars[i]
            if _overlaps(taken, s, e) or not is_headline_like(text[s:e]):
                continue
            before, after = text[pars[i - 1][0]:pars[i - 1][1]], text[pars[i + 1][0]:pars[i + 1][1]]
            # only between real body paragraphs (prose, longer, with sentence punctuation)
            if _is_prose(before) and _is_prose(after):
                out.append({"start": s, "end": e, "kind": "related_headline"})
        return out

    @staticmethod
    def _fill_from_article(ctx: Context, prov: dict[str, Any]) -> None:
        art = ctx.article
        if not prov.get("place") and art.located:
            prov["place"] = art.located
        if not prov.get("distributor") and art.provider:
            prov["distributor"] = art.provider
        if not prov.get("original_source") and art.source:
            prov["original_source"] = art.source
        if not prov.get("date") and art.versioncreated:
            prov["date"] = art.versioncreated[:10]


def _is_prose(par: str) -> bool:
    return len(par) > HEADLINE_MAX_CHARS // 2 or par.rstrip().endswith(FINAL_PUNCT)


def _overlaps(spans: list[dict[str, Any]], start: int, end: int) -> bool:
    return any(s["start"] < end and start < s["end"] for s in spans)


def _year_of(iso: str | None) -> int | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).year
    except ValueError:
        return None


def _preferred_spelling(name: str, text: str, after: int) -> str:
    """The body's spelling of a header name when it differs only in case ('UkrinForm' -> 'Ukrinform')."""
    for m in re.finditer(re.escape(name), text[after:], re.IGNORECASE):
        return m.group(0)
    return name
