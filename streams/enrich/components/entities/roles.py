"""Roles of a person: a title phrase before the name ("German Defense Minister Boris Pistorius") and an
apposition after it ("Boris Pistorius, Germany's defence minister,").
"""

from __future__ import annotations

import re

from streams.enrich.components.entities.lexicon import ROLE_HEADS
from streams.enrich.components.entities.mentions import Entity, Mention, Occupancy

_CONNECTORS = frozenset({"for", "of", "and", "on", "the", "&"})
_WORD_CHARS = frozenset("_.'’&-")  # with letters and digits, the characters of a title word


def entity_roles(text: str, ent: Entity, others: Occupancy) -> list[str]:
    """The roles of a person (none for other entities); ``others`` are the mentions of people, which
    end a title phrase read leftwards."""
    if ent.label != "PERSON":
        return []
    roles: list[str] = []
    for m in ent.mentions:
        for role in (_role_before(text, m, others), _role_after(text, m)):
            if role and role not in roles:
                roles.append(role)
    # a role that is a suffix of a longer one is the same role said shorter
    return [r for r in roles if not any(o != r and o.endswith(r) for o in roles)]


def _role_before(text: str, m: Mention, others: Occupancy) -> str | None:
    """Capitalised title phrase right before the name: 'German Defense Minister Boris Pistorius'."""
    words: list[tuple[int, int]] = []  # right to left
    cur = m.start
    while len(words) < 14:
        found = _word_before(text, max(0, cur - 80), cur)
        if found is None:
            break
        s, e = found
        token = text[s:e]
        if others.overlaps(s, e) or not (token[0].isupper() or token.lower() in _CONNECTORS):
            break
        words.append((s, e))
        cur = s
    while words and text[words[-1][0]:words[-1][1]].lower() in _CONNECTORS:
        words.pop()
    if not words:
        return None
    phrase = text[words[-1][0]:words[0][1]]
    tokens = [t.lower() for t in re.findall(r"[\w.'’&-]+", phrase)]
    if not any(t in ROLE_HEADS or t.rstrip(".") in ROLE_HEADS for t in tokens):
        return None
    if tokens[-1].rstrip(".") in ("mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady") and len(tokens) == 1:
        return None  # a courtesy title is not a role
    return phrase


def _word_before(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    r"""(start, end) of the word that ends ``text[lo:hi]`` before its trailing spaces or tabs: what
    ``re.search(r"([\w.'’&-]+)([ \t]+)$", text[lo:hi])`` finds, without the regex's retry at every
    start of the window (a title-case run walks 14 words back from each of thousands of names)."""
    if hi > lo and text[hi - 1] == "\n":
        hi -= 1  # "$" also matches before a final line break
    e = len(text[lo:hi].rstrip(" \t")) + lo
    if e == hi:
        return None
    s = e
    while s > lo and (text[s - 1].isalnum() or text[s - 1] in _WORD_CHARS):
        s -= 1
    return (s, e) if s < e else None


def _role_after(text: str, m: Mention) -> str | None:
    """Apposition: 'Boris Pistorius, Germany's defence minister, said'."""
    tail = text[m.end:m.end + 120]
    a = re.match(r",\s+((?:the\s+|a\s+|an\s+)?[^,.;:\n()“”\"]{3,80}?)\s*[,.;]", tail)
    if not a:
        return None
    phrase = a.group(1).strip()
    tokens = [t.lower().strip(".") for t in re.findall(r"[\w.'’&-]+", phrase)]
    if not tokens or tokens[-1] not in ROLE_HEADS or len(tokens) > 10:
        return None
    if any(t in ("said", "says", "told", "who", "which", "and") for t in tokens):
        return None
    return re.sub(r"^(?:the|a|an)\s+", "", phrase)
