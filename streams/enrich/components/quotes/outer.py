"""The writer's source of a quotation when the sentence names one around its speaker: an attribution
closing the sentence (",” ..., the groups say.", ", reported the Examiner.") and "according to X"
(opening or closing the sentence). Attribution gold sets credit the outermost report of a nested one
("According to pool reports, Obama said “...”": pool reports), so these outrank the speaker the
words right next to the quote name (see :mod:`.direct`).
"""

from __future__ import annotations

import bisect
import re

from streams.enrich.components.quotes.cues import is_cue
from streams.enrich.components.quotes.lexicon import WEEKDAY_ABBREVIATIONS, WEEKDAYS
from streams.enrich.components.quotes.marks import MarkedQuote
from streams.enrich.components.quotes.mentions import Mention
from streams.enrich.components.quotes.sentences import WORD, sentence_end
from streams.enrich.components.quotes.state import ArticleState
from streams.enrich.components.quotes.subjects import (
    loose_phrase,
    named_after,
    phrase_subject,
    subject_after,
    subject_before,
)

#: a sentence opened by its source ("According to pool reports, ...") and one closed by it (",” ..., according to X.")
_ACCORDING_FRONT = re.compile(r"[\s\"“”'‘’(]*(?:But\s+|And\s+)?According to\b")
_ACCORDING_TAIL = re.compile(r"[^\"“”]*?,\s*according to\b")


def closing_attribution(
    art: ArticleState, q: MarkedQuote, own: tuple[int, int] | None = None
) -> tuple[Mention, tuple[int, int]] | None:
    """The speaker and cue of an attribution closing the quote's sentence after a comma (", the
    groups say.", ", the Tribune reported on Monday.", ", reported the Examiner."): it frames every
    quotation before it in the sentence, as long as no other reporting verb than the quote's ``own``
    cue stands between them (",” said Jo Roe, an aide, reports the Tribune.": the Tribune)."""
    if q.close_mark is None:
        return None
    sent = art.sentence_of(q.open_mark) or art.sentence_of(q.start)
    if sent is None:
        return None
    se = attribution_end(art, q, sent[1])
    if se <= q.close_mark + 1:
        return None
    while se > q.close_mark and (art.text[se - 1].isspace() or art.text[se - 1] in ".!?"):  # no-break spaces too
        se -= 1
    comma = art.text.rfind(",", max(q.close_mark + 1, se - 120), se)
    if comma < 0 or comma - q.close_mark > 400 or (own is not None and comma < own[1]):
        return None  # a short closing clause, not far from the quote, after the quote's own cue
    words = art.words(comma + 1, se)
    cues = [w for w in words if is_cue(art, w.group(), w.start())]
    if len(cues) != 1 or len(words) > 10:
        return None
    w = cues[0]
    cue = (w.start(), w.end())
    tail = art.text[w.end() : se]
    if words[0] is w:  # ", reported the Washington Examiner."
        spk = subject_after(art, w.end(), se + 1)
        if spk is None or art.text[spk.end : se].strip():
            return None
    else:  # ", the rights group says." / ", the Tribune reported on Monday."
        if _CLOSING_TAIL.fullmatch(tail) is None:
            return None
        spk = subject_before(art, w.start(), comma + 1) or phrase_subject(art.text, comma + 1, w.start())
        lead = art.text[comma + 1 : spk.start].strip(" \n”’\"'") if spk is not None else ""
        if spk is None or lead.lower() not in ("", "the") or spk.kind not in _CLOSING_KINDS:
            return None
    between = _unquoted(art, q.close_mark + 1, comma)
    if any(is_cue(art, x.group(), x.start()) and (own is None or x.start() + q.close_mark + 1 != own[0])
           for x in WORD.finditer(between)):
        return None
    return spk, cue


#: what may follow a closing cue: a time or a short adverbial ("said on Monday", "reported last week")
_CLOSING_TAIL = re.compile(r"(?:\s+(?:on|last|this|in|late|early|earlier|later|" + WEEKDAYS + r"|today|yesterday|week|"
                           r"month|year|night|morning|evening|afternoon|" + WEEKDAY_ABBREVIATIONS + r"|a|an|the|statement|"
                           r"interview|email|recently)\b\.?)*\s*")
_CLOSING_KINDS = ("PERSON", "ORG", "pronoun", "nominal", "NORP")


def _unquoted(art: ArticleState, lo: int, hi: int) -> str:
    """The text of [lo, hi) with the quotations in it blanked out."""
    chars = list(art.text[lo:hi])
    i = bisect.bisect_left(art.open_marks, lo)
    while i < len(art.marks) and art.marks[i].open_mark < hi:
        s, e = art.quoted[i]
        for k in range(max(s, lo), min(e, hi)):
            chars[k - lo] = " "
        i += 1
    return "".join(chars)


def attribution_end(art: ArticleState, q: MarkedQuote, se: int) -> int:
    """Where the attribution after the quote ends: the end ``se`` of the quote's sentence, or, when
    the sentence was cut at the closing mark of a quote of several sentences or one closing on a
    question ("... kill them,” Lee said, according to a transcript."), the end of the words after
    the mark up to the sentence's punctuation, in the paragraph and before the next quote."""
    lo = q.close_mark + 1 if q.close_mark is not None else q.end
    if se > lo or not art.text[q.start : q.end].rstrip().endswith((",", "?", "!", "—", "–")):
        return se
    i = bisect.bisect_left(art.open_marks, lo)
    hi = min([art.par_of(lo)[1], lo + 300] + art.open_marks[i : i + 1])
    return min(hi, sentence_end(art.text, lo, hi) + 1)


def according_source(art: ArticleState, q: MarkedQuote) -> tuple[Mention, tuple[int, int], str] | None:
    """The source of a sentence opened by "According to X," or closed by ", according to X."
    after the quote: the writer's source outranks a speaker the sentence reports through it
    ("According to pool reports, Obama said “there is love”": pool reports), as the
    attribution gold sets annotate nested reports."""
    sent = art.sentence_of(q.open_mark) or art.sentence_of(q.start)
    if sent is None or q.close_mark is None:
        return None
    ss, se = sent[0], attribution_end(art, q, sent[1])
    front = _ACCORDING_FRONT.match(art.text, ss, q.open_mark)
    if front:
        comma = art.text.find(",", front.end(), q.open_mark)
        if comma < 0:
            return None
        spk = _source_after(art, front.end(), comma)
        if spk is None or spk.end > comma:
            return None
        return spk, (front.end() - len("according to"), front.end()), "before"
    tail = _ACCORDING_TAIL.match(art.text, q.close_mark + 1, se)
    if tail is None:
        return None
    spk = _source_after(art, tail.end(), se)
    if spk is None:
        return None
    return spk, (tail.end() - len("according to"), tail.end()), "after"


def _source_after(art: ArticleState, lo: int, hi: int) -> Mention | None:
    """The source named in [lo, hi) after "according to": a speaker, a loose phrase, or else the noun
    phrase that names no one ("according to a transcript of the show", "according to excerpts of her
    speech"): the words up to the clause's end."""
    named = named_after(art, lo, hi) or loose_phrase(art.text, lo, hi)
    if named is not None:
        return named
    m = re.match(r"\s+([A-Za-z][^,;:!?\"“”()]*?)\s*[.]?\s*$", art.text[lo:hi])
    if m is None or not 1 <= len(WORD.findall(m.group(1))) <= 12:
        return None
    s = lo + m.start(1)
    e = lo + m.end(1)
    return Mention(s, e, art.text[s:e], "nominal")
