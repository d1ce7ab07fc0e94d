"""The quotes component: every quotation in an article, with its speaker resolved.

Direct quotes come from quote marks (:mod:`streams.enrich.components.quotes.marks`); each is attributed by
looking at the words right after it (``,” Kallas said``, ``,” said Matt Bennett``) and right before
it (``Kallas said: “``, ``She stressed that ... “fragment”``) for a reporting verb next to a speaker
candidate (:mod:`streams.enrich.components.quotes.mentions`). No dependency parse is needed: the cue lexicon,
sentence boundaries, entity mentions and a few patterns reach the targets much faster.
Indirect speech (``X said that ...``, ``..., X said.``, ``according to X``, ``In her view, ...``) is
found the same way in sentences without quote marks.

Conventions consumers should know:

- transcript turns (``PENCE: ...``, up to the next label or a ``(CROSSTALK)`` note) are ``indirect``
  speech of the labelled speaker, as the gold sets annotate them;
- when the text opens with the article's headline (``ctx.title``), quote marks in that line are
  titles or scare quotes, not quotations; a ``Name: ...`` headline is that person's indirect speech;
- a quote the writer reports in the first person has the speaker mention ``I`` and ``speaker`` None;
- a lone quoted pronoun or a title-cased slogan used as a modifier is not a quote.

Output per quote (offsets are ``str`` indices into ``ctx.text``)::

    {"kind": "direct"|"mixed"|"indirect", "start", "end", "segments": [[s, e], ...], "text",
     "speaker": name or None, "speaker_mention": {"start","end","text"} or None,
     "cue": {"start","end","text"} or None, "speaker_entity": index into ctx.entities or None}
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from streams.core.errors import PipelineConfigError
from streams.enrich.components.quotes.lexicon import BRIDGE_WORDS, Lexicon, load_lexicon
from streams.enrich.components.quotes.marks import MarkedQuote, find_marked_quotes, paragraphs
from streams.enrich.components.quotes.mentions import Mention, Resolver, collect_mentions, entities_from_doc, iter_in
from streams.enrich.components.quotes.sentences import WORD, sentence_end, sentence_start, split_sentences
from streams.enrich.pipeline import Context


# ---------------------------------------------------------------- state

@dataclass
class Found:
    """One quote under construction."""

    kind: str
    segments: list[tuple[int, int]]
    speaker: Mention | None = None
    cue: tuple[int, int] | None = None
    source: str = ""  # how the attribution was found (after, before, inherited, ...)
    verb_after: bool = False  # a reporting verb follows the quote (so it is speech, not a scare quote)
    marks: list[MarkedQuote] = field(default_factory=list)


@dataclass(eq=False)
class ArticleState:
    """One article as the quote finder sees it. Offsets are ``str`` indices into ``text``."""

    text: str
    lex: Lexicon
    noise: list[tuple[int, int]]  # textspans' spans: headers, datelines, credits, boilerplate
    marks: list[MarkedQuote]  # in text order
    quoted: list[tuple[int, int]]  # per mark: opening mark to just after the closing mark
    open_marks: list[int]  # sorted: marks come in text order
    close_ends: list[int]  # sorted ends of the closing marks
    pars: list[tuple[int, int]]
    par_starts: list[int]
    headline: tuple[int, int] | None  # the first line, when it repeats the article's title
    sents: list[tuple[int, int]]
    mentions: list[Mention]  # speaker candidates, sorted
    m_starts: list[int]
    resolver: Resolver
    attributed: list[tuple[int, Mention]] = field(default_factory=list)  # (quote end, speaker) in text order
    attributed_cues: list[tuple[int, Mention, tuple[int, int]]] = field(default_factory=list)  # (quote end, speaker, cue)
    turn_spans: list[tuple[int, int]] = field(default_factory=list)  # transcript turns, set by transcript_turns

    def par_of(self, pos: int) -> tuple[int, int]:
        """The paragraph holding ``pos``."""
        i = max(0, bisect.bisect_right(self.par_starts, pos) - 1)
        return self.pars[i] if self.pars else (0, len(self.text))

    def next_par(self, par: tuple[int, int]) -> tuple[int, int] | None:
        """The paragraph after ``par``, if any."""
        i = bisect.bisect_left(self.par_starts, par[0])
        return self.pars[i + 1] if i + 1 < len(self.pars) else None

    def starts_par(self, f: Found, par: tuple[int, int]) -> bool:
        """The quote's first mark opens the paragraph ``par``."""
        return not self.text[par[0] : f.marks[0].open_mark].strip()

    def in_noise(self, pos: int) -> bool:
        """``pos`` lies in one of the ``noise`` spans."""
        return any(a <= pos < b for a, b in self.noise)

    def words(self, lo: int, hi: int) -> list[re.Match[str]]:
        """The words in [lo, hi)."""
        return list(WORD.finditer(self.text, lo, hi))


# ---------------------------------------------------------------- cues

STRONG_CUES = frozenset(["said", "says", "say", "told", "tells", "added", "adds", "noted", "notes", "argued", "argues", "wrote", "writes", "explained", "explains", "insisted", "insists", "warned", "warns", "claimed", "claims", "stressed", "stresses"])
#: verbs whose subject is often a document or a poll, not a known speaker ("A CNN/ORC poll showed ...")
EVIDENCE_CUES = frozenset(["show", "shows", "showed", "shown", "found", "finds", "suggest", "suggests", "suggested",
                           "indicate", "indicates", "indicated", "reveal", "reveals", "revealed", "report", "reports",
                           "reported", "concluded", "concludes", "estimated", "estimates", "predicted", "predicts"])
ACCORDING = re.compile(r"\b[Aa]ccording to\b")


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


# ---------------------------------------------------------------- subjects

_NP_OPENERS = frozenset(["the", "a", "an", "one", "another", "his", "her", "their", "its", "our", "some", "many", "several", "two", "three", "four", "five", "few", "most", "both", "each", "every", "this", "that", "these", "those"])
_NOT_NP = frozenset(["while", "when", "as", "after", "before", "trying", "to", "and", "but", "because", "if", "then", "in", "on", "at", "for", "with", "by", "from", "during", "since", "so", "which", "who", "whom", "that", "this", "it", "there", "here"])
_OF_PHRASE = re.compile(r"\s+of\s+(?:the\s+)?[\w’'.-]+(?:\s+[\w’'.-]+){0,3}\s*")
#: what may open a sentence before its subject: punctuation, quote marks, a conjunction ("But Megan Hester, ...")
_SENTENCE_LEAD = re.compile(r"[\s\"“”'‘’(,;:—–-]*(?:(?:But|And|Yet|So|Still|Meanwhile|However),?\s+)?")
#: a sentence opened by a subordinate clause ("When Clinton noted ..., Trump boasted, “...”")
SUBORDINATOR = re.compile(r"\s*(?:When|While|As|After|Before|If|Because|Although|Though|Since|Until|Once|Whereas)\b")
#: a fronted phrase before a main clause ("In a White House statement, ...")
PREP_OPENER = re.compile(r"\s*(?:In|At|On|During|After|Before|From|Following|Unlike|Like|Despite|With|Without|Under|"
                         r"Since|Asked about|Speaking to|Speaking at|Speaking on|Writing in|Responding to)\b[^,.;:!?\"“”]{1,80},")


