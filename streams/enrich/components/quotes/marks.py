"""Find quoted stretches of text from quote marks alone, in every typographic convention.

Handles straight and curly double quotes, doubled apostrophes (``''``, a newspaper convention),
single quotes (headlines, nested quotes), guillemets « » and German „ “. A quote that runs over
several paragraphs (the opening mark repeated at each paragraph start, no closing mark) becomes one
span per paragraph, linked by ``group``. Marks glued to the previous or next word are fine.

An unbalanced mark never swallows the rest of the text: an unclosed quote ends at its paragraph end
(or, in a very long paragraph, at the first sentence end), and the scan goes on from there.
Offsets are Python ``str`` indices into the text as given; spans exclude the marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: how far an unclosed quote may run inside one paragraph before it is cut at a sentence end
MAX_UNCLOSED_CHARS = 400
#: single-quoted spans longer than this are more likely apostrophes gone wrong than quotes
MAX_SINGLE_CHARS = 300

_DOUBLE_OPEN = {"“": "”", "„": "“", "«": "»", "‹": "›", "‟": "”"}
_DOUBLE_CLOSE = set("”»›")
_SENTENCE_END = re.compile(r"[.!?][\"'”’]?\s+(?=[\"“‘«„A-Z0-9])")


@dataclass
class MarkedQuote:
    """A stretch of text between quote marks (marks excluded)."""

    start: int
    end: int
    open_mark: int  # offset of the opening mark
    close_mark: int | None  # offset of the closing mark; None when the quote was left open
    single: bool = False  # delimited by single quotes
    group: int = -1  # spans of one multi-paragraph quote share a group id (>= 0)

    @property
    def text_len(self) -> int:
        return self.end - self.start


@dataclass
class _Mark:
    pos: int
    length: int
    char: str
    role: str  # "open", "close" or "either"


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _double_marks(par: str, base: int, double_apostrophes: bool) -> list[_Mark]:
    marks: list[_Mark] = []
    i, n = 0, len(par)
    while i < n:
        ch = par[i]
        if double_apostrophes and ch == "'" and i + 1 < n and par[i + 1] == "'":
            marks.append(_Mark(base + i, 2, '"', "either"))
            i += 2
            continue
        if ch == '"':
            marks.append(_Mark(base + i, 1, ch, "either"))
        elif ch in _DOUBLE_OPEN:
            marks.append(_Mark(base + i, 1, ch, "open"))
        elif ch in _DOUBLE_CLOSE:
            marks.append(_Mark(base + i, 1, ch, "close"))
        i += 1
    return marks


def _either_role(text: str, pos: int, length: int, is_open: bool) -> str:
    """Guess whether a straight mark opens or closes from its neighbours (used when ambiguous)."""
    before = text[pos - 1] if pos > 0 else " "
    after = text[pos + length] if pos + length < len(text) else " "
    if before.isspace() or before in "([{—–-/:" and not after.isspace():
        return "open"
    if after.isspace() or after in ".,;:!?)]}—–-":
        return "close"
    return "close" if is_open else "open"


def _stray_straight(text: str, mk: _Mark) -> bool:
    """A straight mark with nothing open that can only close: glued to the word before it and
    followed by a space or punctuation (an inch mark, 6'3" tall; a quote whose opening mark the
    text lost, ... of [his] systems" including ...). Opening a quote there would run it over the
    writer's words up to the next mark."""
    before = text[mk.pos - 1] if mk.pos > 0 else " "
    after = text[mk.pos + mk.length] if mk.pos + mk.length < len(text) else " "
    return (before.isalnum() or before in ".,!?…") and (after.isspace() or after in ".,;:!?)]}")


def _cut_unclosed(text: str, start: int, par_end: int) -> int:
    """Where an unclosed quote starting at ``start`` ends inside its paragraph."""
    if par_end - start <= MAX_UNCLOSED_CHARS:
        return par_end
    m = _SENTENCE_END.search(text, start, par_end)
    return m.start() + 1 if m else min(par_end, start + MAX_UNCLOSED_CHARS)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line of ``text``."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            out.append((m.start(), m.end()))
    return out


def _scan_paragraph(
    text: str, ps: int, pe: int, double_apostrophes: bool
) -> tuple[list[MarkedQuote], MarkedQuote | None]:
    """Double-quoted spans in one paragraph; the second value is a quote left open at its end."""
    found: list[MarkedQuote] = []
    open_at: _Mark | None = None
    for mk in _double_marks(text[ps:pe], ps, double_apostrophes):
        if open_at is None:
            role = mk.role if mk.role != "either" else _either_role(text, mk.pos, mk.length, False)
            if role == "close" and (mk.role == "close" or _stray_straight(text, mk)):
                continue  # a stray closing mark: ignore it
            open_at = mk
            continue
        after = text[mk.pos + mk.length : mk.pos + mk.length + 1]
        glued_closer = (  # “Apparently not,“ he said: an opening mark used as a closing one
            mk.role == "open" and mk.pos > 0 and not text[mk.pos - 1].isspace() and (not after or not after.isalnum())
        )
        closes = (
            mk.role == "close"
            or mk.role == "either"
            or glued_closer
            or (open_at.char == "„" and mk.char == "“")
            or (open_at.char == "»" and mk.char == "«")
        )
        if mk.role == "open" and not closes:
            # a second opening mark while one is open: the first was never closed. An earlier
            # mark glued to a word and followed by no word is a stray mark and is dropped.
            stray = open_at.pos > ps and _is_word(text[open_at.pos - 1]) and not _is_word(
                text[open_at.pos + open_at.length : open_at.pos + open_at.length + 1] or " "
            )
            if not stray:
                end = _cut_unclosed(text, open_at.pos + open_at.length, mk.pos)
                found.append(MarkedQuote(open_at.pos + open_at.length, end, open_at.pos, None))
            open_at = mk
            continue
        start = open_at.pos + open_at.length
        found.append(MarkedQuote(start, mk.pos, open_at.pos, mk.pos))
        open_at = None
    if open_at is None:
        return found, None
    start = open_at.pos + open_at.length
    return found, MarkedQuote(start, pe, open_at.pos, None)


def _single_quotes(text: str, ps: int, pe: int, taken: list[tuple[int, int]]) -> list[MarkedQuote]:
    """Single-quoted spans outside double-quoted ones (headlines: 'We will win,' he says)."""
    out: list[MarkedQuote] = []
    i = ps
    par = text
    while i < pe:
        ch = par[i]
        if ch in "'‘" and not (i + 1 < pe and par[i + 1] == "'") and not (i > ps and par[i - 1] == "'"):
            before = par[i - 1] if i > ps else " "
            after = par[i + 1] if i + 1 < pe else " "
            if not _is_word(before) and (_is_word(after) or after in "…$") and not _inside(i, taken):
                close = _find_single_close(text, i + 1, pe)
                if close is not None and close - i - 1 <= MAX_SINGLE_CHARS:
                    out.append(MarkedQuote(i + 1, close, i, close, single=True))
                    i = close + 1
                    continue
        i += 1
    return out


def _find_single_close(text: str, start: int, end: int) -> int | None:
    for j in range(start, min(end, start + MAX_SINGLE_CHARS + 1)):
        if text[j] in "'’":
            after = text[j + 1] if j + 1 < end else " "
            before = text[j - 1]
            if not _is_word(after) and (_is_word(before) or before in ".,!?…"):
                # "states' rights": a plural possessive, not a closing quote
                if before == "s" and after == " " and j + 2 < end and text[j + 2].islower():
                    continue
                return j
    return None


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _headline_like(text: str, ps: int, pe: int, first: bool) -> bool:
    """A title or inline headline line: short, and (unless first) not ending like a sentence (nor
    with a doubled apostrophe closing a quotation: ...,'' Ms. Compton recalled, ''and I said, 'Yes.' '')."""
    line = text[ps:pe].strip()
    if first and len(line) <= 250:
        return True
    return len(line) <= 160 and not line.endswith((".", "!", "?", '"', "”", ":", "''"))


def find_marked_quotes(text: str, *, single_quotes: str = "auto", double_apostrophes: bool = False) -> list[MarkedQuote]:
    """Every quoted stretch of ``text``, in order; never raises on odd or unbalanced marks.

    ``single_quotes``: ``"auto"`` reads single quotes as quote marks in headline-like lines, and
    everywhere when the text has no double quote marks at all (the British convention);
    ``"always"`` everywhere; ``"never"`` nowhere. Single quotes inside double-quoted spans
    (nested quotes) are never separate quotes. ``double_apostrophes``: read ``''`` as a double
    quote mark (an ASCII transliteration some archives use).
    """
    result: list[MarkedQuote] = []
    pars = paragraphs(text)
    # doubled apostrophes are the text's double quote marks even when they are not read as marks:
    # single quotes are then nested quotes (''I said, 'No boots on the ground,' '' he recalled)
    has_double = any(ch in text for ch in '"“”„«»') or re.search(r"(?<!\w)''|''(?!\w)", text) is not None
    single_everywhere = single_quotes == "always" or (single_quotes == "auto" and not has_double)
    pending: MarkedQuote | None = None  # a quote left open at the end of the previous paragraph
    next_group = 0
    for ps, pe in pars:
        lead = len(text[ps:pe]) - len(text[ps:pe].lstrip())
        first = ps + lead
        if pending is not None:
            if text.startswith("''", first) or text[first] in "\"“„«‘'":
                # opening mark repeated at the new paragraph: the quote goes on
                if pending.group < 0:
                    pending.group = next_group
                    next_group += 1
                result.append(pending)
                group = pending.group
            else:
                pending.end = _cut_unclosed(text, pending.start, pending.end)
                result.append(pending)
                group = -1
            pending = None
        else:
            group = -1
        found, left_open = _scan_paragraph(text, ps, pe, double_apostrophes)
        if group >= 0 and left_open is not None and left_open.open_mark == first and not found:
            left_open.group = group
        elif group >= 0 and found and found[0].open_mark == first:
            found[0].group = group
        result.extend(found)
        pending = left_open
        taken = [(q.open_mark, (q.close_mark or q.end) + 1) for q in found] + (
            [(left_open.open_mark, pe)] if left_open else []
        )
        if single_everywhere or (single_quotes == "auto" and _headline_like(text, ps, pe, ps == pars[0][0])):
            result.extend(_single_quotes(text, ps, pe, taken))
    if pending is not None:
        pending.end = _cut_unclosed(text, pending.start, pending.end)
        result.append(pending)
    result = [q for q in result if q.end > q.start and text[q.start : q.end].strip()]
    result.sort(key=lambda q: q.start)
    return result
