"""An entity's type from the common noun the story puts next to its name, once its mentions are
clustered: "the 1969 film Easy Rider" is a work, "the Polaroid camera" a product, "members of Falun
Gong" an organisation, "fashion designer Halston" a person, "International Space Station" a craft, and
"Helium" or "Islamophobia" no name at all. One such cue types every mention of the entity: the story
means one thing by the name throughout.
"""

from __future__ import annotations

import re
from collections import Counter

from streams.enrich.components.entities.gazetteers import first_names, lookup_place
from streams.enrich.components.entities.clustering import COMPANY_FORMS
from streams.enrich.components.entities.context_types import PERSON_CUE_BEFORE
from streams.enrich.components.entities.lexicon import FACILITY_HEADS, LOCATION_HEADS, ORG_HEADS, strip_the
from streams.enrich.components.entities.mentions import Entity, Occupancy

#: a kind of work right before its title ("the 1969 film Easy Rider", "her graphic novel Angel Catbird");
#: not after a hyphen or a capital ("Film Festival", "made-for-TV film")
_WORK_BEFORE = (
    r"(?<![\w'’-])(?:film|movie|novel|album|song|documentary|sitcom|musical|opera|poem|painting|sculpture|"
    r"TV series|television series|TV show|video game|book)[ \t]+$")
#: a kind of made thing right after a name ("the Polaroid camera", "NASA's Dawn spacecraft", "the Dragon
#: capsule"), anywhere in the story, inside a mention or not: the name is the product's, not a person's or
#: a place's, wherever the story uses it; not a bare "probe" ("the Mueller probe" is an inquiry)
_ARTEFACT_NOUN = re.compile(
    r"[ \t]+(?:spacecraft|space station|space probe|space telescope|capsule|rover|lander|orbiter|space shuttle|"
    r"shuttle|satellite|telescope|camera|cameras|rocket|smartphone|handset|console|browser|format)\b")
#: a kind of spacecraft right before a name, as its appositive ("the space shuttle Discovery", "NASA's
#: rover Curiosity"): the name is the craft's; not "probe" ("a probe Trump ordered")
_CRAFT_BEFORE = re.compile(
    r"(?<![\w'’-])(?:spacecraft|space shuttle|shuttle|rover|lander|orbiter|space probe|space telescope|"
    r"space station|capsule)[ \t]+([A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)?)")
#: the capitalised words (up to three) right before such a noun
_NAME_BEFORE = re.compile(r"(?:[A-Z][\w'’.-]*[ \t]+){0,2}[A-Z][\w'’.-]*$")
#: the last words of a craft's own name ("International Space Station", "Hubble Space Telescope", "Mars
#: Pathfinder Rover"): a product, not the facility or place the model took it for
_CRAFT_NAME = re.compile(r"\S[ \t]+(?:Space Station|Space Telescope|Rover|Lander|Orbiter)$")
#: people are not pluralised; a name written with a plural 's' ("Polaroids of actor Dennis Hopper") is a
#: thing's, unless a family ("the Kennedys")
_CAPITALISED_S = re.compile(r"(?<![\w'’-])[A-Z][A-Za-z]*s\b")
_THE_BEFORE = re.compile(r"\b[Tt]he[ \t]+$")
_PERSON_CUE_AFTER = re.compile(r"[ \t]+(?:said|says|told) (?:he|she)\b|,[ \t]+who\b|,[ \t]+\d{1,3},")
#: words around the name of a religious or political movement ("members of Falun Gong", "a spokesman
#: for Opus Dei", "Wicca practitioners", "Wicca is a modern pagan religion", "religions, such as Wicca"):
#: an organisation in GUM and OntoNotes annotation, not the place or the person the model took it for
_MOVEMENT_BEFORE = (
    r"\b(?:(?:followers|members|practitioners|adherents|devotees|believers|founders?|leaders?) of|"
    r"spokes(?:man|woman|person) (?:for|of)|"
    r"(?:religions?|movements?|sects?|cults?|faiths?),?[ \t]+(?:such as|like|including))[ \t]+(?:the[ \t]+)?$")
_MOVEMENT_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:movement|religion|faith|sect|cult|followers|practitioners|adherents|devotees|believers|"
    r"worshippers|members)\b"
    r"|(?:[ \t]+(?:is|was)|,)[ \t]+an?[ \t]+(?:[a-z-]+[ \t]+){0,2}(?:religion|religious movement|movement|sect|cult|"
    r"faith)\b")
