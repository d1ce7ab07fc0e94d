"""Reports an adjective of certainty or attitude carries: "Clinton aides were confident that
Democrats would ...", "..., convinced that the race was over".

The adjectives are those of FrameNet's Certainty frame (certain, confident, convinced, positive,
sure, unsure, doubtful) and the attitude adjectives that take a that-clause the same way (aware,
hopeful, optimistic, pessimistic, skeptical, adamant, concerned, afraid). The subject of the copula
is the speaker; the clause after "that" is the content.
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.attribution import main_subject
from streams.enrich.components.quotes.clauses import content_end
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import subject_before

_ADJECTIVE_THAT = re.compile(r"\b(?:certain|confident|convinced|unconvinced|positive|sure|unsure|doubtful|aware|hopeful|"
                             r"optimistic|pessimistic|skeptical|sceptical|adamant|concerned|afraid)\s+that\s+(?=\w)")
#: the copula before the adjective (its adverbs between), or the comma of a clause hanging on the main one
_COPULA = re.compile(r"\b(?:is|was|are|were|am|be|been|being|remain|remains|remained|seem|seems|seemed|feel|feels|felt|"
                     r"’m|'m|’re|'re|’s|'s)\s+(?:(?:not|also|still|very|quite|more|less|fairly|increasingly|now|"
                     r"\w+ly)\s+){0,2}$")
_HANGING = re.compile(r",\s+(?:(?:not|very|quite|\w+ly)\s+)?$")


def adjective_reports(art: ArticleState, sentences: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[Found]:
    """The reports of :data:`_ADJECTIVE_THAT` adjectives in ``sentences`` (each (start, end),
    without quote marks) whose subject is a speaker candidate, where no report in ``taken`` lies."""
    out: list[Found] = []
    text = art.text
    for ss, se in sentences:
        for m in _ADJECTIVE_THAT.finditer(text, ss, se):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            lo = max(ss, m.start() - 40)
            copula = _COPULA.search(text, lo, m.start())
            if copula is not None:
                spk = subject_before(art, copula.start(), ss)
            elif _HANGING.search(text, lo, m.start()):
                spk = main_subject(art, ss, m.start())
            else:
                continue
            if spk is None or spk.text.lower() in ("it", "this", "that") or se - m.end() < 12:
                continue  # "It is certain that ...": an expletive, no one is certain
            out.append(Found("indirect", [(m.end(), content_end(text, m.end(), se))], spk,
                             (m.start(), m.start() + len(m.group().split()[0])), "adjective"))
            break
    return out
