"""The writer's evidential reports: "Mrs. Clinton and Mr. Sanders appeared to be locked in a close
race", "Trump's supporters seemed equally unperturbed", "It now seems inevitable that ...".

"seem" and "appear" (VerbNet's class seem-109.1, FrameNet's Appearance frame) present a clause as an impression, not as the writer's own statement: attribution gold
sets such as PolNeAR annotate it as a report with no speaker, the clause with its subject and
its verb as the content. With an expletive subject ("It appears that ..."), the content is the
clause after it. "appear" alone is mostly a verb of being seen ("appeared on Fox", "appeared
before the panel"): only its raising use with a to-infinitive counts.
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.clauses import content_end
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found

#: "seems to be", "seemed equally unperturbed", "appears to have", "appeared to be": the verb and
#: what shows its raising use (a to-infinitive, or for "seem" a predicate word that is no preposition)
_EVIDENTIAL = re.compile(
    r"\b(?:seem|seems|seemed|appear|appears|appeared)\b(?=\s+to\s+[a-z])"
    r"|(?<=[Ii]t )(?:appears|appeared)\b(?=,|\s+that\b)"  # "It appears(, though,) that ..."
    r"|\b(?:seem|seems|seemed)\b(?=\s+(?!(?:to|on|in|at|for|with|from|by|as|of|and|but|or|that|the|a|an|his|her|their|its)\b)[a-z])"
)
#: an expletive subject right before the verb (its adverbs and modals between)
_EXPLETIVE = re.compile(r"\b[Ii]t\s+(?:(?:now|also|still|would|could|may|might|does|did|do|not|n’t|n't|certainly|"
                        r"increasingly|clearly|often|only|just)\s+)*$")
#: the clause an expletive's verb introduces ("It appears, though, that ...", "it would seem as if ...")
_CLAUSE_AFTER = re.compile(r"[^.;:!?]{0,40}?\b(?:that|as if|as though)\s+(?=\w)")
#: the verb of the to-infinitive after "seem"/"appear"
_INFINITIVE = re.compile(r"\s+to\s+([a-z]+)\b")
#: where the impression ends: a comma, a semicolon or a dash after the verb
_BREAK = re.compile(r"[,;—–]|\s-\s")
#: a relative pronoun right before the verb: the report belongs to the noun it modifies, not to the
#: words before it
_RELATIVE = re.compile(r"\b(?:who|which|that)\s+(?:\w+ly\s+|also\s+|still\s+|often\s+)?$")


def evidential_reports(art: ArticleState, sentences: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[Found]:
    """The evidential reports of ``sentences`` (each (start, end), without quote marks), one per
    sentence at most, where no report in ``taken`` (content or cue spans) already lies."""
    out: list[Found] = []
    text = art.text
    for ss, se in sentences:
        m = _EVIDENTIAL.search(text, ss, se)
        if m is None or any(s < se and ss < e for s, e in taken):
            continue
        if _RELATIVE.search(text, max(ss, m.start() - 30), m.start()):
            continue
        inner = _INFINITIVE.match(text, m.end(), se)
        if inner is not None and (inner.group(1) in art.lex.clause_forms or inner.group(1) in art.lex.complement_forms):
            continue  # "Mr. Cruz seemed to mock [his vague tough talk]": the subject's own stance
        if _EXPLETIVE.search(text, max(ss, m.start() - 40), m.start()):
            clause = _CLAUSE_AFTER.match(text, m.end(), se)
            if clause is None:
                continue  # "It seems strange to ...": no clause reported
            start = clause.end()
        else:
            # the subject: from the last comma before the verb that leaves words before it (an
            # opening adverbial or clause ends there), else from the sentence's start
            comma = text.rfind(",", ss, m.start())
            start = ss if comma < 0 or not WORD.search(text, comma + 1, m.start()) else comma + 1
            start += len(text[start:m.start()]) - len(text[start:m.start()].lstrip())
            if len(WORD.findall(text, start, m.start())) > 12:
                continue
        # the impression ends at the first break after its verb ("New Hampshire seems stable[, but
        # that could change]", "... appears to be moving behind Trump[, despite ...]")
        brk = _BREAK.search(text, max(m.end(), start), se)
        end = content_end(text, start, brk.start() if brk is not None else se)
        while end > start and text[end - 1] in ".!?;:, ":
            end -= 1
        if end - m.end() < 4:
            continue
        out.append(Found("indirect", [(start, end)], None, (m.start(), m.end()), "evidential"))
    return out
