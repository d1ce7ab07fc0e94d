"""The output records of the entities (the ``ctx.entities`` contract), most salient first."""

from __future__ import annotations

from typing import Any

from streams.enrich.components.entities.lexicon import VALUE_TYPES
from streams.enrich.components.entities.linking import place_links
from streams.enrich.components.entities.mentions import Entity, find_word


def salience(count: int, first: int, n: int, in_headline: bool) -> float:
    """Salience in [0, 1] of a name mentioned ``count`` times, first at offset ``first`` of a text of
    ``n`` characters: mention count (up to 6), first position, headline."""
    return round(0.5 * min(count, 6) / 6 + 0.3 * (1.0 - first / n) + 0.2 * in_headline, 4)


def records(text: str, title: str | None, entities: list[Entity], links: bool = True) -> list[dict[str, Any]]:
    """One record per entity with mentions (mentions typed as their entity), most salient first; places
    (and countries acting as states) get their :func:`place_links` if ``links``."""
    n = max(len(text), 1)
    title_l = (title or "").lower()
    out = []
    for e in entities:
        if not e.mentions:
            continue
        label = e.label
        for m in e.mentions:
            m.label = label
        first = e.mentions[0].start
        forms = {m.text for m in e.mentions}
        in_headline = bool(title_l) and any(next(find_word(title_l, f.lower()), None) for f in forms)
        mentions = [{"start": m.start, "end": m.end, "text": m.text} for m in e.mentions]
        record: dict[str, Any] = {
            "name": e.name, "type": label, "mentions": mentions,
            "salience": 0.0 if label in VALUE_TYPES else salience(len(mentions), first, n, in_headline),
            "first_position": first, "in_headline": in_headline, "roles": list(e.roles), "links": {},
        }
        if links and (label in ("GPE", "LOC") or e.state_actor):
            record["links"] = place_links(e)
        out.append(record)
    out.sort(key=lambda r: (-r["salience"], r["first_position"]))
    return out
