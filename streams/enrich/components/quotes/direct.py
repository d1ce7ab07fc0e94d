"""Direct and mixed quotes: the quotations of quote marks, attributed by the words around them.

A quote is ``direct`` when it is a sentence of its own (or follows a colon or a comma), ``mixed``
when it is a fragment inside the writer's sentence. Its speaker and cue are looked for right after
it (``,” Kallas said``, ``,” said Matt Bennett``) and right before it (``Kallas said: “``, ``She
stressed that ... “fragment”``), a reporting verb next to a speaker candidate; a quote with no
cue of its own may still be ascribed to the sentence's subject or to the sentence's earlier
speaker.
"""

from __future__ import annotations

import bisect
import re

from streams.enrich.components.quotes.attribution import main_subject
from streams.enrich.components.quotes.cues import ACCORDING, STRONG_CUES, is_cue, noun_use, participle, phrasal
from streams.enrich.components.quotes.marks import MarkedQuote
from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.outer import according_source, closing_attribution
from streams.enrich.components.quotes.sentences import WORD, blank, sentence_end, sentence_start, visible_end
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import (
    PREP_OPENER,
    SUBORDINATOR,
    clause_subject,
    fronted_clause_end,
    leading_phrase,
    loose_mention,
    loose_phrase,
    main_clause_start,
    named_after,
    phrase_subject,
    put_it_speaker,
    subject_after,
    subject_before,
)
from streams.enrich.components.quotes.syntax import (
    fragment_speaker,
    fragment_subject,
    governing_subject,
    main_clause_subject,
    subject_above,
)
from streams.enrich.components.quotes.transcripts import quoted_label
from streams.enrich.components.quotes.verb_subject import checked_subject

#: a clause opened after a closing quote mark that is not its attribution (",” when Clinton said")
_SUBORDINATE_AFTER = re.compile(r"[\s,;—–-]*(?:when|whereas|because|although|though|if|unless|until|but|and|while|as|after|before|since)\s", re.IGNORECASE)
#: a question put to the subject of a passive: its asker speaks ("was asked by X")
_ASKED = frozenset(["asked", "questioned", "pressed"])
_PASSIVE_AUX = re.compile(r"\b(?:was|were|is|are|been|being|be|get|got|gets)\s+(?:\w+ly\s+|also\s+|then\s+|later\s+)?$")
#: a passive report right after a quote: ” was written by Springsteen
_PASSIVE_BY = re.compile(r"[\s,]*(?:is|was|were|has been|had been)\s+((?:first\s+)?(?:written|said|sung|spoken|coined|"
                         r"uttered|tweeted|posted|written|penned|delivered|made|used|quoted))\s+by\s+")
#: a sentence that opens with a fronted participle, prepositional or subordinate phrase, not its subject
_FRONTED = re.compile(r"[\s\"“”'‘’(]*(?:(?:But|And|Yet|So|Still)\s+)?(?:[A-Z][a-z]+ing\b|(?:In|At|On|During|After|Before|"
                      r"Following|Unlike|Like|Despite|With|Without|Under|Since|When|While|As|If|Because|Although|"
                      r"Though|Once|Whereas|Amid|Asked|Speaking|Writing|Responding)\b)")
#: a relative pronoun right before a verb: the verb belongs to a relative clause, not the attribution
_RELATIVE_VERB = re.compile(r"\b(?:who|whom|which|that)\s+(?:(?:\w+ly|also|has|have|had|once|later)\s+)*$")
#: what stands between a reporting verb and the one it addresses ("told The Huffington Post:", "said to CNN:")
_TOLD = re.compile(r"\s+(?:to\s+)?(?:the\s+)?", re.IGNORECASE)
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
    owner = _report_owner(art, q) if found.source == "before" and found.cue is None else None
    if owner is not None:  # "her remark that “...”": the one whose words the noun reports
        found.speaker = owner
    closing = closing_attribution(art, q, found.cue if found.source == "after" else None)
    if closing is not None:  # “...” fostered by ..., the groups say.: the sentence's closing report
        found.speaker, found.cue, found.source = closing[0], closing[1], "after"
    outer = according_source(art, q)
    if outer is not None:  # the writer's source of a nested report is the quote's attribution
        found.speaker, found.cue, found.source = outer
    return found


