"""Speaker candidates for quote attribution: entity mentions, pronouns and descriptive noun phrases,
plus resolution of a mention to the person (or organisation) it names.

Entities come from ``ctx.entities`` (one entity per real-world thing, with mentions). When that is
empty (the entities component is absent), :func:`entities_from_doc` builds a small equivalent from
``doc.ents``: PERSON spans grouped by surname, so "Kallas" joins "Kaja Kallas".
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from streams.enrich.components.quotes.lexicon import (
    DETERMINERS,
    SPEAKER_PRONOUNS,
    Lexicon,
)

SPEAKER_TYPES = ("PERSON", "ORG", "GPE", "NORP")
_WORD = re.compile(r"[A-Za-z0-9][\w’'.-]*[\w]|[A-Za-z]")
_PRONOUN = re.compile(r"\b(?:he|she|they|we|it|He|She|They|We|It|HE|SHE)\b|\bI(?=\s+(?:[a-z]+ly\s+)?[a-z]+\b)")
_RELATIVE = re.compile(r",\s*(who|which)\b")
_TITLE_GENDER = {"mr.": "m", "mr": "m", "mrs.": "f", "mrs": "f", "ms.": "f", "ms": "f", "miss": "f"}
#: possessive determiners: "his wife" names someone related to him
_POSSESSIVES = frozenset(["his", "her", "their", "its", "my", "our", "your"])


@dataclass
class Mention:
    """A stretch of text that may name a speaker."""

    start: int
    end: int
    text: str
    kind: str  # "PERSON", "ORG", "GPE", "NORP", "pronoun" or "nominal"
    entity: int | None = None  # index into the entity list
    definite: bool = False  # nominal opened by "the" or a possessive

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


def entities_from_doc(doc: Any, text: str) -> list[dict[str, Any]]:
    """Entities in the ``ctx.entities`` shape from ``doc.ents`` (persons merged by surname)."""
    out: list[dict[str, Any]] = []
    by_key: dict[tuple[str, str], int] = {}
    surname_of: dict[str, int] = {}
    for ent in getattr(doc, "ents", ()):
        label = ent.label_
        if label not in SPEAKER_TYPES:
            continue
        name = text[ent.start_char : ent.end_char].strip()
        name = re.sub(r"(?:'s|’s)$", "", name)
        if not name:
            continue
        end = ent.start_char + len(name)
        mention = {"start": ent.start_char, "end": end, "text": text[ent.start_char : end]}
        idx: int | None = None
        if label == "PERSON":
            parts = name.split()
            last = parts[-1]
            if len(parts) == 1 and last in surname_of:
                idx = surname_of[last]
            elif last in surname_of and len(out[surname_of[last]]["name"].split()) == 1:
                idx = surname_of[last]
                out[idx]["name"] = name
        if idx is None:
            idx = by_key.get((label, name))
        if idx is None:
            idx = len(out)
            out.append({"name": name, "type": label, "mentions": []})
            by_key[(label, name)] = idx
            if label == "PERSON":
                surname_of.setdefault(name.split()[-1], idx)
        out[idx]["mentions"].append(mention)
    return out


def _inside(pos: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def collect_mentions(
    text: str, entities: list[dict[str, Any]], lexicon: Lexicon, quoted: list[tuple[int, int]]
) -> list[Mention]:
    """Every speaker candidate outside quoted text, sorted by start offset."""
    quoted = sorted(quoted)
    qstarts = [a for a, _ in quoted]
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for idx, ent in enumerate(entities):
        etype = str(ent.get("type", "")).upper()
        if etype not in SPEAKER_TYPES:
            continue
        for m in ent.get("mentions") or []:
            s, e = m.get("start"), m.get("end")
            if not isinstance(s, int) or not isinstance(e, int) or _inside(s, quoted, qstarts):
                continue
            if not any(ch.isupper() for ch in text[s:e]):
                continue  # not a name ("while" tagged ORG)
            out.append(Mention(s, e, text[s:e], etype, idx))
            taken.append((s, e))
    taken.sort()
    tstarts = [a for a, _ in taken]
    for m in _PRONOUN.finditer(text):
        if m.group() == "I" and re.search(r"\b[A-Z][\w’'-]*\s+$", text[max(0, m.start() - 30) : m.start()]):
            continue  # "World War I was", "Level I trauma": a numeral, not the writer
        if not _inside(m.start(), quoted, qstarts) and not _inside(m.start(), taken, tstarts):
            out.append(Mention(m.start(), m.end(), m.group(), "pronoun"))
    for m in _RELATIVE.finditer(text):  # "the Mexican president, who said": "who" is the mention
        if not _inside(m.start(1), quoted, qstarts):
            out.append(Mention(m.start(1), m.end(1), m.group(1), "relative"))
    for m in _WORD.finditer(text):
        if m.group().lower() in lexicon.speaker_nouns and not _inside(m.start(), quoted, qstarts):
            if _inside(m.start(), taken, tstarts):
                continue
            nominal = _nominal(text, m.start(), m.end())
            if nominal is not None:
                out.append(nominal)
    out.sort(key=lambda x: (x.start, -x.end))
    return _drop_nested(out)


def _drop_nested(mentions: list[Mention]) -> list[Mention]:
    """Keep names over nominals that contain them ("Stein spokeswoman Figueroa" keeps both parts)."""
    kept: list[Mention] = []
    for m in mentions:
        if kept and m.start < kept[-1].end and kept[-1].kind == m.kind:
            continue
        kept.append(m)
    return kept


def _nominal(text: str, head_start: int, head_end: int) -> Mention | None:
    """Extend a speaker noun leftwards into its noun phrase ("the EU's top diplomat")."""
    words = list(_WORD.finditer(text, max(0, head_start - 60), head_start))
    start = head_start
    definite = False
    for w in reversed(words[-5:]):
        between = text[w.end() : start]
        if between.strip(" -") and not re.fullmatch(r"\s*(?:'s|’s)?\s*", between):
            break
        low = w.group().lower()
        if low in DETERMINERS:
            start = w.start()
            definite = low in ("the", "his", "her", "their", "its", "this", "that")
            break
        if low in SPEAKER_PRONOUNS or low in ("said", "says", "and", "or", "but", "to", "of", "in", "for", "by"):
            break
        start = w.start()
        if re.match(r"\S+(?:'s|’s)$", text[w.start() : head_start].split()[0] if text[w.start() : head_start].split() else ""):
            definite = True
    return Mention(start, head_end, text[start:head_end], "nominal", definite=definite)


class Resolver:
    """Resolves speaker mentions to entities: names, pronouns and definite descriptions."""

    def __init__(
        self, text: str, entities: list[dict[str, Any]], mentions: list[Mention], first_names: dict[str, str] | None = None,
        noun_kinds: dict[str, str] | None = None,
    ) -> None:
        self.text = text
        self.noun_kinds = noun_kinds or {}
        self.entities = entities
        self.people = sorted((m.start, m.entity) for m in mentions if m.kind == "PERSON" and m.entity is not None)
        self.orgs = sorted((m.start, m.entity) for m in mentions if m.kind == "ORG" and m.entity is not None)
        self.gender: dict[int, str] = {}
        for m in mentions:  # a title before any mention settles it: "Mr. Clarke", "Ms. Perino"
            if m.kind == "PERSON" and m.entity is not None:
                prev = text[max(0, m.start - 5) : m.start].split()
                if prev and prev[-1].lower() in _TITLE_GENDER:
                    self.gender.setdefault(m.entity, _TITLE_GENDER[prev[-1].lower()])
        self._pronoun_votes(mentions)  # else what the article says: "Rubio said that he ..."
        for idx, ent in enumerate(entities):  # else a common given name: "Angela Merkel"
            name = str(ent.get("name") or "").split()
            if idx not in self.gender and len(name) > 1 and first_names and str(ent.get("type", "")).upper() == "PERSON":
                # the first word that is a given name: "Mayor John Hale", "Sen. Kelly Ayotte"
                g = next((first_names[w.lower()] for w in name[:-1] if w.lower() in first_names), None)
                if g:
                    self.gender[idx] = g
        self.speakers: list[tuple[int, int]] = []  # (offset, entity) of resolved person speakers so far
        self.mentions = mentions
        self.m_ends = sorted((m.end, i) for i, m in enumerate(mentions))

    def name(self, entity: int | None) -> str | None:
        if entity is None or not 0 <= entity < len(self.entities):
            return None
        return self.entities[entity].get("name")

    def resolve(self, m: Mention) -> int | None:
        """The entity index a mention refers to, or None when the article does not make it clear."""
        if m.entity is not None:
            return m.entity
        if m.kind == "pronoun":
            low = {"his": "he", "him": "he", "her": "she"}.get(m.text.lower(), m.text.lower())
            if low in ("he", "she"):
                want = "m" if low == "he" else "f"
                return self._recent_person(m.start, 1500, want)
            if low == "it":
                return self._recent(self.orgs, m.start, 600)
            return None
        if m.kind == "nominal" and m.definite:
            words = m.text.lower().split()
            kind = self.noun_kinds.get(words[-1]) if words else None
            if kind == "kin" and (words[0] in _POSSESSIVES or words[0].endswith(("'s", "’s"))):
                return None  # "his wife said": someone else than the person named last, unnamed here
            if kind in ("org", "own", "thing"):
                owner = self._owner(m, words[0])
                if owner is not None:  # "Clinton’s campaign", "the Sanders campaign", "his statement"
                    return owner
                if kind == "org":  # "the group said": the organisation named last, never a person
                    return self._recent(self.orgs, m.start, 600)
                if kind == "thing":  # "the letter says": who wrote it, the article does not say here
                    return None
            # a description names someone else than the people named earlier in its own sentence
            # ("Praising Ann Lee ..., the governor rebuked ...": the governor is not Ann Lee)
            start = self._sentence_start(m.start)
            if self.text[start:m.start].strip() and not re.search(r",\s*$", self.text[start:m.start]):
                return self._recent_person(start, 1500, None)
            return self._recent_person(m.start, 1500, None)
        if m.kind == "label":  # "PENCE" -> the person whose name ends so
            key = m.text.strip().split()[-1].lower()
            for idx, ent in enumerate(self.entities):
                if str(ent.get("type", "")).upper() == "PERSON" and str(ent.get("name", "")).lower().split()[-1:] == [key]:
                    return idx
            return None
        if m.kind == "relative":
            antecedent = self._antecedent(m)
            return self.resolve(antecedent) if antecedent is not None else None
        return None

    def _owner(self, m: Mention, first: str) -> int | None:
        """Whose a description is: a name inside it ("the Sanders campaign"), or the person its
        possessive pronoun refers to ("his campaign")."""
        for items in (self.people, self.orgs):
            i = bisect.bisect_left(items, (m.start, -1))
            if i < len(items) and items[i][0] < m.end:
                return items[i][1]
        if first in ("his", "her"):
            return self._recent_person(m.start, 1500, "m" if first == "his" else "f")
        return None

    def _sentence_start(self, pos: int) -> int:
        """Where the sentence holding ``pos`` starts (after the last sentence end before it)."""
        last = None
        for last in re.finditer(r"[.!?][\"'”’)]*\s+|\n\s*\n", self.text[max(0, pos - 400) : pos]):
            pass
        return max(0, pos - 400) + last.end() if last is not None else max(0, pos - 400)

    def _antecedent(self, m: Mention) -> Mention | None:
        """The mention right before ", who"."""
        i = bisect.bisect_right(self.m_ends, (m.start, len(self.mentions))) - 1
        while i >= 0:
            end, idx = self.m_ends[i]
            cand = self.mentions[idx]
            if cand.kind != "relative" and not self.text[end : m.start].strip(" ,"):
                return cand
            if m.start - end > 3:
                return None
            i -= 1
        return None

    def note_speaker(self, offset: int, entity: int | None) -> None:
        if entity is not None and self.entities[entity].get("type", "").upper() == "PERSON":
            self.speakers.append((offset, entity))

    def _recent(self, items: list[tuple[int, int]], before: int, window: int) -> int | None:
        i = bisect.bisect_left(items, (before, -1)) - 1
        if i >= 0 and before - items[i][0] <= window:
            return items[i][1]
        return None

    def _recent_person(self, before: int, window: int, gender: str | None) -> int | None:
        """The person a pronoun or description before ``before`` most likely refers to.

        People known to be of the other gender are skipped. A person named just before (in the
        same stretch of text: "Trump said he believes") wins; otherwise a recent speaker wins over
        a merely nearer mention."""
        i = bisect.bisect_left(self.people, (before, -1)) - 1
        candidates: list[tuple[int, int]] = []  # (offset, entity)
        while i >= 0 and before - self.people[i][0] <= window:
            off, ent = self.people[i]
            if gender is None or self.gender.get(ent, gender) == gender:
                candidates.append((off, ent))
            i -= 1
        bound = self._relative_head(before)
        if bound is not None:  # "Trump, whom he called a “con artist”": the clause's subject is not its head
            candidates = [c for c in candidates if c[1] != bound]
        if not candidates:
            return None
        nearest_off, nearest = candidates[0]
        if before - nearest_off <= 100 and not re.search(r"[.!?][\"'”’)]*\s", self.text[nearest_off:before]):
            return nearest
        recent = [e for off, e in self.speakers if off < before and before - off <= window]
        if recent and recent[-1] in [e for _, e in candidates[:3]]:
            return recent[-1]
        return nearest

    def _relative_head(self, pronoun: int) -> int | None:
        """The person a relative clause is about when the pronoun at ``pronoun`` is that clause's subject and
        the relative word its object ("Trump, whom he called ...", "Lee, who she said ..."): a pronoun is
        never bound by the head of its own clause, so it cannot be that person."""
        rel = re.search(r",\s*(?:whom|who)\s+$", self.text[max(0, pronoun - 12) : pronoun])
        if rel is None:
            return None
        comma = max(0, pronoun - 12) + rel.start()
        i = bisect.bisect_right(self.m_ends, (comma, len(self.mentions))) - 1
        if i < 0:
            return None
        end, idx = self.m_ends[i]
        head = self.mentions[idx]
        if head.kind != "PERSON" or head.entity is None or self.text[end:comma].strip():
            return None
        return head.entity

    def _pronoun_votes(self, mentions: list[Mention]) -> None:
        """Gender from the article itself: the first he/his or she/her after a person's name in
        the same sentence, with no other person named between, counts as a vote."""
        votes: dict[int, list[str]] = {}
        people = [m for m in mentions if m.kind == "PERSON" and m.entity is not None]
        starts = [m.start for m in people]
        for m in people:
            tail = self.text[m.end : m.end + 100]
            stop = re.search(r"[.!?][\"'”’)]*(?:\s|$)", tail)
            tail = tail[: stop.start()] if stop else tail
            p = re.search(r"\b(he|his|him|she|her)\b", tail, re.IGNORECASE)
            if not p or re.fullmatch(r"\s*,\s*", tail[: p.start()]):
                continue  # "Donald Trump, her Republican opponent": an appositive names someone else's relation
            j = bisect.bisect_right(starts, m.start)
            if j < len(people) and people[j].start < m.end + p.start():
                continue
            votes.setdefault(m.entity, []).append("m" if p.group(1).lower() in ("he", "his", "him") else "f")  # type: ignore[arg-type]
        for ent, vs in votes.items():
            if ent not in self.gender:
                m_count = vs.count("m")
                if m_count * 2 > len(vs):
                    self.gender[ent] = "m"
                elif m_count * 2 < len(vs):
                    self.gender[ent] = "f"


def iter_in(mentions: list[Mention], starts: list[int], lo: int, hi: int) -> Iterable[Mention]:
    """Mentions that start in [lo, hi)."""
    i = bisect.bisect_left(starts, lo)
    while i < len(mentions) and mentions[i].start < hi:
        yield mentions[i]
        i += 1