def bridge_only(text: str, lo: int, hi: int) -> bool:
    """Only bridge words, commas and spaces between lo and hi (or an appositive ", ... ,")."""
    gap = re.sub(r"\s*\([^()]{0,40}\)", "", text[lo:hi])  # "Chaffetz (R-Utah) said"
    words = WORD.findall(gap)
    if all(w.lower() in BRIDGE_WORDS for w in words) and not re.search(r"[.;:!?\"“”]", gap):
        return True
    return bool(re.fullmatch(r"\s*,[^.;:!?\"“”,]{1,90},\s*(?:\w+\s+){0,2}", gap)) and len(words) <= 14


def in_parentheses(text: str, m: Mention) -> bool:
    """The mention is inside a parenthesis ("(R-Utah)")."""
    before = text[max(0, m.start - 40) : m.start]
    return before.rfind("(") > before.rfind(")")


def subject_before(art: ArticleState, cue_start: int, floor: int) -> Mention | None:
    """The speaker candidate ending just before a cue, bridged only by small words."""
    best: Mention | None = None
    for m in iter_in(art.mentions, art.m_starts, max(floor, cue_start - 160), cue_start):
        if in_parentheses(art.text, m):
            continue
        closer = best is None or m.end > best.end or (m.end == best.end and m.start < best.start)
        if closer and m.end <= cue_start and bridge_only(art.text, m.end, cue_start):
            best = m
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


# ---------------------------------------------------------------- attribution

def main_subject(art: ArticleState, lo: int, hi: int) -> Mention | None:
    """The subject of the clause a participle hangs on: the speaker of a quote opening the
    sentence ("“A,” Chaffetz said, adding ..."), else the sentence's first name or pronoun."""
    for end, spk in reversed(art.attributed):
        if lo - 2 <= end and spk.start < hi:
            return spk
        if end < lo:
            break
    return clause_subject(art, lo, hi)


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
        spk = _previous_paragraph_subject(art, f, par)
        if spk is not None:
            f.speaker, f.source = spk, "previous"
            last, last_par = f, par


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
    end = len(art.text[ps:pe].rstrip()) + ps
    lo = sentence_start(art.text, end - 1, ps)
    spk = clause_subject(art, lo, end)
    if spk is None or len(WORD.findall(art.text[main_clause_start(art.text, lo, spk.start) : spk.start])) > 3:
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


# ---------------------------------------------------------------- clauses

#: the auxiliary of a progressive form right before an -ing cue ("is defending", "are slamming")
PROGRESSIVE = re.compile(r"\b(?:is|are|was|were|has been|have been|had been)\s+(?:\w+ly\s+|also\s+|still\s+)?$")
#: the addressee right after "told" ("told reporters", "told CNN on Monday", "told the Associated Press")
_ADDRESSEE = re.compile(r"\s+(?:him|her|them|us|me|you|reporters|supporters|voters|lawmakers|colleagues|"
                        r"(?:the\s+)?[A-Z][\w.&’'-]*(?:\s+[A-Z][\w.&’'-]*){0,3})"
                        r"(?:\s+(?:on|in|last|this)\s+[A-Z]?\w+)?(?:\s+(?:in an interview|in a statement))?(?=\s)")
#: the end of reported content: a participle clause, a semicolon, a new clause with its own subject
_CONTENT_BREAK = re.compile(r",\s+(?!including\b|according\b|during\b|notwithstanding\b)[a-z]+ing\b|;"
                            r"|,\s+(?:but|and|while|whereas)\s+(?:he|she|they|we|I)\b")
#: words right after a reporting verb that do not open a clause ("said so", "said nothing", "said yes")
_NOT_CLAUSE_START = frozenset(["this", "thus", "is", "was", "has", "his", "its", "yes", "no", "as", "us", "less", "so",
                               "nothing", "something", "anything", "little", "much", "more", "what", "how", "why",
                               "whether", "otherwise", "goodbye", "not", "to", "on", "about", "of", "for", "via",
                               "through", "only", "just", "last", "next", "early", "late", "instead",
                               "under", "amid", "among", "between", "without", "within", "against", "toward",
                               "towards", "unless", "until", "where", "whose"])
_CLAUSE_OPENERS = frozenset(["he", "she", "they", "we", "i", "it", "the", "there", "his", "her", "their", "this", "a",
                             "an", "its", "our", "no", "some", "many", "most", "all", "if", "those", "these"])
_NOT_OBJECT = frozenset(["in", "at", "by", "with", "from", "as", "of", "and", "but", "or", "into", "over", "after",
                         "before", "during", "since", "because", "when", "while", "than", "up", "down", "off",
                         "out", "so", "said", "says", "say", "who", "which", "there", "here"])
_COMPLEMENT_SUBJECTS = frozenset(["PERSON", "ORG", "nominal", "pronoun", "GPE", "NORP"])
_PARTICLE = re.compile(r"\s+(?:for|on|out|about|of|against|to(?=\s+(?:the|a|an|his|her|their|its|[A-Z])))\b")
_ADVERBIAL = re.compile(r"(?:\s+(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|"
                        r"again|also|repeatedly|publicly|privately|immediately|strongly|sharply|openly|previously|recently|"
                        r"earlier|later|last\s+(?:week|month|year)|this\s+(?:week|month|year))\b,?)+")


def clause_start(art: ArticleState, cue_end: int, se: int, cue_word: str) -> int | None:
    """Where the reported clause after a cue begins, or None when no clause follows."""
    text = art.text
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
            if not re.search(r"(?:,|\band|\bwhile)\s*$", text[ss : w.start()]):
                return None
            spk = main_subject(art, ss, w.start())
        else:
            spk = subject_before(art, w.start(), ss)
    if spk is None or spk.kind not in _COMPLEMENT_SUBJECTS:
        return None
    cue_end = w.end()
    particle = _PARTICLE.match(text, cue_end, se)
    if particle:  # "called for", "pushed for", "called on"
        cue_end = particle.end()
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
    return Found("indirect", [(start, content_end(text, start, end))], spk, (w.start(), cue_end), "complement")


# ---------------------------------------------------------------- transcripts

#: an upper-case speaker label opening a quotation: “PENCE: Well, look, ...”
_SPEAKER_LABEL = re.compile(r"\s*([A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,2}):\s")
#: a speaker label opening a transcript paragraph: "PENCE: ", "JAKE TAPPER: ", "Matthews: "
_TURN_LABEL = re.compile(r"([A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,2})[ \t]*:[ \t]+(?=\S)")


def quoted_label(text: str, q: MarkedQuote) -> Mention | None:
    """The speaker label a quotation opens with when it is a transcript line ("PENCE: Well, look,
    ..."), as a ``label`` mention; None for a plain quotation."""
    label = _SPEAKER_LABEL.match(text, q.start, q.end)
    if not label:
        return None
    s, e = label.span(1)
    return Mention(s, e, text[s:e], "label")


def transcript_turns(art: ArticleState, found: list[Found]) -> list[Found]:
    """A transcript line in quote marks ("PENCE: Well, look, ...") is a turn of a transcript,
    not a quotation: it is reported as the labelled speaker's words (kind ``indirect``, cue
    the colon), running over the paragraphs that continue it up to a stage note ("(CROSSTALK.)").
    Quotations inside a turn are the labelled speaker's."""
    out: list[Found] = []
    turns: list[Found] = _unquoted_turns(art)
    out.extend(turns)
    for f in found:
        if f.source != "label" or f.speaker is None:
            out.append(f)
            continue
        colon = art.text.index(":", f.speaker.end)
        start = colon + 1 + len(art.text[colon + 1 : f.segments[0][1]]) - len(art.text[colon + 1 : f.segments[0][1]].lstrip())
        end = _line_end(art, start, f.segments[0][1])
        for s, e in f.segments[1:]:
            if re.fullmatch(r"\(.*\)\W*", art.text[s:e].strip()):
                break  # a stage note ends the turn
            end = _line_end(art, s, e)
        turn = Found("indirect", [(start, end)], f.speaker, (colon, colon + 1), "label", marks=f.marks)
        out.append(turn)
        turns.append(turn)
    art.turn_spans = sorted(t.segments[0] for t in turns)
    for f in out:
        if f.kind == "indirect":
            continue
        for t in turns:
            if t.segments[0][0] <= f.segments[0][0] < t.segments[0][1]:
                f.speaker, f.cue, f.source = t.speaker, t.cue, "label"
    return out


