"""The speaker phrase a reporting verb points to: its subject before it, an inverted subject after it.

Candidates are the mentions of :mod:`streams.enrich.components.quotes.mentions` (names, pronouns,
descriptions); the functions here pick the one that is grammatically the verb's subject, by
adjacency and a few sentence shapes (appositives, a fronted clause, a title before a name). When
no candidate fits, a short phrase of the text becomes a ``nominal`` mention of its own
(",” one voter said").
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.lexicon import BRIDGE_WORDS, WEEKDAYS
from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState

_NP_OPENERS = frozenset(["the", "a", "an", "one", "another", "his", "her", "their", "its", "our", "some", "many", "several", "two", "three", "four", "five", "few", "most", "both", "each", "every", "this", "that", "these", "those"])
_NOT_NP = frozenset(["while", "when", "as", "after", "before", "trying", "to", "and", "but", "because", "if", "then", "in", "on", "at", "for", "with", "by", "from", "during", "since", "so", "which", "who", "whom", "that", "this", "it", "there", "here"])
_OF_PHRASE = re.compile(r"\s+of\s+(?:the\s+)?[\w’'.-]+(?:\s+[\w’'.-]+){0,3}\s*")
#: what may open a sentence before its subject: punctuation, quote marks, a conjunction ("But Megan Hester, ...")
_SENTENCE_LEAD = re.compile(r"[\s\"“”'‘’(,;:—–-]*(?:(?:But|And|Yet|So|Still|Meanwhile|However),?\s+)?")
#: the writer's time of a report, between its subject and its verb: it leaves the subject unchanged
_WRITERS_TIME = re.compile(r"\s+(?:on\s+(?:" + WEEKDAYS + r")(?:\s+(?:morning|afternoon|evening|night))?"
                           r"|(?:last|earlier\s+this|this)\s+(?:week|month|year|night|morning))(?=\s)")
#: a sentence opened by a subordinate clause ("When Clinton noted ..., Trump boasted, “...”")
SUBORDINATOR = re.compile(r"\s*(?:When|While|As|After|Before|If|Because|Although|Though|Since|Until|Once|Whereas)\b")
#: a fronted phrase before a main clause ("In a White House statement, ...")
PREP_OPENER = re.compile(r"\s*(?:In|At|On|During|After|Before|From|Following|Unlike|Like|Despite|With|Without|Under|"
                         r"Since|Asked about|Speaking to|Speaking at|Speaking on|Writing in|Responding to)\b[^,.;:!?\"“”]{1,80},")


def bridge_only(text: str, lo: int, hi: int) -> bool:
    """Only bridge words, commas and spaces between lo and hi (or an appositive ", ... ,")."""
    gap = re.sub(r"\s*\([^()]{0,40}\)", "", text[lo:hi])  # "Chaffetz (R-Utah) said"
    gap = _WRITERS_TIME.sub("", gap)  # "Jeb Bush on Tuesday called", "Grassley (R-Iowa) last week said"
    words = WORD.findall(gap)
    if all(w.lower() in BRIDGE_WORDS for w in words) and not re.search(r"[.;:!?\"“”]|''", gap):  # not out of ''...''
        return True
    # ", ... , also said", but not ", ... , her friend said": a determiner opens the cue's own subject
    return bool(re.fullmatch(r"\s*,[^.;:!?\"“”,]{1,90},\s*(?:(?!(?:the|a|an|his|her|their|its|my|our|your)\b)\w+\s+){0,2}",
                             gap, re.IGNORECASE)) and len(words) <= 14


def in_parentheses(text: str, m: Mention) -> bool:
    """The mention is inside a parenthesis ("(R-Utah)")."""
    before = text[max(0, m.start - 40) : m.start]
    return before.rfind("(") > before.rfind(")")


def subject_before(art: ArticleState, cue_start: int, floor: int) -> Mention | None:
    """The speaker candidate ending just before a cue, bridged only by small words."""
    best: Mention | None = None
    # the nearest first (latest end, then longest): the first that passes is the one, and the bridge
    # test, the costly part, runs once or twice instead of once a mention in the window
    near = [m for m in iter_in(art.mentions, art.m_starts, max(floor, cue_start - 160), cue_start) if m.end <= cue_start]
    near.sort(key=lambda m: (-m.end, m.start))
    for m in near:
        if not in_parentheses(art.text, m) and bridge_only(art.text, m.end, cue_start):
            best = m
            break
    if best is None:
        for m in iter_in(art.mentions, art.m_starts, max(floor, cue_start - 80), cue_start):
            if m.kind == "nominal" and _OF_PHRASE.fullmatch(art.text, m.end, cue_start):
                best = m  # "the 34-year-old mother of three replied", "the director of the FBI said"
                break
    if best is None:
        # "Shane Shook, a cyber security expert who has helped investigate ..., said": an
        # appositive too long for the bridge test still ends in a comma right before the cue
        first, opens = first_mention(art, floor, cue_start)
        if (
            first is not None
            and first.kind in ("PERSON", "ORG", "nominal")
            and _SENTENCE_LEAD.fullmatch(art.text, floor, opens) is not None
            and re.fullmatch(r"\s*,[^.;:!?\"“”()]{1,200},\s*(?:also\s+)?", art.text[first.end : cue_start])
        ):
            return first
    if best is not None:
        # "Jean-Marc Ayrault, the foreign minister of France, a member of the Council, said":
        # the clause's first name, followed by appositives, is the subject
        first, opens = first_mention(art, floor, cue_start)
        if (
            first is not None
            and first is not best
            and first.kind in ("PERSON", "ORG", "nominal")
            and _SENTENCE_LEAD.fullmatch(art.text, floor, opens) is not None
            and re.fullmatch(r"\s*,[^.;:!?\"“”]{1,150},\s*", art.text[first.end : cue_start])
        ):
            return first
    if best is not None and best.kind == "nominal":
        # "Trump spokeswoman Hope Hicks said": a name right after the noun is the better mention
        for m in iter_in(art.mentions, art.m_starts, best.start, cue_start):
            if m.kind == "PERSON" and m.end <= cue_start and bridge_only(art.text, m.end, cue_start):
                return m
    return best


def first_mention(art: ArticleState, lo: int, hi: int) -> tuple[Mention | None, int]:
    """The first candidate in [lo, hi) and where its phrase opens; a name right after a title
    noun wins over the noun ("Representative Adam Schiff, the top Democrat ..., said")."""
    found = iter_in(art.mentions, art.m_starts, lo, hi)
    first = next(found, None)
    if first is None:
        return None, hi
    if first.kind == "nominal":
        nxt = next(found, None)
        if nxt is not None and nxt.kind == "PERSON" and nxt.start <= first.end + 1:
            return nxt, first.start
    return first, first.start


def named_after(art: ArticleState, pos: int, limit: int) -> Mention | None:
    """The first candidate after ``pos``; a name right after a title noun wins over the noun
    ("according to Turkish Foreign Minister Hakan Fidan")."""
    first = next(iter_in(art.mentions, art.m_starts, pos, min(limit, pos + 40)), None)
    if first is not None and first.kind in ("nominal", "NORP"):
        for m in iter_in(art.mentions, art.m_starts, first.start + 1, min(limit, first.end + 40)):
            if m.kind in ("PERSON", "ORG") and not art.text[first.end : m.start].strip(" "):
                return m
            if m.start > first.end:
                break
    return first


def subject_after(art: ArticleState, cue_end: int, limit: int) -> Mention | None:
    """The speaker right after a cue ("said Matt Bennett", "said the president")."""
    for m in iter_in(art.mentions, art.m_starts, cue_end, min(limit, cue_end + 60)):
        gap = art.text[cue_end : m.start]
        if not re.search(r"[;:!?\"“”,]|\.\s+[a-z]|[a-z]{5,}\.", gap) and len(WORD.findall(gap)) <= 4:
            return named_after(art, m.start, limit)  # said Mr. Obama / said 9/11 widow Terry Strada
        break
    return None


def opens_with_subject(art: ArticleState, ss: int, cue_start: int) -> bool:
    """The sentence opens with the cue's subject, a name and its appositive ("Megan Hester,
    senior associate at ..., said")."""
    lead = _SENTENCE_LEAD.match(art.text, ss, cue_start)
    ss = lead.end() if lead else ss  # "But Megan Hester, senior associate at ..., said"
    spk = subject_before(art, cue_start, ss)
    if spk is not None and spk.kind in ("PERSON", "ORG", "nominal") and not art.text[ss : spk.start].strip(" \"“”'‘’("):
        return True
    end = None
    for m in iter_in(art.mentions, art.m_starts, ss, cue_start):
        if end is None:
            if m.kind not in ("PERSON", "ORG", "nominal") or art.text[ss : m.start].strip(" \"“”'‘’("):
                return False
        elif m.start > end + 1 or m.kind != "PERSON":  # "Representative Adam Schiff": the name after its title
            break
        end = m.end
    if end is not None and re.fullmatch(r"\s*,[^.;:!?\"“”]{1,150},\s*", art.text[end:cue_start]):
        return True
    # "Carter’s press secretary, Peter Cook, told ...": a short noun phrase opened by a name,
    # then an appositive, then the cue
    shape = re.fullmatch(r"([^,;:.!?\"“”]{1,60}),[^,;:.!?\"“”]{1,80},\s*", art.text[ss:cue_start])
    first = next(iter_in(art.mentions, art.m_starts, ss, cue_start), None)
    return bool(shape) and len(WORD.findall(shape.group(1))) <= 5 and first is not None and first.start - ss <= 4