#: what only a craft does ("Dawn has entered orbit", "Philae touched down", "Dawn, which launched in 2007") or
#: is ("Messenger, the first spacecraft to orbit Mercury", "Philae, the lander"): the name is the craft's
_CRAFT_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:(?:has|had|have|will|would|also|then|later|successfully)[ \t]+){0,2}"
    r"(?:entered orbit|orbited|orbits|docked|undocked|touched down|splashed down|lifted off|blasted off|"
    r"flew by|flew past|(?:was|were|is|be|been) launched)\b"
    r"|,[ \t]+which[ \t]+(?:was[ \t]+)?launched\b"
    r"|,[ \t]+(?:the|a|an)[ \t]+(?:[a-z0-9-]+[ \t]+){0,2}(?:spacecraft|space probe|probe|lander|rover|orbiter|"
    r"satellite|space telescope|capsule)\b")
#: names of chemical elements (IUPAC): substances, not names of people, places or organisations; not the
#: ones that are also common surnames, planets or gods ("Gold", "Mercury", "Nickel", "Silver")
ELEMENTS: frozenset[str] = frozenset(
    """Hydrogen Helium Lithium Beryllium Boron Carbon Nitrogen Oxygen Fluorine Neon Sodium Magnesium Aluminium
    Aluminum Silicon Phosphorus Sulfur Sulphur Chlorine Argon Potassium Calcium Scandium Titanium Vanadium
    Chromium Manganese Cobalt Zinc Gallium Germanium Arsenic Selenium Bromine Krypton Rubidium Strontium
    Yttrium Zirconium Niobium Molybdenum Technetium Ruthenium Rhodium Palladium Cadmium Indium Antimony
    Tellurium Iodine Xenon Caesium Cesium Barium Lanthanum Cerium Praseodymium Neodymium Promethium Samarium
    Europium Gadolinium Terbium Dysprosium Holmium Erbium Thulium Ytterbium Lutetium Hafnium Tantalum Tungsten
    Rhenium Osmium Iridium Platinum Thallium Bismuth Polonium Astatine Radon Francium Radium Actinium Thorium
    Protactinium Uranium Neptunium Plutonium Americium Curium Berkelium Californium Einsteinium Fermium
    Mendelevium Nobelium Lawrencium""".split())
#: a person's occupation right before the name ("fashion designer Halston", "spokesman Glyn Davies", "the
#: actor Dennis Hopper"); not nouns that also name what companies do ("producer", "manager", "designer"
#: alone: "steel producer Nucor", "fund manager Fidelity", "chip designer Arm")
_OCCUPATION_BEFORE = re.compile(
    r"(?<![\w'’-])(?:actor|actress|singer|songwriter|singer-songwriter|(?:fashion|costume) designer|author|"
    r"writer|novelist|poet|painter|artist|photographer|musician|composer|rapper|comedian|sculptor|dancer|"
    r"drummer|guitarist|pianist|violinist|curator|illustrator|cosplayer|astronaut|scientist|researcher|"
    r"historian|economist|lawyer|journalist|reporter|entrepreneur|businessman|businesswoman|activist|blogger|"
    r"athlete|striker|midfielder|defender|goalkeeper|winger|cyclist|swimmer|sprinter|golfer|jockey|boxer|"
    r"batsman|pitcher|quarterback|coach|spokesman|spokeswoman|coauthor|co-author)[ \t]+$")
#: a one-word name of a doctrine ("Wahhabism", "Hasidism"): a religion or an ideology (NORP, as in
#: ``data/known_names.tsv``), never a person or a place; "Islamophobia" names an attitude, no entity
_DOCTRINE = re.compile(r"[A-Z][a-z]+isms?")
_ATTITUDE = re.compile(r"[A-Z][a-z]+phobias?")
#: head words of place and facility names that are not also surnames ("Chan Ho Park", "Ricki Lake", "Arsenio
#: Hall", "Shirley Temple") nor end club names ("Crystal Palace")
_PLACE_HEADS = (LOCATION_HEADS | FACILITY_HEADS) - frozenset(
    "Hall Park Lake Bay Temple Street Tower Bridge Forest Beach Coast Palace Course River Valley".split())