def _line_end(art: ArticleState, pos: int, seg_end: int) -> int:
    """The end of the paragraph holding ``pos`` (not before ``seg_end``), trailing marks left out:
    a transcript line runs on past a quotation inside it."""
    end = max(seg_end, art.par_of(pos)[1])
    while end > pos and art.text[end - 1] in "\"”' ":
        end -= 1
    return end


def _unquoted_turns(art: ArticleState) -> list[Found]:
    """Transcript lines without quote marks: a paragraph opening with a speaker label and a
    colon ("TAPPER: And obviously ...", "Matthews: Well, ..."). The label must name a person of
    the article, or open at least two paragraphs (a dialogue), so "BYLINE:" is not a speaker."""
    cands: list[tuple[int, int, Mention, int]] = []  # content start, end, label, colon
    counts: dict[str, int] = {}
    for ps, pe in art.pars:
        if (art.headline is not None and ps == art.headline[0]) or art.in_noise(ps):
            continue
        m = _TURN_LABEL.match(art.text, ps, pe)
        if not m:
            continue
        s, e = m.span(1)
        label = art.text[s:e]
        if art.text[m.end() : m.end() + 1] in "\"“'‘" or len(WORD.findall(art.text[m.end() : pe])) < 3:
            continue  # "Continued Stone: “...”" is a quotation; "Clinton: 1,769." a tally
        person = next((x for x in iter_in(art.mentions, art.m_starts, s, e) if x.kind == "PERSON" and x.start == s and x.end == e), None)
        if person is None and not label.replace(" ", "").replace(".", "").isupper():
            continue
        spk = person or Mention(s, e, label, "label")
        end = pe
        while end > m.end() and art.text[end - 1].isspace():
            end -= 1
        cands.append((m.end(), end, spk, e + art.text[e:m.end()].index(":")))
        counts[label] = counts.get(label, 0) + 1
    out = []
    for start, end, spk, colon in cands:
        named = spk.kind == "PERSON" or art.resolver.resolve(spk) is not None
        if (named or counts[spk.text] >= 2) and end - start > 3:
            out.append(Found("indirect", [(start, end)], spk, (colon, colon + 1), "label"))
    return out


# ---------------------------------------------------------------- direct

#: a clause opened after a closing quote mark that is not its attribution (",” when Clinton said")
_SUBORDINATE_AFTER = re.compile(r"[\s,;—–-]*(?:when|whereas|because|although|though|if|unless|until|but|and|while|as|after|before|since)\s", re.IGNORECASE)
#: a passive report right after a quote: ” was written by Springsteen
_PASSIVE_BY = re.compile(r"[\s,]*(?:is|was|were|has been|had been)\s+((?:first\s+)?(?:written|said|sung|spoken|coined|"
                         r"uttered|tweeted|posted|written|penned|delivered|made|used|quoted))\s+by\s+")
#: "as <speaker> put it" next to a quote
_PUT_IT = re.compile(r"[\s,]*\bas\s+([^,.;:!?\"“”]{2,60}?)\s+((?:has\s+|had\s+|once\s+)?puts?\s+it)\b")


def direct_quotes(art: ArticleState) -> list[Found]:
    """The quotes of the article's quote marks, in text order, each with the speaker and cue
    found next to it; a quote interrupted by its attribution ("A," he said, "B.") or running over
    paragraphs is one quote. Records the speakers found in ``art.attributed``/``attributed_cues``
    for the quotes after them. Transcript lines come out with source ``label``."""
    found = []
    for q in art.marks:
        f = _attribute(art, q)
        if f.speaker is not None and f.source in ("after", "before"):
            art.attributed.append((q.end, f.speaker))
            if f.cue is not None:
                art.attributed_cues.append((q.close_mark or q.end, f.speaker, f.cue))
        found.append(f)
    return _merge_groups(art.text, found)


def _attribute(art: ArticleState, q: MarkedQuote) -> Found:
    """The quote of one pair of quote marks, with its kind and the speaker and cue right after
    or before it (or the label of a transcript line)."""
    ps, pe = art.par_of(q.open_mark)
    kind = _kind(art.text, q, ps)
    found = Found(kind, [(q.start, q.end)], marks=[q])
    label = quoted_label(art.text, q)
    if label is not None:  # a transcript line: "PENCE: Well, look, ..."
        found.speaker, found.source = label, "label"
        return found
    after = _attribute_after(art, q, pe)
    before = _attribute_before(art, q, ps)
    qtext = art.text[q.start : q.end].rstrip()
    closes_clause = qtext.endswith((",", "?", "!", "—", "–")) or art.text[
        (q.close_mark or q.end) + 1 : (q.close_mark or q.end) + 2
    ] == ","
    if after and after[0] is None and before:
        found.verb_after = after[1] is not None
        after = None  # "Demonstrators said they want “justice,” but pledged ...": the verb after has no subject
    # no verb before, and the sentence closes with an attribution: “...” to cut costs, he said.
    weak_before = (
        bool(before) and before[1] is None and bool(after) and after[0] is not None and after[1] is not None
        and art.text[: after[0].start].rstrip().endswith(",")
        and re.match(r"\s*[,.]", art.text[after[1][1] : after[1][1] + 3]) is not None
    )
    if after and (closes_clause or not before or weak_before):
        found.speaker, found.cue, found.source = after[0], after[1], "after"
    elif before:
        found.speaker, found.cue, found.source = before[0], before[1], "before"
    return found


def _kind(text: str, q: MarkedQuote, par_start: int) -> str:
    """Direct when the quote is a sentence of its own (or follows a colon/comma), else mixed."""
    first = text[q.start : q.start + 1]
    lead = text[par_start : q.open_mark].rstrip()
    if not lead or lead.endswith((":", ",", ".", "!", "?", "”", '"', "—", "–")) or q.group >= 0:
        return "direct" if first[:1].isupper() or not first[:1].isalpha() else "mixed"
    return "mixed"


