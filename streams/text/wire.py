"""Wire-text structure shared by ingest and enrich: distributor header, dateline, paragraphs.

Plain functions over the text as received; every offset indexes that text. Ingest reads provenance
with them (:mod:`streams.ingest.identity`) and the ``textspans`` enrichment component marks the same
spans as stand-off annotations (:mod:`streams.enrich.components.textspans`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

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

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
FINAL_PUNCT = tuple(".!?:;\"”’'…)]")
HEADLINE_MAX_CHARS = 160
HEADLINE_MAX_WORDS = 22


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
    if "\n" in par or len(par) > HEADLINE_MAX_CHARS or par.endswith(FINAL_PUNCT):
        return False
    words = par.split()
    if not 3 <= len(words) <= HEADLINE_MAX_WORDS or not par[0].isupper():
        return False
    if par[0] in "“\"'‘(-–—•*" or sum(ch.isdigit() for ch in par) > len(par) / 4:
        return False
    return True


DERIVED_HEADLINE_MAX_CHARS = 240
#: the span kind of a derived headline: structure, not noise (components keep its text)
HEADLINE_DERIVED = "headline_derived"
_ABBREV = frozenset({"mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "gov", "sen", "rep", "prof",
                     "jr", "sr", "inc", "corp", "co", "ltd", "no", "vs", "jan", "feb", "mar", "apr", "aug",
                     "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e"})
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9]|\s*\Z)")


def derived_headline(text: str, start: int = 0) -> tuple[int, int] | None:
    """(start, end) of a headline for a text without a title line: its lead's first sentence.

    ``start`` is where the story begins (after a distributor header and dateline). A first line that
    reads as a title (short, no final punctuation) is taken whole; otherwise the first sentence of the
    first paragraph (hard-wrapped lines and all), cut at a word boundary when longer than
    ``DERIVED_HEADLINE_MAX_CHARS``.
    """
    pars = paragraphs(text[start:])
    if not pars:
        return None
    s, e = pars[0][0] + start, pars[0][1] + start
    nl = text.find("\n", s, e)
    first_line_end = nl if nl >= 0 else e
    while first_line_end > s and text[first_line_end - 1].isspace():
        first_line_end -= 1
    if nl >= 0 and not _continues(text[nl + 1:e]) and is_headline_like(text[s:first_line_end]):
        return s, first_line_end
    end = _first_sentence_end(text, s, e)
    if end - s > DERIVED_HEADLINE_MAX_CHARS:
        cut = text.rfind(" ", s, s + DERIVED_HEADLINE_MAX_CHARS)
        end = cut if cut > s else s + DERIVED_HEADLINE_MAX_CHARS
        while end > s and (text[end - 1].isspace() or text[end - 1] in ",;:-–—"):
            end -= 1
    return (s, end) if end > s else None


def _continues(rest: str) -> bool:
    """The lines after a first line go on with its sentence: hard-wrapped text (a lower-case start,
    or two full-width lines that do not end a sentence), not a body under a title line."""
    lines = [line.strip() for line in rest.split("\n")]
    if lines and lines[0][:1].islower():
        return True
    wrapped = [line for line in lines[:2] if len(line) >= 40 and not line.endswith(FINAL_PUNCT)]
    return len(wrapped) == 2


def _first_sentence_end(text: str, start: int, end: int) -> int:
    """End offset (after the punctuation) of the first sentence in ``text[start:end]``, or ``end``."""
    for m in _SENTENCE_END.finditer(text, start, end):
        if text[m.start()] == ".":
            word = re.search(r"([\w.]+)\Z", text[max(start, m.start() - 12):m.start()])
            token = word.group(1).lower() if word else ""
            if token in _ABBREV or (len(token) == 1 and token.isalpha()):
                continue
        return m.end()
    return end