def _report_owner(art: ArticleState, q: MarkedQuote) -> Mention | None:
    """The possessor of a noun that reports speech, when the quote is what that noun reports
    ("her remark that “...”", "Lee’s claim that there were “...”", "in Lee’s words, “...”", "His
    answer was that “...”") and no reporting verb stands between the noun and the quote."""
    sent = art.sentence_of(q.open_mark)
    if sent is None:
        return None
    lo = max(sent[0], q.open_mark - 300)
    if _REPORT_NOUN.search(art.text, lo, q.open_mark) is None:
        return None  # the common case, settled without the costlier pattern
    hit = None
    for hit in _OWNED_REPORT.finditer(art.text, lo, q.open_mark):
        pass
    if hit is None or len(WORD.findall(art.text, hit.end(), q.open_mark)) > 20:
        return None
    between = art.text[hit.end() : q.open_mark]
    if re.search(r"[\"“”;]", between) or any(is_cue(art, w.group(), w.start()) for w in WORD.finditer(between)):
        return None
    s, e = hit.span(1)
    for m in iter_in(art.mentions, art.m_starts, max(sent[0], s - 40), e):
        if m.end in (e, e - 1, e - 2) and m.kind in ("PERSON", "ORG", "NORP", "nominal"):
            return m  # "Donald Trump’s claim": the name, not just its last word
    if art.text[s:e].lower() in ("his", "her", "their"):  # not "its": a thing's claim is someone else's
        return Mention(s, e, art.text[s:e], "pronoun")
    return None


#: a possessor and a noun that reports speech, then its content ("her remark that", "Lee’s words,")
_NOUNS = (r"(?:remarks?|comments?|claims?|warnings?|assertions?|arguments?|contention|insistence|suggestion|promise|"
          r"pledge|vow|words|statement|description|accusations?|emphasis|prediction|declaration|admission|boast|"
          r"answer|response|reply|message)"
          r"(?:(?:\s+(?:was|is|has\s+been|had\s+been))?\s+that\b|\s*,)")
_REPORT_NOUN = re.compile(r"\b" + _NOUNS)
_OWNED_REPORT = re.compile(r"\b([Hh]is|[Hh]er|[Tt]heir|[\w.-]+(?:’s|'s|’|'))\s+(?:[a-z][\w-]*\s+){0,2}?" + _NOUNS)


#: the last character before a quote that opens a quotation of its own (a colon, a sentence end...)
_DIRECT_LEADS = frozenset(":,.!?”\"—–")


def _kind(text: str, q: MarkedQuote, par_start: int) -> str:
    """Direct when the quote is a sentence of its own (or follows a colon/comma), else mixed."""
    first = text[q.start : q.start + 1]
    lead = visible_end(text, par_start, q.open_mark)
    if lead == par_start or text[lead - 1] in _DIRECT_LEADS or q.group >= 0:
        return "direct" if first[:1].isupper() or not first[:1].isalpha() else "mixed"
    return "mixed"


def _attribute_after(art: ArticleState, q: MarkedQuote, par_end: int) -> tuple[Mention | None, tuple[int, int]] | None:
    """Speaker and cue after the quote (",” Kallas said", ",” said Matt Bennett", ",” as a memo
    put it"); a name after a dash, or on the next line after one ("- Bernie Sanders"), has no cue."""
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
        if _RELATIVE_VERB.search(pre, max(0, len(pre) - 40)):
            continue  # ,” Walter Brandt, a senator who wrote the bill, said: the verb of a relative clause
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
    if blank(art.text, par_start, q.open_mark) and par_start > 0:
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
                verb = art.words(max(lo, m.start - 30), m.start)[-2:]
                if any(is_cue(art, w.group(), w.start()) and _TOLD.fullmatch(art.text, w.end(), m.start) for w in verb):
                    break  # "Osuna told The Huffington Post: “...”": the one told, not the speaker
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
            inverted = _inverted_closing(art, prev_lo, prev_lo + len(prev))
            if inverted is not None:  # "..., said Jane Roe, policy director at a watchdog group. “It would ...”"
                return inverted[0], inverted[1], False
    return _fallback_before(art, q, lo, par_start)


