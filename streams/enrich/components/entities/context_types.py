"""An entity's type from what the story does with it, once its mentions are clustered: a one-word
'person' that has shares or a spokesman is a company, a country that fires and warns is the state.
"""

from __future__ import annotations

import re

from streams.enrich.components.entities.gazetteers import capitals, is_country_name, lookup_place, us_states
from streams.enrich.components.entities.lexicon import strip_the
from streams.enrich.components.entities.mentions import Entity

#: words before a name that make it an organisation ("shares of", "club", "Ericsson-based")
ORG_CUE_BEFORE = re.compile(
    r"\b(?:shares (?:in|of)|stake in|units? of|subsidiary of|club|side|firm|company|maker|bank|insurer|carrier|"
    r"airline|team|newspaper|agency|[a-z]+-based)[ \t]+$")
#: words after a name that make it an organisation ("spokesman", "shares", "Inc")
ORG_CUE_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:shares|stock|spokesman|spokeswoman|spokesperson|chief executive|chairman|president|CEO|"
    r"officials|executives|management|shareholders|chief|subsidiary|unit|Inc|Corp|Ltd|plc|AG|SA|NV)\b")
#: a title before a name that makes it a person's ("Mr", "Dr")
PERSON_CUE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Miss|Sir)\.?[ \t]+$")
_PERSON_CUE_AFTER = re.compile(
    r"(?:,[ \t]+\d{1,3},|[ \t]+(?:said|says|told) (?:he|she)\b|,[ \t]+who\b|(?:'s|’s)[ \t]+(?:wife|husband|son|"
    r"daughter|father|mother|brother|sister|career|life)\b)")
_PLACE_CUE_BEFORE = re.compile(
    r"\b(?:in|near|outside|inside|around|across|(?:east|west|north|south|town|village|city|capital) of)[ \t]+(?:the[ \t]+)?$")
_PLACE_CUE_AFTER = re.compile(r"[ \t]+(?:is|was) a (?:town|village|city|settlement|port|region)\b")
_SAID_BEFORE = re.compile(r"[,\"”][ \t]*said[ \t]+$")
#: a country as the subject of what states do ("North Korea fired", "South Korea has said"): the state acting
_STATE_ACT_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:(?:has|had|have|will|would|also|then|later|now|recently)[ \t]+){0,2}"
    r"(?:said|says|stated|states|announced|announces|declared|declares|fired|fires|launched|launches|evacuated|"
    r"evacuates|retaliated|retaliates|threatened|threatens|warned|warns|accused|accuses|denied|denies|rejected|"
    r"rejects|demanded|demands|urged|urges|insisted|insists|vowed|vows|refused|refuses|responded|responds|"
    r"condemned|condemns|protested|protests|imposed|imposes|ordered|orders|attacked|attacks|invaded|invades|"
    r"recalled|recalls|expelled|expels|deployed|deploys|exchanged|puts|sanctioned|sanctions|pledged|pledges)\b")
#: a country entity acting this many times in a story is the state, an organisation
STATE_ACTOR_MIN = 2


def one_word_persons_by_context(text: str, entities: list[Entity]) -> None:
    """A 'person' only ever named by one word is an organisation when the words around it say so
    ('Ericsson spokesman', 'shares of Magna', 'serie A club Atalanta') and none says it is a person;
    it is a place when at least two of its mentions sit where places do ('in Longyear', 'east of
    Longyear', 'Longyear is a town'). A one-word 'organisation' is a person when twice the words
    around it say so ('Washington, who ...', '"...," said Washington') and none says organisation."""
    for ent in entities:
        if ent.label != "PERSON" or ent.person_anchor or any(" " in m.text for m in ent.mentions):
            continue
        org = person = 0
        for m in ent.mentions:
            before, after = text[max(0, m.start - 30):m.start], text[m.end:m.end + 30]
            org += bool(ORG_CUE_BEFORE.search(before) or ORG_CUE_AFTER.match(after))
            person += bool(PERSON_CUE_BEFORE.search(before) or _PERSON_CUE_AFTER.match(after))
        if org and not person:
            ent.label = "ORG"
        elif not person and sum(bool(_PLACE_CUE_BEFORE.search(text, max(0, m.start - 30), m.start)
                                     or _PLACE_CUE_AFTER.match(text, m.end)) for m in ent.mentions) >= 2:
            ent.label = "GPE"  # "in Longyear", "Longyear is a town": a place the model took for a person
    for ent in entities:  # the other way: an 'organisation' that speaks of itself as he or she
        if ent.label != "ORG" or any(" " in m.text or m.text.isupper() for m in ent.mentions):
            continue
        person = sum(bool(_PERSON_CUE_AFTER.match(text, m.end) or _SAID_BEFORE.search(text, max(0, m.start - 12),
                                                                                          m.start))
                     for m in ent.mentions)
        org = sum(bool(ORG_CUE_BEFORE.search(text, max(0, m.start - 30), m.start)
                       or ORG_CUE_AFTER.match(text, m.end)) for m in ent.mentions)
        if person >= 2 and not org:
            ent.label = "PERSON"


