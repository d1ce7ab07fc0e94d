"""Which capitalised words can be part of a personal name, and which open a sentence before one; names
that start with a first name are people."""

from __future__ import annotations

import re

from streams.enrich.components.entities.context_types import ORG_CUE_AFTER, ORG_CUE_BEFORE
from streams.enrich.components.entities.gazetteers import cities, demonyms, first_names, is_country_name, us_states
from streams.enrich.components.entities.lexicon import NOT_NAMES, ROLE_HEADS, SENTENCE_INITIAL_COMMON
from streams.enrich.components.entities.mentions import Mention, find_word

#: words that end or make up the names of places, organisations, events and works, not of people
NOT_PERSON_WORDS: frozenset[str] = frozenset(
    """street road avenue square park lane bridge island islands territories course stadium arena hotel mosque
    church cathedral temple palace house hall centre center tower museum gallery airport station port harbour
    river lake mountain mountains valley bay coast beach desert forest county counties district province state
    states city town village kingdom republic empire union league cup open series award awards prize day days
    week war wars news times post herald journal magazine review press radio television tv network channel
    company corp corporation inc ltd group holdings bank fund capital partners international national federal
    royal general central united new old north south east west northern southern eastern western upper lower
    great greater grand little saint st christmas easter year era age act bill law treaty accord agreement
    plan report results result name names index average games olympics championship championships tournament
    festival conference summit council committee board party front movement army navy force forces police
    service office ministry department agency institute university college school academy society association
    foundation trust club team squad clouds stars star records music film films show series studios studio
    project program programme system internet web online software apple global world earth moon sun wall
    rising revolution uprising breeders twins affairs policy security defence defense economy economic finance
    financial trade health education justice interior energy environment development relations rights human
    public social foreign home affairs culture sport transport labour labor industry agriculture science
    amendment constitution generation sisters brothers monsters""".split())

#: city names that are as often surnames or first names: they do not disqualify a personal name
_SURNAME_CITIES = frozenset("""washington jackson lincoln houston austin florence orlando paris sydney jordan
    marion clinton cleveland franklin madison hamilton chester dallas charlotte victoria adelaide regina
    kent douglas warren howard arlington""".split())

#: capitalised words that open sentences before a name and are no first names
NOT_FIRST_NAMES = frozenset("""However Meanwhile Later Earlier Then Now Yesterday Today Tomorrow Also Still Instead
    Although Though Because Since Until Unless Whether Where Why How What Who Whom Whose Which While Despite
    According Asked Said Says Told Dear Thanks Like Unlike Including Following Former Late Young Veteran Coach
    Captain Striker Defender Midfielder Goalkeeper Manager Chairman Senator President Minister Both Neither
    Either Each Every Only Even Just Yet Once Twice Again Perhaps Maybe Indeed Sources Police Officials""".split())


def not_a_personal_name_word(word: str) -> bool:
    """Whether ``word`` (or a part of a hyphenated word) is a place, a group, a title, a common word or a
    word of place and organisation names, and so no part of a personal name."""
    if "-" in word.strip("-"):
        return any(not_a_personal_name_word(part) for part in word.split("-") if part)
    key = word.lower()[:-2] if word.endswith(("'s", "’s")) else word.lower()
    return (key in us_states() or key in NOT_PERSON_WORDS or key in ROLE_HEADS or word in NOT_NAMES or word in demonyms()
            or is_country_name(word) or key in SENTENCE_INITIAL_COMMON or key in cities() and key not in _SURNAME_CITIES
            or word.title() in NOT_NAMES)


#: a capitalised word of a personal name: "Estes", "McCoist", "O'Neill", "Hee-Chan"
_NAME_WORD = re.compile(r"^(?:Mc|Mac|O'|O’|D'|D’)?[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*$")
#: lower- or upper-case particles inside surnames ("Todd Van Poppel", "Rafael de la Fuente")
_PARTICLES = frozenset("van von de der den da du del della di la le ter ten bin al".split())
#: a facility named after a person: "Charles de Gaulle airport", "John Lennon stadium"
_FACILITY_AFTER = re.compile(r"(?:'s|’s)?[ \t]+(?:airport|stadium|arena|street|road|avenue|square|bridge|hospital|"
                             r"university|college|school|centre|center|institute|foundation|award|prize|trophy|"
                             r"memorial|park|hall|building|library|museum)\b", re.IGNORECASE)
