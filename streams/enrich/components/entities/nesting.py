"""Nested mentions: a place or a person named inside the name of a public institution, a facility or
a place ("Indiana" in "University of Southern Indiana", "Andy Warhol" in "Andy Warhol Foundation",
"Volgograd" in "Volgograd Arena") is a mention of its own entity; not inside the names of companies,
exchanges or clubs.
"""

from __future__ import annotations

import re

from streams.enrich.components.entities.clustering import canonical_key
from streams.enrich.components.entities.gazetteers import cities, is_country_name, known_names, us_states
from streams.enrich.components.entities.lexicon import FACILITY_HEADS, INSTITUTION_WORDS, LOCATION_HEADS
from streams.enrich.components.entities.mentions import Entity, Mention

#: a city this large named inside an institution's name is taken for the city ("Irving Police Department")
INSTITUTION_CITY = 100_000
#: a city named by one of its other names inside an institution's name must be this large
ALIAS_CITY = 1_000_000
_NAME_WORD = re.compile(r"[\w.'’-]+")


def names_inside_institutions(text: str, entities: list[Entity]) -> list[Entity]:
    """A place or a person named inside the name of a public institution, a facility or a place is a
    mention of its own, nested in the outer one: 'Indiana' in 'University of Southern Indiana', 'US' in
    'US State Department', 'Andy Warhol' (a person of the story) in 'Andy Warhol Foundation', 'Volgograd'
    in 'Volgograd Arena', 'Hong Kong' in 'Hong Kong Island' (GUM-style annotation)."""
    persons = {m.text: e for e in entities if e.label == "PERSON" for m in e.mentions if " " in m.text}
    inners = [inner for ent in entities if ent.label in ("ORG", "FAC", "GPE", "LOC")
              for m in ent.mentions if " " in m.text and _may_name_a_place_inside(ent, m)
              for inner in _places_inside(text, m) + _person_opening(m, persons)]
    if not inners:
        return entities
    by_key = {canonical_key(m): e for e in entities for m in e.mentions if e.label != "ORG" or e.state_actor}
    added: list[Entity] = []
    for inner in inners:
        key = canonical_key(inner)
        target = persons.get(inner.text) if inner.label == "PERSON" else by_key.get(key)
        if target is None:
            target = Entity(mentions=[], label=inner.label)
            by_key[key] = target
            added.append(target)
        if not any(x.start == inner.start and x.end == inner.end for x in target.mentions):
            target.mentions.append(inner)
            target.mentions.sort(key=lambda x: x.start)
    return entities + added


def makers_inside_names(entities: list[Entity]) -> list[Entity]:
    """A well-known organisation (``data/known_names.tsv``) named at the start of a product's, an event's
    or a work's name is a mention of its own, nested in the outer one: 'Google' in 'Google Chrome' and
    in 'Google Science Fair'. Not any organisation of the story: 'UEFA' of 'UEFA Cup' is one name in
    CoNLL-style annotation, and a word of a mistaken outer name would become an organisation."""
    known = {n for n, label in known_names().items() if label == "ORG"}
    orgs = {m.text: e for e in entities if e.label == "ORG" for m in e.mentions if m.source != "nested"}
    added: list[Entity] = []
    for ent in entities:
        if ent.label not in ("PRODUCT", "EVENT", "WORK_OF_ART"):
            continue
        for m in ent.mentions:
            name = m.text.split()[0]
            if name not in known or not m.text.startswith(name + " "):
                continue
            target = orgs.get(name)
            if target is None:
                target = orgs[name] = Entity(mentions=[], label="ORG")
                added.append(target)
            target.mentions.append(Mention(m.start, m.start + len(name), name, "ORG", source="nested"))
            target.mentions.sort(key=lambda x: x.start)
    return entities + added


def _places_inside(text: str, m: Mention) -> list[Mention]:
    """Countries, US states and big cities named inside ``m`` (the longest name of up to three words)."""
    words = [(w.start(), w.end()) for w in _NAME_WORD.finditer(text, m.start, m.end)]
    out: list[Mention] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + 3), i, -1):
            s, e = words[i][0], words[j - 1][1]
            name = text[s:e]
            if (s, e) != (m.start, m.end) and text[e:e + 2] != " &" and _is_place_inside_name(name):
                out.append(Mention(s, e, name, "GPE", source="nested"))
                i = j - 1
                break
        i += 1
    return out


def _person_opening(m: Mention, persons: dict[str, Entity]) -> list[Mention]:
    """A person of the story whose full name opens the institution's ('Andy Warhol' Foundation)."""
    for name in persons:
        if m.text.startswith(name + " "):
            return [Mention(m.start, m.start + len(name), name, "PERSON", source="nested")]
    return []


def _may_name_a_place_inside(ent: Entity, m: Mention) -> bool:
    """Whether ``m`` (of ``ent``) is a name of several words that may name a place inside: a public
    institution's ('University of Southern Indiana'), a facility's or a place's ('Volgograd Arena',
    'Hong Kong Island'); not a company's, an exchange's or a club's."""
    words = m.text.split()
    if len(words) < 2:
        return False
    if ent.label == "ORG":
        return not ent.state_actor and bool(INSTITUTION_WORDS.intersection(words))
    return ent.label in ("FAC", "GPE", "LOC") and (words[-1] in FACILITY_HEADS or words[-1] in LOCATION_HEADS)


def _is_place_inside_name(name: str) -> bool:
    """A country, a US state or a big city, written in title case (or 'US', 'UK', 'U.S.', 'U.K.')."""
    if not name[:1].isupper() or name.isupper() and name not in ("US", "UK", "U.S.", "U.K."):
        return False
    if is_country_name(name) or name.lower() in us_states():
        return True
    city = cities().get(name.lower())
    # an alias only of a city of a million ("Bombay"): "Bat" is an alias of Barretos, and a bat is no place
    return city is not None and city.kind == "city" and city.population >= INSTITUTION_CITY and (
        city.name.lower() == name.lower() or city.population >= ALIAS_CITY)
