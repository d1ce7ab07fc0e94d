"""Reports in the passive with their agent: "O'Malley's move was first reported by MSNBC", "These
policy proposals have been applauded by Wall Street critics".

The agent of the "by" phrase is the speaker, and the passive subject is what the report is about:
attribution gold sets such as PolNeAR annotate the subject as the content (on PolNeAR train
documents 1-300, 9 of 14 indirect reports of this shape; the rest take the whole clause).
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import named_after

#: a passive auxiliary, an adverb or two, a participle (group 1), up to three words, then "by"
_PASSIVE_BY = re.compile(r"\b(?:was|were|is|are|has been|have been|had been|will be|would be|be)\s+"
                         r"(?:[a-z]+ly\s+|also\s+|not\s+|first\s+){0,2}([a-z]+(?:ed|en)|told|said|thought|seen|shown)"
                         r"((?:\s+[\w’'-]+){0,3}?)\s+by\s+(?=\S)")
_RELATIVE = frozenset(["who", "which", "that", "whom"])
_ANAPHORS = frozenset(["this", "that", "these", "those", "it", "such"])
_SUBORDINATORS = frozenset(["if", "when", "because", "although", "though", "while", "unless", "since", "as"])
#: the reason a judgement gives, after its agent
_REASON = re.compile(r"\bfor\s+(?:\w+ing|his|her|their|its|the|a|an|not)\b")
#: words of a place or time, not a report, between the participle and "by"
_NOT_REPORT_WORDS = re.compile(r"\b(?:percent|points?|votes?|margin|\d+)\b")


def passive_reports(art: ArticleState, sentences: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[Found]:
    """The passive reports with an agent in ``sentences`` (each (start, end), without quote
    marks), one per sentence at most, where no report in ``taken`` (content or cue spans) lies."""
    out: list[Found] = []
    text = art.text
    forms = art.lex.clause_forms | art.lex.complement_forms
    for ss, se in sentences:
        m = _PASSIVE_BY.search(text, ss, se)
        if m is None or m.group(1) not in forms or any(s < se and ss < e for s, e in taken):
            continue
        if _NOT_REPORT_WORDS.search(m.group(2)):
            continue
        comma = text.rfind(",", ss, m.start())
        start = ss if comma < 0 or not WORD.search(text, comma + 1, m.start()) else comma + 1
        start += len(text[start : m.start()]) - len(text[start : m.start()].lstrip())
        end = m.start()
        while end > start and text[end - 1] in " ,":
            end -= 1
        words = WORD.findall(text, start, end)
        if not words or len(words) > 12 or words[-1].lower() in _RELATIVE or words[0].lower() in _SUBORDINATORS:
            continue  # "a deal that was rejected by", "who was backed by": the report is about a noun before
        if len(words) == 1 and words[0].lower() in _ANAPHORS:
            continue  # "This was stated by X ...": it only names who said what came before
        spk = named_after(art, m.end(), se)
        if _REASON.search(text, m.end(), se):
            # "Trump has been criticized by his rivals for failing to ...": the judgement and its
            # reason are reported together
            end = se
            while end > start and text[end - 1] in " .,;:":
                end -= 1
        out.append(Found("indirect", [(start, end)], spk, (m.start(1), m.end(1)), "passive"))
    return out
