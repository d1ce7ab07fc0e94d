"""Sports reports (told by the share of sports words): clubs named after places, results tables,
fixtures, scorer lines and cricket scorecards.

Countries stay places: national sides are LOC in CoNLL-style annotation and ORG in GUM-style, and
no rule serves both.
"""

from __future__ import annotations

import re

from streams.enrich.components.entities.gazetteers import cities, countries, demonyms, is_country_name, lookup_place
from streams.enrich.components.entities.lexicon import NOT_NAMES, POSSESSIVE, SENTENCE_INITIAL_COMMON
from streams.enrich.components.entities.mentions import Mention, MentionSet

#: words whose share among a text's words tells a sports report
SPORTS_WORDS: frozenset[str] = frozenset(
    """match matches goal goals scored scorer scorers cup league championship championships tournament innings
    wicket wickets batting bowling bowled coach striker midfielder defender goalkeeper club clubs team teams
    beat beats defeated drew draw victory semifinal semi-final semifinals quarterfinal quarter-final final
    seed seeded tennis soccer football cricket rugby basketball baseball hockey golf lap olympic olympics
    medal champion champions player players halftime half-time penalty penalties standings played
    inning homer homers pitcher runs par birdie birdies bogey round rounds stage sprint squad fixture
    fixtures qualifier qualifiers division tie ties""".split()
)
_WORDS = re.compile(r"[a-z][a-z\-]+")
_LOCATIVE_BEFORE = re.compile(
    r"(?:\b(?:in|at|near|from|to|into|across|around|outside|inside|of|via|toward|towards|visit|visited|"
    r"visiting|born|based|hosts?|hosted)|[A-Z][a-z]+,)\s+(?:the\s+)?$", re.IGNORECASE)
_AT_OR_IN_BEFORE = re.compile(r"(?:^|\n|[.;:]\s+|\b)(?:[Ii]n|[Aa]t|AT|IN)[ \t]+$")
_PLACE_NOUN_AFTER = re.compile(r"[ \t]+(?:city|town|province|state|county|region|capital|border|stadium|airport)\b")
_CRICKET_NAME = r"((?:[A-Z]\. ?)*[A-Z][\w'’-]*[a-z](?: (?:de |van )?[A-Z][\w'’-]*[a-z])?)"
#: "c Vaas b Chandana", "st Kaluwitharana", "lbw b Mullally": the fielder or bowler after the mark
_DISMISSAL_NAME = re.compile(rf"(?:(?<=\s)|^)(?:c|b|st|lbw b|c & b) {_CRICKET_NAME}(?= b |,| \d| not out|\n|$)")
#: "Dharmasena 9-0-49-1", "McGrath 9.5-0-44-1": a bowler's overs, maidens, runs and wickets
_BOWLING_FIGURES = re.compile(rf"(?<![\w.]){_CRICKET_NAME} \d{{1,2}}(?:\.\d)?-\d{{1,2}}-\d{{1,3}}-\d{{1,2}}\b")
_SIDE_NAME = r"([A-Z][\w'’.-]*[a-z](?: (?:of )?[A-Z][\w'’.-]*[a-z]){0,2})"
_FIXTURE_SIDE = re.compile(rf"(?<![\w'’.-]){_SIDE_NAME} v\.? (?=[A-Z])")
_FIXTURE_SIDE_AFTER = re.compile(rf"(?<=[\w)] v )(?:\.[ ])?{_SIDE_NAME}(?![\w'’-])")
#: "Cosmin Contra (31st)", "Van Gastel (90th, pen)": a scorer and the minute of the goal
_SCORER = re.compile(r"(?<![\w'’.-])([A-Z][\w'’.-]*[a-z](?: (?:van |de |da |der )?[A-Z][\w'’.-]*[a-z]){0,3})"
                     r" \(\d{1,3}(?:st|nd|rd|th)\b")
_INITIAL = re.compile(r"^(?:[A-Z]\.){1,3} ?[A-Z]")
#: a figure or a "v" standing as a word: no personal name has one ("Norwich 1 Wolverhampton" is two clubs)
_FIGURE_WORD = re.compile(r"(?<!\S)\d+(?!\S)")
_FIXTURE_WORD = re.compile(r" v\.? ")
#: a line of capitalised words, figures and brackets only. Every cell is taken whole (possessive
#: quantifiers): "69 71 71 73" can only be read one way, so a line that fails at its end fails at once
#: (the former, backtracking pattern tried every split of every figure: 2^n on a golf results line)
_TABLE_LINE = re.compile(r"^(?=[^\n]*\d)(?:[ \t]*+(?:[A-Z][\w'’&.\-]*+|[\d.][\d.,:/\-]*+|[()\-,:]))++[ \t]*+$",
                         re.MULTILINE)