def states_acting(text: str, entities: list[Entity]) -> None:
    """A country that the story has act as a state at least :data:`STATE_ACTOR_MIN` times ("North Korea
    fired ...", "South Korea says ...", "South Korea evacuated ...") is named as the government, an
    organisation (GUM-style annotation); named once so, or only as a place, it stays a place."""
    for ent in entities:
        if ent.label != "GPE" or not all(is_country_name(strip_the(m.text)) for m in ent.mentions):
            continue
        acts = sum(bool(_STATE_ACT_AFTER.match(text, m.end)) for m in ent.mentions)
        if acts >= STATE_ACTOR_MIN:
            ent.label, ent.state_actor = "ORG", True


#: words before a place that only a place has: "a resident of Evansville", "based in Evansville"
_RESIDENT_OF_BEFORE = re.compile(r"\b(?:residents? of|natives? of|mayor of|suburbs? of|outskirts of|streets of|"
                                 r"based in|located in|born in|lives in|lived in)[ \t]+$")
#: "Evansville, Indiana", "Livorno, Italy": a place, then the state or country it is in
#: a place does not speak: "Union said a cut ..." is a company
_SAYS_AFTER = re.compile(r"(?:'s|’s)?[ \t]+(?:said|says|told|added)\b")
_IN_REGION_AFTER = re.compile(r",[ \t]+([A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)")


def dateline_places(text: str, entities: list[Entity], sports: bool = False) -> None:
    """The place of the story's dateline ("AL-RAM, West Bank 1996-08-30") is that place where the body
    names it too ("at the al-Ram checkpoint"), whatever the model made of it there, unless the words around
    a mention say organisation or person. In sports reports only a place the gazetteers do not know
    ("between Roermond and Landgraaf"): a known city there is often its club ("Nice" in a story from Nice)."""
    places = {m.key for e in entities for m in e.mentions
              if m.source == "markup" and m.typed_by_cue and m.label == "GPE"}
    if not places:
        return
    for ent in entities:
        if ent.label not in ("ORG", "PERSON") or ent.person_anchor or ent.state_actor:
            continue
        if not all(m.key in places for m in ent.mentions):
            continue
        if sports and any(lookup_place(m.text) is not None or m.text.lower() in us_states() for m in ent.mentions):
            continue
        if any(ORG_CUE_BEFORE.search(text, max(0, m.start - 30), m.start) or ORG_CUE_AFTER.match(text, m.end)
               or _SAYS_AFTER.match(text, m.end) or PERSON_CUE_BEFORE.search(text, max(0, m.start - 8), m.start)
               or _PERSON_CUE_AFTER.match(text, m.end) for m in ent.mentions):
            continue
        ent.label = "GPE"


def places_by_context(text: str, entities: list[Entity]) -> None:
    """A name the gazetteers know as a place that the model typed as an organisation or a person is the
    place when the story puts it where places sit ("in Evansville", "Evansville, Indiana", "a resident
    of Evansville") and nowhere says organisation or person ("Evansville's chief executive", "Mr
    Evansville", "Union said"). Not in sports reports, where a city is often its club (see ``sports.places_as_teams``)."""
    for ent in entities:
        if ent.label not in ("ORG", "PERSON") or ent.person_anchor or ent.state_actor:
            continue
        if not all(lookup_place(m.text) is not None or m.text.lower() in us_states() for m in ent.mentions):
            continue
        place = org = acts = 0
        capital = all(strip_the(m.text).lower() in capitals() for m in ent.mentions)
        for m in ent.mentions:
            before = text[max(0, m.start - 30):m.start]
            region = _IN_REGION_AFTER.match(text, m.end)
            place += bool(_PLACE_CUE_BEFORE.search(before) or _RESIDENT_OF_BEFORE.search(before)
                          or _PLACE_CUE_AFTER.match(text, m.end)
                          or region is not None and (region.group(1).lower() in us_states()
                                                     or is_country_name(region.group(1))))
            org += bool(ORG_CUE_BEFORE.search(before) or ORG_CUE_AFTER.match(text, m.end) or _SAYS_AFTER.match(text, m.end)
                        or PERSON_CUE_BEFORE.search(before) or _PERSON_CUE_AFTER.match(text, m.end))
            acts += bool(_STATE_ACT_AFTER.match(text, m.end))
        if (place or capital and not acts) and not org:
            ent.label = "GPE"