def main_clause_start(text: str, lo: int, hi: int) -> int:
    """Where a sentence's main clause starts, after a fronted phrase or subordinate clause
    ("In a White House statement, ...", "When Wallace died in 1998, ...")."""
    opener = PREP_OPENER.match(text, lo, hi)
    if opener:
        return opener.end()
    comma = text.find(",", lo, hi)
    if SUBORDINATOR.match(text, lo, hi) and comma > 0:
        return comma + 1
    return lo


def clause_subject(art: ArticleState, lo: int, hi: int) -> Mention | None:
    """The first name, pronoun or definite description of a sentence (its likely subject)."""
    lo = main_clause_start(art.text, lo, hi)
    for m in iter_in(art.mentions, art.m_starts, lo, hi):
        if m.start - lo > 200:
            return None
        if m.kind in ("PERSON", "ORG") or (m.kind == "pronoun" and m.text.lower() != "it"):
            return m
        if m.kind == "nominal" and m.definite:
            return m
    return None


def phrase_subject(text: str, lo: int, cue_start: int) -> Mention | None:
    """A short noun phrase opening the clause right before a cue, when no known candidate is
    there ("As a phone rang, the announcer said", "Demonstrators said they want ...")."""
    clause = max(lo, text.rfind(",", lo, cue_start) + 1)
    pre = text[clause:cue_start]
    words = WORD.findall(pre)
    if not 1 <= len(words) <= 5 or re.search(r"[;:()\"“”]", pre):
        return None
    first = words[0]
    numeric = re.match(r"\s*\d", pre) is not None  # "47 percent said"
    if not (first[0].isupper() or first.lower() in _NP_OPENERS or numeric) or first.lower() in _NOT_NP:
        return None
    return loose_mention(text, clause, cue_start)


