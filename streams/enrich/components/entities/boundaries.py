"""Where a mention starts and ends: the model's spans split at separators no name contains and
trimmed of what is not part of the name (junk, "the", possessives, titles, figures, stances).
"""

from __future__ import annotations

import re
from typing import Any

from streams.enrich.components.entities.gazetteers import demonyms, first_names
from streams.enrich.components.entities.lexicon import DROPPED_TYPES, NAME_TYPES, POSSESSIVE, PRONOUNS, VALUE_TYPES
from streams.enrich.components.entities.mentions import Mention

# Titles that may sit inside a PERSON span and are cut off it (matched at the span's start: no '^', which
# would only match at the start of the whole text).
_TITLE_PREFIX = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Capt|Sgt|Adm|Cmdr|Maj|Rev|St|Hon)\.?|Sir|Dame|Lord|Lady|"
    r"President|Vice President|Prime Minister|Premier|Chancellor|Minister|Secretary|Senator|Governor|Mayor|"
    r"King|Queen|Prince|Princess|Pope|Sheikh|Judge|Justice|Ambassador|General|Colonel|Captain|Coach|"
    r"Chairman|Chief|Commissioner|Archbishop|Bishop|Cardinal|Rabbi|Imam|Father|Brother|Sister)\s+",
)
_QUANTIFIER = re.compile(
    r"(?:about|around|nearly|almost|some|roughly|approximately|over|under|up to|more than|less than|at least|"
    r"at most|just|only|an estimated|a further|another)\s+", re.IGNORECASE)
_CREDIT_WORD_END = re.compile(r"[ \t]+(?:Image|Images|Photo|Photos|Photograph|Picture|Video|Audio|Source|Credit)$")
_TRAILING_JUNK = " \t\n.,;:!?)]}\"“”‘’'-–—"
_LEADING_JUNK = " \t\n([{\"“”‘’'-–—"
#: a stance or camp prefix glued to a name ("pro-Beijing", "Anti-EU", "Pan-democrat")
_STANCE_WORD = re.compile(r"(?:[Pp]ro|[Aa]nti|[Nn]on)-[\w.'’-]+|[Pp]an-[a-z]+")
_STANCE_BEFORE = re.compile(r"(?:[Pp]ro|[Aa]nti|[Nn]on)-$")
_SPLITTERS = re.compile(r"[ \t]+[-–—][ \t]+|\n[ \t]*\n|\t|[ \t]{3,}")
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
_CONTINUED_LINE = re.compile(r"\n[ \t]*[a-z(]")
_LIST_COMMA = re.compile(r",[ \t]+(?=[A-Z])")
_TRAILING_NUMBER = re.compile(r"(?:[ \t\n]+\+?[\d][\d.,:/\-]*)+$")
_LEADING_MONTH = re.compile(
    r"(?:January|February|March|April|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?[ \t]+")
_LOWER_TAIL = re.compile(r"(?:[ \t]+(?:news agency|agency|union|newspaper|daily|group|party|news))+$")
#: a lower-case noun for a kind of place after a place's name: "Jiangsu province", "Kosevo stadium"
_LOWER_PLACE_TAIL = re.compile(r"[ \t]+(?:province|state|region|county|district|city|town|village|stadium|airport|"
                               r"prison|border|capital)$")
_COLON_SPLIT = re.compile(r":[ \t]+")
_LEADING_NUMBER = re.compile(r"(?:[\d][\d.,:/\-]*[ \t\n]+)+")
_BRACKET = re.compile(r"[ \t]*[()][ \t]*")


def is_hard_wrapped(text: str, min_share: float = 0.2) -> bool:
    """Whether ``text`` is wrapped at a fixed width (old wire copy: a sentence, or a name, goes on on the
    next line), told by the share of lines that go on in lower case."""
    breaks = text.count("\n")
    return breaks >= 3 and len(_CONTINUED_LINE.findall(text)) / breaks >= min_share