#: one search for the cues before a mention: which one matched is the group's name
_CUE_BEFORE = re.compile(f"(?P<work>{_WORK_BEFORE})|(?P<movement>{_MOVEMENT_BEFORE})")
#: the head word of a centre's or a laboratory's name: a building, or the body that works in it
_BODY_HEADS = frozenset("Center Centre Centers Centres Laboratory Laboratories Lab Labs Observatory".split())
#: what a body does or has and a building does not ("the Goddard Space Flight Center said", "the Kestrel
#: Research Centre's director", "Kestrel Center scientists")
_BODY_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:(?:has|had|have|will|would|also|then|later|recently)[ \t]+){0,2}"
    r"(?:said|says|announced|announces|reported|reports|confirmed|confirms|stated|states|released|releases|"
    r"published|hired|employs|estimated|estimates|warned|warns|predicted|predicts|director|directors|spokesman|"
    r"spokeswoman|spokesperson|officials|scientists|researchers|engineers|staff|employees|chief|head)\b")
#: last words that make a name an organisation's, whatever comes before it
_ORG_ENDS = ORG_HEADS | COMPANY_FORMS
_NAME_TYPES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT"})


def _is_elements(name: str) -> bool:
    """'Helium', 'Helium and Hydrogen': only element names."""
    if name.split(None, 1)[0].title() not in ELEMENTS:
        return False
    words = [w for w in re.split(r"[ \t]+|,", name) if w and w not in ("and", "or")]
    return all(w.title() in ELEMENTS for w in words)


