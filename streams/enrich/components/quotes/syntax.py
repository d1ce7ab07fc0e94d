"""Dependency parses of the few sentences that need one: who is the subject of a clause.

The ``nlp`` component runs no parser (it would triple enrichment time). The quotes component parses, on
demand (the requests of a batch of articles together: :mod:`.parse_batch`), only the sentences where
adjacency rules cannot tell the speaker: a quoted fragment with no reporting verb before it ("Praising
the mayor's rival, Ann Lee, as “the partner we need,” the governor rebuked ..." — the speaker is the
subject of the clause the fragment hangs on, not the nearest name), and sentences with a reporting verb
whose report the rules did not find. The parser is the ``nlp`` component's model's own (``tok2vec`` and
``parser`` pipes; spaCy's small English model unless ``STREAMS_NLP_MODEL`` names another), loaded once
per process.
"""

from __future__ import annotations

import bisect
import re
import threading
from typing import Any, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Token

from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.parse_batch import request, waiting_job
from streams.enrich.components.quotes.state import ArticleState

#: dependency labels of a clause's subject
SUBJECTS = frozenset(["nsubj", "nsubjpass", "csubj"])
#: the labels a reported clause hangs on its verb with
REPORTED = frozenset(["ccomp"])
#: subjects that do not report speech: relative pronouns, an expletive "it" ("It is expected that ...")
_NOT_SPEAKERS = frozenset(["who", "which", "that", "it"])
_MAX_SENTENCE = 400  # characters: longer "sentences" are lists or tables, not worth a parse
#: characters parsed per article at most (the parser reads ~80,000 a second on a busy core, so a
#: 100 KB article of sentences that all ask for a parse costs ~0.25 s, not 1-3 s); the PolNeAR
#: articles need ~800 on average, so only a flood of them reaches it (later sentences go unparsed)
PARSE_BUDGET = 20_000
_lock = threading.Lock()
_parsers: dict[str, Language] = {}


def load_parser(model: str | None = None) -> Language:
    """The tokenizer, ``tok2vec`` and dependency ``parser`` of the spaCy model (once per process):
    ``model`` (see :mod:`..nlp_models`), by default the one the ``STREAMS_NLP_MODEL`` setting names."""
    from thinc.api import use_ops

    from streams.enrich.components.nlp_models import configured_model, resolve

    name = resolve(model) if model else configured_model()
    with _lock:
        nlp = _parsers.get(name)
        if nlp is None:
            import spacy

            with use_ops("numpy", use_blis=False):  # the same BLAS choice as the nlp component
                nlp = spacy.load(name, exclude=["ner", "lemmatizer", "senter", "attribute_ruler", "tagger"])
            from streams.enrich.components.nlp_tokens import harden

            harden(nlp.tokenizer)  # the same tokens; its cache works (see nlp_tokens)
            _parsers[name] = nlp
        return nlp


def parse(art: ArticleState, spans: Iterable[tuple[int, int]]) -> None:
    """Parse the sentences [start, end) of ``art`` not parsed yet, in one batch (kept in ``art.parses``),
    in text order while the article's :data:`PARSE_BUDGET` lasts."""
    todo = sorted({(s, e) for s, e in spans if (s, e) not in art.parses and 0 < e - s <= _MAX_SENTENCE})
    left = PARSE_BUDGET - art.parsed_chars
    for n, (s, e) in enumerate(todo):
        left -= e - s
        if left < 0:
            todo = todo[:n]
            break
    if not todo or not art.syntax:
        return
    art.parsed_chars += sum(e - s for s, e in todo)
    texts = [art.text[s:e] for s, e in todo]
    job = waiting_job()
    docs = parse_texts(texts) if job is None else request(job, texts)
    for span, doc in zip(todo, docs):
        art.parses[span] = doc


def parse_texts(texts: list[str]) -> list[Doc]:
    """Parses of ``texts`` (sentences), in one batch."""
    from streams.enrich.components.nlp import one_blas_thread

    nlp = load_parser()
    with one_blas_thread():
        return list(nlp.pipe(texts, batch_size=max(1, len(texts))))