def _inverted_closing(art: ArticleState, lo: int, hi: int) -> tuple[Mention, tuple[int, int]] | None:
    """The speaker and cue of a sentence [lo, hi) that closes with an inverted attribution and its
    appositive ("..., said Jane Roe, policy director at a watchdog group.")."""
    for w in reversed(art.words(lo, hi)):
        if not is_cue(art, w.group(), w.start()):
            continue
        if not art.text[lo : w.start()].rstrip().endswith(","):
            return None
        spk = subject_after(art, w.end(), hi)
        if spk is None or not re.fullmatch(r"(?:\s*\([^()]{1,40}\))?(?:,[^.;:!?\"“”]{1,150})?\s*[.]?", art.text[spk.end : hi]):
            return None
        return spk, (w.start(), w.end())
    return None


def _cue_before(
    art: ArticleState, q: MarkedQuote, lo: int, window: str, hi: int
) -> tuple[Mention | None, tuple[int, int] | None, bool] | None:
    """The last reporting verb in [lo, hi) with a subject, and that subject (the outermost
    report when the sentence holds several; checked against the parse where a clause or a first
    verb stands between them: see :mod:`.verb_subject`)."""
    hit = _rule_cue_before(art, q, lo, window, hi)
    if hit is None or hit[0] is None or hit[1] is None:
        return hit
    return checked_subject(art, hit[0], hit[1]), hit[1], hit[2]


def _rule_cue_before(
    art: ArticleState, q: MarkedQuote, lo: int, window: str, hi: int
) -> tuple[Mention | None, tuple[int, int] | None, bool] | None:
    """:func:`_cue_before` by the rules alone."""
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
    fronted = fronted_clause_end(art.text, lo, hi)
    for w in reversed(words):
        if not is_cue(art, w.group(), w.start()) or noun_use(art, w):
            continue
        if w.start() < fronted:
            break  # "When Trump announced his bid, he called them “...”": the main clause speaks
        cue = phrasal(art.text, (w.start(), w.end()))
        tail = art.text[cue[1] : hi]
        mixed = bool(re.search(r"\bthat\b", tail)) or len(WORD.findall(tail)) > 4
        if w.group().lower() in _ASKED and _PASSIVE_AUX.search(art.text, max(lo, w.start() - 20), w.start()):
            # "Sanders was asked by host Bill Maher, “...”": the question is the asker's, not the
            # subject's; with no "by" the asker is not named ("Trump was asked, “...”")
            agent = re.match(r"\s+by\s+", art.text[cue[1] : hi])
            spk = subject_after(art, cue[1] + agent.end(), hi) if agent else None
            return spk, cue, mixed
        if participle(art.text, w, lo):
            spk = main_subject(art, lo, w.start())
            if spk is not None:
                return spk, cue, mixed
        spk = subject_before(art, w.start(), lo) or phrase_subject(art.text, lo, w.start())
        if spk is not None and _modifies_object(art, spk, w):
            # "issued a statement describing ...", "posted a message on Twitter reading ...": the
            # participle modifies a thing; the speaker is the subject of the clause above it
            sent = art.sentence_of(w.start())
            above = subject_above(art, sent[0], sent[1], w.start()) if sent is not None else None
            spk = above or spk
        if spk is None:
            spk = subject_after(art, cue[1], hi) or loose_phrase(art.text, cue[1], hi)
            between = art.text[spk.end : hi] if spk is not None else ""
            if spk is not None and (between.strip(" ,:\n") or not re.search(r"[,:]", between)):
                spk = None  # inversion only right before the quote: said Trump, “...
        if spk is not None:
            return spk, cue, mixed
    return None


