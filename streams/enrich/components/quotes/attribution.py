"""Speakers carried over and resolved: who speaks when no cue says so, and which entity that is.

A quote without its own attribution continues the last attributed quote of its paragraph (or of
the paragraph before), or is the words of the subject of the paraphrase just before it; a
participle clause ("..., adding that ...") is spoken by the speaker of the quote its sentence
opens with. A speaker mention, once chosen, is resolved to an entity of ``ctx.entities``
(pronouns and descriptions through the :class:`~streams.enrich.components.quotes.mentions.Resolver`).
"""

from __future__ import annotations

import bisect
import re

from streams.enrich.components.quotes.cues import is_cue
from streams.enrich.components.quotes.mentions import Mention
from streams.enrich.components.quotes.sentences import WORD, sentence_start, visible_end
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import clause_subject, main_clause_start
from streams.enrich.components.quotes.syntax import main_clause_subject


def main_subject(art: ArticleState, lo: int, hi: int) -> Mention | None:
    """The subject of the clause a participle hangs on: the speaker of a quote opening the
    sentence ("“A,” Chaffetz said, adding ..."), else the sentence's first name or pronoun."""
    here = art.sentence_of(max(lo, hi - 1))
    for end, spk in reversed(art.attributed):
        if lo - 2 <= end and spk.start < hi:
            if here is not None and art.sentence_of(spk.start) not in (here, None):
                break  # “... a liar.” However, he held his fire, calling ...: the quote's speaker is the sentence before's
            return spk
        if end < lo:
            break
    spk = clause_subject(art, lo, hi)
    start = main_clause_start(art.text, lo, hi)
    if here is None or spk is None or not art.text[start : spk.start].strip(" \"“”'‘’("):
        return spk  # the sentence opens with it: nothing to mislead the rules
    # the first name may be an object ("The magazine opposed Trump, arguing ..."): the parse's subject
    main = main_clause_subject(art, here[0], here[1], hi - 1)
    if main is not None and start <= main.start < hi:
        return main
    return spk


def inherit(art: ArticleState, found: list[Found]) -> None:
    """A quote with no attribution continues the last attributed quote of its paragraph or of
    the paragraph just before (news quotes run on: “A,” he said. “B.”)."""
    last: Found | None = None
    last_par: tuple[int, int] | None = None
    for f in found:
        par = art.par_of(f.segments[0][0])
        if f.speaker is not None:
            last, last_par = f, par
            continue
        if last is not None and last.speaker is not None and last_par is not None:
            same = par == last_par
            adjacent = art.next_par(last_par) == par and art.starts_par(f, par)
            if same or adjacent:
                f.speaker, f.cue, f.source = last.speaker, last.cue, "inherited"
                last_par = par
                continue
        spk = _previous_paragraph_subject(art, f, par) or _previous_sentence_subject(art, f, par)
        if spk is not None:
            f.speaker, f.source = spk, "previous"
            last, last_par = f, par


def last_speaker(art: ArticleState, found: list[Found]) -> None:
    """A quotation of a sentence or more that nothing around attributes is the words of the last
    speaker quoted before it in the article (a run of quotes from the same interview or speech,
    set off from the sentence that named its speaker); a fragment is left unattributed."""
    last: Found | None = None
    for f in found:
        if f.speaker is not None and f.source in ("after", "before", "inherited", "previous"):
            last = f
        elif f.speaker is None and f.kind == "direct" and last is not None and f.marks and f.marks[0].close_mark is not None:
            f.speaker, f.source = last.speaker, "last"


def _previous_paragraph_subject(art: ArticleState, f: Found, par: tuple[int, int]) -> Mention | None:
    """A quote opening a paragraph after a paragraph of paraphrase is the words of that
    paragraph's last subject ("Valastro praised Christie's leadership ...\n\n“We need someone
    who ...”"), when that paragraph holds no quotation of its own."""
    if not art.starts_par(f, par) or par[0] == 0:
        return None
    i = bisect.bisect_left(art.par_starts, par[0])
    if i == 0:
        return None
    ps, pe = art.pars[i - 1]
    if (art.headline is not None and ps == art.headline[0]) or art.in_noise(ps):
        return None
    j = bisect.bisect_left(art.open_marks, ps)
    if j < len(art.open_marks) and art.open_marks[j] < pe:
        return None  # the paragraph before quotes someone itself
    end = visible_end(art.text, ps, pe)
    lo = sentence_start(art.text, end - 1, ps)
    spk = clause_subject(art, lo, end)
    if spk is None or len(WORD.findall(art.text[main_clause_start(art.text, lo, spk.start) : spk.start])) > 3:
        return None
    return spk


def _previous_sentence_subject(art: ArticleState, f: Found, par: tuple[int, int]) -> Mention | None:
    """A quote opening a sentence inside a paragraph, right after a sentence that reports speech
    without quoting it, is the words of that sentence's subject ("Bolton distanced himself ... by
    saying he would ... . “I'm going to support him ...”")."""
    open_mark = f.marks[0].open_mark
    if art.starts_par(f, par):
        return None
    lo = sentence_start(art.text, open_mark, par[0])
    if art.text[lo:open_mark].strip() or lo <= par[0]:
        return None
    prev_lo = sentence_start(art.text, lo - 1, par[0])
    prev = art.text[prev_lo:lo]
    if re.search(r"[\"“”]", prev) or not prev.rstrip().endswith("."):
        return None  # the sentence before quotes someone itself
    if not any(is_cue(art, w.group(), w.start()) for w in art.words(prev_lo, lo)):
        return None
    spk = clause_subject(art, prev_lo, lo)
    if spk is None or spk.kind not in ("PERSON", "pronoun") or spk.text.lower() in ("it", "i", "we", "they"):
        return None
    if len(WORD.findall(art.text[main_clause_start(art.text, prev_lo, spk.start) : spk.start])) > 2:
        return None
    return spk


def resolve_speaker(art: ArticleState, f: Found) -> tuple[int | None, str | None]:
    """The entity (index into the article's entities) and name of the quote's speaker. Call it
    on the quotes in text order: a person resolved as a speaker weighs in resolving the pronouns
    and descriptions of the quotes after it."""
    entity = art.resolver.resolve(f.speaker) if f.speaker is not None else None
    name = art.resolver.name(entity)
    if f.speaker is not None and entity is not None:
        art.resolver.note_speaker(f.speaker.start, entity)
    return entity, name