def parsed(art: ArticleState, ss: int, se: int) -> Doc | None:
    """The parse of sentence [ss, se) (parsing it now if needed), or None when it is too long."""
    parse(art, [(ss, se)])
    return art.parses.get((ss, se))


def token_at(doc: Doc, offset: int) -> Token | None:
    """The first non-punctuation token at or after ``offset`` (relative to the parsed sentence)."""
    for tok in doc:
        if tok.idx >= offset and not tok.is_punct and not tok.is_space:
            return tok
    return None


def subtree_span(tok: Token) -> tuple[int, int]:
    """(start, end) characters of a token's subtree, relative to its sentence."""
    left, right = tok.left_edge, tok.right_edge
    return left.idx, right.idx + len(right.text)


def subject_of(tok: Token) -> Token | None:
    """The subject child of a verb token, if any."""
    return next((c for c in tok.children if c.dep_ in SUBJECTS), None)


def shared_subject(tok: Token) -> Token | None:
    """The subject a verb without one shares with the verb it is coordinated with ("they
    reversed themselves, rushed everyone inside and said they will ...": "they" said)."""
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
        subj = subject_of(tok)
        if subj is not None:
            return subj
    return None


def controlling_subject(tok: Token) -> Token | None:
    """The subject a verb without one takes from the verb it completes ("Kasich has taken to
    [urging] voters to ...", "Comey decided not to [recommend] charges", "Clinton went further by
    [proposing] a no-fly zone"): up through a to-infinitive, an adverbial clause after it, "by" or "to",
    to an active verb, while the verb above has no object of its own ("asked Lee to [discuss] it": Lee
    would discuss, not the asker). Not an adverbial clause before its verb: "Analysts, [citing] weak
    demand, predicted ..." is an aside, not a report of its own."""
    for _ in range(3):
        if tok.dep_ == "xcomp" or (tok.dep_ == "advcl" and tok.i > tok.head.i):
            head = tok.head
        elif tok.dep_ == "pcomp" and tok.head.dep_ == "prep" and tok.head.lower_ in ("by", "to"):
            # the means of the verb above ("by proposing", "took to urging"), not a reason ("criticized for raising")
            head = tok.head.head
        else:
            return None
        if head.i == tok.i or any(c.dep_ in ("dobj", "dative") for c in head.children):
            return None
        subj = subject_of(head) or shared_subject(head)
        if subj is not None:
            return subj if subj.dep_ == "nsubj" else None
        tok = head
    return None


def governing_subject(art: ArticleState, ss: int, se: int, pos: int) -> Mention | None:
    """The subject of the sentence's main clause, when the word at ``pos`` lies outside it, as a
    speaker candidate (a known mention at its head, else its phrase).

    "Praising the mayor's rival, Ann Lee, as “the partner we need,” the governor rebuked ...":
    the fragment hangs on the participle "Praising", which hangs on the main verb "rebuked",
    whose subject is "the governor".
    """
    doc = parsed(art, ss, se)
    if doc is None or token_at(doc, pos - ss) is None:
        return None
    root = token_at(doc, pos - ss)
    while root is not None and root.head.i != root.i:
        root = root.head
    subj = subject_of(root) if root is not None else None
    if subj is None:
        return None
    s, e = subtree_span(subj)
    if s <= pos - ss < e:
        return None
    return _speaker(art, ss, subj)


def main_clause_subject(art: ArticleState, ss: int, se: int, pos: int) -> Mention | None:
    """The subject of sentence [ss, se)'s main clause as a speaker candidate, whatever it names,
    when the word at ``pos`` lies outside it: the writer's sentence holds a fragment no reporting
    verb governs, and its subject is whose words these are, as attribution gold sets credit them
    ("The town released a statement saying Trump's comments “...”": the town, not Trump;
    "Across Asia, policymakers have been startled by Trump's “isolationist” ...": policymakers).
    None for an expletive, a relative pronoun or "it"."""
    doc = parsed(art, ss, se)
    root = token_at(doc, pos - ss) if doc is not None else None
    while root is not None and root.head.i != root.i:
        root = root.head
    subj = subject_of(root) if root is not None else None
    if subj is None or subj.dep_ == "expl" or subj.text.lower() in _NOT_SPEAKERS:
        return None
    s, e = subtree_span(subj)
    if s <= pos - ss < e:
        return None
    return mention_for(art, ss, subj)


