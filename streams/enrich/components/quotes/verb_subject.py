"""The subject of a reporting verb checked against the sentence's parse, when adjacency may mislead.

The rules of :mod:`streams.enrich.components.quotes.subjects` take the candidate nearest before a
cue. That is right for "Kallas said", wrong when a relative clause, an appositive or a first
coordinated verb stands between the subject and the cue ("Clinton, who was speaking to the US
Conference of Mayors, did not mention Trump by name, but told city leaders that ...": Clinton, not
the Conference; "Wilson praised Rubio's positions and said ...": Wilson). Only such sentences are
parsed: when the rules' choice is the first candidate of the clause, it stands unchecked.
"""

from __future__ import annotations

from spacy.tokens import Token

from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.state import ArticleState
from streams.enrich.components.quotes.subjects import main_clause_start
from streams.enrich.components.quotes.syntax import mention_for, parsed, shared_subject, subject_of, subtree_span, token_at

#: mentions a parse may put in place of the rules' choice
_KINDS = frozenset(["PERSON", "ORG", "NORP", "pronoun", "nominal"])
#: a phrase modifying a subject after its head: a participle or relative clause ("a letter obtained by the Post")
_MODIFIERS = frozenset(["acl", "relcl"])
#: prepositions after a subject's head that name whom it speaks for ("a spokesman for", "the head of"), not a mere detail
_AFFILIATIONS = frozenset(["for", "of", "at", "with"])
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
    if m is None or (m.kind == "nominal" and not m.definite):
        return _modified_subject(art, ss, subj, spk, cue)
    if m.end > cue[0] or m.kind not in _KINDS:
        return spk  # the subject's head is no candidate the article names
    if m.start < spk.end and spk.start < m.end:
        return spk
    return m


def _modified_subject(art: ArticleState, ss: int, subj: Token, spk: Mention, cue: tuple[int, int]) -> Mention:
    """The subject's own phrase when its head names no candidate and the rules' ``spk`` lies in a
    phrase modifying it after the head ("A letter from the union [obtained by the Post] warns",
    "Lee's email [to his supporters] notes": the letter, the email), else ``spk``."""
    s, e = subtree_span(subj)
    hs = ss + subj.idx
    if not (hs < spk.start and spk.end <= ss + e <= cue[0]):
        return spk
    tok = token_at(subj.doc, spk.start - ss)
    while tok is not None and tok.head.i != tok.i and tok.head.i != subj.i:
        tok = tok.head
    if tok is None or tok.head.i != subj.i or not (
        tok.dep_ in _MODIFIERS or (tok.dep_ == "prep" and tok.lower_ not in _AFFILIATIONS)
    ):
        return spk  # "Vice President for news Dave Roe", "a spokesman for Jo Roe": the name or whom they speak for
    phrase = mention_for(art, ss, subj)
    return phrase if phrase is not None and phrase.start <= hs < phrase.end else spk