def kinds_by_class_nouns(text: str, entities: list[Entity]) -> list[Entity]:
    """Retype entities whose mentions a common noun classifies (see the module docstring); entities
    named only by chemical elements are dropped."""
    out: list[Entity] = []
    people: Occupancy | None = None
    plurals: dict[str, list[int]] | None = None
    crafts: Counter[str] | None = None
    named: Counter[str] | None = None
    for ent in entities:
        if ent.label in _NAME_TYPES and all(_is_elements(m.text) or _ATTITUDE.fullmatch(m.text)
                                            for m in ent.mentions):
            continue
        out.append(ent)
        if ent.label in ("PERSON", "ORG", "GPE", "LOC", "FAC") and all(
                _DOCTRINE.fullmatch(m.text) for m in ent.mentions):
            ent.label = "NORP"
            continue
        if ent.label in ("ORG", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART") and _named_as_a_worker(text, ent):
            ent.label = "PERSON"
            continue
        if ent.label == "PERSON" and not ent.person_anchor and _named_by_place_head(ent):
            ent.label = "LOC"  # "the Bat Cave"
            continue
        if ent.label in ("FAC", "LOC", "GPE") and _acts_as_a_body(text, ent):
            ent.label = "ORG"  # "the Johnson Space Center said": the body, not the building
            continue
        if ent.label == "ORG":
            # "NASA said Endeavour would launch ... the shuttle Endeavour": the craft's name; not a company
            # before a kind of thing ("the SpaceX rocket", "a Samsung smartphone"), which stays the company
            named = _crafts_named_after_their_kind(text) if named is None else named
            if any(named[strip_the(m.text)] for m in ent.mentions):
                ent.label = "PRODUCT"
            continue
        if ent.label not in ("PERSON", "GPE", "LOC", "FAC"):
            continue
        # a full personal name vouches for a person: then it takes two cues to make it a thing
        needed = 2 if ent.person_anchor else 1
        crafts = _names_before_artefacts(text) if crafts is None else crafts
        work = movement = 0
        for m in ent.mentions:
            # every cue before a name ends in a lower-case word and a space: test that before searching
            before = _CUE_BEFORE.search(text, max(0, m.start - 40), m.start) if (
                m.start >= 2 and text[m.start - 1] in " \t" and text[m.start - 2].islower()) else None
            work += before is not None and before.lastgroup == "work"
            movement += (before is not None and before.lastgroup == "movement"
                         or _MOVEMENT_AFTER.match(text, m.end) is not None)
        forms = Counter(m.text for m in ent.mentions)
        artefact = sum(crafts[strip_the(f)] + (n if _CRAFT_NAME.search(f) else 0) for f, n in forms.items()) + sum(
            _CRAFT_AFTER.match(text, m.end) is not None for m in ent.mentions)
        if work < needed and artefact < needed and ent.label == "PERSON":
            plurals = _capitalised_plurals(text) if plurals is None else plurals
            starts = plurals.get(_plural_of_head(ent), ())
            if starts:
                people = Occupancy(m for e in entities if e.label == "PERSON" for m in e.mentions) \
                    if people is None else people
                artefact += _written_as_plural(text, starts, people)
        if max(work, artefact, movement) < needed or _said_to_be_a_person(text, ent):
            continue
        if work >= needed:
            ent.label = "WORK_OF_ART"
        elif not any(_known_place(m.text) for m in ent.mentions):  # not "Gaza rocket fire"
            ent.label = "PRODUCT" if artefact >= needed else "ORG"
    return out


def _acts_as_a_body(text: str, ent: Entity) -> bool:
    """A centre, laboratory or observatory that the story has speak or employ people (see
    :data:`_BODY_AFTER`): the organisation; a centre that only hosts things is a place ("the Metro Convention
    Centre", "the McCutchan Art Center")."""
    return all(m.text.split()[-1] in _BODY_HEADS and " " in m.text for m in ent.mentions) and any(
        _BODY_AFTER.match(text, m.end) for m in ent.mentions)


def _known_place(name: str) -> bool:
    """A country, or a city by its own name or by another name of a city of a million: not by any alias
    of a town ("Dawn" is an alias of Fajar, Singapore, "Juno" one of Juneau)."""
    place = lookup_place(name)
    return place is not None and (place.kind != "city" or place.name.lower() == strip_the(name).lower()
                                  or place.population >= 1_000_000)


def _said_to_be_a_person(text: str, ent: Entity) -> bool:
    """'Mr X', 'X said he', 'X, who', 'X, 42,': the story says the entity is a person."""
    return any(PERSON_CUE_BEFORE.search(text, max(0, m.start - 8), m.start) or _PERSON_CUE_AFTER.match(text, m.end)
               for m in ent.mentions)


def _named_as_a_worker(text: str, ent: Entity) -> bool:
    """A name right after a person's occupation ("fashion designer Halston") that no gazetteer knows as a
    place, that is not an acronym and that no organisation's head word or legal form ends ("market
    researcher Dataquest Inc")."""
    return any(_OCCUPATION_BEFORE.search(text, max(0, m.start - 30), m.start) for m in ent.mentions) and not any(
        m.text.isupper() or _known_place(m.text) or m.text.split()[-1] in _ORG_ENDS for m in ent.mentions)


def _named_by_place_head(ent: Entity) -> bool:
    """A 'person' whose every name ends in the head word of a place or a facility ("Bat Cave", "Kestrel
    Stadium") and opens with no first name ("Michael Bay" stays a person)."""
    for m in ent.mentions:
        words = m.text.split()
        if len(words) < 2 or words[-1] not in _PLACE_HEADS or words[0].lower() in first_names():
            return False
    return True


def _plural_of_head(ent: Entity) -> str:
    """The plural of the last word all the entity's names share ('Polaroid' -> 'Polaroids'), or ''."""
    heads = {m.text.split()[-1] for m in ent.mentions}
    if len(heads) != 1:
        return ""
    head = next(iter(heads))
    return head + "s" if head[:1].isupper() and not head.endswith("s") and head.isalpha() else ""


def _written_as_plural(text: str, starts: list[int], people: Occupancy) -> bool:
    """Whether one of the plural's occurrences (``starts``) names no person and follows no 'the'
    ("Polaroids of actor Dennis Hopper"; not "Tiger Woods", "the Kennedys")."""
    return any(not people.overlaps(start, start + 2) and not _THE_BEFORE.search(text, max(0, start - 6), start)
               for start in starts)


def _names_before_artefacts(text: str) -> Counter[str]:
    """How often each name is written right before a kind of made thing ("NASA's Dawn spacecraft" counts
    for "NASA's Dawn" and "Dawn")."""
    out: Counter[str] = Counter()
    for hit in _ARTEFACT_NOUN.finditer(text):
        name = _NAME_BEFORE.search(text, max(0, hit.start() - 60), hit.start())
        if name is not None:
            words = name.group(0).split()
            out.update(" ".join(words[i:]) for i in range(len(words)))
    out.update(_crafts_named_after_their_kind(text))
    return out


def _crafts_named_after_their_kind(text: str) -> Counter[str]:
    """How often each name follows a kind of spacecraft ("the space shuttle Discovery")."""
    return Counter(hit.group(1) for hit in _CRAFT_BEFORE.finditer(text))


def _capitalised_plurals(text: str) -> dict[str, list[int]]:
    """Where each capitalised word ending in 's' starts (one pass over the text)."""
    out: dict[str, list[int]] = {}
    for hit in _CAPITALISED_S.finditer(text):
        out.setdefault(hit.group(0), []).append(hit.start())
    return out