def subject_above(art: ArticleState, ss: int, se: int, pos: int) -> Mention | None:
    """The subject of the nearest clause above the word at ``pos`` (a participle modifying a noun)
    in sentence [ss, se), as a speaker candidate.

    "Ortiz and Lund issued a statement describing the deal as “a step”": "describing" modifies
    "statement", the object of "issued", whose subject is "Ortiz and Lund".
    """
    doc = parsed(art, ss, se)
    tok = token_at(doc, pos - ss) if doc is not None else None
    while tok is not None and tok.head.i != tok.i:
        tok = tok.head
        subj = subject_of(tok)
        if subj is not None:
            return _speaker(art, ss, subj)
    return None


def _speaker(art: ArticleState, ss: int, subj: Token) -> Mention | None:
    """The subject as a speaker: a known name, pronoun or description, or a phrase headed by a
    speaker noun ("the governor", "a spokeswoman for the agency"); not "the plan"."""
    m = mention_for(art, ss, subj)
    if m is None:
        return None
    if m.kind in ("PERSON", "ORG", "NORP", "GPE"):
        return m
    if m.kind == "pronoun":
        return m if m.text.lower() != "it" else None
    if subj.text[:1].isupper() and subj.text.isalpha() and (subj.i > 0 or _name_elsewhere(art.text, subj.text)):
        return m  # a name the entity recogniser left untyped ("Governor Helen Park")
    head = subj.text.lower()
    if head in art.lex.speaker_nouns or head.rstrip("s") in art.lex.speaker_nouns:
        return m
    return None


def _name_elsewhere(text: str, word: str) -> bool:
    """A capitalised word opening a sentence is a name when the article also writes it
    capitalised inside a sentence ("Wilson praised ..." after "... said Wilson, a ...")."""
    return re.search(rf"[a-z,;]\s+{re.escape(word)}\b", text) is not None


def mention_for(art: ArticleState, ss: int, subj: Token) -> Mention | None:
    """The known mention at the head word of a subject (or possessor) in the parse of the sentence
    starting at ``ss``, else its phrase as a nominal mention (relative clauses and appositives left out)."""
    hs, he = ss + subj.idx, ss + subj.idx + len(subj.text)
    s, e = subtree_span(subj)
    for m in iter_in(art.mentions, art.m_starts, ss + s, ss + e):
        if m.start <= hs and he <= m.end:
            return m
    if subj.text.lower() in ("it", "this", "that", "there", "what", "which", "who", "one", "some", "all"):
        return None
    left = subj.left_edge
    right = subj
    for c in subj.rights:  # "the head of the agency" keeps its prepositional phrase
        if c.dep_ in ("prep", "compound", "amod"):
            right = c.right_edge
        else:
            break
    start, end = ss + left.idx, ss + right.idx + len(right.text)
    text = art.text[start:end]
    if not text or not text[0].isalnum():
        return None
    return Mention(start, end, text, "nominal", definite=text.split()[0].lower() in ("the", "his", "her", "their", "its"))


def _infinitive(tok: Token) -> Token | None:
    """The to-infinitive a verb governs after it, the stance it reports ("agreed [to release the
    funds]", "hopes [to offset the emissions]")."""
    return next((c for c in tok.children if c.dep_ == "xcomp" and c.i > tok.i
                 and any(a.dep_ == "aux" and a.text.lower() == "to" for a in c.children)), None)


