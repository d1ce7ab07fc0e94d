"""Names the model missed or typed as something else, found by gazetteers and patterns: well-known
names, nationalities and countries, initials with a surname, competitors with their country in brackets,
lists of people, capitalised runs that end in an organisation's or a place's head word, untagged pairs
and triples of capitalised words (people), competitions with their nationality ("German Cup").
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Iterator

from spacy.attrs import IDX, LENGTH

from streams.enrich.components.entities.gazetteers import (
    demonyms,
    is_country_name,
    known_names,
    known_names_pattern,
)
from streams.enrich.components.entities.lexicon import (
    FACILITY_HEADS,
    LOCATION_HEADS,
    NOT_NAMES,
    ORG_HEADS,
    POSSESSIVE,
    ROLE_HEADS,
    SENTENCE_INITIAL_COMMON,
)
from streams.enrich.components.entities.mentions import LineIndex, Mention, MentionSet, Occupancy
from streams.enrich.components.entities.personal_names import not_a_personal_name_word

_INITIAL_NAME = re.compile(r"(?<![\w.])[A-Z]\. ?(?:[A-Z]\. ?)?[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?(?![\w.])")
_CAPITALISED_BEFORE = re.compile(r"[A-Z][\w.]*[ \t]$")
_NAME = r"[A-Z][a-z][\w'’-]*(?: [A-Z][a-z][\w'’-]*){0,2}"
#: "Zeus, Hera, Poseidon, Aphrodite, and Athena": three or more capitalised names joined by commas and a final and/or
#: found as a run of names joined by commas (each item taken whole: one pass over the run, however long)
#: and the final and/or after it (see :func:`_name_lists`)
_NAME_RUN = re.compile(rf"(?<![\w'’-]){_NAME}(?:, {_NAME})++")  # from word starts only: linear in a long word
_LIST_TAIL = re.compile(rf",? (?:and|or) {_NAME}")
_LIST_ITEM = re.compile(rf"(?<![\w'’-])(?!and |or ){_NAME}")
#: "Pete Sampras (U.S.)": two to four capitalised words, then a bracketed name (checked: a country)
_BRACKETED_COUNTRY = re.compile(r" \(([A-Z][A-Za-z. ]{1,30})\)")
_NAME_THEN_COUNTRY = re.compile(
    r"(?<![\w'’.-])([A-Z][\w'’.-]*[a-z][\w'’-]*(?: (?:(?:van|von|de|der|den|da|du|del|la|le|el|al|bin|ter|dos)"
    r" )?[A-Z][\w'’.-]*[a-z][\w'’.-]*){1,3}) \(([A-Z][A-Za-z. ]{1,30})\)")
#: words of club and team names, not of personal names
_CLUB_WORDS = frozenset(
    """united city fc ac sc club star dynamo dinamo sporting real athletic athletico atletico rovers wanderers
    team racing olympic olympique inter juventus rangers celtic town county albion hotspur sport sports
    university college school party group bank""".split())
#: the last word of a competition's name
_COMPETITION_WORD = re.compile(
    r"(?<![\w'’-])(?:Cup|CUP|Open|OPEN|Masters|MASTERS|Series|SERIES|Championships|CHAMPIONSHIPS|Trophy|TROPHY|"
    r"Grand Prix|GRAND PRIX|Tour|TOUR|Classic|CLASSIC|Games|GAMES|Olympics|OLYMPICS)(?![\w'’-])")
_TITLE_CASE_RUN = re.compile(
    r"(?<![\w'’.&-])[A-Z][a-z](?:[\w'’-]*[a-z])?(?: [A-Z][a-z](?:[\w'’-]*[a-z])?){1,2}(?![\w&-]| [A-Z]| of \w)")
_QUOTES = frozenset("\"'“”‘’«»")
_SENTENCE_START_BEFORE = re.compile(r"[.!?;\n\"“”(\[]\s*$")
#: at most eight words before the head, each taken whole: an unbounded run made every capitalised word of
#: a long run of them scan the rest of it (quadratic, 20 s on 10 KB of single capitals)
_HEADED_RUN = re.compile(
    r"(?<![\w'’.&-])[A-Z](?:[\w'’&-]|\.(?=\w))*+(?:[ \t]++(?:(?:of|and|&|for|the|de|du|la)[ \t]++){0,3}"
    r"[A-Z](?:[\w'’&-]|\.(?=\w))*+){0,7}[ \t]+(?:"
    + "|".join(sorted(ORG_HEADS | FACILITY_HEADS | LOCATION_HEADS)) + r")(?![\w'’&-])")
#: a head word as :data:`_HEADED_RUN` ends on it, and a character no such run contains: a run is searched
#: for only in a stretch between two of the latter that holds one of the former (:func:`_headed_runs`)
_HEAD_AFTER_SPACE = re.compile(r"[ \t](?:" + "|".join(sorted(ORG_HEADS | FACILITY_HEADS | LOCATION_HEADS))
                               + r")(?![\w'’&-])")
_RUN_BREAK = re.compile(r"[^\w'’.&\- \t]")
#: words that open a capitalised run without being part of the name ("For Wall Street", "Commanders of the")
_RUN_LEAD = re.compile(r"([A-Z][a-z]+)[ \t]+(?:(?:of|the|and)[ \t]+)*(?=[A-Z])")

def apply_known_names(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Mention]:
    """Occurrences of well-known names (``data/known_names.tsv``) get the listed type.

    A model mention inside the occurrence ("Explorer" of "Internet Explorer") is replaced; a
    longer model mention around it ("Google Science Fair") is left alone.
    """
    known = known_names()
    for match in known_names_pattern().finditer(text):
        start, end = match.span()
        if any(s < end and start < e for s, e in skip):
            continue
        if any(m.start < end and start < m.end and not (start <= m.start and m.end <= end) for m in mentions):
            continue
        mentions = [m for m in mentions if not (start <= m.start and m.end <= end)]
        mentions.append(Mention(start, end, match.group(0), known[match.group(0)], source="gazetteer"))
    return sorted(mentions, key=lambda x: x.start)


def competition_names(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Mention]:
    """A competition's whole name with its nationality: 'German Cup', 'AFRICAN NATIONS CUP', 'British
    Masters' (the model tags the nationality as a group and leaves the rest). Words before the
    competition word join while they are capitalised (in capitals only a nationality or a word of a
    mention there: a headline's other words are not the name)."""
    for g in _COMPETITION_WORD.finditer(text):
        e = g.end()
        s = g.start()
        words = []
        pos = s
        while len(words) < 4:
            w = re.search(r"(?<![\w'’.-])([A-Z][\w'’.-]*)[ \t]+$", text[max(0, pos - 40):pos])
            if w is None:
                break
            word = w.group(1)
            ws = pos - len(w.group(0))
            in_mention = any(m.start <= ws < m.end and m.label in ("NORP", "EVENT", "ORG", "GPE") for m in mentions)
            if word in ("The", "THE") or POSSESSIVE.sub("", word) in NOT_NAMES or not (word.title() in demonyms() or in_mention
                                              or not word.isupper() and word.lower() not in SENTENCE_INITIAL_COMMON):
                break
            words.append(word)
            pos = ws
        s = pos
        if not words or any(a < e and s < b for a, b in skip):
            continue
        inside = [m for m in mentions if m.start < e and s < m.end]
        if any(m.start < s or m.end > e or m.label in ("PERSON", "MONEY", "PERCENT") for m in inside):
            continue
        if not inside and not any(w.title() in demonyms() for w in words):
            continue  # an untagged run needs a nationality to be a name ("German Cup"), not "Final Round"
        mentions = [m for m in mentions if m not in inside]
        mentions.append(Mention(s, e, text[s:e], "EVENT", source="gazetteer"))
    return sorted(mentions, key=lambda x: x.start)


#: a run of capitalised words: a name of several words may sit anywhere in it ("In Northern Ireland")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")
_RUN_WORD = re.compile(r"[A-Z][a-z]+")


def _multiword_gazetteer_names(text: str, dem: dict[str, str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, label) of each country, home nation or group name of two to four words that ends a run
    of capitalised words, the longest first: a sentence's first word or another capitalised word before
    the name is not part of it ("In Northern Ireland" names "Northern Ireland"); words after it make it
    part of a longer name ("Hong Kong Open", "Gold Fields of South Africa Ltd")."""
    for run in _CAPITALISED_RUN.finditer(text):
        starts = [w.start() for w in _RUN_WORD.finditer(text, run.start(), run.end())]
        for start in starts[-4:-1]:
            phrase = text[start:run.end()]
            label = "GPE" if is_country_name(phrase) else "NORP" if phrase in dem else None
            if label:
                yield start, run.end(), label
                break


def add_gazetteer_names(text: str, doc: Any, mentions: list[Mention], skip: list[tuple[int, int]],
                        caps: list[tuple[int, int]] = ()) -> list[Mention]:
    """Names the model missed that the gazetteers know: nationalities and groups, countries and home nations
    (one word or several: "New Zealand", "England", "Northern Ireland"), and an initial with a surname
    ("J. Smith") is a person."""
    dem = demonyms()
    taken = Occupancy(mentions)
    taken.extend(skip)
    caps_index = LineIndex(caps)
    # names of several words first ("Northern Ireland", not its "Ireland"): countries, home nations and
    # demonyms ("United States", "New Zealand", "South African")
    for start, end, label in _multiword_gazetteer_names(text, dem):
        if not taken.overlaps(start, end):
            mention = Mention(start, end, text[start:end], label, source="gazetteer")
            mentions.append(mention)
            taken.add(mention)
    # token offsets as plain ints: building a Token object per token cost more than the rest of this loop
    for start, length in doc.to_array([IDX, LENGTH]).tolist():
        word = token_text = text[start:start + length]
        if not word[:1].isupper():
            continue
        if word.isupper() and len(word) > 3 and caps_index.contains(start, start):
            word = word.title()  # 'ROMANIA' in a headline
        label = None
        if word in dem and not is_country_name(word):
            label = "NORP"
        elif (is_country_name(word) and not word.isupper() or word in ("U.S.", "UK", "U.K.", "EU")
              or word in ("US", "USA", "UAE") and not caps_index.contains(start, start)):
            label = "GPE" if word != "EU" else "ORG"
        if label and not taken.overlaps(start, start + length):  # the look-up once a word has a type, not per word
            m = Mention(start, start + length, token_text, label, source="gazetteer")
            mentions.append(m)
            taken.add(m)
    # "P. Simmons", "J. Smith": an initial and a surname are a person
    for m in _INITIAL_NAME.finditer(text):
        if not taken.overlaps(m.start(), m.end()) and not _CAPITALISED_BEFORE.search(text[max(0, m.start() - 40):m.start()]):
            mention = Mention(m.start(), m.end(), m.group(0), "PERSON", source="gazetteer")
            mentions.append(mention)
            taken.add(mention)
    return sorted(mentions, key=lambda x: x.start)


def people_with_country(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Mention]:
    """'Anne-Gaelle Sidot (France)', 'Pete Sampras (U.S.)': a name of two to four words followed by a
    country in brackets is a competitor (results lists); a club's name has a club word ('Red Star')."""
    found = MentionSet(mentions)
    for bracket in _BRACKETED_COUNTRY.finditer(text):  # cheap first: a country in brackets
        if not is_country_name(bracket.group(1).strip()):
            continue
        window = max(0, bracket.start() - 80)
        g = _NAME_THEN_COUNTRY.search(text, window, bracket.end())
        while g is not None and g.end() != bracket.end():
            g = _NAME_THEN_COUNTRY.search(text, g.end(), bracket.end())
        if g is None or any(s < g.end() and g.start() < e for s, e in skip):
            continue
        start, end = g.span(1)
        words = text[start:end].split()
        while words and words[0].lower() in SENTENCE_INITIAL_COMMON | {"at", "v", "vs"}:
            start += len(words.pop(0)) + 1
        if len(words) < 2 or any(w.lower() in _CLUB_WORDS or is_country_name(w) for w in words):
            continue
        inside = found.overlapping(start, end)
        if any(m.label == "PERSON" and (m.start, m.end) == (start, end) for m in inside):
            continue
        if any(m.start < start or m.end > end for m in inside):
            continue  # a longer name around it ("... Cup (England)"): not a bare competitor
        found.remove(inside)
        found.add(Mention(start, end, text[start:end], "PERSON", source="gazetteer"))
    return found.sorted()


def people_lists(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Mention]:
    """In a list of names of which at least two are people and none a place or group ('Zeus, Hera,
    Poseidon, Aphrodite, and Athena'), the untagged items are people too (and the model's other
    labels are overridden when people are more than twice as many)."""
    found = MentionSet(mentions)
    for start, end in _name_lists(text):
        items = [(i.start(), i.end()) for i in _LIST_ITEM.finditer(text, start, end)]
        labels = []
        for a, b in items:
            inside = found.overlapping(a, b)
            labels.append(inside[0].label if len(inside) == 1 and (inside[0].start, inside[0].end) == (a, b)
                          else None if not inside else "?")
        if labels.count("PERSON") < 2 or any(lb in ("GPE", "LOC", "NORP", "?", "FAC") for lb in labels):
            continue
        people, others = labels.count("PERSON"), sum(lb is not None and lb != "PERSON" for lb in labels)
        for (a, b), label in zip(items, labels):
            if label == "PERSON" or any(s < b and a < e for s, e in skip) or text[a:b] in NOT_NAMES:
                continue
            if label is not None and people <= 2 * others:
                continue  # retype the model's other labels only when people clearly dominate the list
            found.remove([m for m in found.overlapping(a, b) if m.start == a and m.end == b])
            found.add(Mention(a, b, text[a:b], "PERSON", source="gazetteer"))
    return found.sorted()


def _name_lists(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each list of three or more names that ends in and/or ('Zeus, Hera and Athena')."""
    pos = 0
    while (run := _NAME_RUN.search(text, pos)) is not None:
        tail = _LIST_TAIL.match(text, run.end())
        pos = run.end() if tail is None else tail.end()
        if tail is not None:
            yield run.start(), pos


def _headed_runs(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_HEADED_RUN.finditer(text)``, searched for only in the stretches of text that
    can hold one: 100 KB of capital letters or of title-case words without a head word cost one scan
    for heads, not a try of eight words at every capital."""
    breaks: list[int] | None = None
    searched = -1
    for head in _HEAD_AFTER_SPACE.finditer(text):
        if head.start() < searched:
            continue  # its stretch is done
        if breaks is None:
            breaks = [b.start() for b in _RUN_BREAK.finditer(text)]
        k = bisect.bisect_right(breaks, head.start())
        lo = breaks[k - 1] + 1 if k > 0 else 0
        searched = breaks[k] if k < len(breaks) else len(text)
        yield from _HEADED_RUN.finditer(text, lo, searched)


def untagged_headed_names(text: str, mentions: list[Mention], skip: list[tuple[int, int]],
                          caps: list[tuple[int, int]]) -> list[Mention]:
    """Capitalised words the model left untagged whose last word is the head of an organisation's or a
    place's name: 'the Test and County Cricket Board' (ORG), 'The Deseret News' (ORG), 'Wall Street' (LOC)."""
    taken = Occupancy(mentions)
    taken.extend(skip)
    taken.extend(caps)
    index = MentionSet(mentions)
    added: list[Mention] = []
    dropped: set[int] = set()
    for g in _headed_runs(text):
        s, e = g.span()
        while True:  # "For Wall Street", "In the New Territories", "Commanders of the ...": not the name
            lead = _RUN_LEAD.match(text, s, e)
            if lead is None or not (lead.group(1).lower() in SENTENCE_INITIAL_COMMON
                                    or lead.group(1).lower().rstrip("s") in ROLE_HEADS):
                break
            s = lead.end()
        owner = next((m for m in index.overlapping(s, s + 1)
                      if m.start == s and text[m.end:m.end + 3] in ("'s ", "’s ")), None)
        if owner is not None:
            s = owner.end + 3  # "Mecca's Grand Mosque": the owner is a name of its own
        if e - s < 4 or " " not in text[s:e]:
            continue
        head = text[s:e].split()[-1]
        label = "ORG" if head in ORG_HEADS else "FAC" if head in FACILITY_HEADS else "LOC"
        inside = index.overlapping(s, e)
        if inside and label == "ORG" and all(
                m.label in ("NORP", "GPE") and s <= m.start and m.end < e - len(head) - 1 for m in inside):
            dropped.update(id(m) for m in inside)  # "Saudi Interior Ministry": the nationality is part of the name
        elif taken.overlaps(s, e):
            continue
        added.append(Mention(s, e, text[s:e], label, source="gazetteer"))
    return sorted([m for m in mentions if id(m) not in dropped] + added, key=lambda x: x.start)


def untagged_personal_names(text: str, mentions: list[Mention], skip: list[tuple[int, int]],
                            caps: list[tuple[int, int]]) -> list[Mention]:
    """Two or three capitalised words inside a sentence that the model left untagged are most often a
    person ('Olin Browne, Shane Bortsch, Mike Hulbert'); not when a word is a place, a group, a title, a
    month or the head of a place or organisation name ('Wall Street', 'Minor Counties')."""
    taken = Occupancy(mentions)
    taken.extend(skip)
    taken.extend(caps)
    added = []
    for g in _TITLE_CASE_RUN.finditer(text):
        s, e = g.span()
        if taken.overlaps(s, e) or _SENTENCE_START_BEFORE.search(text, max(0, s - 4), s) or s == 0:
            continue
        words = g.group(0).split()
        if any(not_a_personal_name_word(w) for w in words):
            continue
        if text[e:e + 1] in ("'", "’") and text[e + 1:e + 2] != "s":
            continue
        if text[max(0, s - 1):s] in _QUOTES or text[e:e + 1] in _QUOTES or text[e:e + 2] in (",'", ",’", ',"', ",”"):
            continue  # a quoted title ("America's Unwritten Constitution,''"), not a person
        added.append(Mention(s, e, g.group(0), "PERSON", source="gazetteer"))
    return sorted(mentions + added, key=lambda x: x.start)
