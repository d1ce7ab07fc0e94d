"""Clustering: the mentions of one thing become one entity (same name, country aliases, a surname or
first name with the full name, an acronym with its expansion); its type is the vote of its mentions.
"""

from __future__ import annotations

from streams.enrich.components.entities.acronyms import expansion_for_acronym
from streams.enrich.components.entities.gazetteers import countries, demonyms, lookup_place
from streams.enrich.components.entities.lexicon import VALUE_TYPES, strip_the
from streams.enrich.components.entities.mentions import Entity, Mention, normalise_name, relabel


def cluster(mentions: list[Mention]) -> list[Entity]:
    """The entities of ``mentions``: grouped by :func:`canonical_key`, then short forms merged into the
    names they abbreviate; each typed by its mentions' vote."""
    groups: dict[str, Entity] = {}
    order: list[str] = []
    for m in mentions:
        key = canonical_key(m)
        if key not in groups:
            groups[key] = Entity()
            order.append(key)
        groups[key].mentions.append(m)
    entities = [groups[k] for k in order]
    relabel(entities)
    entities = merge_aliases(entities)
    entities = merge_company_short_names(entities)
    relabel(entities)
    return entities


#: the legal-form words that end a company's full name ("Caltex Petroleum Corp", "Anglo American Plc")
COMPANY_FORMS = frozenset(
    "Corp Corp. Corporation Inc Inc. Ltd Ltd. Limited Plc PLC plc Co Co. AG SA NV N.V. S.A. Bhd GmbH LLC "
    "Holdings".split())


def merge_company_short_names(entities: list[Entity]) -> list[Entity]:
    """A company named in full once ("Caltex Petroleum Corp") and by the first words of its name
    elsewhere ("Caltex") is one entity, typed as the company throughout, whatever the model made of
    the short form; not when the short form is a place or a group ("China" of "China Daily Corp")."""
    companies = [e for e in entities if e.label == "ORG"
                 and any(len(m.text.split()) > 1 and m.text.split()[-1] in COMPANY_FORMS for m in e.mentions)]
    absorbed: set[int] = set()
    for short in entities:
        if short.label in VALUE_TYPES or short in companies or short.label == "ORG":
            continue
        forms = {m.text for m in short.mentions}
        if any(f in demonyms() or lookup_place(f) is not None or f.isupper() for f in forms):
            continue
        hits = [c for c in companies if all(_starts_company_name(f, c) for f in forms)]
        if len(hits) == 1:
            for m in short.mentions:
                m.label = "ORG"  # the vote must not let three "Caltex" outweigh one "Caltex Petroleum Corp"
            hits[0].mentions.extend(short.mentions)
            hits[0].mentions.sort(key=lambda m: m.start)
            absorbed.add(id(short))
    return [e for e in entities if id(e) not in absorbed]


def _starts_company_name(form: str, company: Entity) -> bool:
    """Whether ``form`` is the first word(s) of one of the company's full names (without its legal form)."""
    words = form.split()
    return any(m.text.split()[:len(words)] == words and len(m.text.split()) > len(words) for m in company.mentions
               if m.text.split()[-1] in COMPANY_FORMS)


def canonical_key(m: Mention) -> str:
    """The key that groups mentions of one thing: a country's code, the dateline's place, a value's
    type and text, or a name's comparison key."""
    if m.source == "markup" and m.typed_by_cue or m.own_entity:
        return f"place:{m.key}"  # the dateline's place, whatever the story does with the name ("NICE" the club)
    if m.label in ("GPE", "LOC", "ORG", "NORP"):
        place = countries().get(m.text.lower()) or countries().get(strip_the(m.text).lower())
        if place is not None and place.iso3166 and m.label != "NORP":
            return "country:" + place.iso3166
    value = m.label if m.label in VALUE_TYPES else "name"
    return f"{value}:{m.key}"


def merge_aliases(entities: list[Entity]) -> list[Entity]:
    """Merge short forms into the entity they abbreviate: surnames, first names, acronyms."""
    names = [e for e in entities if e.label not in VALUE_TYPES]
    full_persons = [e for e in names if e.label == "PERSON" and any(len(m.text.split()) > 1 for m in e.mentions)]
    absorbed: set[int] = set()
    for short in names:
        if id(short) in absorbed:
            continue
        forms = {m.text for m in short.mentions}
        target = None
        if all(len(f.split()) == 1 for f in forms):
            target = _person_for_part(forms, full_persons, short)
            if target is not None:
                target.person_anchor = True
            elif _part_of_persons(forms, full_persons, short) > 1:
                short.person_anchor = True  # "Wilkins" of two Wilkinses: a person, which one is open
            else:
                target = expansion_for_acronym(forms, names, short)
        if target is not None and target is not short:
            target.mentions.extend(short.mentions)
            absorbed.add(id(short))
    out = [e for e in entities if id(e) not in absorbed]
    for e in out:
        e.mentions.sort(key=lambda m: m.start)
    return out


#: the types a short form of a person's name may have been given ("Delaney's office said": a LAW)
_SHORT_FORM_TYPES = frozenset(["PERSON", "ORG", "GPE", "NORP", "LOC", "LAW", "PRODUCT", "WORK_OF_ART", "EVENT", "FAC"])


def _persons_with_part(forms: set[str], persons: list[Entity], short: Entity) -> list[Entity]:
    """Persons whose full name has every one-word form of ``short`` as a part (none if a place/acronym)."""
    if short.label not in _SHORT_FORM_TYPES or short in persons:
        return []
    if any(f in demonyms() or f.lower() in countries() or (f.isupper() and short.label != "PERSON") for f in forms):
        return []
    keys = {normalise_name(f) for f in forms}
    hits = []
    for p in persons:
        parts = {normalise_name(w) for m in p.mentions for w in m.text.split() if len(m.text.split()) > 1}
        if keys <= parts:
            hits.append(p)
    return hits


def _person_for_part(forms: set[str], persons: list[Entity], short: Entity) -> Entity | None:
    """The one person whose full name has the forms of ``short`` as parts, if there is exactly one."""
    hits = _persons_with_part(forms, persons, short)
    return hits[0] if len(hits) == 1 else None


def _part_of_persons(forms: set[str], persons: list[Entity], short: Entity) -> int:
    """How many persons have the one-word form as the last word (surname) of their full name."""
    keys = {normalise_name(f) for f in forms}
    return sum(1 for p in _persons_with_part(forms, persons, short)
               if keys <= {normalise_name(m.text.split()[-1]) for m in p.mentions if len(m.text.split()) > 1})