def _attribute_after(art: ArticleState, q: MarkedQuote, par_end: int) -> tuple[Mention | None, tuple[int, int]] | None:
    """Speaker and cue after the quote (",” Kallas said", ",” said Matt Bennett", ",” as a memo
    put it", “...”\n- Bernie Sanders); the cue is None for a bare name after a dash."""
    if q.close_mark is None:
        return None
    lo = q.close_mark + 1
    i = bisect.bisect_left(art.open_marks, lo)
    hi = min([par_end, lo + 200] + art.open_marks[i : i + 1])
    hi = sentence_end(art.text, lo, hi)
    head = art.text[lo:hi]
    dash = re.match(r"\s*[—–―-]\s*", head)
    words = art.words(lo, hi)
    passive = _PASSIVE_BY.match(head)
    if passive:  # “American Skin” was written by Springsteen
        spk = next(iter_in(art.mentions, art.m_starts, lo + passive.end(), lo + passive.end() + 3), None)
        if spk is not None:
            return spk, (lo + passive.start(1), lo + passive.end(1))
    for i, w in enumerate(words[:24]):
        # "read" is mostly not a report, but is one right after a quote (,” the sign read)
        if not is_cue(art, w.group()) and not (w.group() == "read" and i <= 3):
            continue
        cue = (w.start(), w.end())
        if w.group().lower() in ("read",) and i > 3:
            continue
        pre = art.text[lo : w.start()]
        if _SUBORDINATE_AFTER.match(pre):
            break  # ,” when Clinton blasted him / ,” but he said that ...: a new clause, not the attribution
        if not WORD.search(pre) and w.group().endswith("ing"):
            # ,” adding that it’s why ...: the sentence's subject goes on, named before the quote
            ps = art.par_of(q.open_mark)[0]
            spk = main_subject(art, sentence_start(art.text, q.open_mark, ps), q.open_mark)
            if spk is None:
                break
            return spk, cue
        if not WORD.search(pre):  # ,” said Matt Bennett / ,” added Kallas
            spk = subject_after(art, w.end(), hi)
            return (spk, cue) if spk else (loose_phrase(art.text, w.end(), hi), cue)
        spk = subject_before(art, w.start(), lo)
        if spk is not None and spk.start - lo <= 40:
            return spk, phrasal(art.text, cue)
        if (
            spk is not None
            and spk.kind in ("PERSON", "pronoun")
            and art.text[lo : spk.start].rstrip().endswith(",")
            and re.match(r"\s*[,.]", art.text[w.end() : w.end() + 3])
        ):  # “...” to drive up the stock price, she said.: the sentence's closing attribution
            return spk, cue
        first = next(iter_in(art.mentions, art.m_starts, lo, min(lo + 40, w.start())), None)
        if first is not None and first.end <= w.start() and len(WORD.findall(pre)) <= 16:
            return first, phrasal(art.text, cue)  # ,” Rep. Jim Jordan (R-Ohio), a panel member, said
        if spk is None and len(WORD.findall(pre)) <= 5 and re.fullmatch(r"[\s,—–-]*[\w\s’'.-]+", pre):
            return loose_mention(art.text, lo, w.start()), phrasal(art.text, cue)
        break
    put = _PUT_IT.match(head)
    if put:  # ,” as a Homeland Security memo put it.
        return put_it_speaker(art, lo + put.start(1), lo + put.end(1)), (lo + put.start(2), lo + put.end(2))
    acc = re.match(r"[\s,]*according to\b", head)
    if acc:
        spk = named_after(art, lo + acc.end(), hi)
        if spk is not None:
            return spk, (lo + acc.end() - len("according to"), lo + acc.end())
    first = next(iter_in(art.mentions, art.m_starts, lo, lo + 24), None)
    lead = art.text[lo : first.start] if first is not None else ""
    if first is not None and first.kind in ("PERSON", "pronoun") and (
        not lead.strip(" ,") or (first.kind == "PERSON" and re.fullmatch(r"[\s,]*(?:an?|the)\s+[a-z]+\s+", lead))
    ):  # ,” Toomey fumed / ,” an angry Hollande retaliated
        verb = re.match(r"\s+(?:\w+ly\s+)?([a-z]+(?:ed|s)|(?:went|shot|fired|hit|struck)(?=\s+(?:on|back)\b))\b",
                        art.text[first.end : hi])
        if verb and art.text[q.start : q.end].rstrip().endswith((",", "?", "!")):
            # ,” Toomey fumed on Tuesday: a name and a verb right after the quote
            return first, (first.end + verb.start(1), first.end + verb.end(1))
    nxt_line = re.match(r"\s*\n\s*[-—–―]\s*", art.text[lo : lo + 12])
    if nxt_line and not head.strip(" .,"):
        start = lo + nxt_line.end()
        for m in iter_in(art.mentions, art.m_starts, start, start + 3):
            return m, None  # type: ignore[return-value]  # “...”\n- Bernie Sanders.
    if dash:
        for m in iter_in(art.mentions, art.m_starts, lo, lo + 40):
            if m.kind in ("PERSON", "ORG"):
                return m, None  # type: ignore[return-value]
        name = re.match(r"((?:[A-Z][\w’'.-]*\s?){1,4})", art.text[lo + dash.end() : hi])
        if name:
            s = lo + dash.end()
            e = s + len(name.group(1).rstrip())
            return Mention(s, e, art.text[s:e], "nominal"), None  # type: ignore[return-value]
    return None


def _attribute_before(
    art: ArticleState, q: MarkedQuote, par_start: int
) -> tuple[Mention | None, tuple[int, int] | None, bool] | None:
    """Speaker and cue before the quote; the bool says the cue governs a mixed fragment."""
    i = bisect.bisect_right(art.close_ends, q.open_mark) - 1
    prev_close = max(art.close_ends[i] if i >= 0 else 0, par_start)
    floor = max(par_start, prev_close, q.open_mark - 300)
    lo = sentence_start(art.text, q.open_mark, floor)
    if not art.text[par_start : q.open_mark].strip() and par_start > 0:
        # "Pistorius told parliament:\n\n“We have to ...": the colon ends the paragraph before
        prev_par = art.par_of(par_start - 1)
        if prev_par[1] <= par_start and art.text[prev_par[0] : prev_par[1]].rstrip().endswith(":"):
            lo = sentence_start(art.text, prev_par[1], prev_par[0])
            hit = _cue_before(art, q, lo, art.text[prev_par[0] : prev_par[1]].rstrip(), par_start)
            if hit is not None:
                return hit
            # "President Clinton released the following statement:": the sentence's subject
            spk = clause_subject(art, lo, prev_par[1])
            if spk is not None and len(WORD.findall(art.text[main_clause_start(art.text, lo, spk.start) : spk.start])) <= 3:
                return spk, None, False
            return None
    if lo >= q.open_mark - 1 and prev_close > par_start and q.open_mark - prev_close < 5:
        return None
    window = art.text[lo : q.open_mark]
    colon = re.search(r"(\S+)\s*:\s*$", window)
    if colon:
        for m in iter_in(art.mentions, art.m_starts, lo, q.open_mark):
            if m.end == lo + colon.end(1) and m.kind in ("PERSON", "ORG", "pronoun"):
                return m, None, False  # "Marco Rubio: 'You don't win ...'"
    put = list(_PUT_IT.finditer(art.text, lo, q.open_mark))
    if put:  # as The New Yorker put it in a lengthy expose, “the operator.”
        m = put[-1]
        return put_it_speaker(art, m.start(1), m.end(1)), (m.start(2), m.end(2)), True
    hit = _cue_before(art, q, lo, window, q.open_mark)
    if hit is not None:
        return hit
    if not art.text[lo : q.open_mark].strip() and lo > par_start and prev_close <= par_start:
        # "Sam Lau said in a statement. “There are no paper ballots ...”": a quote opening a
        # sentence right after a sentence that reports speech with no quote of its own
        prev_lo = sentence_start(art.text, lo - 1, par_start)
        prev = art.text[prev_lo:lo].rstrip()
        if prev.endswith((".", ":")) and len(WORD.findall(prev)) <= 30:
            hit = _cue_before(art, q, prev_lo, prev, prev_lo + len(prev) - 1)
            if hit is not None and art.text[hit[1][1] if hit[1] else lo : lo].count(" ") <= 6:
                return hit
    return _fallback_before(art, q, lo, par_start)


