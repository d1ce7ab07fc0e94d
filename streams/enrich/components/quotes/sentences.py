"""Words and sentence boundaries of an article, as the quote finder reads them.

Sentences come from the parser when there is one (cut at paragraph breaks, rejoined after a title
or an initial the parser took for a sentence end), else from punctuation. Sentence ends found by
punctuation skip abbreviations ("Mr.", "George W. Bush") unless a new sentence plainly opens
after them ("in the U.S. He says ...").
"""

from __future__ import annotations

import re
from typing import Any

#: a word as the quote finder counts and matches them
WORD = re.compile(r"[A-Za-z][\w’'-]*")
_ABBREV = {"mr", "mrs", "ms", "dr", "sen", "gov", "rep", "rev", "fr", "mt", "ft", "pres", "supt", "cmdr", "adm", "maj", "st", "jr", "sr", "gen", "lt", "col", "sgt", "capt", "prof",
           "u.s", "u.n", "u.k", "e.u", "inc", "co", "corp", "no", "vs", "jan", "feb", "aug", "sept", "oct", "nov", "dec"}
#: titles before a name, after which a sentence never ends ("Mrs. Clinton")
_TITLE_ABBREV = frozenset(["mr", "mrs", "ms", "dr", "sen", "gov", "rep", "rev", "fr", "pres", "supt", "cmdr", "adm", "maj",
                           "gen", "lt", "col", "sgt", "capt", "prof"])
_SENT_END = re.compile(r"[.!?]+[\"'”’]?(?=\s+[\"“‘'(\[]?[A-Z0-9]|\s*$)")
#: a "sentence" ending in a bracketed abbreviation ("(I-Vt.)", "(R-Texas.)") and one opening in lower case
_PARENTHESIS_END = re.compile(r"\.\)\s*$")
_LOWER_START = re.compile(r"[a-z]")
_VISIBLE = re.compile(r"\S")
#: a word that opens a new sentence after an abbreviation ("... in the U.S. He says")
_SENTENCE_OPENER = re.compile(r"\s+(?:He|She|It|They|We|I|The|But|And|This|That|These|Those|There|His|Her|Their|Its)\b")


def split_sentences(text: str, pars: list[tuple[int, int]], doc: Any) -> list[tuple[int, int]]:
    """The sentences of ``text`` as (start, end) spans: the parser's (``doc.sents``) when it has
    them, else by punctuation inside each paragraph of ``pars``."""
    if doc is not None:
        try:
            out = []
            for sent in doc.sents:  # a sentence never runs over a paragraph break
                start = sent.start_char
                for m in re.finditer(r"\n\s*", text[sent.start_char : sent.end_char]):
                    out.append((start, sent.start_char + m.start()))
                    start = sent.start_char + m.end()
                out.append((start, sent.end_char))
            return _join_abbreviations(text, [(a, b) for a, b in out if b > a])
        except ValueError:  # a Doc without sentence boundaries
            pass
    out = []
    for ps, pe in pars:
        start = ps
        for m in _SENT_END.finditer(text, ps, pe):
            if is_abbrev(text, m.start()):
                continue
            out.append((start, m.end()))
            start = m.end()
        if start < pe:
            out.append((start, pe))
    return out


def _join_abbreviations(text: str, sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Undo sentence breaks after a title or an initial ("Mrs. | Clinton's tax plan")."""
    out: list[tuple[int, int]] = []
    for a, b in sents:
        if out:
            pa, pb = out[-1]
            title = re.search(r"(?:^|[^\w.])([A-Za-z]+)\.$", text[pa:pb].rstrip())
            if title and (title.group(1).lower() in _TITLE_ABBREV or len(title.group(1)) == 1) and "\n" not in text[pb:a]:
                out[-1] = (pa, b)
                continue
            if _PARENTHESIS_END.search(text, pa, pb) and _LOWER_START.match(text, a) and "\n" not in text[pb:a]:
                out[-1] = (pa, b)  # "Sen. Bernie Sanders (I-Vt.) | said he will ...": an abbreviation in brackets
                continue
        out.append((a, b))
    return out


def is_abbrev(text: str, dot: int) -> bool:
    """The character at ``dot`` is the full stop of an abbreviation, not a sentence end."""
    if text[dot] != ".":
        return False
    m = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 8) : dot])
    if not m or not (m.group(1).lower() in _ABBREV or len(m.group(1)) == 1):
        return False
    if m.group(1).lower() in _TITLE_ABBREV or len(m.group(1)) == 1:
        return True  # "Mr. Clarke", "George W. Bush"
    # "in the U.S. He says ...": a sentence opener after "U.S." or "Inc." ends the sentence
    return not _SENTENCE_OPENER.match(text, dot + 1)


def sentence_end(text: str, start: int, limit: int) -> int:
    """Where the first sentence end after ``start`` is (its punctuation), or ``limit``."""
    for m in _SENT_END.finditer(text, start, limit):
        if not is_abbrev(text, m.start()):
            return m.start()
    return limit


def visible_end(text: str, lo: int, hi: int) -> int:
    """The end of ``text[lo:hi]`` without its trailing whitespace (``lo`` when it is all whitespace).

    Reads the text in place: slicing a paragraph up to each of its quotes copies it once a quote,
    quadratic in a long paragraph of many quotes."""
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return hi


def blank(text: str, lo: int, hi: int) -> bool:
    """``text[lo:hi]`` is empty or whitespace only (read in place, as :func:`visible_end`)."""
    return _VISIBLE.search(text, lo, hi) is None


def sentence_start(text: str, pos: int, floor: int) -> int:
    """Start of the sentence containing ``pos`` (not before ``floor``, nor more than 600
    characters back), by punctuation."""
    floor = max(floor, pos - 600)
    best = floor
    for m in _SENT_END.finditer(text, floor, pos):
        if not is_abbrev(text, m.start()):
            best = m.end()
    return best
