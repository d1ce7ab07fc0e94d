"""Reports in a sentence without quote marks: "X said (that) ...", "..., X said.", "according to X",
"As the Post reported, ...", "In her view, ...", a stance verb's object ("X urged Y to ...").

A sentence may hold several reports ("Clinton said A, while Trump argued B"): :func:`reports_in`
reads them left to right, each content ending where the next report's speaker begins. The speaker
candidates come from :mod:`streams.enrich.components.quotes.subjects`, the reported clause from
:mod:`streams.enrich.components.quotes.clauses`.
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.attribution import main_subject
from streams.enrich.components.quotes.clauses import PROGRESSIVE, clause_start, complement, content_end
from streams.enrich.components.quotes.cues import (
    ACCORDING,
    EVIDENCE_CUES,
    MULTIWORD_CUE,
    MULTIWORD_HEADS,
    STRONG_CUES,
    noun_use,
)
from streams.enrich.components.quotes.doubled import is_doubled_quotation
from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import (
    loose_mention,
    named_after,
    opens_with_subject,
    phrase_subject,
    subject_after,
    subject_before,
)
from streams.enrich.components.quotes.syntax import governing_subject, reports

_VIEW = re.compile(r"\b(?:In|in) (?:his|her|their|its|[A-Z][\w’'-]*(?:'s|’s)) (?:view|opinion|words|assessment)\b")
#: "As the Post reported last week, ...", "But as Lee noted, ...": a source clause opening the sentence,
#: its verb in group 1; the report is the main clause after its comma
_AS_SOURCE = re.compile(r"(?:(?:But|And|Yet|So|and|but)\s+)?[Aa]s\s+[^,;:()]{1,80}?\s+(?:\w+ly\s+)?([a-z]+)(?:\s+out)?\b"
                        r"[^,;:()\"“”]{0,50}?,\s+(?=\S)")
#: "In a CNN poll released Monday, Clinton led by ten points": a poll or survey opening the sentence
#: is the source of the rest of it, as "according to the poll" would be; the noun in group 1
_POLL_SOURCE = re.compile(r"(?:(?:And|But)\s+)?In\s+(?:a|an|the|its|his|her|their|[A-Z][\w’'./&-]*)\s+[^,;:()\"“”]{0,80}?"
                          r"\b(polls?|surveys?)\b[^,;:()\"“”]{0,60}?,\s+(?=\S)")
#: a short clause right after a verb: its report, not the end of a closing attribution (a subject
#: pronoun and its verb are enough: "..., the campaign has denied it happened.")
_OPENS_CLAUSE = re.compile(r"\s+(?:he|she|they|we|it|the|his|her|their|its|there)\s+\w+\s+\w+"
                           r"|\s+(?:he|she|they|we|it|there)\s+[a-z]+"
                           r"|[\s,'’]+(?:he|she|they|we|it|there|I|you)[’'](?:d|s|m|re|ll|ve)\s+\w+")
#: a conjunction right before a verb: the verb is coordinated with the one before it
_COORDINATED = re.compile(r"\b(?:and|but)\s+(?:\w+ly\s+|also\s+|then\s+)?$")
#: what follows the subject of a reported clause, not a speaker after its verb: a possessive
#: ("said [Clinton’s] plan ...") or an auxiliary ("said [Trump] will ...")
_PREDICATE_NEXT = re.compile(r"(?:’s|'s)\b|\s+(?:\w+ly\s+)?(?:will|would|is|was|are|were|has|have|had|can|could|"
                             r"should|may|might|must|did|does|do|won’t|won't|isn’t|isn't|wasn’t|wasn't|doesn’t|"
                             r"doesn't|didn’t|didn't)\b")
#: a relative pronoun right before a verb, its subject ("officials [who] said ...", "Trump, [who] has argued
#: that ..."): the verb's clause is a relative clause, read from the parse
_RELATIVE_BEFORE = re.compile(r"\b(?:who|which)\s+(?:(?:also|has|have|had|would|will|could|did|does|do|then|later|"
                              r"again|once|still|even|never|often|previously|recently|repeatedly|publicly|first|"
                              r"just|since|\w+ly)\s+)*$")
#: the conjunction opening a second clause of a sentence, after its comma
_CONJOINED_CLAUSE = re.compile(r",\s+(?:and|but|while|whereas)\s+")
#: what makes a mostly-noun base form a verb: a subject pronoun or "percent" right before it
_BARE_VERB_CONTEXT = re.compile(r"(?:\b(?:they|we|who|I|you|percent)|%)\s+(?:also\s+|still\s+|strongly\s+)?$", re.IGNORECASE)
#: the end of the source an inner "according to" names, when the sentence goes on after it (not
#: with a description of the source, "according to the report, which ...", nor with a clause of its
#: own, "..., according to a CNN tally, but his path ...")
_SOURCE_END = re.compile(r"(?:,|\s[—–-])\s+(?!(?:which|who|whose|where|when|a|an|citing|including|and|or|but|yet|"
                         r"while|whereas|even|though|although|with)\b)(?=\w)")
#: a subordinate clause opening a sentence ("While Lee said A, B"): a report in it ends with it
_SUBORDINATOR = re.compile(r"(?:(?:But|And)\s+)?(?:While|Although|Though|Even though|Even as|Whereas|If|When|Because|"
                           r"Since|After|Before|Once|Unless)\b"
                           # after a fronted adverb: "Now, after arguing that ..., his team ..."
                           r"|[A-Z][a-z]+,\s+(?:while|although|though|even though|even as|whereas|if|when|because|"
                           r"since|after|before|once|unless)\b")
#: the comma that ends such a clause: the main clause's subject follows it
_MAIN_CLAUSE = re.compile(r",\s+(?=(?:he|she|they|we|I|it|there|the|his|her|their|its|this|these|those|"
                          r"[A-Z][\w’'.-]*)\s)")


def _subordinate_end(text: str, sent_start: int, start: int, se: int) -> int:
    """Where a report in a subordinate clause that opens the sentence ends: at the comma before
    the main clause ("While Lee said [the plan would work], her aides ..."); ``se`` otherwise."""
    if not _SUBORDINATOR.match(text, sent_start, start):
        return se
    m = _MAIN_CLAUSE.search(text, start, se)
    return m.start() if m is not None else se


def _relative_report(art: ArticleState, ss: int, se: int, cue_at: int) -> Found | None:
    """The report of the verb at ``cue_at`` in a relative clause of sentence [ss, se), from its
    parse: the clause or infinitive the verb governs, its antecedent as the speaker."""
    for spk, cue, (cs, ce) in reports(art, ss, se, art.lex.clause_forms):
        if cue[0] == cue_at:
            return Found("indirect", [(cs, ce)], spk, cue, "relative")
    return None


def _as_subject(text: str, ss: int, cue_at: int) -> Mention | None:
    """The phrase between "As" and its verb as the source ("As [the paper's investigative unit]
    reported, ..."), its auxiliaries and adverbs left out."""
    m = re.search(r"\b[Aa]s\s+(.+?)(?:\s+(?:has|have|had|also|\w+ly))*\s*$", text[ss:cue_at])
    if m is None or not WORD.search(m.group(1)):
        return None
    start, end = ss + m.start(1), ss + m.end(1)
    definite = text[start:end].split()[0].lower() in ("the", "his", "her", "their", "its")
    return Mention(start, end, text[start:end], "nominal", definite=definite)


#: characters: a "sentence" longer than this is a table, a list or a run-on scoreboard (the longest
#: sentences of the PolNeAR and corpus texts are under 1,500); reading it costs its length per report
MAX_REPORT_SENTENCE = 3000


def reports_in(art: ArticleState, ss: int, se: int) -> list[Found]:
    """Every report in a sentence without quote marks, each content ending where the next
    report's speaker begins ("Clinton said A, while Trump argued B")."""
    out: list[Found] = []
    if se - ss > MAX_REPORT_SENTENCE:  # a table or a run-on list, not a sentence: each report rescans to its end
        return out
    lo = ss
    while lo < se:
        f = _report_in(art, lo, se, ss, out[-1].speaker if out else None)
        if f is None or f.cue is None:
            if f is not None:
                out.append(f)
            break
        if out and f.source == "after" and f.segments[0][0] < out[-1].segments[-1][1]:
            # "While Lee said A, her aides warned of B": not A again, closed by a second speaker
            lo = max(f.cue[1], f.speaker.end if f.speaker is not None else 0)
            continue
        if out and f.speaker is not None:
            prev = out[-1]
            shared = f.speaker is prev.speaker  # "... that A and says B": the cue ends A
            cut = f.speaker.start if f.speaker.start < f.cue[0] and not shared else f.cue[0]
            ps, pe = prev.segments[-1]
            if ps <= cut < pe and len(WORD.findall(art.text[ps:cut])) < 3:
                # "estimates that Mrs. Clinton said her plan would ...", "said she plans to join ...":
                # a report nested at the start of the content is part of it, not a second report
                lo = max(f.cue[1], f.speaker.end)
                continue
            if f.source == "relative" and ps <= cut < pe:
                # "said Clinton was the only choice for Americans who know ...": a relative clause
                # inside another report's content is part of it
                lo = max(f.cue[1], f.speaker.end)
                continue
            if prev.source == "after" and ps < prev.cue[0] < pe:
                # "At one point, she said, she was considering ...": a report inside the second
                # half of a parenthetical attribution's content is nested in it
                out.append(f)
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


def _multiword_report(art: ArticleState, w: re.Match[str], ss: int, se: int, sent_start: int) -> Found | None:
    """A report whose cue is a multiword predicate ("Mr. Obama made clear over the weekend that
    ...", "Labor leaders point out that ..."): its subject before it, its clause after it."""
    m = MULTIWORD_CUE.match(art.text, w.start(), se)
    if m is None or w.group()[:1].isupper():
        return None
    spk = subject_before(art, w.start(), ss)
    if spk is None and w.group().endswith("ing"):
        aux = PROGRESSIVE.search(art.text, ss, w.start())
        spk = subject_before(art, aux.start(), ss) if aux is not None else None
    if spk is None:
        return None
    # read as its one-word paraphrase: a clause after it opens with "that" or a subject
    start = clause_start(art, m.end(), se, "clarified")
    if start is None or se - start <= 12:
        return None
    end = content_end(art.text, start, _subordinate_end(art.text, sent_start, start, se))
    return Found("indirect", [(start, end)], spk, (m.start(), m.end()), "before")


def _report_in(
    art: ArticleState, ss: int, se: int, sent_start: int | None = None, prev: Mention | None = None
) -> Found | None:
    """The first report in [ss, se) of a sentence without quote marks: "In her view, ...",
    "according to X", "X said (that) ...", "..., X said.", a stance verb's object.
    ``sent_start``: where the sentence starts (``ss`` may lie after an earlier report of it);
    ``prev``: the speaker of that earlier report."""
    text = art.text
    sent_start = ss if sent_start is None else sent_start
    view = _VIEW.match(text, ss)
    if view:
        spk = next((m for m in iter_in(art.mentions, art.m_starts, view.start(), view.end())), None)
        poss = re.search(r"(his|her|their|its)\s+\w+$", view.group())
        if spk is None and poss:
            p = view.start() + poss.start(1)
            spk = Mention(p, p + len(poss.group(1)), poss.group(1), "pronoun")  # "In her view"
        return Found("indirect", [(ss, se)], spk, (view.start(), view.end()), "view")
    poll = _POLL_SOURCE.match(text, ss, se)
    if poll and se - poll.end() > 12 and not any(
        w.group().lower() in art.lex.clause_forms for w in art.words(poll.end(), se)
    ):
        spk = next((m for m in iter_in(art.mentions, art.m_starts, poll.start(), poll.end())), None)
        # "In a Des Moines Register poll, Mr. Cruz had a lead": no verb reports it, the poll does
        return Found("indirect", [(poll.end(), se)], spk, (poll.start(), poll.end(1)), "poll")
    source = _AS_SOURCE.match(text, ss, se)
    if source and source.group(1) in art.lex.clause_forms and se - source.end() > 12:
        cue_at = source.start(1)
        spk = subject_before(art, cue_at, ss) or _as_subject(text, ss, cue_at)
        if spk is not None:
            return Found("indirect", [(source.end(), se)], spk, (cue_at, source.end(1)), "as-source")
    acc = ACCORDING.search(text, ss, se)
    if acc:
        spk = named_after(art, acc.end(), se)
        if acc.start() - ss < 3:
            comma = text.find(",", acc.end(), se)
            if comma > 0:
                return Found("indirect", [(comma + 1, se)], spk, (acc.start(), acc.end()), "according")
        else:
            resumed = _SOURCE_END.search(text, acc.end(), se)
            reporting = any(w.group().lower() in art.lex.clause_forms for w in art.words(ss, acc.start()))
            if resumed is not None and not reporting and len(WORD.findall(text, resumed.end(), se)) >= 3:
                # "At the heart of the trouble, according to Ross, was a decision ...": the source
                # sits inside the sentence it reports, which goes on after it
                end = se
                while end > ss and text[end - 1] in " .,;:":
                    end -= 1
                return Found("indirect", [(ss, end)], spk, (acc.start(), acc.end()), "according")
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
            # "... criticized the deal and challenged him to a debate": a verb coordinated with the
            # report before it shares its subject
            coordinated = not low.endswith("ing") and _COORDINATED.search(text, max(ss, w.start() - 30), w.start())
            shared = prev if prev is not None and coordinated else None  # not "... for donations and speaking fees"
            fallback = fallback or complement(art, w, ss, _subordinate_end(text, sent_start, w.end(), se), shared)
            continue
        if low not in art.lex.clause_forms and not (bare and low in art.lex.bare_clause):
            multi = _multiword_report(art, w, ss, se, sent_start) if low in MULTIWORD_HEADS else None
            if multi is not None:
                return multi
            continue
        if noun_use(art, w):
            continue  # "the early states", "Western states", "his claims": a plural noun, no verb
        if _RELATIVE_BEFORE.search(text, max(ss, w.start() - 60), w.start()):
            # "Trump, who has said that Mexico will pay ..., spoke in Ohio": the relative clause
            # bounds the report and its antecedent speaks; the parse tells both
            rel = _relative_report(art, sent_start, se, cue_at=w.start())
            if rel is not None:
                return rel
        cue = (w.start(), w.end())
        # "..., Kallas said." / "..., said Kallas."
        tail = text[w.end() : se]
        continued = re.match(r"[\s\w’'.-]{0,40},\s+\w", tail)
        if continued and text.rfind(",", ss, w.start()) > ss + 4 and not (
            text[ss : w.start()].rstrip().endswith(",") and subject_before(art, w.start(), ss) is None
            and subject_after(art, w.end(), se) is not None
        ):  # not "..., said Jane Roe, policy director at ...": an inverted speaker and its appositive
            # "Lenox was a juggernaut, Mr. Clarke said, until it went bankrupt": the whole sentence
            spk = subject_before(art, w.start(), ss) or subject_after(art, w.end(), se)
            comma = text.rfind(",", ss, w.start())
            if spk is None and low in STRONG_CUES and len(WORD.findall(text[comma + 1 : w.start()])) <= 4:
                spk = loose_mention(text, comma + 1, w.start())  # "..., the airline added, and ..."
            between = WORD.findall(continued.group())
            parenthetical = len(between) <= 5 and "that" not in between  # not "told the AP that ..., conceding"
            if spk is not None and parenthetical:
                return Found("indirect", [(ss, se)], spk, cue, "after")
        inverted = None
        if text[ss : w.start()].rstrip().endswith((",", ",''")) and not low.endswith("ing") and not re.match(r"\s+that\b", tail):
            # not ", claiming that Hillary Clinton aide ...": a participle or a "that" clause opens
            # the report; it does not close one with its speaker after the verb
            inverted = subject_after(art, w.end(), se)
        if inverted is not None and _PREDICATE_NEXT.match(text, inverted.end, se):
            inverted = None  # "Jeff Sessions, a Trump supporter, said Clinton’s plan was ...": the clause's subject
        if inverted is not None and inverted.kind == "pronoun":
            inverted = None  # "Nicole Hargrove, a worker, said she was ...": not "..., said Baker"
        if inverted is not None and opens_with_subject(art, ss, w.start()):
            inverted = None  # "Dianne Feinstein, Democrat of California, said the EB-5 program ...""
        if inverted is not None and text.rfind(",", ss, w.start()) > ss + 8:
            # "Its first ad could start this week, said Brian Baker, a longtime adviser ..."
            return Found("indirect", [(ss, text.rfind(",", ss, w.start()))], inverted, cue, "after")
        if (
            re.fullmatch(r"[\s\w’'.,-]{0,40}[.!?]?", tail)
            and not _OPENS_CLAUSE.match(tail)  # "As the storm moved east, officials said the roads would close."
            and not low.endswith("ing")  # ", even suggesting he may ...": no closing attribution
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
            short_ok = comma > ss + 15 or is_doubled_quotation(art, ss, comma)  # "''I hope so,'' Lane said."
            if spk is not None and short_ok and spk.kind != "relative" and not coordinated:
                # not "..., who added to her lead", "..., but he's not predicting she'll win"
                return Found("indirect", [(ss, comma)], spk, cue, "after")
        participial = low.endswith("ing") and re.search(
            r"(?:,|\s[—–]|\bwhile|\bafter|\bbefore|\bby)(?:\s+(?:even|also|then|further|\w+ly))?\s*$", text[ss : w.start()]
        ) is not None
        if participial:
            # "Kallas declined to comment, while noting that ...": the main clause's subject, from
            # the sentence's start (an earlier report of the sentence may lie before ``ss``), else
            # the subject of the clause the participle hangs on, from a parse of the sentence
            spk = main_subject(art, sent_start, w.start())
            if spk is None:
                sent = art.sentence_of(w.start())
                if sent is not None:
                    spk = governing_subject(art, sent[0], sent[1], w.start())
        elif prev is not None and low != "saying" and _COORDINATED.search(text, max(ss, w.start() - 30), w.start()):
            # "Trump told a veterans group that ... and says he will ...": the verb coordinated
            # with the report before it shares its subject
            spk = prev
        else:
            spk = subject_before(art, w.start(), ss)
            aux = PROGRESSIVE.search(text, ss, w.start()) if low.endswith("ing") else None
            if spk is None and aux is not None:  # "Donald Trump is defending his tweets"
                spk = subject_before(art, aux.start(), ss)
        if spk is None and (low in STRONG_CUES or low in EVIDENCE_CUES):
            # "Experts on North Korea said the test ...": the words before the verb are its subject
            # (up to 14 words: "Majorities of voters in six states going to the polls Saturday say")
            pre = text[ss : w.start()]
            if 0 < len(WORD.findall(pre)) <= 14 and not re.search(r"[,;:()\"“”]", pre):
                spk = loose_mention(text, ss, w.start())
            elif "," in pre:  # "Around that time, 47 percent said they ..."
                spk = phrase_subject(text, ss, w.start())
                conj = _CONJOINED_CLAUSE.match(text, text.rfind(",", ss, w.start()), w.start())
                if spk is None and conj is not None:
                    # "Six in 10 voters said A, and three-quarters said B": a second clause's
                    # subject, after its conjunction (it ends the first report's content)
                    spk = phrase_subject(text, conj.end(), w.start())
        if spk is None:
            continue
        start = clause_start(art, w.end(), se, low)
        if start is not None and se - start > 12:
            end = content_end(text, start, _subordinate_end(text, sent_start, start, se))
            return Found("indirect", [(start, end)], spk, cue, "before")
        if low in art.lex.complement_forms:  # "denied the report", "vowed to fight"
            own = complement(art, w, ss, _subordinate_end(text, sent_start, w.end(), se), spk)
            # "Trump spoke to a gathering ..., promising to lift ...": the participle's report
            fallback = (own or fallback) if participial else (fallback or own)
    return fallback
