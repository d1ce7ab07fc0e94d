"""Transcript turns: "PENCE: Well, look, ..." reports the labelled speaker's words.

A quotation or a paragraph opening with a speaker label and a colon is a turn of a transcript (an
unquoted one when the label names a person of the article or opens several paragraphs); a quoted
turn runs on over the paragraphs that continue it, up to a stage note ("(CROSSTALK)").
Turns are reported as ``indirect`` speech of the labelled speaker, with the colon as the cue, as
the gold sets annotate them; quotations inside a turn are the labelled speaker's.
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.marks import MarkedQuote
from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found

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