def split_span(text: str, start: int, end: int, label: str, wrapped: bool = False) -> list[tuple[int, int]]:
    """Split a model span that runs over separators no name contains.

    ``"CRICKET - ENGLISH COUNTY"`` (a dash between spaces), a blank line or a table gap, a line
    break unless the text is ``wrapped`` at a fixed width ("Princeville\nDevelopment Corp"), and for
    places ``"Grace Road, Leicestershire"`` (a comma before another capitalised word), and at a bracket
    the span does not close (``"Scott Draper (Australia"``); then cut
    figures off the ends of names (``"J. Ratcliffe 63"`` in a results table).
    """
    pieces = [(start, end)]
    if label in NAME_TYPES:
        pieces = _split_on(text, pieces, _SPLITTERS)
        if label != "WORK_OF_ART":
            pieces = _split_on(text, pieces, _COLON_SPLIT)  # "Postponed: East Fife"
        if not wrapped:
            pieces = _split_on(text, pieces, _LINE_BREAK)
        if label in ("GPE", "LOC", "FAC"):
            pieces = _split_on(text, pieces, _LIST_COMMA)
        pieces = [p for piece in pieces for p in _split_unbalanced(text, *piece)]
    if label in ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"):
        trimmed = []
        for s, e in pieces:
            m = _TRAILING_NUMBER.search(text, s, e)
            if m and m.start() > s:
                e = m.start()
            m = _LEADING_NUMBER.match(text, s, e)
            if m and m.end() < e:
                s = m.end()
            trimmed.append((s, e))
        pieces = trimmed
    return pieces