#: "Pohang 3 Ulsan 2 (halftime 1-0)", "Clyde 0 Queen of South 2": a result line names two sides, whatever
#: follows the second score (the table pattern takes capitalised words and figures only)
_RESULT_SIDE = r"([A-Z][\w'’.-]*+(?: (?:of )?[A-Z][\w'’.-]*+){0,3})"
#: a side's country in brackets after it ("Benetton (Italy) 92 Dinamo (Russia) 81"): international club games
_SIDE_COUNTRY = r"(?: \([A-Z][\w .'’-]{1,30}\))?"
_RESULT_LINE = re.compile(rf"^{_RESULT_SIDE}{_SIDE_COUNTRY} \d{{1,3}} {_RESULT_SIDE}{_SIDE_COUNTRY} \d{{1,3}}(?![\w.,:/-])",
                          re.MULTILINE)
_NAME_CELL = re.compile(r"(?:(?:[A-Z]\.){1,3} ?)?[A-Z][\w'’&.\-]*[A-Za-z](?: [A-Z][\w'’&.\-]*[A-Za-z])*")


def is_sports_text(text: str, min_share: float = 0.025) -> bool:
    """Whether ``text`` reads like a sports report (share of sports words among its words)."""
    words = _WORDS.findall(text.lower())
    if len(words) < 5:
        return False
    return sum(w in SPORTS_WORDS for w in words) / len(words) >= min_share


def places_as_teams(text: str, mentions: list[Mention], skip_spans: list[tuple[int, int]]) -> list[Mention]:
    """In sports reports a city or region that is not used as a location is a club: 'Essex beat Kent'.

    Kept as places: after a locative preposition ('in Paris', 'at Lord's'; a known place the model
    took for a club there is a place again, an entity apart from the club: 'In Milwaukee,'), in parentheses
    after a player ('Mary Pierce (France)'), in the dateline, and lines without figures or verbs
    are left alone only when they are datelines.
    """
    person_parts = {w for m in mentions if m.label == "PERSON" and " " in m.text for w in m.text.split()}
    for m in mentions:
        if any(s <= m.start and m.end <= e for s, e in skip_spans):
            continue
        if m.label == "PERSON" and " " not in m.text and m.text not in person_parts and (
                m.text.lower().endswith("shire") or m.text.lower() in cities()):
            m.label = "GPE"  # "Derbyshire", "Kent": a place, and then a team (below)
        before = text[max(0, m.start - 25):m.start]
        if (m.label in ("ORG", "GPE", "LOC") and _AT_OR_IN_BEFORE.search(before)
                and lookup_place(m.text) is not None):
            m.label, m.own_entity = "GPE", True  # "In Milwaukee, ...", "CLEVELAND AT TEXAS": the place
            continue
        if m.label not in ("GPE", "LOC"):
            continue
        if _LOCATIVE_BEFORE.search(before) or before.endswith("(") or text[m.end:m.end + 1] == ")":
            continue
        if _PLACE_NOUN_AFTER.match(text, m.end) or is_country_name(m.text) or m.text in demonyms():
            continue  # national sides stay countries: annotation conventions differ, the country is safe
        m.label = "ORG"
    return mentions


def cricket_scorecard_players(text: str, mentions: list[Mention]) -> list[Mention]:
    """Cricket scorecards name players by dismissal and bowling figures: 'c Vaas b Chandana 56',
    'st Kaluwitharana b Chandana', 'Bowling: Dharmasena 9-0-49-1'. Those names are people."""
    cells = [g.span(1) for g in _DISMISSAL_NAME.finditer(text)] + [g.span(1) for g in _BOWLING_FIGURES.finditer(text)]
    found = MentionSet(mentions)
    for s, e in cells:
        if text[s:e] in NOT_NAMES or is_country_name(text[s:e]):
            continue
        inside = found.overlapping(s, e)
        if any(m.label == "PERSON" and m.start <= s and e <= m.end for m in inside):
            continue
        if any(m.start < s or m.end > e for m in inside):
            continue
        found.remove(inside)
        found.add(Mention(s, e, text[s:e], "PERSON", source="table"))
    return found.sorted()


