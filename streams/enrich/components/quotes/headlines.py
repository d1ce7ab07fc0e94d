"""Headlines: quote marks in a headline are titles or scare quotes, not quotations.

When the text opens with the article's headline (``ctx.title``), that line reports speech only as
"Name: what they said" (indirect speech of that person) or through the usual indirect patterns.
Any other headline-like line (short, mostly capitalised, no closing full stop) holds no quotation
either.
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.mentions import Mention, iter_in
from streams.enrich.components.quotes.plain import reports_in
from streams.enrich.components.quotes.scare import TITLE_SMALL
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found


#: longer than any line of at most 25 words (see :func:`in_headline`)
MAX_TITLE_CHARS = 1000


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
    if pe - ps > MAX_TITLE_CHARS:  # a title has at most 25 words: never read a long paragraph per quote
        return False
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
