"""The reported content a reporting verb governs: the clause after it, or a stance verb's object.

"said (that) he would ...", "told reporters the plan was ...": the clause starts after the verb
(and after its addressee for "told"), and ends where the writer's own voice comes back ("...,
arguing that ...", "...; the other ..."). Stance verbs without a clause report their object or
to-infinitive ("called on Snyder to resign", "criticized the deal").
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.attribution import main_subject
from streams.enrich.components.quotes.lexicon import BRIDGE_WORDS, WEEKDAYS
from streams.enrich.components.quotes.mentions import Mention
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import subject_before

#: the auxiliary of a progressive form right before an -ing cue ("is defending", "are slamming")
PROGRESSIVE = re.compile(r"\b(?:is|are|was|were|has been|have been|had been)\s+(?:\w+ly\s+|also\s+|still\s+)?$")
#: "with" right before the subject of an absolute participle clause ("with [Gov. Lee] calling ...")
_WITH_BEFORE = re.compile(r"\bwith\s+(?:[\w’'.-]+\s+){0,4}$")
#: a quotation in doubled apostrophes right after the cue: "said, ''", "put it: ''"
_DOUBLED_OPENS = re.compile(r"\s*[,:]?\s*(?=''\w)")
#: the addressee right after "told" ("told reporters", "told CNN on Monday", "told the Associated Press")
_ADDRESSEE = re.compile(r"\s+(?:him|her|them|us|me|you|reporters|supporters|voters|lawmakers|colleagues|"
                        r"(?:the\s+)?[A-Z][\w.&’'-]*(?:\s+[A-Z][\w.&’'-]*){0,3})"
                        r"(?:\s+(?:on|in|last|this)\s+[A-Z]?\w+)?(?:\s+(?:in an interview|in a statement))?(?=\s)")
#: the end of reported content: a participle clause, a semicolon, a new clause with its own subject
_CONTENT_BREAK = re.compile(r",\s+(?!including\b|according\b|during\b|notwithstanding\b)[a-z]+ing\b|;"
                            r"|,\s+(?:but|and|while|whereas)\s+(?:he|she|they|we|I)\b")
#: a description closing an object: ", a/an/the ..." to the end of the content, no comma after it
_TRAILING_APPOSITIVE = re.compile(r",\s+(?:a|an|the)\s+[^,;:]*$")
#: words right after a reporting verb that do not open a clause ("said so", "said nothing", "said yes")
_NOT_CLAUSE_START = frozenset(["this", "thus", "is", "was", "has", "his", "its", "yes", "no", "as", "us", "less", "so",
                               "nothing", "something", "anything", "little", "much", "more", "what", "how", "why",
                               "whether", "otherwise", "goodbye", "not", "to", "on", "about", "of", "for", "via",
                               "through", "only", "just", "last", "next", "early", "late", "instead",
                               "under", "amid", "among", "between", "without", "within", "against", "toward",
                               "towards", "unless", "until", "where", "whose",
                               # a reflexive object: "found themselves in a battle", "finds itself at the centre"
                               "himself", "herself", "itself", "themselves", "myself", "ourselves", "yourself"])
#: an approximate amount right after a verb, the subject of the clause it reports ("said [about half] of
#: ...", "said [more than 300] people ...")
_APPROXIMATE_SUBJECT = re.compile(r"(?:about|nearly|almost|roughly|around|only|just|more than|less than|fewer than|"
                                  r"at least)\s+(?:\d|half\b|a third\b|a quarter\b|one\b|two\b|three\b|a dozen\b)")
_CLAUSE_OPENERS = frozenset(["he", "she", "they", "we", "i", "it", "the", "there", "his", "her", "their", "this", "a",
                             "an", "its", "our", "no", "some", "many", "most", "all", "if", "those", "these"])
_NOT_OBJECT = frozenset(["in", "at", "by", "with", "from", "as", "of", "and", "but", "or", "into", "over", "after",
                         "before", "during", "since", "because", "when", "while", "than", "up", "down", "off",
                         "out", "so", "said", "says", "say", "who", "which", "there", "here"])
_COMPLEMENT_SUBJECTS = frozenset(["PERSON", "ORG", "nominal", "pronoun", "GPE", "NORP"])
_PARTICLE = re.compile(r"\s+(?:for|on|out|about|of|against|to(?=\s+(?:the|a|an|his|her|their|its|[A-Z])))\b")
_ADVERBIAL = re.compile(r"(?:\s+(?:on\s+)?(?:" + WEEKDAYS + r"|yesterday|today|"
                        r"again|also|repeatedly|publicly|privately|immediately|strongly|sharply|openly|previously|recently|"
                        r"earlier|later|last\s+(?:week|month|year)|this\s+(?:week|month|year))\b,?)+")


#: verbs of speaking, and what follows them when it names the addressee ("spoke to", "talking with")
_SPEAK = ("speak", "spoke", "talk")
_ADDRESSEE_NEXT = re.compile(r"(?:\s+(?:on\s+)?(?:" + WEEKDAYS + r"|today|yesterday|again|also|later|briefly|privately|"
                             r"publicly))*\s+(?:to|with)\b")
_FIND_FORMS = frozenset(["find", "finds", "found", "finding"])
#: what "find" takes when it reports no finding: a way or a solution ("found ways to press his agenda")
_FIND_NO_REPORT = re.compile(r"\s+(?:(?:a|an|the|some|other|another|new|no|any)\s+)?(?:\w+\s+)?(?:ways?|solutions?)\b")
#: a form of "be" right before the verb: a passive ("are found slain", "to be found alone")
_PASSIVE_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$")


def clause_start(art: ArticleState, cue_end: int, se: int, cue_word: str) -> int | None:
    """Where the reported clause after a cue begins, or None when no clause follows."""
    text = art.text
    quotation = _DOUBLED_OPENS.match(text, cue_end, se)
    if quotation is not None:  # "Mr. Trump said: ''I hope not.''": the quotation is the report (see .doubled)
        return quotation.end()
    cue_start = cue_end - len(cue_word)
    if cue_word in _FIND_FORMS and (
        _FIND_NO_REPORT.match(text, cue_end, se) or _PASSIVE_BEFORE.search(text, max(0, cue_start - 12), cue_start)
    ):
        return None  # "found ways to press his agenda", "are found slain": a finding of no claim
    that = re.match(r"(?:[^.;:!?,]{0,60}?)\bthat[\s,]+", text[cue_end:se])
    lead = WORD.findall(that.group())[:-1] if that else []
    if that and lead and lead[0].lower() in _CLAUSE_OPENERS and not cue_word.startswith(("tell", "told")):
        that = None  # "said he was committed to ensuring that ...": the clause starts at "he"
    if that and (cue_word.startswith(("tell", "told")) or len(lead) <= 5):
        return cue_end + that.end()
    nxt = re.match(r"\s+(?:,\s*)?([A-Za-z][\w’'-]*)", text[cue_end:se])
    if not nxt or cue_word in art.lex.that_forms:
        return None
    word = re.split(r"[’']", nxt.group(1))[0]  # "he’s", "he’ll": the pronoun opens the clause
    if cue_word.startswith(("tell", "told")):
        # "told reporters he would ...", "told CNN the plan was ...": the clause after the addressee
        obj = _ADDRESSEE.match(text, cue_end, se)
        if obj is None:
            return None
        after = re.match(r"\s*([A-Za-z][\w’'-]*)", text[obj.end() : se])
        if after and re.split(r"[’']", after.group(1))[0].lower() in _CLAUSE_OPENERS - {"a", "an", "no", "if"}:
            return obj.end() + after.start(1)
        return None
    if (word.lower() in ("how", "why", "what", "whether", "where", "when") and not cue_word.startswith(("say", "said"))
            and not re.match(r"\s+to\b", text[cue_end + nxt.end(1) : se])):
        # "explaining how the bonuses could be justified", "described what happened": an embedded question
        return cue_end + nxt.start(1)
    if _APPROXIMATE_SUBJECT.match(text, cue_end + nxt.start(1), se):
        return cue_end + nxt.start(1)  # "said about half of the adjustment reflected ...": an amount opens the clause
    if word in _NOT_CLAUSE_START and word not in _CLAUSE_OPENERS:
        return None  # "said nothing about ...", "said so"
    if (
        word.lower() in _CLAUSE_OPENERS
        or (word[0].isupper() and word.lower() not in ("on", "in", "at", "to"))
        or (word.endswith("ing") and len(word) > 5)  # "he says going through a dark time ..."
        or (  # "He said members of the Supreme Court shouldn’t ...", "Johnson said local officials
            # should ...": after a verb that reports a clause, a bare noun phrase opens the clause
            cue_word in art.lex.clause_forms
            and word.islower()
            and not word.endswith("ly")
            and word not in _NOT_OBJECT
            and word not in BRIDGE_WORDS
            and word not in _NOT_CLAUSE_START
        )
    ):
        return cue_end + nxt.start(1)
    return None


#: the complementizer right before reported content ("said that ...", "told reporters that, if ...")
_THAT_BEFORE = re.compile(r"\bthat[\s,]*$")


def with_complementizer(text: str, start: int) -> int:
    """Where reported content starts when its complementizer counts: "that" opens the reported
    clause ("said [that he would run]"). The attribution gold sets annotate it so: on PolNeAR dev and
    train 1-300, 869 indirect contents open with "that" and 9 start right after one."""
    m = _THAT_BEFORE.search(text, max(0, start - 8), start)
    return m.start() if m is not None else start


def content_end(text: str, start: int, end: int) -> int:
    """Where reported content after a cue ends: before a participle clause or a semicolon that
    goes on in the writer's voice ("said he would veto it, arguing that ...", "...; the other ...")."""
    m = _CONTENT_BREAK.search(text, start, end)
    if m is None or not WORD.search(text, start, m.start()):
        return end
    return m.start()


