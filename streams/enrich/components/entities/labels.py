"""The type a mention gets from the gazetteers, from the form of its name and from the words around it,
whatever the model said: "Myanmar" is a country, "University of Sheffield" an organisation, "the cruise
ship Freewinds" a product, "Education" before "Minister" no name.
"""

from __future__ import annotations

import re

from streams.enrich.components.entities.gazetteers import demonyms, is_big_city, is_country_name
from streams.enrich.components.entities.lexicon import INSTITUTION_WORDS
from streams.enrich.components.entities.mentions import Mention

_INITIAL_SURNAME = re.compile(r"^[A-Z]\. ?(?:[A-Z]\. ?)?[A-Z][a-z][a-z'’\-]+$")
_GROUP_OF_COUNTRIES = re.compile(r"^G-?\d{1,2}$")
#: a model or version code ("IE6", "A380", "F-16"): never a place
_PRODUCT_CODE = re.compile(r"^[A-Z][A-Za-z]{0,4}-?\d{1,4}[A-Za-z]?$")
#: the last word of a competition's name (a multi-word name: "UEFA Cup", "U.S. Open", "PGA Tour")
_COMPETITION = re.compile(r"\S \S*?(?:Cup|Open|Masters|Series|Championships|Trophy|Prix|Tour|Classic|Games|Olympics|"
                          r"Finals?|Tournament)$")
#: the last word of an occasion's name ("Google Science Fair", "Cannes Film Festival", "Grammy Awards")
_OCCASION = re.compile(r"\S \S*?(?:Fair|Expo|Festival|Summit|Exhibition|Awards|Marathon|Carnival)$")
#: last words that make a name an organisation's whatever the model said ("Saudi Gazette"); not "Union",
#: "Federation", "Bank" or "Church", which also end the names of places ("Soviet Union", "West Bank")
ORG_ONLY_HEADS: frozenset[str] = frozenset(
    """Gazette Herald Times Journal Tribune Telegraph News Magazine University Institute College Academy
    Department Ministry Agency Police Council Commission Committee Foundation Association Party""".split())
_TITLE_AFTER = re.compile(r"[ \t]+(?:Minister|Ministers|Secretary|Secretaries|Commissioner|Spokesman|Spokeswoman)\b")
_TITLE_OF_BEFORE = re.compile(
    r"\b(?:Secretary|Undersecretary|Under-Secretary|Minister|Commissioner)[ \t]+(?:of|for)[ \t]+$")
_PLACE_OF_BEFORE = re.compile(
    r"\b(?:town|city|village|province|county|district|region|island|municipality)[ \t]+of[ \t]+$")
_VEHICLE_BEFORE = re.compile(r"\b(?:ship|vessel|yacht|ferry|tanker|freighter|frigate|destroyer|submarine|liner|cruiser|"
                             r"spacecraft|space probe|rocket)[, \t]+(?:the[ \t]+)?$")
