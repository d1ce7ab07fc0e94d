"""Propagation: further occurrences of a name the story already has, which the model missed."""

from __future__ import annotations

from streams.enrich.components.entities.lexicon import NOT_NAMES, PRONOUNS, SENTENCE_INITIAL_COMMON, VALUE_TYPES
from streams.enrich.components.entities.mentions import Entity, Mention, Occupancy, find_word, relabel


def propagate(text: str, entities: list[Entity], skip: list[tuple[int, int]],
              caps: list[tuple[int, int]] = ()) -> list[Entity]:
    """Tag further occurrences of known names that the model missed (outside skipped spans)."""
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
    for form, ent, label in forms:
        for s, e in find_word(text, form):
            if taken.overlaps(s, e):
                continue
            if form.lower() in SENTENCE_INITIAL_COMMON:
                continue
            mention = Mention(s, e, form, label, source="propagated")
            ent.mentions.append(mention)
            taken.add(mention)
    for e in entities:
        e.mentions.sort(key=lambda m: m.start)
    relabel(entities)
    return entities
