"""The subject of a reporting verb checked against the sentence's parse, when adjacency may mislead.

The rules of :mod:`streams.enrich.components.quotes.subjects` take the candidate nearest before a
cue. That is right for "Kallas said", wrong when a relative clause, an appositive or a first
coordinated verb stands between the subject and the cue ("Clinton, who was speaking to the US
Conference of Mayors, did not mention Trump by name, but told city leaders that ...": Clinton, not
the Conference; "Wilson praised Rubio's positions and said ...": Wilson). Only such sentences are
parsed: when the rules' choice is the first candidate of the clause, it stands unchecked.
"""

from __future__ import annotations

from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.state import ArticleState
from streams.enrich.components.quotes.subjects import main_clause_start
from streams.enrich.components.quotes.syntax import parsed, shared_subject, subject_of, token_at

#: mentions a parse may put in place of the rules' choice
_KINDS = frozenset(["PERSON", "ORG", "NORP", "pronoun", "nominal"])
#: subjects that name no one by themselves (a relative pronoun is the annotated speaker of its clause)
_NOT_NAMES = frozenset(["who", "which", "that", "it"])


def checked_subject(art: ArticleState, spk: Mention, cue: tuple[int, int]) -> Mention:
    """The subject of the reporting verb at ``cue`` from the parse of its sentence, when the rules'
    ``spk`` is not the first candidate of the verb's clause (or follows the verb) and the parse
    names another known candidate before the verb; else ``spk``."""
    sent = art.sentence_of(cue[0])
    if sent is None or spk.kind == "relative":
        return spk
    ss, se = sent
    first = next(iter_in(art.mentions, art.m_starts, main_clause_start(art.text, ss, cue[0]), cue[0]), None)
    if first is None or (first.start >= spk.start and spk.end <= cue[0]):
        return spk  # "Kallas said", "Rep. Jim Jordan (R-Ohio) said": nothing to mislead the rules
    doc = parsed(art, ss, se)
    verb = token_at(doc, cue[0] - ss) if doc is not None else None
    if verb is None or verb.idx != cue[0] - ss:
        return spk
    subj = subject_of(verb) or shared_subject(verb)
    if subj is None or subj.dep_ != "nsubj" or subj.text.lower() in _NOT_NAMES:
        return spk
    hs = ss + subj.idx
    he = hs + len(subj.text)
    m = next((x for x in iter_in(art.mentions, art.m_starts, max(ss, hs - 80), he) if x.start <= hs and he <= x.end), None)
    if m is None or m.end > cue[0] or m.kind not in _KINDS or (m.kind == "nominal" and not m.definite):
        return spk  # the subject's head is no candidate the article names
    if m.start < spk.end and spk.start < m.end:
        return spk
    return m