def fixtures_and_scorers(text: str, mentions: list[Mention]) -> list[Mention]:
    """Fixture lists and scorer lines: 'Walsall v Wrexham' names two clubs (or two countries), and
    'Cosmin Contra (31st)' a player with the minute of his goal."""
    cells = [(g.span(1), "team") for g in _FIXTURE_SIDE.finditer(text)]
    cells += [(g.span(1), "team") for g in _FIXTURE_SIDE_AFTER.finditer(text)]
    cells += [(g.span(1), "PERSON") for g in _SCORER.finditer(text)]
    found = MentionSet(mentions)
    person_runs = [(m.start, m.end) for m in mentions if m.label == "PERSON" and _FIXTURE_WORD.search(m.text)]
    for (s, e), kind in cells:
        name = text[s:e]
        if name in NOT_NAMES or name.lower() in SENTENCE_INITIAL_COMMON or POSSESSIVE.search(name):
            continue
        label = kind if kind == "PERSON" else "GPE" if is_country_name(name) else "ORG"
        # a mention across the " v " ('Birmingham v Barnsley' as one 'person') names no one: the cells replace
        # it, as clubs where they are places and as players where a 'person' ran over unknown names
        across = [m for m in found.overlapping(s, e) if kind == "team" and _FIXTURE_WORD.search(m.text)]
        inside = [m for m in found.overlapping(s, e) if m not in across]
        if (any(a <= s and e <= b for a, b in person_runs) and label == "ORG" and lookup_place(name) is None
                and lookup_place(name.split()[0]) is None):
            label = "PERSON"  # 'Agassi v Sampras' read as one name
        if any(m.start < s or m.end > e for m in inside) or any(m.label == label for m in inside):
            continue
        if kind == "team" and any(m.label == "PERSON" for m in inside):
            continue  # 'Agassi v Sampras': players meet too
        found.remove(found.overlapping(s, e))
        found.add(Mention(s, e, name, label, source="table"))
    return found.sorted()


def table_rows(text: str, mentions: list[Mention], noise: list[tuple[int, int]]) -> list[Mention]:
    """Results tables and standings: names between figures are clubs, 'M. Gatting' is a player."""
    out = MentionSet(mentions)
    for line in _TABLE_LINE.finditer(text):
        ls, le = line.start(), line.end()
        if any(s < le and ls < e for s, e in noise):
            continue  # a dateline "LONDON 1996-08-30" is no table row
        row = text[ls:le]
        figures = len(re.findall(r"(?<![\w.])\d[\d.,:/\-]*", row))
        words = len(re.findall(r"[A-Za-z][\w'’&.\-]*", row))
        if words > 2 * figures:
            continue  # a headline with a number in it
        for g in _NAME_CELL.finditer(text, ls, le):
            s, e = g.start(), g.end()
            cell = g.group(0)
            if cell in NOT_NAMES or cell.lower() in countries() or len(cell) < 2:
                continue
            existing = out.overlapping(s, e)
            if any(m.label == "PERSON" and len(m.text.split()) > 1 and not _INITIAL.match(m.text)
                   and not _FIGURE_WORD.search(m.text) for m in existing) and not _INITIAL.match(cell):
                continue  # 'Tiger Woods 70 69': the model's full name stands ('Norwich 1 Wolverhampton' is none)
            label = "PERSON" if _INITIAL.match(cell) else "ORG"
            out.remove(existing)
            out.add(Mention(s, e, cell, label, source="table"))
    return out.sorted()


def result_lines(text: str, mentions: list[Mention]) -> list[Mention]:
    """'Pohang 3 Ulsan 2 (halftime 1-0)', 'Benetton (Italy) 92 Dinamo (Russia) 81': the two names around the first score of a result line are sides,
    clubs (ORG) or, for a country, the country (national sides stay places, see the module docstring)."""
    found = MentionSet(mentions)
    for line in _RESULT_LINE.finditer(text):
        for s, e in (line.span(1), line.span(2)):
            name = text[s:e]
            if name in NOT_NAMES or name.lower() in SENTENCE_INITIAL_COMMON:
                continue
            found.put(Mention(s, e, name, "GPE" if is_country_name(name) else "ORG", source="table"))
    return found.sorted()


