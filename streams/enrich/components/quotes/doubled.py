"""Reported content that is a quotation marked with doubled apostrophes (``''``, a newspaper
convention the quote marks are not read from by default).

"''A,'' Ms. Roe said. ''B. C.''": the quotation goes on after its attribution, and the report is
the whole quotation, interjected attribution included (the attribution gold sets annotate it so);
"''A,'' said Ms. Roe, a lawyer in Ohio." with nothing after it: the report is A, not its speaker's
description. "''A. B,'' said Ms. Roe": a report found from B's sentence starts where the quotation opens.
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.state import ArticleState

_MARK = "''"
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
    if close is None:
        return None
    _, pe = art.par_of(s)
    tail = text[close.end() : pe].rstrip()
    again = _CONTINUED.match(tail)
    if again is not None and tail.endswith(_MARK) and len(tail) - again.end() > 4:
        # "''B. C.''": the quotation goes on to the paragraph's end
        return s, close.end() + len(tail) - 2
    if close.group() != _MARK and close.start() < e and _MARK not in text[close.end() : e]:
        return s, close.start()  # not "... to measure'' income, he said, rather than ...": a fragment
    return None


def _opened_before(art: ArticleState, s: int) -> int | None:
    """Where the quotation that [s starts inside of opens, when a sentence of its own cut it ("''Are you
    O.K., honey? Don't fall,'' he said": the report starts at "Are"); None outside doubled apostrophes."""
    ps, _ = art.par_of(s)
    before = art.text[ps:s]
    if before.count(_MARK) % 2 == 0:
        return None
    return ps + before.rfind(_MARK) + 2
