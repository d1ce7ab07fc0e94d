"""Reports whose content is a prepositional object: "Trump talked about the wall", "Sanders
called for a higher minimum wage", "his criticism of the deal", "critical of the plan".

The heads are verbs, nouns and adjectives of communication and stance with the prepositions
that introduce what was said or judged (``data/quotes/prep_cues.txt``, with its sources). The
content is the object up to the next clause break; the speaker is the verb's or adjective's
subject, or the possessor of the noun ("Obama's calls for ...", "his criticism of ...").
"""

from __future__ import annotations

import re
from functools import lru_cache

from streams.enrich.components.quotes.clauses import PROGRESSIVE, content_end
from streams.enrich.components.quotes.lexicon import WEEKDAYS, data_lines, inflections
from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import subject_before

#: words allowed between a head and its preposition ("spoke openly about", "spoke out against")
_BETWEEN = re.compile(r"(?:\s+(?:out|up|again|also|publicly|openly|\w+ly))?\s+")
#: an addressee between a verb and its preposition ("spoke [to voters] about", "complained [to the
#: board] about"): up to four words after "to" or "with"
_ADDRESSEE_GAP = re.compile(r"\s+(?:to|with)\s+(?:[A-Za-z][\w’'.-]*\s+){1,4}?(?=(?:about|on)\s)")
#: where the object ends: a comma, a semicolon or colon, a dash, a bracket, the sentence's end, or
#: the writer's circumstances after it ("talked about trade [at a rally on Monday]")
_OBJECT_END = re.compile(r"\s*(?:[,;:()]|\s[—–-]{1,2}\s|[.!?](?:\s|$))|\s+(?:at|during|since|because|when|while|until)\s"
                         r"|\s+(?:on|last|this|earlier|late|early)\s+(?:" + WEEKDAYS + r"|week|month|year|night|morning|"
                         r"evening)\b"
                         r"|\s+the\s+(?:morning|afternoon|evening|night|day|week)\s+(?:after|before)\b"
                         r"|\s+in\s+(?:a|an|his|her|their|its)\s+(?:\w+\s+)?(?:interview|speech|statement|rally|"
                         r"debate|address|op-ed|letter|post|tweet|appearance)\b")
#: a duration or an amount, not what was said ("spoke for [about 30 minutes]", "voted for [two years]")
_AMOUNT = re.compile(r"(?:about|nearly|almost|more than|less than|over|several|a few|\d[\d,.]*)\s+(?:\w+\s+)?"
                     r"(?:minutes|hours|days|weeks|months|years|seconds|percent|times)\b")
#: a possessor right before a noun head ("his criticism of", "Obama’s calls for")
_POSSESSOR = re.compile(r"(?:\b(his|her|their|its|our)|(?:’s|'s|’|'))\s+(?:\w+\s+)?$", re.IGNORECASE)
#: a form of "be" before an adjective head ("is critical of", "has been upbeat about")
_COPULA = re.compile(r"\b(?:is|are|was|were|be|been|being|remains?|remained|seems?|seemed|appears?|appeared)"
                     r"\s+(?:\w+ly\s+|not\s+|also\s+|still\s+)?$")


#: characters: longer "sentences" are tables or lists (as in :mod:`.indirect`), not read here
MAX_SENTENCE = 3000


@lru_cache(maxsize=1)
def prep_heads() -> dict[str, tuple[str, frozenset[str]]]:
    """Lower-cased word form -> (part of speech, the prepositions that introduce its content)."""
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for line in data_lines("prep_cues.txt"):
        word, pos, *preps = line.split()
        forms = inflections(word) if pos == "v" else {word, word + ("es" if word.endswith("s") else "s")} if pos == "n" else {word}
        for form in forms:
            old = out.get(form, (pos, frozenset()))
            out[form] = (old[0], old[1] | frozenset(p.replace("-", " ") for p in preps))
    return out


def prepositional_reports(art: ArticleState, ss: int, se: int, taken: list[Found]) -> list[Found]:
    """The reports of sentence [ss, se) (without quote marks) whose content is the object of a
    head's preposition, left out where a report in ``taken`` already has that cue or content."""
    heads = prep_heads()
    text = art.text
    out: list[Found] = []
    if se - ss > MAX_SENTENCE:  # a table or a run-on list: each object would rescan to its end
        return out
    for w in art.words(ss, se):
        low = w.group().lower()
        entry = heads.get(low)
        if entry is None or not w.group()[:1].islower():
            continue
        pos, preps = entry
        gap = _BETWEEN.match(text, w.end(), se)
        if gap is None:
            continue
        prep = next((p for p in preps if text.startswith(p, gap.end()) and text[gap.end() + len(p) : gap.end() + len(p) + 1] == " "), None)
        if prep is None and pos == "v":  # "spoke to voters about health care": past the addressee
            gap = _ADDRESSEE_GAP.match(text, w.end(), se)
            prep = next((p for p in preps if gap is not None and text.startswith(p + " ", gap.end())), None)
        if prep is None:
            continue
        start = gap.end() + len(prep) + 1
        if not WORD.match(text, start) and text[start : start + 1] not in "“\"'‘$0123456789":
            continue
        if _AMOUNT.match(text, start, se):
            continue
        stop = _OBJECT_END.search(text, start, se)
        end = content_end(text, start, stop.start() if stop else se)
        if end - start < 3 or any(_overlaps(f, w.start(), end) for f in taken + out):
            continue
        spk = _speaker(art, ss, w, pos)
        if spk is None:
            continue
        out.append(Found("indirect", [(start, end)], spk, (w.start(), start - 1), "prepositional"))
    return out


def _overlaps(f: Found, cue_start: int, end: int) -> bool:
    """``f``'s cue lies in [cue_start, end), or its content starts there (the same report), or the
    cue lies in its content: "He said members of the court shouldn't weigh in on elections" reports
    what he said, not what the members weigh in on (on PolNeAR train 1-300, 4 of 24 such nested
    reports were annotated)."""
    if f.cue is not None and cue_start <= f.cue[0] < end:
        return True
    return any(cue_start <= s < end or s <= cue_start < e for s, e in f.segments)


def _speaker(art: ArticleState, ss: int, w: re.Match[str], pos: str) -> Mention | None:
    """Who spoke: a verb's or adjective's subject, a noun's possessor."""
    text = art.text
    if pos == "n":
        poss = _POSSESSOR.search(text, max(ss, w.start() - 40), w.start())
        if poss is None:
            return None
        if poss.group(1):
            p = poss.start(1)
            return Mention(p, poss.end(1), poss.group(1), "pronoun")
        return next((m for m in iter_in(art.mentions, art.m_starts, max(ss, poss.start() - 60), poss.start() + 1)
                     if m.end == poss.start()), None)
    at = w.start()
    if pos == "a":
        cop = _COPULA.search(text, max(ss, at - 30), at)
        if cop is None:
            return None
        at = cop.start()
    elif w.group().endswith("ing"):
        aux = PROGRESSIVE.search(text, max(ss, at - 30), at)
        if aux is None:
            return None
        at = aux.start()
    return subject_before(art, at, ss)