def _cue_before(
    art: ArticleState, q: MarkedQuote, lo: int, window: str, hi: int
) -> tuple[Mention | None, tuple[int, int] | None, bool] | None:
    """The last reporting verb in [lo, hi) with a subject, and that subject (the outermost
    report when the sentence holds several)."""
    words = art.words(lo, hi)
    cues = [w for w in words if is_cue(art, w.group(), w.start()) and not noun_use(art, w)]
    if (
        len(cues) > 1
        and cues[0].group().lower() in STRONG_CUES
        and not SUBORDINATOR.match(art.text, lo)
        # "She said A, and when pressed, the mother of three replied, “...”": a second report
        and not re.search(r",\s*(?:and|but|while|whereas)\b|;", art.text[cues[0].end() : cues[-1].start()])
    ):
        # "Flynn said Trump was “right” when he said ...", "She said she recalls ...": the
        # outermost report in the sentence is the attribution
        first = subject_before(art, cues[0].start(), lo)
        if first is not None:
            tail = art.text[cues[0].end() : hi]
            return first, phrasal(art.text, (cues[0].start(), cues[0].end())), bool(WORD.search(tail))
    for w in reversed(words):
        if not is_cue(art, w.group(), w.start()) or noun_use(art, w):
            continue
        cue = phrasal(art.text, (w.start(), w.end()))
        tail = art.text[cue[1] : hi]
        mixed = bool(re.search(r"\bthat\b", tail)) or len(WORD.findall(tail)) > 4
        if participle(art.text, w, lo):
            spk = main_subject(art, lo, w.start())
            if spk is not None:
                return spk, cue, mixed
        spk = subject_before(art, w.start(), lo) or phrase_subject(art.text, lo, w.start())
        if spk is None:
            spk = subject_after(art, cue[1], hi) or loose_phrase(art.text, cue[1], hi)
            between = art.text[spk.end : hi] if spk is not None else ""
            if spk is not None and (between.strip(" ,:\n") or not re.search(r"[,:]", between)):
                spk = None  # inversion only right before the quote: said Trump, “...
        if spk is not None:
            return spk, cue, mixed
    return None


def _fallback_before(
    art: ArticleState, q: MarkedQuote, lo: int, par_start: int
) -> tuple[Mention | None, tuple[int, int] | None, bool] | None:
    """A speaker before the quote without a reporting verb: "according to X", the speaker of an
    earlier quote in the sentence, else the sentence's subject."""
    acc = list(ACCORDING.finditer(art.text, lo, q.open_mark))
    if acc:
        a = acc[-1]
        spk = named_after(art, a.end(), q.open_mark) or loose_phrase(art.text, a.end(), q.open_mark)
        if spk is not None:
            return spk, (a.start(), a.end()), True
    sent_start = sentence_start(art.text, q.open_mark, par_start)
    for end, spk, cue in reversed(art.attributed_cues):
        if end < sent_start:
            break
        if end <= q.open_mark:
            return spk, cue, True  # “A,” he said, and that “B”: the sentence's speaker
    opener = PREP_OPENER.match(art.text, lo, q.open_mark)
    if opener:  # "In declaring Trump's statements “not Christian,” the pope ...": not the opener's names
        lo = opener.end()
    if WORD.search(art.text[lo : q.open_mark]):
        # no reporting verb: the fragment is ascribed to the sentence's subject, its first
        # name, pronoun or definite description ("Gov. Tomblin lauded ... for 'new ideas'");
        # a main clause after a fronted one starts after a comma ("After Brown criticized
        # Clinton, Hillary shot back, “...”")
        for m in reversed(list(iter_in(art.mentions, art.m_starts, lo, q.open_mark))):
            lead = art.text[lo : m.start].rstrip()
            if lead.endswith(",") and m.kind in ("PERSON", "pronoun") and m.text.lower() != "it" and re.match(
                r"\s+(?:\w+ly\s+)?[a-z]+(?:ed|s)\b", art.text[m.end : q.open_mark]
            ) and not re.search(r"\b(?:who|which|that)\b", art.text[m.end : q.open_mark][:20]):
                return m, None, True
        for m in iter_in(art.mentions, art.m_starts, lo, q.open_mark):
            if m.start - lo > 80:
                break
            if m.kind in ("PERSON", "ORG", "pronoun") or (m.kind == "nominal" and m.definite):
                if m.kind == "pronoun" and m.text.lower() == "it":
                    continue
                return m, None, True
        lead = leading_phrase(art.text, lo, q.open_mark)
        if lead is not None:
            return lead, None, True
    return None


def _merge_groups(text: str, found: list[Found]) -> list[Found]:
    """One quote per multi-paragraph quote and per interrupted quote ("A," he said, "B.")."""
    out: list[Found] = []
    for f in found:
        prev = out[-1] if out else None
        q = f.marks[0]
        if prev is not None:
            pq = prev.marks[-1]
            if q.group >= 0 and pq.group == q.group and not (f.source in ("after", "label") and f.speaker):
                prev.segments.extend(f.segments)
                prev.marks.append(q)
                continue
            if (
                prev.source == "after"
                and (f.speaker is None or f.cue == prev.cue)
                and pq.close_mark is not None
                and prev.cue is not None
                and _interrupted(text, pq, q, prev)
            ):
                prev.segments.extend(f.segments)
                prev.marks.append(q)
                continue
        out.append(f)
    return out


def _interrupted(text: str, pq: MarkedQuote, q: MarkedQuote, prev: Found) -> bool:
    """Only the attribution of ``prev`` stands between the quote of ``pq`` and that of ``q``."""
    between_end = max(prev.cue[1] if prev.cue else 0, prev.speaker.end if prev.speaker else 0)
    if between_end <= pq.close_mark or between_end > q.open_mark:  # type: ignore[operator]
        return False
    rest = text[between_end : q.open_mark]
    return bool(re.fullmatch(r"\s*[,:;—–-]?\s*", rest)) and text[pq.start : pq.end].rstrip().endswith(
        (",", "—", "–", "?", "!")
    )


# ---------------------------------------------------------------- scare

_PRONOUN_WORDS = frozenset(["he", "she", "it", "they", "we", "i", "you", "him", "her", "them", "us", "me", "his", "hers",
                            "its", "their", "our", "my", "your", "this", "that", "these", "those"])
#: a noun right after a closing mark that makes the quoted words a name ("the “Ted Cruz” campaign pins")
_TITLE_NOUN_AFTER = re.compile(r"\s*(?:show|program|programme|hat|hats|shirt|shirts|t-shirt|pins|button|buttons|sign|signs|"
                               r"banner|slogan|book|film|movie|documentary|album|song|series|segment|broadcast|podcast|"
                               r"syllabus|course|tour|rally|forum|conference|summit|initiative|doctrine|strategy|"
                               r"movement|caucus|act|bill|amendment|campaign|franchise|brand|logo|app|website|column)\b")
#: the small words a title-cased name leaves in lower case
TITLE_SMALL = frozenset(["a", "an", "the", "of", "and", "or", "for", "to", "in", "on", "at", "by", "with", "from", "vs", "&", "de", "la"])


def title_case(words: list[str]) -> bool:
    """All content words capitalised, as in the name of a show, book or slogan."""
    if not words or not words[0][0].isupper():
        return False
    return all(w[0].isupper() or w.lower() in TITLE_SMALL for w in words)


