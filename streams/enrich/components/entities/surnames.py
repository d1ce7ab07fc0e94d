"""A surname that is also the name of a place: once the story names the person in full ("Trevor Holland",
"Neil Jordan"), the word alone is that person, not the country or town the gazetteers and the model took
it for ("police recognised Holland", "Jordan said he made ...").
"""

from __future__ import annotations

import re

from streams.enrich.components.entities.gazetteers import capitals
from streams.enrich.components.entities.lexicon import POSSESSIVE
from streams.enrich.components.entities.mentions import Mention

#: words before a name that put a place there ("in Jordan", "flew to Holland", "east of Holland", "the
#: Jordan border"); "of" alone does not ("the films of Jordan")
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:in|into|at|from|to|near|outside|inside|across|around|via|visit|visited|visiting|(?:east|west|north|"
    r"south|capital|city|town|village|king|queen|government|parts|people|president|premier) of)|[A-Z][a-z]+,)"
    r"[ \t]+(?:the[ \t]+)?$")
#: words after a name that make it a place ("Holland, Michigan", "Jordan's capital", "Jordan border")
_PLACE_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:capital|border|borders|government|army|troops|forces|embassy|king|queen|city|town|"
    r"province|state|county|region)\b|,[ \t]+[A-Z][a-z]+[ \t]*(?:[,.;]|$)")
_POSSESSIVE_AFTER = re.compile(r"(?:'s|’s)\b")
_PERSON_TYPES = frozenset({"PERSON"})
_PLACE_TYPES = frozenset({"GPE", "LOC", "ORG"})


def surnames_of_people(text: str, mentions: list[Mention]) -> None:
    """Retype (in place) one-word mentions typed as places or organisations that are the surname of exactly
    one person the story names in full, when no mention of the word sits where places do ('in Holland',
    'Holland's capital') and the word is no country's capital ("Washington" stays ambiguous)."""
    surnames: dict[str, set[str]] = {}
    for m in mentions:
        words = m.text.split()
        if m.label in _PERSON_TYPES and len(words) > 1 and words[-1][:1].isupper() and words[-1].isalpha():
            surnames.setdefault(words[-1], set()).add(" ".join(words))
    if not surnames:
        return
    candidates: dict[str, list[Mention]] = {}
    for m in mentions:
        if m.label not in _PLACE_TYPES or m.typed_by_cue or m.own_entity or " " in m.text:
            continue
        word = POSSESSIVE.sub("", m.text)
        if len(surnames.get(word, ())) == 1 and word.lower() not in capitals():
            candidates.setdefault(word, []).append(m)
    for word, found in candidates.items():
        if any(_PLACE_AFTER.match(text, m.end) or not _POSSESSIVE_AFTER.match(text, m.end) and _PLACE_BEFORE.search(
                text, max(0, m.start - 30), m.start) for m in found):  # "a role in Jordan's film" is the person's
            continue
        for m in found:
            m.label = "PERSON"
