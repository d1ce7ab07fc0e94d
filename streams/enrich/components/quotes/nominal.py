"""Reports carried by a noun: "his claim that the vote was rigged", "fears that the deal would collapse",
"her refusal to disavow the endorsement".

The nouns are the nominalizations of the clause-reporting verbs (``data/quotes/report_nouns.txt``)
and of the stance verbs that take a to-infinitive (``data/quotes/stance_nouns.txt``). Only
sentences where such a noun is followed by "that" (or, for a stance noun, by "to" or "not to") are
parsed, and only a clause the parse attaches to the noun counts: "the claim that he made" is a
relative clause, "used the plan to cut costs" a purpose clause of the verb, not reports. The
speaker is the noun's possessor ("[his] claim", "[Lee’s] warning"), if it has one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Token

from streams.enrich.components.quotes.clauses import content_end
from streams.enrich.components.quotes.lexicon import data_lines
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.syntax import mention_for, parse


@lru_cache(maxsize=1)
def report_nouns() -> frozenset[str]:
    """The nouns of ``report_nouns.txt``, lower-cased."""
    return frozenset(w.lower() for w in data_lines("report_nouns.txt"))


@lru_cache(maxsize=1)
def stance_nouns() -> frozenset[str]:
    """The nouns of ``stance_nouns.txt``, lower-cased."""
    return frozenset(w.lower() for w in data_lines("stance_nouns.txt"))


_NOUN_THAT = re.compile(r"\b([a-z]+)\s+that\s+\w")
_NOUN_TO = re.compile(r"\b([a-z]+)\s+(?:not\s+)?to\s+[a-z]")


def nominal_reports(art: ArticleState, sentences: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[Found]:
    """The reports a noun of :func:`report_nouns` opens with a complement "that" clause in
    ``sentences`` (each (start, end)), where no report in ``taken`` already lies."""
    nouns = report_nouns()
    stance = stance_nouns()
    todo = [(ss, se) for ss, se in sentences
            if any(m.group(1) in nouns for m in _NOUN_THAT.finditer(art.text, ss, se))
            or any(m.group(1) in stance for m in _NOUN_TO.finditer(art.text, ss, se))]
    if not todo:
        return []
    parse(art, todo)
    out: list[Found] = []
    for ss, se in todo:
        doc = art.parses.get((ss, se))
        if doc is None:
            continue
        for tok in doc:
            if tok.text.lower() in stance and tok.i + 1 < len(doc):
                found = _infinitive_report(art, ss, tok, taken)
                if found is not None:
                    out.append(found)
                    continue
            if tok.text.lower() not in nouns or tok.i + 1 >= len(doc):
                continue
            that = doc[tok.i + 1]
            clause = that.head
            if that.lower_ != "that" or that.dep_ != "mark" or clause.head.i != tok.i:
                continue  # "the claim [that] he made": a relative pronoun, not a complementizer
            cs, ce = ss + that.idx + len(that.text), ss + clause.right_edge.idx + len(clause.right_edge.text)
            cs = ss + doc[that.i + 1].idx if that.i + 1 < len(doc) else cs
            found = _report(art, ss, tok, cs, content_end(art.text, cs, ce), taken)
            if found is not None:
                out.append(found)
    return out


def _infinitive_report(art: ArticleState, ss: int, tok: Token, taken: list[tuple[int, int]]) -> Found | None:
    """The to-infinitive the parse attaches to the stance noun ``tok`` of the sentence starting at
    ``ss`` ("his decision [not to run]"), as a report whose speaker is the noun's possessor."""
    to_at = tok.i + 2 if tok.nbor(1).lower_ == "not" else tok.i + 1  # "the decision not to run"
    verb = next((c for c in tok.rights if c.dep_ == "acl"
                 and any(a.dep_ == "aux" and a.lower_ == "to" and a.i == to_at for a in c.children)), None)
    if verb is None:
        return None
    cs = ss + verb.left_edge.idx
    return _report(art, ss, tok, cs, content_end(art.text, cs, ss + verb.right_edge.idx + len(verb.right_edge.text)),
                   taken)


def _report(art: ArticleState, ss: int, tok: Token, cs: int, ce: int, taken: list[tuple[int, int]]) -> Found | None:
    """The report [cs, ce) of the noun ``tok``, spoken by the noun's possessor; None when it is too short
    or overlaps a report in ``taken``."""
    if ce - cs < 12 or any(s < ce and cs < e for s, e in taken):
        return None
    poss = next((c for c in tok.children if c.dep_ == "poss"), None)
    spk = mention_for(art, ss, poss) if poss is not None else None
    return Found("indirect", [(cs, ce)], spk, (ss + tok.idx, ss + tok.idx + len(tok.text)), "nominal")