def is_scare(art: ArticleState, f: Found, max_scare_words: int) -> bool:
    """Scare quotes and titles: short, unattributed, or a title-cased name of a work.
    ``max_scare_words``: the most words a scare quote or a title may have."""
    if len(f.segments) > 1:
        return False
    s, e = f.segments[0]
    words = WORD.findall(art.text[s:e])
    if f.marks[0].close_mark is None and len(words) < 3:
        return True
    if len(words) == 1 and words[0].lower() in _PRONOUN_WORDS and not ((f.source == "after" and f.cue) or f.verb_after):
        return True  # because “she” is a “he”: a word mentioned, not a quotation
    if len(words) > max_scare_words:
        return False
    if (f.source == "after" and f.cue is not None) or f.verb_after:
        return False
    if title_case(words) and re.search(
        r"(?:'s|’s|\bon|\bin|\btitled|\bentitled|\bnamed|\bbook|\bshow|\bprogram|\bfilm|\bpodcast)\s*$",
        art.text[max(0, f.marks[0].open_mark - 12) : f.marks[0].open_mark],
    ):
        return True  # a show, book or ad named: on CBS's “Face the Nation”, titled “Arrogant”
    close = f.marks[0].close_mark
    if title_case(words) and close is not None and _TITLE_NOUN_AFTER.match(art.text, close + 1):
        return True  # a name used as a modifier: the “Make America Great Again” hat, the “Perception” syllabus
    if f.speaker is None or title_case(words):
        return not near_cue(art, s, e)  # titles and scare quotes with no reporting verb around
    return False


# ---------------------------------------------------------------- indirect

_VIEW = re.compile(r"\b(?:In|in) (?:his|her|their|its|[A-Z][\w’'-]*(?:'s|’s)) (?:view|opinion|words|assessment)\b")
_CLAUSE_BREAK = re.compile(r",\s+(?:but|and|while|whereas|although|though|as|before|after|telling|saying|adding)\b|;")
#: what makes a mostly-noun base form a verb: a subject pronoun or "percent" right before it
_BARE_VERB_CONTEXT = re.compile(r"(?:\b(?:they|we|who|I|you|percent)|%)\s+(?:also\s+|still\s+|strongly\s+)?$", re.IGNORECASE)


def indirect_quotes(art: ArticleState) -> list[Found]:
    """Indirect speech in the article's sentences, in text order (the headline and transcript
    turns left out): reports in sentences without quote marks, and the words around the quote
    marks of a sentence that still report speech."""
    out: list[Found] = []
    qstarts = [a for a, _ in art.quoted]
    for ss, se in _plain_sentences(art):
        if art.in_noise(ss) or (art.headline is not None and art.headline[0] <= ss < art.headline[1]):
            continue
        if any(a <= ss < b for a, b in art.turn_spans):
            continue  # a transcript turn is reported whole
        i = bisect.bisect_left(qstarts, ss)
        if i < len(qstarts) and qstarts[i] < se and not art.text[qstarts[i] + 1 : se].strip():
            se = qstarts[i]  # only the opening mark of the next paragraph's quote ends this sentence
        if i < len(qstarts) and qstarts[i] < se:
            # quote marks here (direct or mixed, handled above); the words after the last one
            # may still report speech: "“...,” she said, adding that boosting defence ..."
            before = _stance_before_quote(art, ss, qstarts[i])
            if before is not None:
                out.append(before)
            f = _after_quotes(art, ss, se)
        else:
            out.extend(reports_in(art, ss, se))
            continue
        if f is not None:
            out.append(f)
    return out


def _plain_sentences(art: ArticleState) -> list[tuple[int, int]]:
    """Sentences, each starting after any quotation it opens inside of (the second sentence of
    “A. B,” she said is part of the quote, not reported speech of its own)."""
    out = []
    qstarts = [a for a, _ in art.quoted]
    for s, e in art.sents:
        i = bisect.bisect_right(qstarts, s) - 1
        if i >= 0 and art.quoted[i][0] < s < art.quoted[i][1] - 1:
            s = art.quoted[i][1]
            if s >= e:
                continue
        seg = art.text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if trail > lead:
            out.append((s + lead, s + trail))
    return out


def _stance_before_quote(art: ArticleState, ss: int, first_mark: int) -> Found | None:
    """A stance verb's object in a clause that ends before the sentence's first quote ("Ryan
    endorsed Trump in early June, but ... telling reporters he was “not quite there yet.”")."""
    brk = _CLAUSE_BREAK.search(art.text, ss, first_mark)
    if brk is None:
        return None
    for w in art.words(ss, brk.start()):
        low = w.group().lower()
        if low.endswith("ing") or not (low in art.lex.complement_forms or low in art.lex.clause_forms):
            continue
        spk = subject_before(art, w.start(), ss)
        if spk is None:
            continue
        start = clause_start(art, w.end(), brk.start(), low) if low in art.lex.clause_forms else None
        if start is not None and brk.start() - start > 12:  # "Trump said he would win, but added: “...”"
            return Found("indirect", [(start, brk.start())], spk, (w.start(), w.end()), "before")
        if low in art.lex.complement_forms:
            return complement(art, w, ss, brk.start(), spk)
    return None


def _after_quotes(art: ArticleState, ss: int, se: int) -> Found | None:
    """A report in the words after the last quote of a sentence ("“...,” she said, adding that ...")."""
    i = bisect.bisect_left(art.open_marks, ss)
    j = bisect.bisect_left(art.open_marks, se)
    last_end = max((b for _, b in art.quoted[i:j]), default=ss)
    if last_end >= se:
        return None
    for w in art.words(last_end, se):
        low = w.group()
        if low in art.lex.complement_forms and participle(art.text, w, last_end):
            # "“...,” Trump said, referring to Barack Obama"
            found = complement(art, w, last_end, se, main_subject(art, ss, w.start()))
            if found is not None:
                return found
        if low not in art.lex.clause_forms:
            continue
        that = re.match(r"\s+that\s+", art.text[w.end() : se])
        if not that and participle(art.text, w, last_end):  # "“...,” she said, saying he would ..."
            start = clause_start(art, w.end(), se, low)
            spk = main_subject(art, ss, w.start())
            if start is not None and spk is not None and se - start > 12:
                return Found("indirect", [(start, content_end(art.text, start, se))], spk, (w.start(), w.end()), "after-quote")
        if not that:
            continue
        start = w.end() + that.end()
        if participle(art.text, w, last_end):
            spk = main_subject(art, ss, w.start())
        else:
            spk = subject_before(art, w.start(), last_end)
        if spk is not None and se - start > 12:
            return Found("indirect", [(start, content_end(art.text, start, se))], spk, (w.start(), w.end()), "after-quote")
    return None


def reports_in(art: ArticleState, ss: int, se: int) -> list[Found]:
    """Every report in a sentence without quote marks, each content ending where the next
    report's speaker begins ("Clinton said A, while Trump argued B")."""
    out: list[Found] = []
    lo = ss
    while lo < se:
        f = _report_in(art, lo, se)
        if f is None or f.cue is None:
            if f is not None:
                out.append(f)
            break
        if out and f.speaker is not None:
            prev = out[-1]
            cut = f.speaker.start if f.speaker.start < f.cue[0] else f.cue[0]
            ps, pe = prev.segments[-1]
            if ps <= cut < pe and len(WORD.findall(art.text[ps:cut])) < 3:
                # "estimates that Mrs. Clinton said her plan would ...", "said she plans to join ...":
                # a report nested at the start of the content is part of it, not a second report
                lo = max(f.cue[1], f.speaker.end)
                continue
            if ps < cut < pe:
                end = cut
                while end > ps and art.text[end - 1] in " ,;—–-":
                    end -= 1
                end = ps + len(re.sub(r"(?:\s*,)?\s+(?:and|but|while|whereas|as)$", "", art.text[ps:end]))
                prev.segments[-1] = (ps, end)
        out.append(f)
        lo = max(f.cue[1], f.speaker.end if f.speaker is not None else 0)
    return out


