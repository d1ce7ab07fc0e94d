"""Reported content that is a quotation marked with doubled apostrophes (``''``, a newspaper
convention the quote marks are not read from by default).

"''A,'' Ms. Roe said. ''B. C.''": the quotation goes on after its attribution, and the report is
the whole quotation, interjected attribution included (the attribution gold sets annotate it so);
"''A,'' said Ms. Roe, a lawyer in Ohio." with nothing after it: the report is A, not its speaker's
description. "''A. B,'' said Ms. Roe": a report found from B's sentence starts where the quotation opens.
A quotation is reported however short before its attribution ("''I hope so,'' Ms. Roe said.") and whole
after a reporting verb and a comma or colon ("Ms. Roe said: ''A. B.''").
"""

from __future__ import annotations

import bisect
import re

from streams.enrich.components.quotes.state import ArticleState

_MARK = "''"
#: a doubled apostrophe that can open or close a quotation (not two apostrophes inside a word)
_MARKS = re.compile(r"(?<!\w)''|''(?!\w)")
#: the closing marks of a quotation's first part: ",''" or "?''" before the attribution
_CLOSE = re.compile(r"[,?!—-]?''")
#: the rest of the attribution's sentence (an apostrophe inside a word allowed: "the province's
#: minister"), then the quotation's marks opening again
_CONTINUED = re.compile(r"(?:[^']|(?<=\w)'(?=\w))*?[.!?]\s*''(?!')")


def doubled_extent(art: ArticleState, s: int, e: int) -> tuple[int, int] | None:
    """The extent of report [s, e) when it opens with a quotation in doubled apostrophes: up to the
    end of the quotation's continuation in the next sentences of the paragraph ("''B. C.''"), or up
    to the quotation's own closing marks when nothing continues it; None when [s, e) does not open
    with such a quotation."""
    text = art.text
    if text.startswith(_MARK, s):
        inner = s + 2
    elif text.startswith(_MARK, s - 2):
        inner = s
    else:
        inner = _opened_before(art, s)
        if inner is None:
            return None
        s = inner
    close = _CLOSE.search(text, inner, e + 3)
    _, pe = art.par_of(s)
    if close is None:
        # "X said: ''A. B.''": a report that opens the quotation reports all of it, to its closing marks
        later = _CLOSE.search(text, e, pe)
        return (s, later.start()) if later is not None and inside_doubled(art, e) else None
    tail = text[close.end() : pe].rstrip()
    again = _CONTINUED.match(tail)
    if again is not None and tail.endswith(_MARK) and len(tail) - again.end() > 4:
        # "''B. C.''": the quotation goes on to the paragraph's end
        return s, close.end() + len(tail) - 2
    if close.group() != _MARK and close.start() <= e and _MARK not in text[close.end() : e]:
        return s, close.start()  # not "... to measure'' income, he said, rather than ...": a fragment
    return None


def is_doubled_quotation(art: ArticleState, s: int, comma: int) -> bool:
    """Whether [s, comma) ends a quotation in doubled apostrophes that is open at s: ''...,'' (however short;
    s may follow a sentence break inside it)."""
    inner = s + 2 if art.text.startswith(_MARK, s) else s
    return art.text.startswith(_MARK, comma + 1) and inside_doubled(art, inner)


def inside_doubled(art: ArticleState, pos: int) -> bool:
    """Whether ``pos`` lies inside a quotation in doubled apostrophes: after an odd number of them in its
    paragraph."""
    if art.doubled_marks is None:
        art.doubled_marks = [m.start() for m in _MARKS.finditer(art.text)] if _MARK in art.text else []
    marks = art.doubled_marks
    if not marks:
        return False
    ps, _ = art.par_of(pos)
    return (bisect.bisect_left(marks, pos) - bisect.bisect_left(marks, ps)) % 2 == 1


def _opened_before(art: ArticleState, s: int) -> int | None:
    """Where the quotation that [s starts inside of opens, when a sentence of its own cut it ("''Are you
    O.K., honey? Don't fall,'' he said": the report starts at "Are"); None outside doubled apostrophes."""
    if not inside_doubled(art, s):
        return None
    assert art.doubled_marks is not None
    return art.doubled_marks[bisect.bisect_left(art.doubled_marks, s) - 1] + 2
