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
  the ``Reuter`` sign-off line of old Reuters wires.

``ctx.provenance`` gets what the header, dateline and credits say: ``date`` (ISO), ``distributor``,
``original_source``, ``place`` (dateline), ``agency`` (from ``(Reuters)`` in a dateline),
``credits`` (the credit line texts). Values already on the article (``located``, ``provider``,
``source``, ``versioncreated``) are kept when the text says nothing.

:func:`parse_wire_header` and :func:`parse_dateline` are plain functions so the ingest side can
call them without building a pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from streams.enrich.pipeline import Context

MONTHS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_RE = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)

# "date 2026-01-13 MENAFN - UkrinForm)"  /  "2026-01-13 MENAFN - Ukrinform)"  /  "(MENAFN - Ukrinform)"
_HEADER_DATED = re.compile(
    r"\A\s*(?:date\s*[:\-]?\s*)?(?P<date>\d{4}-\d{2}-\d{2})(?:[T ][\d:]{5,8}Z?)?\s+"
    r"\(?(?P<dist>[A-Z][\w.&'-]{1,30}(?: [A-Z][\w.&'-]{1,30}){0,2})\s*[-–—/]\s*"
    r"(?P<src>[^()\n]{2,60}?)\s*\)",
)
_HEADER_PAREN = re.compile(
    r"\A\s*\((?P<dist>[A-Z][\w.&'-]{1,30}(?: [A-Z][\w.&'-]{1,30}){0,2})\s*[-–—/]\s*(?P<src>[^()\n]{2,60}?)\)",
)

_PLACE = r"[A-Z][A-Z.'’\-]+(?:[ \-][A-Z][A-Z.'’\-]+){0,4}"
_REGION = r"(?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?)?"
# "BERLIN, Jan 13 (Reuters) -", "NEW YORK, March 11 -", "WASHINGTON (AP) —", "Kyiv, Ukraine, Jan 13 -"
_DATELINE = re.compile(
    rf"(?P<place>{_PLACE}{_REGION}|[A-Z][a-z]+(?: [A-Z][a-z]+)?{_REGION})"
    rf"(?:\s*,\s*(?P<date>{_MONTH_RE}\s+\d{{1,2}}(?:,\s*\d{{4}})?))?"
    r"\s*(?:\((?P<agency>[A-Za-z][\w .&-]{0,30})\))?"
    r"\s*(?P<dash>[-–—]{1,2})\s",
)
# "LONDON 1996-08-30" alone on a line (CoNLL-style Reuters)
_DATELINE_ISO = re.compile(rf"(?P<place>{_PLACE}{_REGION})\s+(?P<date>\d{{4}}-\d{{2}}-\d{{2}})[ \t]*(?=\n|\Z)")

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
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_FINAL_PUNCT = tuple(".!?:;\"”’'…)]")
_HEADLINE_MAX_CHARS = 160
_HEADLINE_MAX_WORDS = 22


@dataclass(frozen=True)
class WireHeader:
    """A distributor header at the top of a wire text. Offsets index the text it was parsed from."""

    start: int
    end: int
    date: str | None  # ISO date, e.g. "2026-01-13"
    distributor: str  # e.g. "MENAFN"
    source: str  # original source as written, e.g. "UkrinForm"


@dataclass(frozen=True)
class Dateline:
    """A dateline opening a story. ``date`` is the text as written (``"Jan 13"``), if any."""

    start: int
    end: int
    place: str
    date: str | None
    agency: str | None


def parse_wire_header(text: str) -> WireHeader | None:
    """Parse a distributor header at the very start of ``text`` (``date 2026-01-13 MENAFN - UkrinForm)``)."""
    m = _HEADER_DATED.match(text) or _HEADER_PAREN.match(text)
    if m is None:
        return None
    raw_date = m.groupdict().get("date")
    start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
    return WireHeader(start=start, end=m.end(), date=_valid_iso_date(raw_date), distributor=m.group("dist").strip(),
                      source=m.group("src").strip())


def parse_dateline(text: str, start: int = 0) -> Dateline | None:
    """Parse a dateline beginning at ``text[start:]`` (leading whitespace allowed).

    Recognises ``PLACE, Month D (Agency) -``, ``PLACE (Agency) -``, ``PLACE, Month D -`` and the
    line form ``PLACE YYYY-MM-DD``. A bare ``PLACE -`` does not count (slugs look the same).
    """
    pos = start
    while pos < len(text) and text[pos].isspace():
        pos += 1
    m = _DATELINE_ISO.match(text, pos)
    if m is None:
        m = _DATELINE.match(text, pos)
        if m is None:
            return None
        place = m.group("place")
        if not (m.group("date") or m.group("agency")):
            return None  # a bare "WORD -" is as often a slug ("CRICKET - ...") as a dateline
        if len(place) > 60:
            return None
    end = m.end()
    while end > m.start() and text[end - 1].isspace():
        end -= 1
    return Dateline(start=m.start(), end=end, place=m.group("place").strip(), date=m.group("date"),
                    agency=m.groupdict().get("agency"))


def dateline_iso_date(dateline: Dateline, reference_year: int | None = None) -> str | None:
    """The dateline's date as ISO ``YYYY-MM-DD`` when it is complete (or a year is given)."""
    if not dateline.date:
        return None
    iso = _valid_iso_date(dateline.date)
    if iso:
        return iso
    m = re.match(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:,\s*(\d{4}))?", dateline.date)
    if not m:
        return None
    month = MONTHS.get(m.group(1)[:3].lower())
    year = int(m.group(3)) if m.group(3) else reference_year
    if not month or not year:
        return None
    try:
        return date(year, month, int(m.group(2))).isoformat()
    except ValueError:
        return None


def _valid_iso_date(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        return None


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of blank-line separated paragraphs, stripped of surrounding whitespace."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        s, e = pos, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
        pos = m.end() if m else len(text)
    return out


def is_headline_like(par: str) -> bool:
    """A short single line without final punctuation whose words are mostly content words."""
    if "\n" in par or len(par) > _HEADLINE_MAX_CHARS or par.endswith(_FINAL_PUNCT):
        return False
    words = par.split()
    if not 3 <= len(words) <= _HEADLINE_MAX_WORDS or not par[0].isupper():
        return False
    if par[0] in "“\"'‘(-–—•*" or sum(ch.isdigit() for ch in par) > len(par) / 4:
        return False
    return True


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
        spans.sort(key=lambda s: (s["start"], s["end"]))
        ctx.spans.extend(spans)
        ctx.spans.sort(key=lambda s: (s["start"], s["end"]))
        self._fill_from_article(ctx, prov)
        ctx.provenance.update({k: v for k, v in prov.items() if v is not None})

    @staticmethod
    def _dateline_after_title(text: str, body_start: int) -> Dateline | None:
        """A dateline on the line after a headline line that opens the text (``TITLE\nLONDON 1996-08-30``)."""
        first_nl = text.find("\n", body_start)
        if first_nl < 0 or first_nl - body_start > _HEADLINE_MAX_CHARS:
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
    return len(par) > _HEADLINE_MAX_CHARS // 2 or par.rstrip().endswith(_FINAL_PUNCT)


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
