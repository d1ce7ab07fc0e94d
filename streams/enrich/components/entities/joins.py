"""Names the model cut in pieces, joined again, and pieces it ran together, cut apart: a first name
read as a place or an organisation ("Valeska" + "Paris", "Dries" + "Mertens"), an organisation's name
that goes on after "for" ("Andy Warhol Foundation for the Visual Arts"), hyphenated group words
("Brazilian-born").
"""

from __future__ import annotations

import re

from streams.enrich.components.entities.gazetteers import cities, demonyms, is_country_name
from streams.enrich.components.entities.mentions import Mention
from streams.enrich.components.entities.personal_names import NOT_FIRST_NAMES, not_a_personal_name_word

#: head words that end the first part of an organisation's name ("Foundation" for the Visual Arts)
_ORG_HEAD_END = re.compile(
    r"\b(?:Foundation|Institute|Council|Centre|Center|Commission|Committee|Organi[sz]ation|Society|Association|"
    r"Agency|Office|Union|Federation|League|Fund|Ministry|Department|Coalition|Alliance|Movement|Campaign|"
    r"Bureau|Board|Trust|Network|Academy|Corps|Service|Commissioner|Court|Tribunal|Authority)$")
_ORG_TAIL = re.compile(r"[ \t]+(?:for|on|of)[ \t]+(?:the[ \t]+)?[A-Z][\w'’-]*(?:[ \t]+(?:(?:and|&|of|of[ \t]+the)[ \t]+)?[A-Z][\w'’-]*)*"
                       r"(?<![ \t])")
_GROUP_COMPOUND_TAILS = frozenset("born based led backed owned run made speaking origin style controlled".split())
#: participles that make a place's or an organisation's name an adjective ("a New York-based group", "the
#: U.S.-led force", "Hong Kong-listed shares", "an Amman-bound plane"): the compound is one word, a
#: miscellaneous name (CoNLL), not the place ("Dublin-born" and "-controlled" are annotated both ways: left out)
_NAME_COMPOUND_TAILS = frozenset("based led listed bound backed owned run funded sponsored registered".split())


def merge_split_person(text: str, mentions: list[Mention]) -> list[Mention]:
    """'Valeska Paris' read as two places: an unknown one-word 'place' right before another is a first name."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if (prev is not None and prev.label in ("GPE", "LOC") and m.label in ("GPE", "LOC")
                and text[prev.end:m.start] == " " and " " not in prev.text and " " not in m.text
                and prev.text[:1].isupper() and prev.text[1:].islower() and m.text[1:].islower()
                and prev.text.lower() not in cities() and not is_country_name(prev.text)
                and prev.text not in demonyms()):
            out[-1] = Mention(prev.start, m.end, text[prev.start:m.end], "PERSON", source=m.source)
            continue
        out.append(m)
    return out


def join_organisation_tails(text: str, mentions: list[Mention]) -> list[Mention]:
    """'Andy Warhol Foundation' + 'for the Visual Arts': an organisation's name goes on after 'for',
    'on' or 'of' when its head word ends the first part and capitalised words follow."""
    out: list[Mention] = []
    i = 0
    for m in mentions:
        if m.start < i:
            continue  # swallowed by a joined name
        if m.label == "ORG" and _ORG_HEAD_END.search(m.text):
            tail = _ORG_TAIL.match(text, m.end)
            if tail is not None:
                inside = [x for x in mentions if x is not m and x.start < tail.end() and m.end <= x.start]
                if all(x.end <= tail.end() and x.label in ("ORG", "GPE", "LOC", "NORP", "PERSON", "FAC")
                       for x in inside):
                    joined = Mention(m.start, tail.end(), text[m.start:tail.end()], "ORG", source=m.source)
                    out.append(joined)
                    i = tail.end()
                    continue
        out.append(m)
    return out


def join_split_names(text: str, mentions: list[Mention]) -> list[Mention]:
    """A personal name the model cut in two: 'Aung San' + 'Suu Kyi' (two people side by side), a first
    name read as an organisation before a person ('Dries' + 'Mertens'), or a capitalised word left out
    before a one-word person ('Waqar' + 'Younis'; not 'However' or a place, title or group word)."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if (m.label == "PERSON" and " " not in m.text and m.source == "model"
                and (prev is None or prev.end < m.start - 1)):
            w = re.search(r"(?<![\w'’.-])([A-Z][a-z]+) $", text[max(0, m.start - 30):m.start])
            if w and not not_a_personal_name_word(w.group(1)) and w.group(1) not in NOT_FIRST_NAMES:
                start = m.start - len(w.group(0))
                out.append(Mention(start, m.end, text[start:m.end], "PERSON", source=m.source))
                continue  # "Dries Mertens's attempt": the first name the model left out
        if (prev is not None and m.label == "PERSON" and text[prev.end:m.start] == " "
                and (prev.label == "PERSON" or prev.label == "ORG" and prev.source == "model"
                     and len(prev.text.split()) <= 2 and not prev.text.isupper()
                     and all(w[:1].isupper() and w.isalpha() and not not_a_personal_name_word(w)
                             for w in prev.text.split()))):
            out[-1] = Mention(prev.start, m.end, text[prev.start:m.end], "PERSON", source=m.source)
            continue
        out.append(m)
    return out


def hyphenated_groups(text: str, mentions: list[Mention]) -> list[Mention]:
    """'German-Israeli relations', 'a Brazilian-born midfielder', 'Communist-led unions', 'a New York-based
    group': the group word or the name and what it is joined to by a hyphen are one word, and one mention."""
    out: list[Mention] = []
    for m in sorted(mentions, key=lambda x: x.start):
        prev = out[-1] if out else None
        if prev is not None and prev.label == "NORP" and m.label == "NORP" and text[prev.end:m.start] == "-":
            out[-1] = Mention(prev.start, m.end, text[prev.start:m.end], "NORP", source=prev.source)
            continue
        if m.label in ("NORP", "GPE", "LOC", "ORG", "FAC") and text[m.end:m.end + 1] == "-":
            tail = re.match(r"-[a-z]+(?![\w-])", text[m.end:m.end + 20])
            tails = _GROUP_COMPOUND_TAILS if m.label == "NORP" else _NAME_COMPOUND_TAILS
            if tail and tail.group(0)[1:] in tails:
                # the participle says what the compound is: no later rule reads "Hong Kong-based" as a person
                m = Mention(m.start, m.end + tail.end(), text[m.start:m.end + tail.end()], "NORP", source=m.source,
                            typed_by_cue=m.label != "NORP")
        out.append(m)
    return out