def _report_in(art: ArticleState, ss: int, se: int) -> Found | None:
    """The first report in [ss, se) of a sentence without quote marks: "In her view, ...",
    "according to X", "X said (that) ...", "..., X said.", a stance verb's object."""
    text = art.text
    view = _VIEW.match(text, ss)
    if view:
        spk = next((m for m in iter_in(art.mentions, art.m_starts, view.start(), view.end())), None)
        poss = re.search(r"(his|her|their|its)\s+\w+$", view.group())
        if spk is None and poss:
            p = view.start() + poss.start(1)
            spk = Mention(p, p + len(poss.group(1)), poss.group(1), "pronoun")  # "In her view"
        return Found("indirect", [(ss, se)], spk, (view.start(), view.end()), "view")
    acc = ACCORDING.search(text, ss, se)
    if acc:
        spk = named_after(art, acc.end(), se)
        if acc.start() - ss < 3:
            comma = text.find(",", acc.end(), se)
            if comma > 0:
                return Found("indirect", [(comma + 1, se)], spk, (acc.start(), acc.end()), "according")
        else:
            end = acc.start()
            while end > ss and text[end - 1] in " ,—–-":
                end -= 1
            return Found("indirect", [(ss, end)], spk, (acc.start(), acc.end()), "according")
    words = art.words(ss, se)
    fallback: Found | None = None  # a stance verb's object, used when no verb reports a clause
    for i, w in enumerate(words):
        low = w.group().lower()
        bare = (low in art.lex.bare_complement or low in art.lex.bare_clause) and _BARE_VERB_CONTEXT.search(
            text, max(ss, w.start() - 30), w.start()
        ) is not None
        if (low in art.lex.complement_forms and low not in art.lex.clause_forms) or (
            bare and low in art.lex.bare_complement
        ):
            fallback = fallback or complement(art, w, ss, se)
            continue
        if low not in art.lex.clause_forms and not (bare and low in art.lex.bare_clause):
            continue
        cue = (w.start(), w.end())
        # "..., Kallas said." / "..., said Kallas."
        tail = text[w.end() : se]
        continued = re.match(r"[\s\w’'.-]{0,40},\s+\w", tail)
        if continued and text.rfind(",", ss, w.start()) > ss + 8:
            # "Lenox was a juggernaut, Mr. Clarke said, until it went bankrupt": the whole sentence
            spk = subject_before(art, w.start(), ss) or subject_after(art, w.end(), se)
            between = WORD.findall(continued.group())
            parenthetical = len(between) <= 5 and "that" not in between  # not "told the AP that ..., conceding"
            if spk is not None and parenthetical:
                return Found("indirect", [(ss, se)], spk, cue, "after")
        inverted = subject_after(art, w.end(), se) if text[ss : w.start()].rstrip().endswith(",") else None
        if inverted is not None and inverted.kind == "pronoun":
            inverted = None  # "Nicole Hargrove, a worker, said she was ...": not "..., said Baker"
        if inverted is not None and opens_with_subject(art, ss, w.start()):
            inverted = None  # "Dianne Feinstein, Democrat of California, said the EB-5 program ...""
        if inverted is not None and text.rfind(",", ss, w.start()) > ss + 8:
            # "Its first ad could start this week, said Brian Baker, a longtime adviser ..."
            return Found("indirect", [(ss, text.rfind(",", ss, w.start()))], inverted, cue, "after")
        if (
            re.fullmatch(r"[\s\w’'.,-]{0,40}[.!?]?", tail)
            and text.rfind(",", ss, w.start()) > ss
            and not opens_with_subject(art, ss, w.start())
        ):
            spk = subject_before(art, w.start(), ss)
            comma = text.rfind(",", ss, spk.start if spk else w.start())
            if spk is None:
                spk = subject_after(art, w.end(), se)
                comma = text.rfind(",", ss, w.start())
            if spk is None and low in STRONG_CUES and len(WORD.findall(text[comma + 1 : w.start()])) <= 6:
                spk = loose_mention(text, comma + 1, w.start())  # "..., police said.", "..., attorneys for the family said."
            coordinated = re.match(r"\s*(?:but|and|or|so|yet|while|because|although|though|as)\b", text[comma + 1 : w.start()])
            if spk is not None and comma > ss + 15 and spk.kind != "relative" and not coordinated:
                # not "..., who added to her lead", "..., but he's not predicting she'll win"
                return Found("indirect", [(ss, comma)], spk, cue, "after")
        if low.endswith("ing") and re.search(r"(?:,|\bwhile|\bafter|\bbefore|\bby)\s*$", text[ss : w.start()]):
            # "Kallas declined to comment, while noting that ...": the main clause's subject
            spk = main_subject(art, ss, w.start())
        else:
            spk = subject_before(art, w.start(), ss)
            aux = PROGRESSIVE.search(text, ss, w.start()) if low.endswith("ing") else None
            if spk is None and aux is not None:  # "Donald Trump is defending his tweets"
                spk = subject_before(art, aux.start(), ss)
        if spk is None and (low in STRONG_CUES or low in EVIDENCE_CUES):
            # "Experts on North Korea said the test ...": the words before the verb are its subject
            pre = text[ss : w.start()]
            if 0 < len(WORD.findall(pre)) <= 10 and not re.search(r"[,;:()\"“”]", pre):
                spk = loose_mention(text, ss, w.start())
            elif "," in pre:  # "Around that time, 47 percent said they ..."
                spk = phrase_subject(text, ss, w.start())
        if spk is None:
            continue
        start = clause_start(art, w.end(), se, low)
        if start is not None and se - start > 12:
            return Found("indirect", [(start, content_end(text, start, se))], spk, cue, "before")
        if low in art.lex.complement_forms:  # "denied the report", "vowed to fight"
            fallback = fallback or complement(art, w, ss, se, spk)
    return fallback


# ---------------------------------------------------------------- headlines

def headline_line(text: str, pars: list[tuple[int, int]], title: str | None) -> tuple[int, int] | None:
    """The first paragraph (of ``pars``) when it repeats the article's title, punctuation aside."""
    if not title or not title.strip() or not pars:
        return None
    ps, pe = pars[0]

    def words(s: str) -> str:  # "'intentional act.'" and "'intentional act'" are the same title
        return " ".join(re.sub(r"[^\w\s]", "", s).split())

    want = words(title)
    return (ps, pe) if want and words(text[ps:pe]) == want else None


def in_headline(art: ArticleState, f: Found) -> bool:
    """A quote inside a headline-like line (short, mostly capitalised, no closing full stop):
    "Hollande Says Donald Trump ‘Makes You Want To Retch’" is a title, not a report of speech."""
    ps, pe = art.par_of(f.segments[0][0])
    if art.headline is not None and art.headline[0] <= f.segments[0][0] < art.headline[1]:
        return True
    line = art.text[ps:pe].strip()
    words = WORD.findall(line)
    if not 3 <= len(words) <= 25 or line.endswith((".", "!", "?")):  # a sentence of prose, not a title
        return False
    content = [w for w in words if w.lower() not in TITLE_SMALL]
    return bool(content) and sum(w[0].isupper() for w in content) >= 0.75 * len(content)


