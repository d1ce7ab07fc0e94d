"""Word lists and patterns shared by the entity rules: the labels kept, words that are no names,
titles, pronouns, the head words of organisation, facility and place names.

Lists and patterns that only one rule reads live next to that rule.
"""

from __future__ import annotations

import re

#: labels kept as entities (the model's value labels are kept too: DATE, MONEY...)
NAME_TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART", "LANGUAGE")
VALUE_TYPES = ("DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL")
#: value types that are not worth an entity record (numbers without a unit)
DROPPED_TYPES = frozenset({"CARDINAL", "ORDINAL"})


#: capitalised words that are table labels or headings, not names
NOT_NAMES: frozenset[str] = frozenset(
    """Men Women Extras Attendance Scorer Scorers Division Avg Total Totals Notes Prices Next Results Standings
    Schedule Death Primary Image Photo Video Source Sources Note Update Updated Editing Reporting Pct Pts Avg
    Postponed Abandoned Cancelled Canceled Tries Conversions
    Baseball Soccer Football Cricket Tennis Rugby Golf Athletics Boxing Cycling Basketball Hockey Swimming Squash
    Total: Overs Innings Fall Bowling Batting Penalties Played Won Lost Drawn Goals Points Rank Round Group Table
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split()
)


def is_not_a_name(text: str) -> bool:
    """Whether a mention's whole text is a word of :data:`NOT_NAMES` (as written or in title case: the
    sport opening a wire headline, "BASEBALL - ...", is no organisation)."""
    return text in NOT_NAMES or text.title() in NOT_NAMES


# Words that are titles or role heads. Case-insensitive. Used to strip titles off PERSON spans and
# to recognise role phrases ("German Defense Minister", "EU High Representative for ...").
ROLE_HEADS = frozenset(
    """president vice-president chairman chairwoman chair chairperson ceo cfo coo cto director
    minister secretary chancellor premier prime governor mayor senator sen sen. rep rep. representative
    congressman congresswoman ambassador envoy commissioner spokesman spokeswoman spokesperson
    king queen prince princess emperor pope cardinal archbishop bishop rabbi imam sheikh
    general gen gen. colonel col col. major lieutenant lt lt. captain capt capt. admiral commander sergeant
    judge justice attorney prosecutor inspector chief head leader deputy manager coach
    founder owner editor correspondent analyst economist professor prof prof. dr dr. doctor
    lawmaker legislator councillor councilor speaker diplomat official executive officer
    treasurer auditor president-elect premier-elect chancellor-elect dean rector
    mr mr. mrs mrs. ms ms. miss sir dame lord lady""".split()
)


#: pronouns: never mentions (resolving them is the quotes component's business)
PRONOUNS = frozenset("i me my he him his she her it its we us our they them their you your".split())


#: lower-cased common words that open sentences in capitals and are no names
SENTENCE_INITIAL_COMMON = frozenset(
    "a an the this that these those he she it we they i you but and or so if when while after before as "
    "in on at for with by from to of no not all some many most more new first last".split()
)


#: a possessive ending ("Kyiv's", "allies'")
POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


#: last words of organisation names and of place names (for capitalised runs the model left untagged)
ORG_HEADS: frozenset[str] = frozenset(
    """Board Council Party Union Association Foundation Institute Committee Commission Agency Bureau Ministry
    Department Corp Corporation Inc Ltd Company Group Bank News Times Post Herald Journal Gazette Tribune
    Magazine Telegraph Club Society Federation Organisation Organization Authority Trust Fund Court Assembly
    Congress Parliament Senate Police Army Navy Airlines Airways Institution Coalition Alliance Movement
    Front Church Counties""".split())
FACILITY_HEADS: frozenset[str] = frozenset(
    """Street Road Avenue Square Bridge Stadium Arena Airport Hotel Mosque Cathedral Temple Palace Tower
    Course Hall Prison Station""".split())
LOCATION_HEADS: frozenset[str] = frozenset(
    """Park Island Islands River Lake Mountain Mountains Valley Bay Coast Beach Desert Forest Territories
    Peninsula Strait Gulf Sea Ocean Cave Caves Canyon Glacier Volcano""".split())


#: words of the names of public institutions, which are often named after a place or a person
#: ("University of Southern Indiana", "US National Science Foundation", "Andy Warhol Foundation"); not of
#: companies, exchanges or clubs, whose place names annotators do not count as mentions of the place
INSTITUTION_WORDS: frozenset[str] = frozenset(
    """University Institute College School Academy District Department Agency Service Foundation Government
    Office Herald Society Corps Police Centre Center Museum Library Hospital Program Programme Council
    Commission Ministry Municipality Expo""".split())


def strip_the(text: str) -> str:
    """``text`` without a leading 'the ' (any case)."""
    return text[4:] if text[:4].lower() == "the " else text
