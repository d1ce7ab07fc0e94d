"""Acronyms: organisations named by an acronym in brackets ("the Central Narcotics Bureau (CNB)",
"Frederick Fung of ADPL"), names spelled out next to their acronym ("Movimento 5 Stelle (M5S)",
"CEI (Italian Episcopal Conference)"), and the longer name an acronym abbreviates ("EU"/"European Union").
"""

from __future__ import annotations

import re

from streams.enrich.components.entities.gazetteers import is_country_name
from streams.enrich.components.entities.mentions import Entity, Mention, Occupancy

_BRACKETED_ACRONYM = re.compile(r"[ \t]\(([A-Z][A-Z0-9&]{1,6})\)")
#: "CEI (Italian Episcopal Conference)": an acronym, then its name in brackets
_ACRONYM_THEN_NAME = re.compile(r"(?<![\w'’.-])([A-Z][A-Z0-9&]{1,6}) \(([A-Z][\w'’ &-]{3,80})\)")
_ACRONYM_CONNECTORS = frozenset({"of", "for", "the", "and", "on", "in", "&"})
_NAME_WORD_BEFORE = re.compile(r"([\w'’-]+)[ \t]*$")
_OF_ACRONYM = re.compile(r"[ \t]+of[ \t]+(?:the[ \t]+)?([A-Z][A-Z0-9&]{1,6})(?![\w.'’-])")


def organisation_acronyms(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Mention]:
    """Acronyms that name an organisation by their place: introduced in brackets after it ('the Central
    Narcotics Bureau (CNB)', 'Movimento 5 Stelle (M5S)'), or a person's party ('Frederick Fung of ADPL')."""
    mentions = spelled_out_acronyms(text, mentions, skip)
    taken = Occupancy(mentions)
    taken.extend(skip)
    added: list[Mention] = []
    for g in _BRACKETED_ACRONYM.finditer(text):
        s, e = g.span(1)
        if taken.overlaps(s, e) or is_country_name(g.group(1)):
            continue
        before = [m for m in mentions if g.start() - 2 <= m.end <= g.start()]
        words = re.findall(r"[\w'’-]+", text[max(0, g.start() - 80):g.start()])
        letters = g.group(1).replace("&", "")
        initials = "".join(w[0] for w in words[-len(letters):] if w[0].isupper() or w[0].isdigit())
        if (before and before[-1].label == "ORG") or initials == letters:
            added.append(Mention(s, e, g.group(1), "ORG", source="gazetteer"))
            taken.add(added[-1])
    persons = [m for m in mentions if m.label == "PERSON"]
    for p in persons:
        g = _OF_ACRONYM.match(text, p.end)
        if g is None or taken.overlaps(*g.span(1)) or is_country_name(g.group(1)):
            continue
        added.append(Mention(g.start(1), g.end(1), g.group(1), "ORG", source="gazetteer"))
        taken.add(added[-1])
    return sorted(mentions + added, key=lambda x: x.start)


def spelled_out_acronyms(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Mention]:
    """An organisation's name spelled out next to its acronym in brackets is one ORG mention, whatever the
    model made of its words: 'Movimento 5 Stelle (M5S)' (not a person 'Stelle'), 'CEI (Italian Episcopal
    Conference)'. The initials of the capitalised words (and figures) must spell the acronym."""
    spans = [(_name_before_acronym(text, g.start(), g.group(1)), g.group(1))
             for g in _BRACKETED_ACRONYM.finditer(text)]
    spans += [(g.span(2), g.group(1)) for g in _ACRONYM_THEN_NAME.finditer(text)]
    for span, acronym in spans:
        if span is None:
            continue
        a, b = span
        words = [w for w in text[a:b].split() if w not in _ACRONYM_CONNECTORS]
        if (not _spells(acronym, "".join(w[0] for w in words))
                or not all(w[0].isupper() or w[0].isdigit() for w in words) or is_country_name(text[a:b])):
            continue
        if any(s < b and a < e for s, e in skip) or any(m.start < a < m.end or m.start < b < m.end
                                                         for m in mentions):
            continue  # a longer name runs across it
        inside = [m for m in mentions if a <= m.start and m.end <= b]
        if any(m.label in ("PRODUCT", "EVENT", "LAW", "WORK_OF_ART") or (m.start, m.end, m.label) == (a, b, "ORG")
               for m in inside):
            continue  # 'Internet Explorer 9 (IE9)' is a product, whose code is its acronym
        mentions = [m for m in mentions if m not in inside]
        mentions.append(Mention(a, b, text[a:b], "ORG", source="gazetteer"))
    return sorted(mentions, key=lambda x: x.start)


def _spells(acronym: str, initials: str) -> bool:
    """Whether ``initials`` spell ``acronym``; from three letters on, in any order: a name given in
    English for a foreign acronym ('CEI (Italian Episcopal Conference)')."""
    letters = acronym.replace("&", "")
    return initials == letters or len(letters) >= 3 and sorted(initials) == sorted(letters)


def _name_before_acronym(text: str, end: int, acronym: str) -> tuple[int, int] | None:
    """(start, end) of the words before ``end`` whose capitals and figures could spell ``acronym``:
    'Movimento 5 Stelle' before '(M5S)'; connectors ('of', 'and') inside it are skipped."""
    letters = len(acronym.replace("&", ""))
    start, pos, found = None, end, 0
    while found < letters:
        w = _NAME_WORD_BEFORE.search(text, max(0, pos - 40), pos)
        if w is None:
            return None
        word = w.group(1)
        if word in _ACRONYM_CONNECTORS and found:
            pos = w.start()
            continue
        if not (word[0].isupper() or word[0].isdigit()):
            return None
        found += 1
        start = pos = w.start()
    return (start, end) if start is not None else None


def expansion_for_acronym(forms: set[str], names: list[Entity], short: Entity) -> Entity | None:
    """The entity among ``names`` whose name of several words has the initials of an acronym among
    ``forms`` (``short``'s forms): "EU" -> "European Union"; none for a country ("US")."""
    acronyms = {f.replace(".", "") for f in forms if f.replace(".", "").isupper() and 2 <= len(f.replace(".", "")) <= 6}
    if not acronyms or short.label not in ("ORG", "GPE", "LOC", "NORP") or any(is_country_name(f) for f in forms):
        return None  # "US" is the country, not the University of Sheffield
    for e in names:
        if e is short or e.label not in ("ORG", "GPE", "LOC", "FAC", "EVENT", "PRODUCT"):
            continue
        for m in e.mentions:
            words = [w for w in re.split(r"[\s\-]+", m.text) if w]
            initials = "".join(w[0] for w in words if w[0].isupper())
            if len(words) > 1 and initials in acronyms:
                return e
    return None