def _split_unbalanced(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A span with a bracket it does not close, or closes without opening, runs over it: "Scott Draper
    (Australia" of "Scott Draper (Australia) beat ...", "National League for Democracy (NLD" are two names."""
    span = text[start:end]
    if span.count("(") == span.count(")"):
        return [(start, end)]
    return _split_on(text, [(start, end)], _BRACKET)


def _split_on(text: str, pieces: list[tuple[int, int]], pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out = []
    for s, e in pieces:
        pos = s
        for m in pattern.finditer(text, s, e):
            out.append((pos, m.start()))
            pos = m.end()
        out.append((pos, e))
    return [(s, e) for s, e in out if e > s]


def clean_mention(text: str, start: int, end: int, label: str) -> Mention | None:
    """Trim junk, a leading 'the', a trailing possessive and (for PERSON) a leading title."""
    s, e = start, end
    while s < e and text[s] in _LEADING_JUNK:
        s += 1
    while e > s and text[e - 1] in _TRAILING_JUNK and not (text[e - 1] == "." and _keeps_dot(text, s, e)):
        e -= 1
    credit = _CREDIT_WORD_END.search(text, s, e)
    if credit and label in NAME_TYPES and credit.start() > s and text[e:e + 1] == ":":
        e = credit.start()  # "Ahmed Mohamed Image: Twitter": a caption runs into its credit
    m = POSSESSIVE.search(text[s:e])
    if m and label in NAME_TYPES and e - s > len(m.group(0)) + 1:
        e -= len(m.group(0))
    if label in ("MONEY", "PERCENT", "QUANTITY"):
        q = _QUANTIFIER.match(text, s, e)
        if q and q.end() < e:
            s = q.end()
    if label in NAME_TYPES and text[s:e][:4].lower() == "the " and label != "WORK_OF_ART":
        s += 4
    if label in NAME_TYPES and label != "WORK_OF_ART":
        month = _LEADING_MONTH.match(text, s, e)
        if month and month.end() < e and text[month.end()].isupper():
            s = month.end()  # "the September Treasury bond", "Sept Brent": the date is not the name
    if label == "ORG":
        tail = _LOWER_TAIL.search(text, s, e)
        if tail and tail.start() > s and any(ch.isupper() for ch in text[s:tail.start()]):
            e = tail.start()  # "Interfax news agency", "CFDT union": the name is the capitalised part
    if label in ("GPE", "LOC", "FAC"):
        tail = _LOWER_PLACE_TAIL.search(text, s, e)
        if tail and tail.start() > s:
            e = tail.start()  # "Jiangsu province", "Kosevo stadium": the name is the capitalised part
    if label in NAME_TYPES:
        if _STANCE_BEFORE.search(text, max(0, s - 5), s) or _STANCE_WORD.fullmatch(text, s, e):
            return None  # "pro-Beijing", "anti-Kremlin": an attitude, not the thing named
        lead = _STANCE_WORD.match(text, s, e)
        if lead and text[lead.end():lead.end() + 1] == " ":
            s = lead.end() + 1  # "Pro-Beijing DAB" -> "DAB"
    title = None
    if label == "PERSON":
        while True:
            t = _TITLE_PREFIX.match(text, s, e)
            if not t or t.end() >= e:
                break
            title = (title + " " if title else "") + text[t.start():t.end()].strip()
            s = t.end()
    if e <= s or not any(ch.isalnum() for ch in text[s:e]):
        return None
    if label in NAME_TYPES and not any(ch.isupper() for ch in text[s:e]):
        return None  # "57", "congress", "marijuana": names are written with a capital
    return Mention(s, e, text[s:e], label, title=title)


def _keeps_dot(text: str, s: int, e: int) -> bool:
    """A final dot belongs to abbreviations like 'U.S.' or 'Corp.' or 'Jr.', unless it ends the line: then it
    is also the sentence's full stop, and the name ends before it ("... bought by Acme Inc.\n")."""
    if e >= len(text) or text[e] == "\n":
        return False
    word = text[s:e].split()[-1] if text[s:e].split() else ""
    return bool(re.fullmatch(r"(?:[A-Za-z]\.){2,}|[A-Z][a-z]{0,3}\.", word))


def model_mentions(text: str, doc: Any, values: bool = True) -> list[Mention]:
    """The model's entities (``doc.ents``) as clean mentions; value types (DATE, MONEY...) only if ``values``."""
    out = []
    wrapped = is_hard_wrapped(text)
    for ent in doc.ents:
        label = ent.label_
        if label in DROPPED_TYPES or (label in VALUE_TYPES and not values):
            continue
        for start, end in split_span(text, ent.start_char, ent.end_char, label, wrapped):
            m = clean_mention(text, start, end, label)
            if m is None or m.text.lower() in PRONOUNS:
                continue
            out.extend(split_nationality(text, m))
    return out


#: a nationality word, then a personal name of two or three words ("American Dennis Mitchell")
_NATIONALITY_THEN_NAME = re.compile(r"([A-Z][a-z]+)[ \t]+((?:[A-Z][\w'’.-]*[ \t]+){1,2}[A-Z][\w'’-]*[a-z])")


def split_nationality(text: str, m: Mention) -> list[Mention]:
    """'American Dennis Mitchell', 'Australian Rodney Eyles': the model ran a nationality into the name of
    the person after it; they are two mentions, the group (NORP) and the person, when the name opens with
    a first name or a title ("Belgian King Baudouin"). Not "American Express" nor "Irish Republican Army"."""
    if m.label not in ("PERSON", "ORG", "GPE", "NORP", "FAC", "PRODUCT") or " " not in m.text:
        return [m]
    g = _NATIONALITY_THEN_NAME.fullmatch(m.text)
    if g is None or g.group(1) not in demonyms():
        return [m]
    rest = g.group(2)
    first = rest.split()[0]
    if first.lower() not in first_names() and not _TITLE_PREFIX.match(rest):
        return [m]
    person = clean_mention(text, m.start + g.start(2), m.end, "PERSON")
    if person is None:
        return [m]
    return [Mention(m.start, m.start + g.end(1), g.group(1), "NORP"), person]