#: the verb's dependents after its object that complete what a stance verb reports: a predicate of
#: the object ("called him [a liar]"), a to-infinitive ("urged Congress [to act]"), and the
#: prepositions of the stance ("criticized X [for Y]", "praised X [as Y]"); others ("at a rally",
#: "on Monday", "during the debate") are the writer's circumstances
_AFTER_OBJECT = frozenset(["oprd", "xcomp", "ccomp", "dative"])
_STANCE_PREPS = frozenset(["for", "as", "of", "about", "against", "over", "to"])


def _object_span(tok: Token) -> tuple[int, int] | None:
    """(start, end) of a stance verb's direct object with what completes it, relative to the
    sentence ("endorsed [Jeb Bush for president] on Monday"), or None without an object after it."""
    rights = [c for c in tok.rights]
    obj = next((i for i, c in enumerate(rights) if c.dep_ == "dobj"), None)
    if obj is None:
        return None
    head = rights[obj]
    if head.like_num or any(t.is_currency for t in head.lefts):
        return None  # an amount ("raised [$3 million]", "spent [about 58 million]") is no stance
    s, e = subtree_span(head)
    for c in rights[obj + 1 :]:
        if c.dep_ in _AFTER_OBJECT or (c.dep_ == "prep" and c.lower_ in _STANCE_PREPS):
            e = subtree_span(c)[1]
        else:
            break
    return s, e


#: relative pronouns that are the subject of the clause they open
_RELATIVE_SUBJECTS = frozenset(["who", "which", "that"])


def _relative_antecedent(verb: Token, subj: Token | None) -> Token | None:
    """The noun a relative clause's verb reports for, when its subject is the relative pronoun
    ("voters [who] said the economy ...", "Graham, [who] endorsed Bush, ...": "voters", "Graham");
    a verb coordinated inside the clause shares it ("who backed Bush and later praised Cruz"); and the
    noun an -ing participle without a subject modifies ("groups backing Cruz"). The tagger does not
    run in the parser pipeline, so the participle is told by its ending."""
    if subj is None:
        # "groups [backing] Cruz", "a speech [attacking] the nominee": a participle modifying a noun
        return verb.head if verb.dep_ == "acl" and verb.text.endswith("ing") and verb.head.i < verb.i else None
    if subj.text.lower() not in _RELATIVE_SUBJECTS or subj.dep_ != "nsubj":
        return None
    while verb.dep_ == "conj" and verb.head.i != verb.i:
        verb = verb.head
    return verb.head if verb.dep_ == "relcl" and verb.head.i < subj.i else None


def reports(
    art: ArticleState, ss: int, se: int, forms: frozenset[str], objects: frozenset[str] = frozenset()
) -> list[tuple[Any, ...]]:
    """The reports the parse of sentence [ss, se) shows: for each verb among ``forms`` with a
    subject (its own, or the one it shares with a verb it is coordinated with) and a reported clause
    or to-infinitive -- or, for a stance verb among ``objects``, a direct object ("Sanders defended
    [his call to raise the minimum wage]") -- (speaker mention, (cue start, cue end), (content
    start, content end))."""
    doc = parsed(art, ss, se)
    out: list[tuple[Any, ...]] = []
    if doc is None:
        return out
    for tok in doc:
        low = tok.text.lower()
        if low not in forms:
            continue
        clause = next((c for c in tok.children if c.dep_ in REPORTED and c.i > tok.i), None) or _infinitive(tok)
        span = subtree_span(clause) if clause is not None else _object_span(tok) if low in objects else None
        subj = subject_of(tok) or shared_subject(tok) or controlling_subject(tok)
        antecedent = _relative_antecedent(tok, subj)
        if antecedent is None and (tok.dep_ == "relcl" or (subj is not None and subj.text.lower() in _NOT_SPEAKERS)):
            continue
        if span is None or (subj is None and antecedent is None) or (subj is not None and subj.dep_ == "expl"):
            continue
        cs, ce = span
        first = doc[0]
        for t in doc:
            if t.idx >= cs:
                first = t
                break
        if first.text.lower() == "that" and first.dep_ == "mark":
            cs = first.nbor(1).idx if first.i + 1 < len(doc) else cs
        while ce > cs and doc.text[ce - 1] in ".,;:!? ":
            ce -= 1
        spk = (mention_for(art, ss, subj) if antecedent is None
               else _speaker(art, ss, antecedent) if subj is not None else mention_for(art, ss, antecedent))
        if spk is None or ce - cs < (12 if clause is not None else 2):
            continue
        out.append((spk, (ss + tok.idx, ss + tok.idx + len(tok.text)), (ss + cs, ss + ce)))
    return out