def complement(art: ArticleState, w: re.Match[str], ss: int, se: int, spk: Mention | None = None) -> Found | None:
    """A stance verb's object or to-infinitive as the reported content, when a speaker is its
    subject ("Sanders called on Snyder to resign", "Trump criticized the deal")."""
    text = art.text
    low = w.group().lower()
    if spk is None:
        aux = PROGRESSIVE.search(text, ss, w.start()) if low.endswith("ing") else None
        if aux is not None:  # "Donald Trump is defending his early-morning tweets"
            spk = subject_before(art, aux.start(), ss)
        elif low.endswith("ing"):
            if re.search(r"(?:,|\s[—–]|\band|\bwhile)\s*$", text[ss : w.start()]):
                spk = main_subject(art, ss, w.start())
            else:
                # "..., with Gov. Lee calling the plan a fraud": the participle's own subject after "with"
                spk = subject_before(art, w.start(), ss)
                if spk is None or not _WITH_BEFORE.search(text, max(ss, spk.start - 50), spk.start):
                    return None
        else:
            spk = subject_before(art, w.start(), ss)
    if spk is None or spk.kind not in _COMPLEMENT_SUBJECTS:
        return None
    cue_end = w.end()
    particle = _PARTICLE.match(text, cue_end, se)
    if low.startswith(_SPEAK) and _ADDRESSEE_NEXT.match(text, cue_end, se):
        return None  # "Trump spoke to the gathering", "is speaking Thursday to the conference": whom, not what
    if particle:  # "called for", "pushed for", "called on"
        cue_end = particle.end()
    elif low.startswith("point") and re.match(r"\s+to\b", text[cue_end : cue_end + 4]):
        # "pointed to intensive efforts": a reference to something, no to-infinitive a stance reports
        return None
    adverb = _ADVERBIAL.match(text, cue_end, se)
    start = adverb.end() if adverb else cue_end
    start += len(text[start:se]) - len(text[start:se].lstrip())
    nxt = WORD.match(text, start, se)
    if nxt is None or nxt.group().lower() in _NOT_OBJECT:
        return None
    end = se
    while end > start and text[end - 1] in ".!?;:,\"'”’ ":
        end -= 1
    if end - start < 4:
        return None
    end = content_end(text, start, end)
    tail = _TRAILING_APPOSITIVE.search(text, start, end)
    if tail is not None and WORD.search(text, start, tail.start()) and "," not in text[start : tail.start()] and (
        " or " not in tail.group()
    ):  # not a series ("the malaise, the lack of jobs, the violence") nor alternatives ("X, the A or the B")
        end = tail.start()  # "wrote a check to a PAC backing Lee, a Republican running for ...": the object ends at its description
    return Found("indirect", [(start, end)], spk, (w.start(), cue_end), "complement")
