"""Names listed together are things of one kind: "Zeus, Hera, Poseidon, Aphrodite, and Athena" are all
people, so the one the model typed as an organisation takes the type of the others."""

from __future__ import annotations

import re

from streams.enrich.components.entities.gazetteers import demonyms, is_country_name, known_names, lookup_place
from streams.enrich.components.entities.lexicon import INSTITUTION_WORDS, ORG_HEADS
from streams.enrich.components.entities.mentions import Mention

#: what may stand between two names of one list: a comma, "and"/"or", or both
_SEPARATOR = re.compile(r",[ \t]+(?:(?:and|or)[ \t]+)?|[ \t]+(?:and|or)[ \t]+")
#: "FTU's Alice Mak": the name is a modifier, not an item of the list
_POSSESSIVE_AFTER = re.compile(r"['’]s?\b")
#: the types a list votes on; a place is a place whatever its kind (GPE, LOC or FAC)
_KIND = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "GPE", "FAC": "GPE"}
#: words that make a name an organisation's, in a list of any kind
_ORG_WORDS = ORG_HEADS | INSTITUTION_WORDS | {"Community", "Communities"}
#: at least this many names make a list, and the others must agree to this share
LIST_MIN = 3
AGREEMENT = 0.75


def lists_of_names(text: str, mentions: list[Mention]) -> list[list[Mention]]:
    """Coordinations of at least :data:`LIST_MIN` names, "A, B and C" (commas between the first ones,
    "and"/"or" before the last), in text order. "Cedar Rapids, Iowa, Rubio told" is no list, nor is a
    name that is a possessive modifier ("FTU's Alice Mak")."""
    runs: list[list[Mention]] = []
    run: list[Mention] = []
    for m in mentions:
        sep = _SEPARATOR.fullmatch(text, run[-1].end, m.start) if run and m.start >= run[-1].end else None
        if sep is not None and not _POSSESSIVE_AFTER.match(text, m.end):
            run.append(m)
            if re.search(r"\b(?:and|or)\b", sep.group(0)):
                if len(run) >= LIST_MIN:
                    runs.append(run)
                run = []
            continue
        run = [m]
    return runs


def types_of_lists(text: str, mentions: list[Mention]) -> None:
    """A name of a list whose other names nearly all share one type (people, organisations or places)
    takes that type, unless a gazetteer or a cue vouches for its own ("Germany" stays a country in a
    list of clubs; "the ship X" stays a product)."""
    for run in lists_of_names(text, mentions):
        kinds = [_KIND.get(m.label) for m in run]
        for m, kind in zip(run, kinds):
            others = [k for x, k in zip(run, kinds) if x is not m]
            best = max(set(others), key=others.count)
            if best is None or kind == best or others.count(best) < AGREEMENT * len(others):
                continue
            if m.typed_by_cue or m.source in ("gazetteer", "markup") or _vouched(m.text, kind):
                continue
            m.label = best


def _vouched(name: str, kind: str | None) -> bool:
    """Whether a gazetteer knows the name as what it is typed: a country or a city as a place, a
    well-known name with its listed type; a country or a group is never retyped."""
    if is_country_name(name) or name in demonyms():
        return True
    if kind == "ORG" and _ORG_WORDS.intersection(name.split()):
        return True  # "University of North Carolina", "European Community" in a list of places
    if kind == "GPE":
        return lookup_place(name) is not None
    return _KIND.get(known_names().get(name, "")) == kind