#: a city this large names clubs and companies more often than people ("Bradford Bulls")
_CITY_NOT_FIRST_NAME = 100_000
#: words of the names of companies and their trades, not of people ("Clark Equipment Co", "Merrill Lynch
#: Futures", "Austin Diagnostic Clinic")
_BUSINESS_WORDS = frozenset(
    """co corp inc ltd plc llc lp ag sa nv spa gmbh bhd kk pty futures securities savings clinic communications
    bourse equipment food foods industries enterprises associates bros sons investments motors motor airlines
    resources mining petroleum oil gas chemical chemicals pharmaceuticals systems technologies electronics
    computer computers products stores insurance realty properties cable cables media entertainment pictures
    publishing software labs laboratories hotels brewery breweries steel textiles shipping""".split())
#: a cue anywhere in the story that the name is a company: "Merrill Lynch and Co", "Zimmer of Merrill Lynch"
_COMPANY_AFTER = re.compile(r"[ \t]+(?:and|&)[ \t]+Co\b|[ \t]+(?:said|says|has|had|is|was)[ \t]+(?:it|its)\b")
_AFFILIATION_BEFORE = re.compile(r"[A-Z][a-z]+[ \t]+of[ \t]+$")
#: no person is "the Hilton Suites"
_THE_BEFORE = re.compile(r"\b[Tt]he[ \t]+$")
#: the types a first name with a surname is taken out of
_RETYPED = frozenset({"ORG", "GPE", "LOC", "FAC", "PRODUCT", "NORP", "WORK_OF_ART", "EVENT"})


def is_first_name(word: str) -> bool:
    """A title-case word that the Census lists as a first name and that is no country, state, group or word
    of the names of places and organisations ("Todd", "Mariano"; not "Virginia", "Jordan"). A city's name
    may be a first name ("Mariano", "Florence"), not a city of :data:`_CITY_NOT_FIRST_NAME` people or
    more ("Bradford Bulls" is a club); a whole name that is a city is caught by
    :func:`looks_like_personal_name`."""
    key = word.lower()
    if _NAME_WORD.match(word) is None or key not in first_names() or _not_a_surname(word):
        return False
    city = cities().get(key)
    return city is None or city.population < _CITY_NOT_FIRST_NAME or key in _SURNAME_CITIES


def looks_like_personal_name(name: str) -> bool:
    """Two to four words: a first name, then capitalised name words (particles allowed inside), none a
    word of place or organisation names."""
    words = name.split()
    if any(w.lower().rstrip(".") in _BUSINESS_WORDS for w in words):
        return False
    if not 2 <= len(words) <= 4 or not is_first_name(words[0]) or words[-1].lower() in _PARTICLES:
        return False
    if " ".join(words).lower() in cities():
        return False  # "Hong Kong", "Santa Clara": a place whose first word is also a first name
    rest = [w for w in words[1:] if w.lower() not in _PARTICLES]
    return all(_NAME_WORD.match(w) and not _not_a_surname(w) for w in rest)


def _not_a_surname(word: str) -> bool:
    """:func:`not_a_personal_name_word`, except that a city's name is a personal name too ("Mariano
    Rivera": both are towns)."""
    key = word.lower()
    return (key in us_states() or key in NOT_PERSON_WORDS or key in ROLE_HEADS or word in NOT_NAMES
            or word in demonyms() or is_country_name(word) or key in SENTENCE_INITIAL_COMMON)


def people_by_first_name(text: str, mentions: list[Mention]) -> None:
    """A name the model or a table typed as something else is a person when it is a first name and a
    surname ("Mariano Rivera pitched", "64 Bob Estes"), unless the story says organisation anywhere:
    a cue around it ("Morgan Stanley shares", "Merrill Lynch and Co", "Cohn of Merrill Lynch", "Merrill
    Lynch said its", "the Hilton Suites") or a longer organisation's name it opens ("Morgan Stanley Group Inc")."""
    longer = [m.text.split() for m in mentions if m.label == "ORG"]
    verdicts: dict[str, bool] = {}
    for m in mentions:
        if m.label not in _RETYPED or m.typed_by_cue or m.own_entity:
            continue
        if m.text not in verdicts:
            words = m.text.split()
            verdicts[m.text] = looks_like_personal_name(m.text) and not any(
                len(w) > len(words) and w[:len(words)] == words for w in longer) and not any(
                _company_cue(text, s, e) for s, e in find_word(text, m.text))
        if verdicts[m.text] and not _FACILITY_AFTER.match(text, m.end):
            m.label = "PERSON"


def _company_cue(text: str, start: int, end: int) -> bool:
    """Whether the words around ``text[start:end]`` make it an organisation (line breaks read as spaces)."""
    before = text[max(0, start - 30):start].replace("\n", " ")
    after = text[end:end + 40].replace("\n", " ")
    return bool(ORG_CUE_BEFORE.search(before) or ORG_CUE_AFTER.match(after) or _COMPANY_AFTER.match(after)
                or _AFFILIATION_BEFORE.search(before) or _THE_BEFORE.search(before))
