"""Indirect (reported) speech: "X said that ...", "..., X said.", "according to X", "In her view, ...".

Found sentence by sentence, outside quotations, transcript turns and the headline, by the same
cues and speaker candidates as direct quotes; the reported content is the clause a reporting verb
governs (:mod:`streams.enrich.components.quotes.clauses`). The rules for a sentence without quote
marks are in :mod:`streams.enrich.components.quotes.plain`; this module runs them, reads the words
around a sentence's quote marks that may still report speech ("“...,” she said, adding that ..."),
parses the sentences whose reporting verb no rule read, and adds the reports a noun, an adjective
or a passive carries.
"""

from __future__ import annotations

import bisect
import re

from streams.enrich.components.quotes.adjectives import adjective_reports
from streams.enrich.components.quotes.attribution import main_subject
from streams.enrich.components.quotes.clauses import clause_start, complement, content_end, with_complementizer
from streams.enrich.components.quotes.cues import participle
from streams.enrich.components.quotes.doubled import doubled_extent
from streams.enrich.components.quotes.evidential import evidential_reports
from streams.enrich.components.quotes.nominal import nominal_reports
from streams.enrich.components.quotes.passive import passive_reports
from streams.enrich.components.quotes.plain import MAX_REPORT_SENTENCE, reports_in
from streams.enrich.components.quotes.prepositional import prepositional_reports
from streams.enrich.components.quotes.questions import reported_questions
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import subject_before
from streams.enrich.components.quotes.syntax import parse, reports

#: "This was stated by ...", "That was announced by ...": a passive report of something said before
_SOURCE_ONLY = re.compile(r"\s*(?:This|That|These|Those|It|Such)\s+(?:\w+\s+)?(?:was|were|has been|have been|had been|is|are)"
                          r"\s+(?:\w+ly\s+)?[a-z]+ed\s+(?:\w+\s+)?by\b")
_CLAUSE_BREAK = re.compile(r",\s+(?:but|and|while|whereas|although|though|as|before|after|(?!including\b|according\b|during\b)[a-z]+ing)\b|;")
#: a verb coordinated with the one before it, its first word in group 1
_AND_VERB = re.compile(r"\s+and\s+(?:also\s+|then\s+|\w+ly\s+)?([a-z]+)\b")
#: an infinitive that only says whether someone spoke ("declined [to comment publicly]")
_NO_COMMENT = re.compile(r"to\s+(?:comment|say|speak|discuss|elaborate|answer|respond|specify|disclose|confirm|"
                         r"detail)\b")
#: a determiner right before an -s form makes it a plural noun ("the rules", "his claims")
_DETERMINER_BEFORE = re.compile(r"\b(?:the|his|her|their|its|our|these|those|such)\s+$", re.IGNORECASE)
#: a capitalised word next: a cue capitalised before it is in a title-cased line
_TITLE_NEXT = re.compile(r" +[A-Z][a-z]")


