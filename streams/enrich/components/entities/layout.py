"""What the layout of a wire says about mentions: spans that are not the article's (related
headlines, boilerplate), Reuters ``<Company Ltd>`` markup, the wire header's distributor and source,
ALL-CAPS lines, and the datelines of the stories in a file.
"""

from __future__ import annotations

import re
from typing import Any

from streams.enrich.components.entities.gazetteers import countries, demonyms
from streams.enrich.components.entities.lexicon import NAME_TYPES
from streams.enrich.components.entities.mentions import LineIndex, Mention, find_word
from streams.text.wire import parse_dateline

#: noise span kinds whose mentions are not the article's
SKIPPED_SPAN_KINDS = frozenset({"related_headline", "boilerplate"})
_LINE_START = re.compile(r"(?:^|\n)(?=[A-Z])")


def skipped_spans(text: str, mentions: list[Mention], spans: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Spans whose mentions are not the article's; a 'related headline' that names someone the
    story itself names ("Claudia Mo of Civic Party" under her photo) is a caption and is kept."""
    skip = [(sp["start"], sp["end"]) for sp in spans if sp["kind"] in SKIPPED_SPAN_KINDS]
    out = []
    for sp in spans:
        if sp["kind"] not in SKIPPED_SPAN_KINDS:
            continue
        start, end = sp["start"], sp["end"]
        if sp["kind"] == "related_headline" and any(
                m.label == "PERSON" and " " in m.text and start <= m.start and m.end <= end
                and any(not any(a <= i < b for a, b in skip) for i, _ in find_word(text, m.text))
                for m in mentions):
            continue
        out.append((start, end))
    return out


def add_markup_orgs(text: str, mentions: list[Mention]) -> list[Mention]:
    """Old Reuters wires mark companies as ``<Qintex America Ltd>``."""
    for m in re.finditer(r"<([A-Z][^<>\n]{1,80})>", text):
        s, e = m.start(1), m.end(1)
        mentions = [x for x in mentions if x.end <= m.start() or x.start >= m.end()]
        mentions.append(Mention(s, e, text[s:e], "ORG", source="markup"))
    return mentions


#: a wire bureau's sign-off ("-- Dhaka Newsroom 880-2-506363", "-- Jane Roe, Chicago Newsdesk"): the bureau
#: is an organisation, not the city it is in nor a person
_BUREAU = re.compile(r"(?<![\w'’.-])(?:[A-Z][\w'’&.-]*[ \t]+){1,3}(?:Newsroom|Newsdesk|News[ \t]+Desk)\b")


def add_bureau_orgs(text: str, mentions: list[Mention]) -> list[Mention]:
    """A news bureau named in a sign-off ("Warsaw Newsroom") is one organisation mention, whatever the
    model made of its words."""
    if "News" not in text:
        return mentions
    for m in _BUREAU.finditer(text):
        s, e = m.span()
        if text[s:e].startswith(("The ", "THE ")):
            s += 4
        mentions = [x for x in mentions if x.end <= s or x.start >= e]
        mentions.append(Mention(s, e, text[s:e], "ORG", source="markup"))
    return sorted(mentions, key=lambda x: x.start)


def add_provenance_orgs(text: str, mentions: list[Mention], prov: dict[str, Any],
                        skip: list[tuple[int, int]]) -> list[Mention]:
    """Distributor and original source of a wire header are ORG wherever they are named."""
    for key in ("distributor", "original_source"):
        name = prov.get(key)
        if not isinstance(name, str) or len(name) < 2:
            continue
        lowered = text.lower()
        if len(lowered) != len(text):
            continue
        for start, end in find_word(lowered, name.lower()):
            if any(s <= start and end <= e for s, e in skip):
                continue
            mentions = [x for x in mentions if x.end <= start or x.start >= end]
            mentions.append(Mention(start, end, text[start:end], "ORG", source="markup"))
    return mentions


def filter_caps_mentions(text: str, mentions: list[Mention], caps: list[tuple[int, int]]) -> list[Mention]:
    """In ALL-CAPS lines keep only mentions the rest of the text or the gazetteers vouch for.

    A cased model guesses wildly on capitals (even title-cased); a name also written in the
    body ("LEICESTERSHIRE" / "Leicestershire") or a known country/nationality is safe.
    """
    if not caps:
        return mentions
    lines = LineIndex(caps)
    inside = lambda m: lines.contains(m.start, m.end)  # noqa: E731
    known = {m.text.lower() for m in mentions if not inside(m) and m.label in NAME_TYPES}
    out = []
    for m in mentions:
        if inside(m) and m.label in NAME_TYPES:
            key = m.text.lower()
            body_has = key in known
            if not (body_has or key in countries() or m.text.title() in demonyms()):
                continue
        out.append(m)
    return out


def dateline_spans(text: str, spans: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(start, end) of datelines: the one textspans found, and those opening later stories of a
    wire file that runs several stories together ("...\nLONDON 1996-08-30\n...")."""
    found = [(sp["start"], sp["end"]) for sp in spans if sp["kind"] == "dateline"]
    for m in _LINE_START.finditer(text):
        d = parse_dateline(text, m.end())
        if d is not None and d.place.split(",")[0].isupper() and not any(s <= d.start < e for s, e in found):
            found.append((d.start, d.end))
    return sorted(found)


def add_dateline_place(text: str, mentions: list[Mention], datelines: list[tuple[int, int]]) -> list[Mention]:
    """The place of a dateline is a place mention ("BUCHAREST 1996-08-30", "BERLIN, Jan 13 (Reuters) -"),
    an entity of its own: a story about the club "NICE" still has its dateline in the city."""
    for sp_start, sp_end in datelines:
        m = re.match(r"[A-Z][A-Za-z.'’\- ]*[A-Za-z.]", text[sp_start:sp_end])
        if not m:
            continue
        start, end = sp_start, sp_start + m.end()
        if text[start:end].endswith("."):
            end -= 1
        mentions = [x for x in mentions if x.end <= start or x.start >= end]
        mentions.append(Mention(start, end, text[start:end], "GPE", source="markup", typed_by_cue=True))
    return mentions