def headline_reports(art: ArticleState, hs: int, he: int) -> list[Found]:
    """Reported speech in the headline, whose quote marks are not quotations: "Sanders: Clinton
    needs to 'get away from all of this'" (a speaker before a colon), else the usual patterns."""
    text = art.text
    label = re.match(r"\s*([^:.!?\"“”‘’]{2,60}?)\s*:\s+(?=\S)", text[hs:he])
    if label:
        end = he
        while end > hs and text[end - 1] in ".!?;: ":
            end -= 1
        start = hs + label.end()
        prefix = (hs + label.start(1), hs + label.end(1))
        words = WORD.findall(text[prefix[0] : prefix[1]])
        spk = None
        for m in iter_in(art.mentions, art.m_starts, prefix[0], prefix[1]):
            if m.kind in ("PERSON", "ORG", "NORP", "GPE") and m.end <= prefix[1]:
                spk = m  # the last name before the colon ("A lesson from Loretta Lynch:")
        if spk is None and words and words[-1].lower() in art.lex.speaker_nouns:
            spk = Mention(prefix[0], prefix[1], text[prefix[0] : prefix[1]], "nominal")
        if spk is not None and len(words) <= 8 and end - start > 8:
            colon = text.index(":", prefix[1])
            return [Found("indirect", [(start, end)], spk, (colon, colon + 1), "headline")]
    return reports_in(art, hs, he)


# ---------------------------------------------------------------- component

class QuoteComponent:
    """Finds direct, mixed and indirect quotes and resolves their speakers (fills ``ctx.quotes``)."""

    name = "quotes"
    requires = ("doc", "entities")
    provides = ("quotes",)
    english_only = True

    def __init__(
        self,
        *,
        single_quotes: str = "auto",
        double_apostrophes: bool = False,
        indirect: bool = True,
        max_scare_words: int = 4,
    ) -> None:
        """``single_quotes``/``double_apostrophes``: see :func:`find_marked_quotes`. Quotes of at
        most ``max_scare_words`` words with no reporting verb nearby are scare quotes or titles and
        are dropped. ``indirect``: also report indirect speech."""
        if single_quotes not in ("auto", "always", "never"):
            raise PipelineConfigError(f"quotes: single_quotes must be 'auto', 'always' or 'never', not {single_quotes!r}")
        if max_scare_words < 0:
            raise PipelineConfigError(f"quotes: max_scare_words must be >= 0, not {max_scare_words}")
        self.single_quotes = single_quotes
        self.double_apostrophes = double_apostrophes
        self.indirect = indirect
        self.max_scare_words = max_scare_words
        self.lexicon: Lexicon = load_lexicon()

    def __call__(self, ctx: Context) -> None:
        entities = ctx.entities
        if not entities and ctx.doc is not None:
            entities = entities_from_doc(ctx.doc, ctx.text)
        ctx.quotes = extract_quotes(
            ctx.text,
            doc=ctx.doc,
            entities=entities,
            noise=ctx.noise_spans(),
            lexicon=self.lexicon,
            single_quotes=self.single_quotes,
            double_apostrophes=self.double_apostrophes,
            indirect=self.indirect,
            max_scare_words=self.max_scare_words,
            title=ctx.title,
        )


def extract_quotes(
    text: str,
    *,
    doc: Any = None,
    entities: list[dict[str, Any]] | None = None,
    noise: list[tuple[int, int]] | None = None,
    lexicon: Lexicon | None = None,
    single_quotes: str = "auto",
    double_apostrophes: bool = False,
    indirect: bool = True,
    max_scare_words: int = 4,
    title: str | None = None,
) -> list[dict[str, Any]]:
    """All quotes of ``text`` in the output format (see :mod:`streams.enrich.components.quotes`), in text order.

    ``title``: the article's headline; when the text opens with it, that line is read as a
    headline (its quote marks are not quotations; "Sanders: Clinton needs to ..." is reported speech).
    """
    art = _article_state(
        text, doc, entities or [], noise or [], lexicon or load_lexicon(), single_quotes, double_apostrophes, title
    )
    found = direct_quotes(art)
    inherit(art, found)
    found = [f for f in found if not is_scare(art, f, max_scare_words) and not in_headline(art, f)]
    found = transcript_turns(art, found)
    if indirect:
        # the writer's "I" speaks the quotations they report (“Okay,” I said), but the writer's
        # own "I think ..." is opinion, not reported speech: no "I" as an indirect speaker
        art.mentions = [m for m in art.mentions if m.text != "I"]
        art.m_starts = [m.start for m in art.mentions]
        if art.headline is not None:
            found.extend(headline_reports(art, *art.headline))
        found.extend(indirect_quotes(art))
    else:
        found = [f for f in found if f.kind != "indirect"]
    found.sort(key=lambda f: f.segments[0][0])
    return [_output(art, f) for f in found]


def _article_state(
    text: str, doc: Any, entities: list[dict[str, Any]], noise: list[tuple[int, int]], lexicon: Lexicon,
    single_quotes: str, double_apostrophes: bool, title: str | None,
) -> ArticleState:
    """Everything the steps share about the article: its quote marks, paragraphs, headline,
    sentences and speaker candidates."""
    marks = find_marked_quotes(text, single_quotes=single_quotes, double_apostrophes=double_apostrophes)
    marks = [q for q in marks if not _markup_value(text, q)]
    quoted = [(q.open_mark, (q.close_mark + 1) if q.close_mark is not None else q.end) for q in marks]
    open_marks = [q.open_mark for q in marks]
    close_ends = sorted(q.close_mark + 1 for q in marks if q.close_mark is not None)
    pars = paragraphs(text)
    par_starts = [p[0] for p in pars]
    headline = headline_line(text, pars, title)
    sents = split_sentences(text, pars, doc)
    mentions = collect_mentions(text, entities, lexicon, quoted)
    m_starts = [m.start for m in mentions]
    resolver = Resolver(text, entities, mentions, lexicon.first_name_gender)
    return ArticleState(
        text=text, lex=lexicon, noise=noise, marks=marks, quoted=quoted, open_marks=open_marks, close_ends=close_ends,
        pars=pars, par_starts=par_starts, headline=headline, sents=sents, mentions=mentions, m_starts=m_starts,
        resolver=resolver,
    )


def _markup_value(text: str, q: MarkedQuote) -> bool:
    """A quoted attribute value in leftover markup: <tweet id="...">."""
    before = text[max(0, q.open_mark - 1) : q.open_mark]
    return before == "="


def _output(art: ArticleState, f: Found) -> dict[str, Any]:
    """One quote in the output format (see :mod:`streams.enrich.components.quotes`)."""
    start, end = f.segments[0][0], f.segments[-1][1]
    entity, name = resolve_speaker(art, f)
    return {
        "kind": f.kind,
        "start": start,
        "end": end,
        "segments": [[s, e] for s, e in f.segments],
        "text": " … ".join(art.text[s:e] for s, e in f.segments) if len(f.segments) > 1 else art.text[start:end],
        "speaker": name,
        "speaker_mention": f.speaker.as_dict() if f.speaker is not None else None,
        "cue": {"start": f.cue[0], "end": f.cue[1], "text": art.text[f.cue[0] : f.cue[1]]} if f.cue else None,
        "speaker_entity": entity,
    }
