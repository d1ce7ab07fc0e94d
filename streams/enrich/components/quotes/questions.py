"""Reported questions: "When asked whether the plan would pass, ...", "A reporter asked Lee how ...".

A question put to someone is reported speech of the asker; the attribution gold sets annotate its
content, from the question word ("whether", "if", "how", ...) or after "about" to the end of the
clause ("when asked [whether he would run], Lee said ..."). The asker is the subject before the
verb, the agent of a passive one ("Asked by the host [to respond], ..."), or no one (the reporter
who asked). The addressee between the verb and the question is left out of the content.
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.subjects import subject_before

#: a form of "ask", its addressee or agent ("asked Sanders", "asked by the host", "asked reporters")
#: and an adverbial, then the question word (group "wh") or "about" and its object (group "about")
_ASKED = re.compile(
    r"\b(?:[Aa]sk|[Aa]sks|[Aa]sked|[Aa]sking)"
    r"(?P<by>\s+by)?"
    r"(?:\s+(?:him|her|them|me|us|you|reporters|voters|supporters|(?:the|a|an|his|her|their)\s+[\w’'-]+(?:\s+[\w’'-]+)?"
    r"|[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3}))?"
    r"(?:\s+(?:specifically|directly|again|later|repeatedly|once|twice|several\s+times|(?:on|in)\s+(?:[A-Z][\w’'.-]*\s*){1,3}))?,?"
    r"\s+(?:(?P<wh>whether|if|what|how|why|who|which|when|where)\b|about\s+(?P<about>\S))"
)
#: the end of the question: a comma, a semicolon or colon, a dash, a quotation mark
_QUESTION_END = re.compile(r"\s*(?:[,;:?]|\s[—–-]\s|[“”\"])")


def reported_questions(art: ArticleState, ss: int, se: int) -> list[Found]:
    """The questions "ask" reports in sentence [ss, se), each with the asker as its speaker when the
    text names one ("Earhardt then asked Rubio which states ..."), else none."""
    out: list[Found] = []
    for m in _ASKED.finditer(art.text, ss, se):
        start = m.start("wh") if m.group("wh") else m.start("about")
        end_m = _QUESTION_END.search(art.text, start, se)
        if end_m is not None and end_m.group().strip() in ("“", "”", '"'):
            continue  # "asked whether Clinton “has the integrity ...”": a question quoted in part
        end = end_m.start() if end_m is not None else se
        while end > start and art.text[end - 1] in " .!":
            end -= 1
        if len(WORD.findall(art.text, start, end)) < 2:
            continue  # "asked why", "asked about it": no content of its own
        cue = (m.start(), m.start() + len(m.group().split()[0]))
        spk: Mention | None = None
        if m.group("by"):
            spk = next(iter(iter_in(art.mentions, art.m_starts, m.end("by"), start)), None)
        elif art.text[m.start()].islower():
            spk = subject_before(art, cue[0], ss)
        out.append(Found("indirect", [(start, end)], spk, cue, "question"))
    return out