def _modifies_object(art: ArticleState, spk: Mention, w: re.Match[str]) -> bool:
    """An -ing cue right after a noun that names no person ("a statement describing", "Twitter
    reading"): the noun is not the speaker but what the participle modifies."""
    return (
        w.group().endswith("ing")
        and spk.kind not in ("PERSON", "pronoun")
        and not art.text[spk.end : w.start()].strip()
    )


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
    sent = art.sentence_of(q.open_mark)
    if sent is not None and _FRONTED.match(art.text, lo, q.open_mark):
        # a sentence opened by a fronted phrase: the speaker is the main clause's subject, from a
        # parse of the sentence, not the fronted phrase's names ("Praising the mayor's rival, Ann
        # Lee, as “...,” the governor rebuked ...")
        spk = governing_subject(art, sent[0], sent[1], q.start)
        if spk is not None:
            return spk, None, True
    if sent is not None:
        # a reporting verb the fragment hangs on, too far from it for the rules ("Although the
        # IMF did not ..., it referenced “...”"): its subject, not the sentence's first name
        spk = fragment_speaker(art, sent[0], sent[1], q.start, q.end)
        if spk is not None:
            return spk, None, True
    reach = _clause_reach(art, q, lo, sent)
    if sent is not None and WORD.search(art.text[lo : q.open_mark]):
        # no reporting verb: the fragment is ascribed to the subject of the clause it lies in,
        # from the parse, when that subject is before it
        spk = fragment_subject(art, sent[0], sent[1], q.start, q.end)
        if spk is not None and reach <= spk.start < q.open_mark and not _quoted_at(art, spk.start):
            return spk, None, True
    opener = PREP_OPENER.match(art.text, lo, q.open_mark)
    if opener:  # "In declaring Trump's statements “not Christian,” the pope ...": not the opener's names
        lo = opener.end()
    spk = _sentence_name(art, q, lo)
    if sent is not None and WORD.search(art.text[lo : q.open_mark]):
        # the main clause's subject, whatever it names, over a name of the sentence that may be
        # its object ("The town released a statement saying Trump's comments “...”": the town)
        main = main_clause_subject(art, sent[0], sent[1], q.start)
        if main is not None and reach <= main.start < q.open_mark and not _quoted_at(art, main.start):
            return main, None, True
    return (spk, None, True) if spk is not None else None


def _clause_reach(art: ArticleState, q: MarkedQuote, lo: int, sent: tuple[int, int] | None) -> int:
    """How far back the parse's subject of the fragment's clause may start: the sentence's start
    when an earlier quotation of the same sentence cut the window [lo, quote) short ("Lee, star of
    “Dawn,” thanked the mayor for “...”": Lee), else ``lo``."""
    if sent is None:
        return lo
    i = bisect.bisect_right(art.close_ends, q.open_mark) - 1
    if i >= 0 and sent[0] < art.close_ends[i] <= lo:
        return max(sent[0], sentence_start(art.text, q.open_mark, sent[0]))
    return lo


def _quoted_at(art: ArticleState, pos: int) -> bool:
    """``pos`` lies inside a quotation (between its marks; not after a mark never closed)."""
    i = bisect.bisect_right(art.open_marks, pos) - 1
    return i >= 0 and art.marks[i].close_mark is not None and art.quoted[i][0] <= pos < art.quoted[i][1]


def _sentence_name(art: ArticleState, q: MarkedQuote, lo: int) -> Mention | None:
    """The subject the rules see in a sentence [lo, quote) with no reporting verb: its first
    name, pronoun or definite description, the name opening a main clause after a comma, or
    its opening noun phrase."""
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
                return m
        for m in iter_in(art.mentions, art.m_starts, lo, q.open_mark):
            if m.start - lo > 80:
                break
            if m.kind in ("PERSON", "ORG", "pronoun") or (m.kind == "nominal" and m.definite):
                if m.kind == "pronoun" and m.text.lower() == "it":
                    continue
                return m
        lead = leading_phrase(art.text, lo, q.open_mark)
        if lead is not None:
            return lead
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
