"""Reporting verbs in running text: the cues that mark a report of speech.

The verb forms themselves come from the lexicon (:mod:`streams.enrich.components.quotes.lexicon`);
this module decides whether a word of the text is used as one ("his claims" is a noun, "Stated
Stone:" a cue), extends a cue over its particle ("pointed out") and tells a participle clause
("..., saying ...") from a finite verb.
"""

from __future__ import annotations

import bisect
import re

from streams.enrich.components.quotes.sentences import sentence_end, sentence_start
from streams.enrich.components.quotes.state import ArticleState

STRONG_CUES = frozenset(["said", "says", "say", "told", "tells", "added", "adds", "noted", "notes", "argued", "argues", "wrote", "writes", "explained", "explains", "insisted", "insists", "warned", "warns", "claimed", "claims", "stressed", "stresses"])
#: verbs whose subject is often a document or a poll, not a known speaker ("A CNN/ORC poll showed ...")
EVIDENCE_CUES = frozenset(["show", "shows", "showed", "shown", "found", "finds", "suggest", "suggests", "suggested",
                           "indicate", "indicates", "indicated", "reveal", "reveals", "revealed", "report", "reports",
                           "reported", "concluded", "concludes", "estimated", "estimates", "predicted", "predicts"])
ACCORDING = re.compile(r"\b[Aa]ccording to\b")
#: multiword reporting predicates whose head word alone reports nothing (or is mostly a noun):
#: "made (it) clear (that) ...", the light-verb paraphrase of "clarify", the base form of
#: "point out", FrameNet's Statement frame lexical unit (its other forms are in the verb list),
#: and "made the case / the point that ..."
MULTIWORD_CUE = re.compile(r"(?:make|makes|made|making)\s+(?:it\s+)?(?:very\s+|quite\s+|abundantly\s+|perfectly\s+)?clear\b"
                           r"|point\s+out\b"
                           # "made the case that ...", "makes the point that ...": light-verb paraphrases of
                           # "argue" and "stress" (FrameNet Statement/Reasoning), only with "that" after them
                           r"|(?:make|makes|made|making)\s+(?:a|an|the|his|her|their|its)\s+(?:[a-z]+\s+){0,3}?"
                           r"(?:case|point|argument)\b(?=\s+that\b)")
#: the first words of :data:`MULTIWORD_CUE`, to try it on those words only
MULTIWORD_HEADS = frozenset(["make", "makes", "made", "making", "point"])


def is_cue(art: ArticleState, word: str, start: int | None = None) -> bool:
    """A reporting verb: lower case, or capitalised at the start of a sentence ("Stated Stone:")."""
    if word[:1].islower():
        return word in art.lex.speech_forms
    if start is not None and word.lower() in art.lex.speech_forms:
        return not art.text[max(0, start - 3) : start].strip() or art.text[max(0, start - 2) : start] == ". "
    return False


def noun_use(art: ArticleState, w: re.Match[str]) -> bool:
    """A reporting verb's -s form used as a plural noun: "his claims", "32% of Republican claims"."""
    if not w.group().endswith("s"):
        return False
    before = art.text[max(0, w.start() - 40) : w.start()]
    if re.search(r"\b(?:his|her|their|its|our|my|your|these|those|such|the|of)\s+$", before, re.IGNORECASE):
        return True
    if re.search(r"\bof\s+[\w’'-]+\s+$", before):
        return True
    i = bisect.bisect_left(art.m_starts, w.start()) - 1
    return i >= 0 and art.mentions[i].kind == "NORP" and not art.text[art.mentions[i].end : w.start()].strip()


def phrasal(text: str, cue: tuple[int, int]) -> tuple[int, int]:
    """Extend a cue over a particle: "pointed out", "went on"."""
    m = re.match(r"\s+(?:out|on|to|up|back)\b", text[cue[1] : cue[1] + 6])
    word = text[cue[0] : cue[1]].lower()
    if m and word.startswith(("point", "went", "go", "add")):
        return cue[0], cue[1] + m.end()
    return cue


def participle(text: str, w: re.Match[str], lo: int) -> bool:
    """An -ing cue after a comma or "while": "Trump attacked Clinton, saying ..." """
    return w.group().endswith("ing") and bool(
        re.search(r"(?:,|\bwhile|\bafter|\bbefore|\bby)\s*$", text[lo : w.start()])
    )


def near_cue(art: ArticleState, s: int, e: int) -> bool:
    """A reporting verb in the sentence(s) around [s, e), outside that span."""
    ps, pe = art.par_of(s)
    lo = sentence_start(art.text, s, ps)
    hi = sentence_end(art.text, e, pe)
    return any(is_cue(art, w.group()) for w in art.words(lo, hi) if not (s <= w.start() < e))
