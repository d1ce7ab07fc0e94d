"""The data the entity rules pass around: a :class:`Mention` (a typed span of the text), an
:class:`Entity` (the mentions of one thing), an :class:`Occupancy` of the text, and name matching.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Iterator

from streams.enrich.components.entities.lexicon import POSSESSIVE, strip_the


@dataclass
class Mention:
    """A typed span of the text (``start``/``end`` are ``str`` offsets) and where it comes from."""

    start: int
    end: int
    text: str
    label: str
    source: str = "model"  # model | gazetteer | propagated | markup | table | nested
    title: str | None = None  # a title cut off the front of a PERSON span
    typed_by_cue: bool = False  # the words before it say what it is ("the cruise ship Freewinds")
    own_entity: bool = False  # a place where the same name is elsewhere a club: not clustered with those

    @property
    def key(self) -> str:
        """The comparison key of the mention's text (:func:`normalise_name`)."""
        return normalise_name(self.text)


@lru_cache(maxsize=16384)
def normalise_name(text: str) -> str:
    """Comparison key of a name: case, accents, dots, 'the' and possessives removed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = strip_the(POSSESSIVE.sub("", text.strip()))
    return re.sub(r"[.\s]+", " ", text.replace("’", "'")).strip().lower().replace(" ", "")


@dataclass
class Entity:
    """The mentions of one thing, its type, and the roles of a person."""

    mentions: list[Mention] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    label: str = ""  # set by relabel() from the mentions' votes
    person_anchor: bool = False  # a full personal name absorbed its short forms, or a surname of several: a person
    state_actor: bool = False  # a country acting as a state: typed ORG, still linked as a country

    def label_vote(self) -> str:
        """The type most of the mentions have (model mentions and longer mentions weigh more)."""
        if self.person_anchor:
            return "PERSON"
        votes: Counter[str] = Counter()
        for m in self.mentions:
            weight = (2 if m.source == "model" else 1) * (1 + len(m.text.split()))
            votes[m.label] += weight * (10 if m.typed_by_cue else 1)
        return votes.most_common(1)[0][0]

    @property
    def name(self) -> str:
        """The canonical name: the longest, most complete mention (not all-capitals, most often written)."""
        texts = [m.text for m in self.mentions if m.source != "propagated"] or [m.text for m in self.mentions]
        counts = Counter(texts)
        return max(texts, key=lambda t: (len(t.split()) if not t.isupper() or len(t) <= 4 else 0, counts[t],
                                         not t.isupper(), -_inner_capitals(t), len(t)))


def _inner_capitals(name: str) -> int:
    """Capitals inside words ('UkrinForm' has one): a sign of a sloppy spelling when others exist."""
    return sum(1 for w in name.split() for ch in w[1:] if ch.isupper()) if not name.isupper() else 0


def relabel(entities: list[Entity]) -> None:
    """Set each entity's type to its mentions' vote (:meth:`Entity.label_vote`)."""
    for e in entities:
        e.label = e.label_vote() if e.mentions else ""


class Occupancy:
    """Which character ranges are already taken by a mention.

    Ranges are indexed by the 64-character blocks they touch, so a look-up costs the ranges near it,
    not every range of the text (the rules ask once per token or name: a linear scan made a long
    article's look-ups quadratic).
    """

    _BLOCK = 64

    def __init__(self, mentions: Iterable[Mention] = ()) -> None:
        self._blocks: dict[int, list[tuple[int, int]]] = {}
        self.extend((m.start, m.end) for m in mentions)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps a taken range."""
        for block in range(start // self._BLOCK, max(start, end - 1) // self._BLOCK + 1):
            if any(s < end and start < e for s, e in self._blocks.get(block, ())):
                return True
        return False

    def add(self, m: Mention) -> None:
        """Take the range of ``m``."""
        self.extend([(m.start, m.end)])

    def extend(self, spans: Iterable[tuple[int, int]]) -> None:
        """Take every ``(start, end)`` range of ``spans``."""
        for s, e in spans:
            for block in range(s // self._BLOCK, max(s, e - 1) // self._BLOCK + 1):
                self._blocks.setdefault(block, []).append((s, e))


def find_word(text: str, form: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each occurrence of ``form`` in ``text`` that is a whole word (or words)."""
    if not form:
        return
    n = len(text)
    i = text.find(form)
    while i >= 0:
        j = i + len(form)
        before_ok = i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_-'’")
        after_ok = j >= n or not (text[j].isalnum() or text[j] in "_-")
        if before_ok and after_ok:
            yield i, j
        i = text.find(form, i + 1)


class MentionSet:
    """Mentions indexed by the 64-character blocks they touch, for rules that look up, replace and add
    mentions match by match: the mentions around a range cost what is near it, not a scan of all (a
    scan per match made a 100 KB results list quadratic). :meth:`sorted` gives them in text order, and
    in the order they were added among those that start at the same place, as the list they replace."""

    _BLOCK = 64

    def __init__(self, mentions: Iterable[Mention] = ()) -> None:
        self._blocks: dict[int, list[Mention]] = {}
        self._seq: dict[int, int] = {}  # id(mention) -> order of addition
        self._live: dict[int, Mention] = {}
        self._count = 0
        for m in mentions:
            self.add(m)

    def _block_range(self, start: int, end: int) -> range:
        return range(start // self._BLOCK, max(start, end - 1) // self._BLOCK + 1)

    def add(self, m: Mention) -> None:
        """Add ``m``."""
        self._seq[id(m)] = self._count
        self._count += 1
        self._live[id(m)] = m
        for block in self._block_range(m.start, m.end):
            self._blocks.setdefault(block, []).append(m)

    def overlapping(self, start: int, end: int) -> list[Mention]:
        """The mentions that overlap ``[start, end)``, in the order they were added."""
        found: dict[int, Mention] = {}
        for block in self._block_range(start, end):
            for m in self._blocks.get(block, ()):
                if m.start < end and start < m.end:
                    found[id(m)] = m
        return sorted(found.values(), key=lambda m: self._seq[id(m)])

    def remove(self, mentions: Iterable[Mention]) -> None:
        """Remove each of ``mentions`` (these very objects)."""
        for m in mentions:
            if self._live.pop(id(m), None) is None:
                continue
            for block in self._block_range(m.start, m.end):
                self._blocks[block] = [x for x in self._blocks[block] if x is not m]

    def put(self, m: Mention) -> None:
        """``m`` in place of the mentions it overlaps, unless one of them already has its span and label."""
        inside = self.overlapping(m.start, m.end)
        if any(x.start == m.start and x.end == m.end and x.label == m.label for x in inside):
            return
        self.remove(inside)
        self.add(m)

    def sorted(self) -> list[Mention]:
        """Every mention, by start (ties in the order they were added)."""
        return sorted(self._live.values(), key=lambda m: (m.start, self._seq[id(m)]))


class LineIndex:
    """Sorted, disjoint ranges of the text (ALL-CAPS lines), asked whether a span lies within one of
    them by bisection rather than by a scan of every range (a scoreboard has thousands)."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        self.ranges = sorted(ranges)
        self._starts = [s for s, _ in self.ranges]

    def contains(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` lies within one range (``end == start``: the position is in one)."""
        k = bisect.bisect_right(self._starts, start) - 1
        if k < 0:
            return False
        s, e = self.ranges[k]
        return s <= start and (end <= e if end > start else start < e)