def indirect_quotes(art: ArticleState) -> list[Found]:
    """Indirect speech in the article's sentences, in text order (the headline and transcript
    turns left out): reports in sentences without quote marks, and the words around the quote
    marks of a sentence that still report speech."""
    out: list[Found] = []
    # sentences with a reporting verb whose report no rule found: (start, end, where its cue may start)
    unparsed: list[tuple[int, int, int]] = []
    more: list[tuple[int, int, int]] = []  # and those with one outside the reports the rules found
    questions: list[Found] = []  # "when asked whether ...": they replace what the rules read there
    qstarts = [a for a, _ in art.quoted]
    plain: list[tuple[int, int]] = []  # sentences without quote marks, for reports a noun carries
    with_marks: list[tuple[int, int]] = []  # sentences with quote marks, for prepositional reports outside them
    for ss, se in _plain_sentences(art):
        if art.in_noise(ss) or (art.headline is not None and art.headline[0] <= ss < art.headline[1]):
            continue
        if any(a <= ss < b for a, b in art.turn_spans):
            continue  # a transcript turn is reported whole
        questions.extend(reported_questions(art, ss, se))
        i = bisect.bisect_left(qstarts, ss)
        last = bisect.bisect_left(qstarts, se) - 1
        if i <= last and not art.text[qstarts[last] + 1 : se].strip():
            # only the opening mark of the next quote ends this sentence ("..., Jealous said,
            # suggesting that ... nominee. “"): the words before it are the sentence
            se = qstarts[last]
        if i < len(qstarts) and qstarts[i] < se:
            # quote marks here (direct or mixed, handled above); the words after the last one
            # may still report speech: "“...,” she said, adding that boosting defence ..."
            before = _stance_before_quote(art, ss, qstarts[i])
            if before is not None:
                out.append(before)
            elif any(_may_report(art, w) and len(art.words(w.end(), qstarts[i])) >= 3 for w in art.words(ss, qstarts[i])):
                # "Sanders (I-Vt.) on Saturday criticized the accord ..., saying it goes “...”" (not a
                # verb right before the quotation: "..., saying it was “...”" is a mixed quote)
                more.append((ss, se, ss))
            f = _after_quotes(art, ss, se)
            tail = _last_quote_end(art, ss, se)
            with_marks.append((ss, se))
            if f is None and tail < se and any(_may_report(art, w) for w in art.words(tail, se)):
                unparsed.append((ss, se, tail))  # "“...,” Lee said, and warned the plan would ..."
        else:
            if se - ss <= MAX_REPORT_SENTENCE:
                plain.append((ss, se))
            found = [f for f in reports_in(art, ss, se) if not _names_a_source_only(art, f)]
            out.extend(found)
            out.extend(prepositional_reports(art, ss, se, found))
            if not found and any(_may_report(art, w) for w in art.words(ss, se)):
                unparsed.append((ss, se, ss))
            elif found and any(_may_report(art, w) for w in _words_outside(art, ss, se, found)):
                more.append((ss, se, ss))  # "X said A, and Y urged B to ...": a second report the rules missed
            continue
        if f is not None:
            out.append(f)
    out.extend(parsed_reports(art, unparsed))
    for ss, se in with_marks:
        near = [g for g in out if g.segments[-1][1] > ss and g.segments[0][0] < se]
        out.extend(_prepositional_outside_quotes(art, ss, se, near))
    taken = [(f.segments[0], f.cue) for f in out]
    for g in parsed_reports(art, more):  # only where no rule's report lies
        (cs, ce), cue = g.segments[0], g.cue
        if _NO_COMMENT.match(art.text, cs, ce):
            continue  # "Lee declined to comment publicly, while noting that ...": the report is the noting
        if any(c == cue or (s <= cs < e) or (cs <= s < ce) for (s, e), c in taken):
            continue
        if not _in_quotes(art, qstarts, cs, ce) and not _in_quotes(art, qstarts, *cue):
            out.append(g)
    out.extend(nominal_reports(art, plain, _taken(out)))
    out.extend(evidential_reports(art, plain, _taken(out, cues=True)))
    out.extend(passive_reports(art, plain, _taken(out, cues=True)))
    out.extend(adjective_reports(art, plain, _taken(out)))
    for q in questions:
        (cs, ce), cue = q.segments[0], q.cue
        if _in_quotes(art, qstarts, cs, ce):
            continue
        out = [f for f in out if f.cue != cue and not (f.segments[0][0] < ce and cs < f.segments[-1][1])]
        out.append(q)
    for f in out:  # every rule and the parse find the clause after its "that"; a quotation in
        # doubled apostrophes is reported whole
        s, e = f.segments[0]
        f.segments[0] = doubled_extent(art, s, e) or (with_complementizer(art.text, s), e)
    return sorted(out, key=lambda f: f.segments[0][0])


def _taken(found: list[Found], *, cues: bool = False) -> list[tuple[int, int]]:
    """The extents of the reports ``found`` (first to last segment), and with ``cues`` their cue spans too."""
    spans = [(f.segments[0][0], f.segments[-1][1]) for f in found]
    return spans + [f.cue for f in found if f.cue is not None] if cues else spans


def _in_quotes(art: ArticleState, qstarts: list[int], s: int, e: int) -> bool:
    """[s, e) overlaps a quotation (a report around one is a mixed quote, a verb in one is quoted)."""
    i = bisect.bisect_left(qstarts, e)
    return i > 0 and art.quoted[i - 1][1] > s


def _words_outside(art: ArticleState, ss: int, se: int, found: list[Found]) -> list[re.Match[str]]:
    """The words of sentence [ss, se) outside the cues and contents of ``found``."""
    taken = sorted([(f.segments[0][0], f.segments[-1][1]) for f in found] + [f.cue for f in found if f.cue is not None])
    out: list[re.Match[str]] = []
    lo = ss
    for a, b in taken:
        if a > lo:
            out.extend(art.words(lo, min(a, se)))
        lo = max(lo, b)
    if lo < se:
        out.extend(art.words(lo, se))
    return out


