"""entities: one name, one type through the article, unless the text says otherwise."""

from __future__ import annotations

from streams.enrich.components.entities import Mention
from streams.enrich.components.entities.clustering import cluster


def _mention(text: str, form: str, label: str, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = text.index(form, start + 1)
    return Mention(start, start + len(form), form, label)


def test_a_company_short_name_is_the_company_throughout() -> None:
    text = ("Caltex Petroleum Corp said on Monday it would close a refinery. Caltex said the plant lost money, "
            "and Caltex shares fell. Analysts expect Caltex to sell it.")
    mentions = [_mention(text, "Caltex Petroleum Corp", "ORG")] + [
        _mention(text, "Caltex", "PERSON", n) for n in (1, 2, 3)]
    entities = cluster(mentions)
    assert len(entities) == 1
    assert entities[0].label == "ORG"  # three one-word 'people' do not outvote the company's full name
    assert len(entities[0].mentions) == 4


def test_a_place_or_a_person_before_a_company_word_stays_itself() -> None:
    text = "China Daily Corp reported that China would cut tariffs. Jordan Holdings Ltd hired Michael Jordan."
    mentions = [_mention(text, "China Daily Corp", "ORG"), _mention(text, "China", "GPE", 1),
                _mention(text, "Jordan Holdings Ltd", "ORG"), _mention(text, "Michael Jordan", "PERSON")]
    types = {e.mentions[0].text: e.label for e in cluster(mentions)}
    assert types["China"] == "GPE"  # a country is no short form of a company
    assert types["Michael Jordan"] == "PERSON"  # not the first words of the company's name


def test_a_first_name_and_a_surname_are_a_person_whatever_the_model_said() -> None:
    from streams.enrich.components.entities.personal_names import people_by_first_name

    text = ("Mariano Rivera pitched a scoreless ninth.\n62 Nolan Henke\n64 Bob Estes\n"
            "In Detroit, Todd Van Poppel pitched a five-hitter.")
    mentions = [_mention(text, "Mariano Rivera", "ORG"), _mention(text, "Nolan Henke", "ORG"),
                _mention(text, "Bob Estes", "PRODUCT"), _mention(text, "Detroit", "GPE"),
                _mention(text, "Todd Van Poppel", "ORG")]
    people_by_first_name(text, mentions)
    assert [m.label for m in mentions] == ["PERSON", "PERSON", "PERSON", "GPE", "PERSON"]


def test_companies_places_and_clubs_named_like_people_keep_their_type() -> None:
    from streams.enrich.components.entities.personal_names import people_by_first_name

    text = ("Morgan Stanley said its index rose. Analyst Lawrence Cohn of Merrill Lynch and Co said so. "
            "Fannie Mae's\nchairman spoke at the Hilton Suites near Charles de Gaulle airport. Bradford Bulls beat "
            "Wigan in Hong Kong, Clark Equipment Co said. Lloyd Webber Ltd and Lloyd Webber agreed.")
    forms = ["Morgan Stanley", "Merrill Lynch", "Fannie Mae", "Hilton Suites", "Charles de Gaulle", "Bradford Bulls",
             "Hong Kong", "Clark Equipment Co", "Lloyd Webber Ltd"]
    mentions = [_mention(text, f, "GPE" if f == "Hong Kong" else "ORG") for f in forms]
    mentions.append(_mention(text, "Lloyd Webber", "ORG", 1))  # the first words of a company's name
    people_by_first_name(text, mentions)
    assert [m.text for m in mentions if m.label == "PERSON"] == []


def test_first_names_come_from_the_census_lists() -> None:
    from streams.enrich.components.entities.gazetteers import first_names
    from streams.enrich.components.entities.personal_names import is_first_name

    assert {"mariano", "todd", "bob", "mary"} <= first_names()
    assert "china" not in first_names()  # listed, but too rare a first name to count
    assert is_first_name("Todd") and is_first_name("Florence")
    assert not is_first_name("Virginia") and not is_first_name("Jordan")  # a state, a country
    assert not is_first_name("Bradford")  # a city of 300,000 people names clubs, not people


def _entities(text: str, typed: list[tuple[str, str, int]]) -> list:
    return cluster([_mention(text, form, label, nth) for form, label, nth in typed])


def test_a_known_place_where_places_sit_is_the_place() -> None:
    from streams.enrich.components.entities.context_types import places_by_context

    text = ("Evansville, Indiana, United States - The exhibit, which is located in Evansville, opened. "
            "Halston, a former resident of Evansville, is in it. Police in Dhaka said. Union said it cut prices "
            "in Union. Dhaka has warned Delhi. Bern, the capital, waits.")
    entities = _entities(text, [("Evansville", "ORG", 0), ("Evansville", "ORG", 1), ("Evansville", "ORG", 2),
                                ("Union", "ORG", 0), ("Union", "ORG", 1), ("Bern", "ORG", 0)])
    places_by_context(text, entities)
    types = {e.mentions[0].text: e.label for e in entities}
    assert types == {"Evansville": "GPE", "Union": "ORG", "Bern": "GPE"}  # a place does not say; a capital is a place


def test_a_capital_acting_as_the_government_stays_an_organisation() -> None:
    from streams.enrich.components.entities.context_types import places_by_context

    text = "Dhaka has warned Delhi that Dhaka will act."
    entities = _entities(text, [("Dhaka", "ORG", 0), ("Dhaka", "ORG", 1)])
    places_by_context(text, entities)
    assert entities[0].label == "ORG"


def test_a_name_listed_with_names_of_one_kind_takes_their_type() -> None:
    from streams.enrich.components.entities.coordination import types_of_lists

    text = ("Greeks worshipped gods such as Zeus, Hera, Poseidon, Aphrodite, and Athena. "
            "Some banks, including Citibank, Morgan Guaranty and Bank of America, cut rates.")
    mentions = [_mention(text, f, "PERSON") for f in ("Zeus", "Hera", "Poseidon", "Aphrodite")]
    mentions += [_mention(text, "Athena", "ORG"), _mention(text, "Citibank", "ORG"),
                 _mention(text, "Morgan Guaranty", "PERSON"), _mention(text, "Bank of America", "ORG")]
    types_of_lists(text, mentions)
    assert [m.label for m in mentions] == ["PERSON"] * 5 + ["ORG"] * 3


def test_what_is_no_list_or_is_vouched_for_keeps_its_type() -> None:
    from streams.enrich.components.entities.coordination import types_of_lists

    text = ("At a meeting in Cedar Rapids, Iowa, Rubio told reporters. DAB's Ben Chan and Leung Che-cheung, FTU's "
            "Alice Mak and others won. Exports went to Canada, European Community, Argentina and Australia. "
            "It hired Hera, Zeus and Canada.")
    mentions = [_mention(text, "Cedar Rapids", "GPE"), _mention(text, "Iowa", "GPE"), _mention(text, "Rubio", "PERSON"),
                _mention(text, "Ben Chan", "PERSON"), _mention(text, "Leung Che-cheung", "PERSON"),
                _mention(text, "FTU", "ORG"), _mention(text, "Alice Mak", "PERSON"),
                _mention(text, "Canada", "GPE"), _mention(text, "European Community", "ORG"),
                _mention(text, "Argentina", "GPE"), _mention(text, "Australia", "GPE"),
                _mention(text, "Hera", "PERSON"), _mention(text, "Zeus", "PERSON"), _mention(text, "Canada", "GPE", 1)]
    before = [m.label for m in mentions]
    types_of_lists(text, mentions)
    # no "and" before Rubio; FTU is a possessive modifier; "European Community" ends in an organisation's
    # head word; a country is a country in any list
    assert [m.label for m in mentions] == before


def test_an_occasion_is_an_event_and_its_organiser_a_mention_of_its_own() -> None:
    from streams.enrich.components.entities.labels import retype_by_gazetteers
    from streams.enrich.components.entities.nesting import makers_inside_names

    text = "He won the Google Science Fair and showed it at the Cannes Film Festival. Google Chrome crashed."
    mentions = [_mention(text, "Google Science Fair", "LOC"), _mention(text, "Cannes Film Festival", "ORG"),
                _mention(text, "Google Chrome", "PRODUCT")]
    retype_by_gazetteers(mentions)
    assert [m.label for m in mentions] == ["EVENT", "EVENT", "PRODUCT"]
    entities = makers_inside_names(cluster(mentions))
    google = [e for e in entities if e.label == "ORG"]
    assert len(google) == 1  # one organisation, named inside the fair's name and the browser's
    assert [(m.start, m.text) for m in google[0].mentions] == [(11, "Google"), (74, "Google")]
    assert not any(m.text == "Cannes" for e in entities for m in e.mentions)  # a place, not a maker


def test_an_organisation_of_the_story_opening_an_event_name_is_not_split_off() -> None:
    from streams.enrich.components.entities.nesting import makers_inside_names

    text = "UEFA fined the club. The UEFA Cup draw is on Friday."
    mentions = [_mention(text, "UEFA", "ORG"), _mention(text, "UEFA Cup", "EVENT")]
    entities = makers_inside_names(cluster(mentions))
    uefa = [e for e in entities if e.label == "ORG"]
    assert len(uefa) == 1 and [m.start for m in uefa[0].mentions] == [0]  # "UEFA Cup" is one name (CoNLL)


def test_a_name_right_after_a_kind_of_organisation_is_an_organisation() -> None:
    from streams.enrich.components.entities.labels import title_and_affiliation_words

    text = ("UEFA fined the Belgian club Standard Liege. The mineral water firm Multico bid, the daily Handelsblatt "
            "said. The chairman of the firm Gordon Wu said the publishers Jann Wenner and Ann Lee agreed. "
            "The aircraft carrier Enterprise sailed. It runs three daily Boston flights.")
    mentions = [_mention(text, "Standard Liege", "PERSON"), _mention(text, "Multico", "PERSON"),
                _mention(text, "Handelsblatt", "GPE"), _mention(text, "Gordon Wu", "PERSON"),
                _mention(text, "Jann Wenner", "PERSON"), _mention(text, "Enterprise", "PERSON"),
                _mention(text, "Boston", "GPE")]
    out = title_and_affiliation_words(text, mentions)
    assert [m.label for m in out] == ["ORG", "ORG", "ORG", "PERSON", "PERSON", "PERSON", "GPE"]
    # the chairman "of the firm" is named after it; a plural lists people; a carrier here is a ship; "three
    # daily" counts flights
    assert all(m.typed_by_cue for m in out[:3])


def test_a_club_named_after_a_place_is_the_place_after_at_in_sports_reports() -> None:
    from streams.enrich.components.entities.propagation import propagate

    text = "TEXAS 76 58 .567 -\nSEATTLE 70 64 .522 6\nSATURDAY SCHEDULE\nSEATTLE AT TEXAS\n"
    clubs = cluster([_mention(text, "TEXAS", "ORG"), _mention(text, "SEATTLE", "ORG")])
    entities = propagate(text, clubs, [], sports=True)
    by_start = {m.start: e.label for e in entities for m in e.mentions}
    assert by_start[text.index("AT TEXAS") + 3] == "GPE"  # where the game is played: the place
    assert by_start[text.index("SEATTLE AT")] == "ORG"  # the visiting side
    assert by_start[0] == "ORG"  # the standings row keeps the club
    assert len(entities) == 3  # the place is an entity apart from the club
    outside = propagate(text, cluster([_mention(text, "TEXAS", "ORG"), _mention(text, "SEATTLE", "ORG")]), [])
    assert {e.label for e in outside} == {"ORG"}  # outside sports reports nothing changes


def test_the_sport_opening_a_wire_headline_is_no_name() -> None:
    from streams.enrich.components.entities.lexicon import is_not_a_name

    assert is_not_a_name("BASEBALL") and is_not_a_name("Cricket") and is_not_a_name("Results")
    assert not is_not_a_name("Cricket Australia") and not is_not_a_name("Kent")


def test_home_nations_the_model_missed_are_places() -> None:
    import spacy

    from streams.enrich.components.entities.untagged import add_gazetteer_names

    text = "England beat Moldova 2-0 and Northern Ireland drew."
    got = add_gazetteer_names(text, spacy.blank("en")(text), [], [])
    assert [(m.text, m.label) for m in got] == [("England", "GPE"), ("Moldova", "GPE"), ("Northern Ireland", "GPE")]


def test_a_capitalised_word_before_a_name_of_several_words_is_not_part_of_it() -> None:
    import spacy

    from streams.enrich.components.entities.untagged import add_gazetteer_names

    text = ("In Northern Ireland the talks stalled.\nFans From New Zealand and South Africans cheered at the "
            "Hong Kong Open.")
    got = add_gazetteer_names(text, spacy.blank("en")(text), [], [])
    assert [(m.text, m.label) for m in got] == [
        ("Northern Ireland", "GPE"), ("New Zealand", "GPE"), ("South Africans", "NORP")]  # not "Hong Kong" of the Open


def test_a_title_inside_a_person_span_is_cut_anywhere_in_the_text() -> None:
    from streams.enrich.components.entities import clean_mention, split_span

    text = "On Monday President Ana Lopes met the press; 12 Kim Moreau finished third."
    start = text.index("President")
    m = clean_mention(text, start, start + len("President Ana Lopes"), "PERSON")
    assert (m.text, m.title) == ("Ana Lopes", "President")  # not only at the very start of the text
    start = text.index("12 Kim")
    assert split_span(text, start, start + len("12 Kim Moreau"), "PERSON") == [(start + 3, start + 13)]  # a figure


def test_a_nationality_run_into_a_personal_name_is_a_mention_of_its_own() -> None:
    from streams.enrich.components.entities.boundaries import split_nationality

    text = ("Australian Rodney Eyles beat Dutch Queen Beatrix's guest. American Express and the Irish Republican "
            "Army were named.")

    def split(form: str, label: str) -> list[tuple[str, str]]:
        start = text.index(form)
        m = Mention(start, start + len(form), form, label)
        return [(x.text, x.label) for x in split_nationality(text, m)]

    assert split("Australian Rodney Eyles", "ORG") == [("Australian", "NORP"), ("Rodney Eyles", "PERSON")]
    assert split("Dutch Queen Beatrix", "PERSON") == [("Dutch", "NORP"), ("Beatrix", "PERSON")]
    assert split("American Express", "ORG") == [("American Express", "ORG")]
    assert split("Irish Republican Army", "ORG") == [("Irish Republican Army", "ORG")]


def test_a_surname_that_names_a_place_is_the_person_named_in_full() -> None:
    from streams.enrich.components.entities.surnames import surnames_of_people

    text = ("Film maker Ruth Jordan spoke. Jordan said she had a role in Jordan's next film.\n"
            "Dock worker Sam Holland was seen in Holland last week. Holland denied it.\n"
            "Officials met Amy Paris; Paris had warned.")
    mentions = [_mention(text, "Ruth Jordan", "PERSON"), _mention(text, "Jordan", "GPE", 1),
                _mention(text, "Jordan", "GPE", 2), _mention(text, "Sam Holland", "PERSON"),
                _mention(text, "Holland", "GPE", 1), _mention(text, "Holland", "GPE", 2),
                _mention(text, "Amy Paris", "PERSON"), _mention(text, "Paris", "GPE", 1)]
    surnames_of_people(text, mentions)
    assert [m.label for m in mentions] == ["PERSON", "PERSON", "PERSON",  # "a role in Jordan's film" is hers
                                           "PERSON", "GPE", "GPE",  # "in Holland": the story has the place too
                                           "PERSON", "GPE"]  # a capital is too often the government to say


def test_an_abbreviation_dot_that_ends_the_line_is_the_full_stop() -> None:
    from streams.enrich.components.entities import clean_mention

    text = "Shares of Acme Holdings Inc. rose.\nThe deal went to Acme Holdings Inc.\nIt closed in Fla."
    first = text.index("Acme")
    assert clean_mention(text, first, first + len("Acme Holdings Inc."), "ORG").text == "Acme Holdings Inc."
    second = text.index("Acme", first + 1)
    assert clean_mention(text, second, second + len("Acme Holdings Inc."), "ORG").text == "Acme Holdings Inc"
    last = text.index("Fla.")
    assert clean_mention(text, last, last + 4, "GPE").text == "Fla"


def test_a_bureau_in_a_wire_sign_off_is_one_organisation() -> None:
    from streams.enrich.components.entities.layout import add_bureau_orgs

    text = "Output rose 4 percent.\n-- Ana Silva, Lisbon Newsroom 351-1-555\n-- Oslo Newsroom +47 555 1234"
    lisbon = text.index("Lisbon")
    mentions = [Mention(text.index("Ana"), text.index("Ana") + 9, "Ana Silva", "PERSON"),
                Mention(lisbon, lisbon + 6, "Lisbon", "GPE")]
    got = [(m.text, m.label) for m in add_bureau_orgs(text, mentions)]
    assert got == [("Ana Silva", "PERSON"), ("Lisbon Newsroom", "ORG"), ("Oslo Newsroom", "ORG")]


def test_a_name_joined_to_a_participle_is_one_adjective_mention() -> None:
    from streams.enrich.components.entities.joins import hyphenated_groups

    text = "A Lisbon-based fund, the U.N.-led force and a Dublin-born actor met in Lisbon."
    mentions = [_mention(text, "Lisbon", "GPE"), _mention(text, "U.N.", "ORG"), _mention(text, "Dublin", "GPE"),
                _mention(text, "Lisbon", "GPE", 1)]
    got = [(m.text, m.label) for m in hyphenated_groups(text, mentions)]
    assert got == [("Lisbon-based", "NORP"), ("U.N.-led", "NORP"), ("Dublin", "GPE"), ("Lisbon", "GPE")]


def test_a_news_agency_is_an_organisation_even_when_told_things() -> None:
    from streams.enrich.components.entities.untagged import apply_known_names

    text = "The minister told Reuters on Monday, and Xinhua said the same."
    got = apply_known_names(text, [_mention(text, "Reuters", "PERSON")], [])
    assert [(m.text, m.label) for m in got] == [("Reuters", "ORG"), ("Xinhua", "ORG")]


def test_a_place_made_an_adjective_is_no_person_with_a_first_name() -> None:
    from streams.enrich.components.entities.joins import hyphenated_groups
    from streams.enrich.components.entities.personal_names import people_by_first_name

    text = "A Hong Kong-based group bought it."
    mentions = hyphenated_groups(text, [_mention(text, "Hong Kong", "GPE")])
    people_by_first_name(text, mentions)
    assert [(m.text, m.label) for m in mentions] == [("Hong Kong-based", "NORP")]


def _dateline(text: str, form: str) -> Mention:
    return Mention(0, len(form), form, "GPE", source="markup", typed_by_cue=True)


def test_the_dateline_place_named_in_the_body_is_the_place() -> None:
    from streams.enrich.components.entities.context_types import dateline_places

    text = ("VELMORA, Ostland 1997-03-02\nGuards at the Velmora crossing turned back a bus. Trade through "
            "Velmora fell. Kestrel Holdings has a plant there; Kestrel spokesman Ivo Dan said so.")
    entities = cluster([_dateline(text, "VELMORA"), _mention(text, "Velmora", "ORG", 0),
                        _mention(text, "Velmora", "ORG", 1), _mention(text, "Kestrel", "ORG")])
    dateline_places(text, entities)
    types = {e.mentions[0].text: e.label for e in entities}
    assert types == {"VELMORA": "GPE", "Velmora": "GPE", "Kestrel": "ORG"}


def test_a_body_name_of_the_dateline_that_acts_as_a_body_keeps_its_type() -> None:
    from streams.enrich.components.entities.context_types import dateline_places

    text = "VELMORA 1997-03-02\nVelmora spokesman Ivo Dan said the city would appeal."
    entities = cluster([_dateline(text, "VELMORA"), _mention(text, "Velmora", "ORG")])
    dateline_places(text, entities)
    assert [e.label for e in entities] == ["GPE", "ORG"]


def test_in_sports_reports_only_an_unknown_dateline_place_is_the_place() -> None:
    from streams.enrich.components.entities.context_types import dateline_places

    text = "NICE 1996-08-30\nNice beat Lens 2-0. The stage ran from Velmora to Nice."
    entities = cluster([_dateline(text, "NICE"), _mention(text, "Nice", "ORG", 0), _mention(text, "Velmora", "ORG")])
    text2 = "VELMORA 1996-08-30\nThe stage ran from Kordon to Velmora."
    entities2 = cluster([_dateline(text2, "VELMORA"), _mention(text2, "Velmora", "ORG", 0)])
    dateline_places(text, entities, sports=True)
    dateline_places(text2, entities2, sports=True)
    assert [e.label for e in entities] == ["GPE", "ORG", "ORG"]  # Nice the club; Velmora is no dateline here
    assert [e.label for e in entities2] == ["GPE", "GPE"]


def test_a_surname_the_model_took_for_a_law_or_a_work_is_the_person_named_in_full() -> None:
    text = ("Senator Mark Delaney of Ohio voted against the bill. Delaney's office said it was a gift to banks, "
            "and Delaney wrote about it.")
    mentions = [_mention(text, "Mark Delaney", "PERSON"), _mention(text, "Delaney", "LAW", 1),
                _mention(text, "Delaney", "WORK_OF_ART", 2)]
    entities = cluster(mentions)
    assert [(e.label, len(e.mentions)) for e in entities] == [("PERSON", 3)]
