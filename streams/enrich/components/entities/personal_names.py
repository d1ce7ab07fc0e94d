"""Which capitalised words can be part of a personal name, and which open a sentence before one."""

from __future__ import annotations

from streams.enrich.components.entities.gazetteers import cities, demonyms, is_country_name, us_states
from streams.enrich.components.entities.lexicon import NOT_NAMES, ROLE_HEADS, SENTENCE_INITIAL_COMMON

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
