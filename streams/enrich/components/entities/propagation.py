"""Propagation: further occurrences of a name the story already has, which the model missed."""

from __future__ import annotations

import re

from streams.enrich.components.entities.gazetteers import lookup_place, us_states
from streams.enrich.components.entities.lexicon import NOT_NAMES, PRONOUNS, SENTENCE_INITIAL_COMMON, VALUE_TYPES
from streams.enrich.components.entities.mentions import Entity, Mention, Occupancy, find_word, relabel


#: "at Texas", "AT CHICAGO", "in Zurich": where a place sits, not its club
_AT_OR_IN_BEFORE = re.compile(r"(?:^|\n|[.;:]\s+|\b)(?:[Ii]n|[Aa]t|AT|IN)[ \t]+$")


def propagate(text: str, entities: list[Entity], skip: list[tuple[int, int]],
              caps: list[tuple[int, int]] = (), sports: bool = False) -> list[Entity]:
    """Tag further occurrences of known names that the model missed (outside skipped spans). In sports
    reports (``sports``) a club named after a known place is the place where it sits after "at" or
    "in" ("CLEVELAND AT TEXAS", "won in Zurich"): a place of its own, not the club."""
    taken = Occupancy(m for e in entities for m in e.mentions)
    taken.extend(skip)
    forms: list[tuple[str, Entity, str]] = []
    for e in entities:
        label = e.label
        if label in VALUE_TYPES:
            continue
        for f in {m.text for m in e.mentions}:
            if len(f) >= 2 and f[0].isupper() and f.lower() not in PRONOUNS and f.title() not in NOT_NAMES:
                forms.append((f, e, label))
                if label == "PERSON" and len(f.split()) > 1:
                    last = f.split()[-1]
                    if len(last) > 2 and last[0].isupper() and last.title() not in NOT_NAMES:
                        forms.append((last, e, label))
    if caps:  # the same names written in capitals in headline lines
        forms += [(f.upper(), e, label) for f, e, label in forms if not f.isupper() and len(f) > 3]
    forms.sort(key=lambda x: -len(x[0]))
    places: dict[str, Entity] = {}
    for form, ent, label in forms:
        for s, e in find_word(text, form):
            if taken.overlaps(s, e):
                continue
            if form.lower() in SENTENCE_INITIAL_COMMON:
                continue
            if (sports and label == "ORG" and _AT_OR_IN_BEFORE.search(text, max(0, s - 25), s)
                    and (lookup_place(form) is not None or form.lower() in us_states())):
                mention = Mention(s, e, form, "GPE", source="propagated", own_entity=True)
                if form.lower() not in places:
                    places[form.lower()] = Entity()
                    entities.append(places[form.lower()])
                places[form.lower()].mentions.append(mention)
            else:
                mention = Mention(s, e, form, label, source="propagated")
                ent.mentions.append(mention)
            taken.add(mention)
    for e in entities:
        e.mentions.sort(key=lambda m: m.start)
    relabel(entities)
    return entities