_OF_BETWEEN = re.compile(r"[ \t]+of[ \t]+(?:the[ \t]+)?")
_OF_THE_BEFORE = re.compile(r"\bof[ \t]+the[ \t]+$")
#: the types a name that a class noun calls an organisation can have had from the model
_NAMED_BY_CLASS_NOUN = frozenset({"PERSON", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART"})
#: a singular noun that says what kind of organisation the name right after it is: "Belgian club Standard
#: Liege", "Spanish first division team Deportivo Coruna", "the local daily Al-Qabas"; not "carrier" (the
#: aircraft carrier Enterprise), plurals ("publishers Jann Wenner" lists people) nor a count's "daily"
#: ("three daily Atlanta flights")
_ORGANISATION_BEFORE = re.compile(
    r"(?<![\w'’-])(?:club|team|side|firm|company|group|newspaper|magazine|broadcaster|bank|insurer|airline|agency|"
    r"publisher|retailer|carmaker|automaker|manufacturer|band|charity|conglomerate|lender|brokerage|"
    r"(?<!\d[ \t])(?<!\ba[ \t])(?<!two[ \t])(?<!three[ \t])(?<!four[ \t])(?<!five[ \t])(?<!six[ \t])daily)[ \t]+$")


def retype_by_gazetteers(mentions: list[Mention]) -> None:
    """Types the gazetteers and the name's form give a mention, whatever the model said: "D. Fleming" a
    person, "Myanmar" a country, "Germans" a group, "G7" an organisation, "IE6" a product, "Kyiv" (a
    one-word 'person') a big city, "UEFA Cup" a competition."""
    dem = demonyms()
    for m in mentions:
        if m.source == "gazetteer":
            continue
        if m.label in ("ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT") and _INITIAL_SURNAME.match(m.text):
            m.label = "PERSON"  # "D. Fleming"
            continue
        if m.label in ("GPE", "LOC") and is_country_name(m.text):
            m.label = "GPE"  # "Myanmar", "Philippines": the country, though the words also work as adjectives
            continue
        if m.text in dem and m.label in ("GPE", "LOC", "ORG", "PERSON", "NORP", "LANGUAGE"):
            if m.label != "LANGUAGE" or m.text.endswith("s"):
                m.label = "NORP"
        elif is_country_name(m.text) and m.label in ("ORG", "PERSON", "NORP", "LOC", "FAC"):
            m.label = "GPE"
        elif _GROUP_OF_COUNTRIES.match(m.text):
            m.label = "ORG"
        elif m.label in ("GPE", "LOC", "FAC") and _PRODUCT_CODE.match(m.text):
            m.label = "PRODUCT"
        elif m.label == "PERSON" and " " not in m.text and is_big_city(m.text):
            m.label = "GPE"
        elif m.label in ("ORG", "GPE", "LOC", "FAC", "LAW", "PRODUCT", "PERSON") and _COMPETITION.search(m.text):
            m.label = "EVENT"  # "UEFA Cup", "U.S. Open", "Singer World Series": a competition
        elif m.label in ("ORG", "GPE", "LOC", "FAC", "PRODUCT", "PERSON") and _OCCASION.search(m.text):
            m.label = "EVENT"  # "Google Science Fair": an occasion, not the place it is held


def is_portfolio_word(text: str, m: Mention) -> bool:
    """'Education Minister Nagoum Yamassoum', 'German Defence Minister': the one capitalised word
    before a title is the office's portfolio, not an organisation."""
    return (m.label in ("ORG", "GPE", "NORP") and " " not in m.text and not m.text.isupper()
            and m.source == "model" and _TITLE_AFTER.match(text, m.end) is not None)


def institutions_by_their_head(mentions: list[Mention]) -> None:
    """'University of Sheffield', 'Municipality of Livorno', 'Saudi Gazette': a name that opens with an
    institution's word and 'of', or ends with an organisation's head word, names the organisation, not
    the place or person in it."""
    for m in mentions:
        if m.label not in ("GPE", "LOC", "FAC", "NORP", "PERSON") or m.typed_by_cue or m.text.isupper():
            continue
        words = m.text.split()
        if len(words) < 2:
            continue
        if (words[0] in INSTITUTION_WORDS and words[1] == "of"
                or m.label != "PERSON" and words[-1] in ORG_ONLY_HEADS):
            m.label = "ORG"


def _named_by_class_noun(text: str, m: Mention) -> bool:
    """Whether a noun right before ``m`` says it is an organisation ("the Belgian club Standard Liege"); not
    after 'of the' ("chairman of the firm Gordon Wu" names the chairman)."""
    noun = _ORGANISATION_BEFORE.search(text, max(0, m.start - 30), m.start)
    return noun is not None and _OF_THE_BEFORE.search(text, max(0, noun.start() - 10), noun.start()) is None


def title_and_affiliation_words(text: str, mentions: list[Mention]) -> list[Mention]:
    """'Secretary of State', 'Minister for Education': the last word is part of a title, not a name;
    'Cheng Chung-tai of Civic Passion': a 'person' named after a person and 'of' is their organisation;
    'the Belgian club Standard Liege', 'mineral water firm Multico': a name right after a singular noun for a
    kind of organisation is one;
    'the cruise ship Freewinds': a vessel (PRODUCT), 'the town of Yeoncheon': a place, whatever the model said."""
    out: list[Mention] = []
    for m in mentions:
        if " " not in m.text and m.label in ("ORG", "GPE", "LOC", "PERSON") and _TITLE_OF_BEFORE.search(
                text, max(0, m.start - 30), m.start):
            continue
        if m.label in ("ORG", "PERSON", "NORP") and _PLACE_OF_BEFORE.search(text, max(0, m.start - 30), m.start):
            m.label = "GPE"  # "the town of Yeoncheon"
            m.typed_by_cue = True
        if m.label in ("ORG", "GPE", "LOC", "PERSON", "FAC") and _VEHICLE_BEFORE.search(
                text, max(0, m.start - 30), m.start):
            m.label = "PRODUCT"  # OntoNotes types vessels and craft as products
            m.typed_by_cue = True
        if m.label in _NAMED_BY_CLASS_NOUN and not m.typed_by_cue and _named_by_class_noun(text, m):
            m.label = "ORG"  # "Belgian club Standard Liege"
            m.typed_by_cue = True
        prev = out[-1] if out else None
        if (m.label == "PERSON" and prev is not None and prev.label == "PERSON"
                and _OF_BETWEEN.fullmatch(text, prev.end, m.start)):
            m.label = "ORG"
        out.append(m)
    return out