def loose_mention(text: str, lo: int, hi: int) -> Mention | None:
    """A short phrase before a cue that names no known entity (",” one voter said")."""
    seg = text[lo:hi]
    m = re.search(r"[A-Za-z0-9][^,—–]*[\w.]", seg)
    if not m:
        return None
    words = [w for w in WORD.findall(m.group()) if w.lower() not in BRIDGE_WORDS]
    if not words or words[0].lower() in _NOT_NP or (len(words) > 4 and not words[0][0].isupper()):
        return None  # ",” while trying to explain": no noun phrase here
    s = lo + m.start()
    e = lo + m.end()
    while True:  # drop trailing bridge words ("the official also")
        tail = re.search(r"\s+(\w+)$", text[s:e])
        if tail and tail.group(1).lower() in BRIDGE_WORDS:
            e = s + tail.start()
            continue
        break
    return Mention(s, e, text[s:e], "nominal")


def loose_phrase(text: str, lo: int, hi: int) -> Mention | None:
    """The phrase right after a cue when no known candidate starts there ("wrote one commenter")."""
    m = re.match(r"\s+((?:[A-Z][\w’'.-]*\s?){1,4})", text[lo:hi])
    if not m:
        m = re.match(r"\s+((?:the|a|an|one|another|some|many|several|two|three)\s+[a-z0-9][\w’'-]*(?:\s+[a-z][\w’'-]*)?)"
                     r"(?=\s*[.,;:]|\s*$|\s+(?:in|on|at|who|during|after|when)\b)", text[lo:hi])
    if not m:
        return None
    s = lo + m.start(1)
    e = s + len(m.group(1).rstrip())
    return Mention(s, e, text[s:e], "nominal")


def leading_phrase(text: str, lo: int, hi: int) -> Mention | None:
    """A sentence's opening noun phrase when it starts with a determiner ("The ad claims ..."):
    the words up to the first one that looks like a verb."""
    m = re.match(r"\s*((?:The|A|An|His|Her|Their|Its|One|Another|This|That)\s+[^,;:.!?\"“”]*)", text[lo:hi])
    if not m:
        return None
    words = list(WORD.finditer(m.group(1)))
    end = None
    for i, w in enumerate(words[1:7], start=1):
        if re.fullmatch(r"[a-z]+(?:ed|s)", w.group()) and w.group() not in ("his", "its", "this", "was", "has", "is"):
            end = words[i - 1].end()
            break
    if end is None:
        return None
    start = lo + m.start(1)
    return Mention(start, start + end, text[start : start + end], "nominal")


def put_it_speaker(art: ArticleState, lo: int, hi: int) -> Mention | None:
    """The speaker in "as <speaker> put it": a name in it, else the phrase itself."""
    for m in iter_in(art.mentions, art.m_starts, lo, hi):
        if m.kind in ("PERSON", "ORG", "pronoun", "nominal") and m.end == hi:
            return m  # "as The New Yorker put it"
    return loose_mention(art.text, lo, hi)  # "as a Treasury memo put it"


def fronted_clause_end(text: str, lo: int, hi: int) -> int:
    """Where the main clause starts when the sentence [lo, hi) opens with a subordinate clause
    and the main clause has words of its own before ``hi`` (else ``lo``: "As Lee said, “...”"
    is Lee's)."""
    if not SUBORDINATOR.match(text, lo, hi):
        return lo
    start = main_clause_start(text, lo, hi)
    return start if start > lo and WORD.search(text, start, hi) else lo