#: a shirt number and a dash before a player in a team line-up ("1 - Bernard Lama", "11- Luis Oliveira")
_SHIRT = re.compile(r"(?:^|(?<=[ ,;(]))\d{1,2} ?- ?(?=[A-Z])", re.MULTILINE)
#: a player's name: capitalised words with the particles of surnames ("Joaquin del Olmo", "Nico Van
#: Kerckhoven"); it ends before a figure, a bracket or a comma ("Robert Pires 46th", "Becerril 46th")
_PLAYER = re.compile(r"[A-Z][\w'’.-]*[a-z](?:[ ](?:(?:van|von|de|del|der|den|da|di|du|la|le|dos|das)[ ])*"
                     r"[A-Z][\w'’.-]*[a-z]){0,3}")
#: a substitute in brackets without a shirt number ("(Becerril 46th)", "(Joel Stransky, 48 mins)")
_SUBSTITUTE = re.compile(r"(?<=\()(?=[A-Z][^()\n]{1,40}?,? \d{1,3}(?:st|nd|rd|th|\)| mins?\b))")
#: shirt numbers a line needs to be a line-up
LINEUP_MIN = 3


def lineup_players(text: str, mentions: list[Mention]) -> list[Mention]:
    """Team line-ups ("France - 1 - Bernard Lama; 2 - Lilian Thuram (14 - Sabri Lamouchi 87th), 5 - Laurent
    Blanc ..."): on a line with at least :data:`LINEUP_MIN` shirt numbers, the name after each number, and a
    substitute's in brackets, is a player, whatever the model made of it (it often took the number and the
    name for a figure)."""
    if " - " not in text and "- " not in text:
        return mentions
    found: MentionSet | None = None
    for line in re.finditer(r"[^\n]+", text):
        ls, le = line.span()
        shirts = list(_SHIRT.finditer(text, ls, le))
        if len(shirts) < LINEUP_MIN:
            continue
        found = MentionSet(mentions) if found is None else found
        starts = [m.end() for m in shirts] + [m.end() for m in _SUBSTITUTE.finditer(text, ls, le)]
        for start in starts:
            g = _PLAYER.match(text, start, le)
            if g is None:
                continue
            s, e = g.span()
            name = g.group(0)
            if name in NOT_NAMES or is_country_name(name) or name.lower() in SENTENCE_INITIAL_COMMON:
                continue
            found.put(Mention(s, e, name, "PERSON", source="table"))
        mentions = found.sorted()
    return mentions


#: a results line that opens with where the match was played ("Chester-le-Street: Glamorgan 259 and 207 ...",
#: "London (The Oval): Warwickshire 195, Surrey 429-7"): the venue, the ground in brackets, then a side and a score
_VENUE_LINE = re.compile(r"^([A-Z][\w'’.]*(?:[ -][A-Za-z][\w'’.]*){0,3})(?: \(([A-Z][^()\n:]{1,30})\))?: "
                         r"(?=[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2} \d)", re.MULTILINE)
#: a side before its score, first on the line or after a comma ("..., Durham 114 (S. Watkin 4-28)")
_SCORED_SIDE = re.compile(r"(?:(?<=: )|(?<=, ))([A-Z][\w'’-]*[a-z](?: [A-Z][\w'’-]*[a-z]){0,2})(?= \d)")


def venue_lines(text: str, mentions: list[Mention]) -> list[Mention]:
    """Results by venue ("Tunbridge Wells: Nottinghamshire 214 (P. Johnson 84), Kent 108-3"): the line's
    first name is the place played at (and a ground in brackets a facility), the names before scores
    outside brackets are the sides (clubs); the players in brackets are left to the other rules."""
    if ": " not in text:
        return mentions
    found: MentionSet | None = None
    for line in _VENUE_LINE.finditer(text):
        venue = line.group(1)
        if venue in NOT_NAMES or venue.lower() in SENTENCE_INITIAL_COMMON or is_country_name(venue):
            continue
        found = MentionSet(mentions) if found is None else found
        end = text.find("\n", line.end())
        end = len(text) if end < 0 else end
        cells = [(line.span(1), "GPE")] + ([(line.span(2), "FAC")] if line.group(2) else [])
        depth, pos = 0, line.end()
        for side in _SCORED_SIDE.finditer(text, line.end(), end):
            depth += text.count("(", pos, side.start()) - text.count(")", pos, side.start())
            pos = side.start()
            if depth == 0 and side.group(1) not in NOT_NAMES:
                cells.append((side.span(1), "GPE" if is_country_name(side.group(1)) else "ORG"))
        for (s, e), label in cells:
            found.put(Mention(s, e, text[s:e], label, source="table"))
        mentions = found.sorted()
    return mentions

