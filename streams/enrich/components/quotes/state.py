"""What the steps of one quote extraction share: the article's state and a quote under construction.

:class:`ArticleState` is built once per article (by :mod:`streams.enrich.components.quotes.component`)
and passed to every step; it holds the text, its quote marks, paragraphs, sentences and speaker
candidates, plus what the steps learn on the way (the speakers attributed so far, the transcript
turns). :class:`Found` is one quote as the steps build it, before it is written out.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from streams.enrich.components.quotes.lexicon import Lexicon
from streams.enrich.components.quotes.marks import MarkedQuote
from streams.enrich.components.quotes.mentions import Mention, Resolver
from streams.enrich.components.quotes.sentences import WORD


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
    quoted: list[tuple[int, int]]  # per mark: (opening mark, just after the closing mark or the open end)
    open_marks: list[int]  # sorted: marks come in text order
    close_ends: list[int]  # sorted ends of the closing marks
    pars: list[tuple[int, int]]
    par_starts: list[int]
    headline: tuple[int, int] | None  # the first line, when it repeats the article's title
    sents: list[tuple[int, int]]
    mentions: list[Mention]  # speaker candidates, sorted by start
    m_starts: list[int]
    resolver: Resolver
    #: (quote end, speaker) of the quotes attributed so far by the words right after or before them
    attributed: list[tuple[int, Mention]] = field(default_factory=list)
    #: (closing mark, speaker, cue) of those attributed with a cue
    attributed_cues: list[tuple[int, Mention, tuple[int, int]]] = field(default_factory=list)
    turn_spans: list[tuple[int, int]] = field(default_factory=list)  # transcript turns, set by transcript_turns
    #: dependency parses of the sentences that needed one, by (start, end): see :mod:`.syntax`
    parses: dict[tuple[int, int], Any] = field(default_factory=dict)
    parsed_chars: int = 0  # characters of ``parses``, against :data:`.syntax.PARSE_BUDGET`
    syntax: bool = True  # False: no parse at all (the rules alone)
    doubled_marks: list[int] | None = None  # where the doubled apostrophes are, once asked (:mod:`.doubled`)

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

    def sentence_of(self, pos: int) -> tuple[int, int] | None:
        """The sentence holding ``pos``, if any."""
        i = bisect.bisect_right(self.sents, (pos, len(self.text) + 1)) - 1
        if i >= 0 and self.sents[i][0] <= pos < self.sents[i][1]:
            return self.sents[i]
        return None

    def in_noise(self, pos: int) -> bool:
        """``pos`` lies in one of the ``noise`` spans."""
        return any(a <= pos < b for a, b in self.noise)

    def words(self, lo: int, hi: int) -> list[re.Match[str]]:
        """The words in [lo, hi)."""
        return list(WORD.finditer(self.text, lo, hi))