def _may_report(art: ArticleState, w: re.Match[str]) -> bool:
    """A word that may be a reporting or stance verb the rules missed, worth parsing its sentence
    for: a verb form in lower case, or a reporting verb capitalised in a title-cased line ("Rubio
    Says Abandoning ..."), not a noun ("United States", "the rules" report nothing)."""
    word = w.group()
    if word not in art.lex.clause_forms and word not in art.lex.complement_forms:
        title = _TITLE_NEXT.match(art.text, w.end())
        if word.lower() not in art.lex.clause_forms or not word[:1].isupper() or title is None:
            return False
    return not (word.endswith("s") and _DETERMINER_BEFORE.search(art.text, max(0, w.start() - 12), w.start()))


def parsed_reports(art: ArticleState, sentences: list[tuple[int, int, int]]) -> list[Found]:
    """Reports the rules missed, from a dependency parse of those sentences only (in one batch): a
    reporting or stance verb with a subject and a clause or to-infinitive it governs, or a stance
    verb's direct object ("Sanders (I-Vt.) defended his call to ..."; "The agency,
    in a filing with the court last week, maintained the merger would ...", "The bank agreed to
    lend ..."). ``sentences``: (start, end, the first
    offset a cue may have: after a sentence's last quote, the quote's own verb is not a report)."""
    parse(art, [(ss, se) for ss, se, _ in sentences])
    out = []
    cues = art.lex.clause_forms | art.lex.complement_forms
    # "Sanders defended [his call to ...]", "Holder announced [his resignation]"
    objects = (art.lex.complement_forms - art.lex.clause_forms) | art.lex.object_forms
    for ss, se, lo in sentences:
        for spk, cue, (cs, ce) in reports(art, ss, se, cues, objects):
            if cue[0] < lo:
                continue
            out.append(Found("indirect", [(cs, content_end(art.text, cs, ce))], spk, cue, "parse"))
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
    """A report in a clause that ends before the sentence's first quote ("Ryan endorsed Trump in
    early June, but ... telling reporters he was “not quite there yet.”")."""
    brk = _CLAUSE_BREAK.search(art.text, ss, first_mark)
    if brk is None:
        # "He says he respects the mayor and calls her “...”": a second verb of the same subject
        # that reports the quotation ends the first verb's report
        brk = next((m for m in _AND_VERB.finditer(art.text, ss, first_mark)
                    if m.group(1) in art.lex.clause_forms or m.group(1) in art.lex.complement_forms), None)
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


def _last_quote_end(art: ArticleState, ss: int, se: int) -> int:
    """Where the last quotation of sentence [ss, se) ends (``ss`` if it has none)."""
    i = bisect.bisect_left(art.open_marks, ss)
    j = bisect.bisect_left(art.open_marks, se)
    return max((b for _, b in art.quoted[i:j]), default=ss)


def _after_quotes(art: ArticleState, ss: int, se: int) -> Found | None:
    """A report in the words after the last quote of a sentence ("“...,” she said, adding that ...")."""
    last_end = _last_quote_end(art, ss, se)
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


def _names_a_source_only(art: ArticleState, f: Found) -> bool:
    """The content only says who said something said before ("This was stated by X during ..."):
    an attribution of its own with an anaphoric content, not reported content."""
    s, e = f.segments[0]
    return _SOURCE_ONLY.match(art.text, s, e) is not None


def _prepositional_outside_quotes(art: ArticleState, ss: int, se: int, found: list[Found]) -> list[Found]:
    """Prepositional reports in the stretches of sentence [ss, se) outside its quotations ("began
    by talking about the drug crisis, saying it is “cheaper than candy”"): an object that runs up
    to a quotation is part of a mixed quote, not reported here."""
    out: list[Found] = []
    lo = ss
    i = bisect.bisect_left(art.open_marks, ss)
    stretches: list[tuple[int, int]] = []
    for a, b in art.quoted[i:]:
        if a >= se:
            break
        stretches.append((lo, a))
        lo = max(lo, b)
    stretches.append((lo, se))
    for a, b in stretches:
        if b - a < 8:
            continue
        for f in prepositional_reports(art, a, b, found + out):
            if f.segments[-1][1] < b - 2 or b == se:
                out.append(f)
    return out