def fragment_speaker(art: ArticleState, ss: int, se: int, qs: int, qe: int) -> Mention | None:
    """The speaker of a quoted fragment [qs, qe) in sentence [ss, se) from its parse: the subject
    of the nearest reporting verb above the fragment ("Although the IMF did not single out ...,
    it referenced “political tensions”": "it", not the IMF), or the agent of a passive one
    (“...” was written by Springsteen); None when no reporting verb governs it. A sentence with no
    reporting verb at all is not parsed."""
    if not any(w.group().lower() in art.lex.speech_forms for w in art.words(ss, se)):
        return None
    return _clause_speaker(art, ss, se, qs, qe, True)


def fragment_subject(art: ArticleState, ss: int, se: int, qs: int, qe: int) -> Mention | None:
    """The speaker of a quoted fragment [qs, qe) that no reporting verb governs: the subject of
    the nearest clause above it ("Jo was calm, even if she reserved her passion for the “core
    cause”": "she", the subject of "reserved", not "Jo"); None when that subject is a relative
    pronoun, the fragment's own or not a speaker."""
    return _clause_speaker(art, ss, se, qs, qe, False)


def _clause_speaker(art: ArticleState, ss: int, se: int, qs: int, qe: int, reporting: bool) -> Mention | None:
    """The subject of the nearest clause above the fragment [qs, qe) (only of a reporting verb's
    when ``reporting``), as a speaker candidate."""
    doc = parsed(art, ss, se)
    tok = token_at(doc, qs - ss) if doc is not None else None
    if tok is None:
        return None
    while qs - ss <= tok.idx < qe - ss and tok.head.i != tok.i:
        tok = tok.head  # out of the quotation
    if qs - ss <= tok.idx < qe - ss:
        return None
    while True:
        subj = subject_of(tok) or shared_subject(tok)
        # a complement clause is what its matrix subject asserts ("He implied a judge was
        # “hostile”": "he", not "a judge")
        complement = not reporting and tok.dep_ == "ccomp" and tok.head.i != tok.i
        if subj is not None and not complement and (not reporting or tok.text.lower() in art.lex.speech_forms):
            if subj.dep_ == "nsubjpass":
                return _agent(art, ss, tok)
            if subj.text.lower() in ("who", "which") and subj.dep_ == "nsubj" and _relative_clause(tok):
                # the fragment is what the relative clause says its antecedent said ("Beck, who
                # has described Trump as “...”"): the pronoun names the speaker at this quote
                return _relative_mention(art, ss + subj.idx)
            if subj.text.lower() in ("who", "which", "that") or subj.dep_ == "expl":
                return None
            return _speaker(art, ss, subj)
        if tok.head.i == tok.i:
            return None
        tok = tok.head


def _relative_clause(verb: Token) -> bool:
    """The verb heads a relative clause (or is coordinated inside one)."""
    while verb.dep_ == "conj" and verb.head.i != verb.i:
        verb = verb.head
    return verb.dep_ == "relcl"


def _relative_mention(art: ArticleState, pos: int) -> Mention | None:
    """The relative-pronoun mention (", who") starting at ``pos``, if the mentions hold one."""
    i = bisect.bisect_left(art.m_starts, pos)
    while i < len(art.mentions) and art.mentions[i].start == pos:
        if art.mentions[i].kind == "relative":
            return art.mentions[i]
        i += 1
    return None


def _agent(art: ArticleState, ss: int, verb: Token) -> Mention | None:
    """The "by" phrase of a passive verb as a speaker candidate."""
    agent = next((c for c in verb.children if c.dep_ == "agent"), None)
    by = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
    return _speaker(art, ss, by) if by is not None else None
