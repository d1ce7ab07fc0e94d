"""entities: the sample's gold entities, aliases and roles; records; corpus sanity; links."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.core.model import Article
from streams.enrich.components.entities import (
    EntityComponent,
    Mention,
    clean_mention,
    find_word,
    split_span,
)
from streams.enrich.components.entities.acronyms import spelled_out_acronyms
from streams.enrich.components.entities.joins import merge_split_person
from streams.enrich.components.entities.labels import institutions_by_their_head, title_and_affiliation_words
from streams.enrich.components.entities.untagged import people_lists
from streams.enrich.pipeline import Pipeline

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.txt"
GOLD = SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.gold.json"
needs_shared = pytest.mark.skipif(not SAMPLE.exists(), reason=f"shared sample not found at {SAMPLE}")
PLACE_TYPES = {"GPE", "LOC"}


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.from_names("textspans,language,nlp,entities")


@pytest.fixture(scope="module")
def sample(pipeline: Pipeline) -> dict[str, Any]:
    text = SAMPLE.read_text(encoding="utf-8")
    return {"text": text, "entities": pipeline.run(Article(id="sample", body_text=text)).entities}


def entity_with_form(entities: list[dict[str, Any]], form: str) -> dict[str, Any] | None:
    for e in entities:
        if e["name"] == form or any(m["text"] == form for m in e["mentions"]):
            return e
    return None


def same_type(got: str, want: str) -> bool:
    return got == want or (got in PLACE_TYPES and want in PLACE_TYPES)


@needs_shared
def test_every_gold_entity_of_the_sample_is_found(sample: dict[str, Any]) -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    missing = []
    for want_type, names in gold["entities_expected"].items():
        for name in names:
            e = entity_with_form(sample["entities"], name)
            if e is None or not same_type(e["type"], want_type):
                missing.append((name, want_type, e and e["type"]))
    assert not missing


@needs_shared
def test_sample_aliases_are_merged(sample: dict[str, Any]) -> None:
    ents = sample["entities"]
    kallas = entity_with_form(ents, "Kaja Kallas")
    assert kallas is not None and kallas["name"] == "Kaja Kallas" and kallas["type"] == "PERSON"
    assert sum(m["text"] == "Kallas" for m in kallas["mentions"]) >= 6
    zelensky = entity_with_form(ents, "Volodymyr Zelensky")
    assert zelensky is not None and {m["text"] for m in zelensky["mentions"]} >= {"Volodymyr Zelensky"}
    us = entity_with_form(ents, "United States")
    assert us is not None and {m["text"] for m in us["mentions"]} >= {"U.S.", "United States"}
    assert us["links"]["iso3166"] == "US" and us["links"]["wikidata"] == "Q30"
    ukrinform = [e for e in ents if e["name"].lower() == "ukrinform"]
    assert len(ukrinform) == 1 and ukrinform[0]["type"] == "ORG"
    assert {m["text"] for m in ukrinform[0]["mentions"]} == {"UkrinForm", "Ukrinform"}  # as the text spells them
    assert ukrinform[0]["name"] == "Ukrinform"  # the header's spelling is the odd one out
    # one entity per thing: no name form appears in two entities
    forms = [m["text"] for e in ents for m in {x["text"]: x for x in e["mentions"]}.values()]
    assert len(forms) == len(set(forms))


@needs_shared
def test_sample_roles(sample: dict[str, Any]) -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    for person, role in gold["roles"].items():
        e = entity_with_form(sample["entities"], person)
        assert e is not None and role in e["roles"], (person, e and e["roles"])


@needs_shared
def test_sample_records_are_well_formed(sample: dict[str, Any]) -> None:
    text = sample["text"]
    spans = []
    for e in sample["entities"]:
        assert 0.0 <= e["salience"] <= 1.0
        assert e["first_position"] == e["mentions"][0]["start"]
        for m in e["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]
            spans.append((m["start"], m["end"]))
    spans.sort()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "mentions overlap"
    top = sample["entities"][0]
    assert top["name"] == "Kaja Kallas"  # the most salient thing in the story
    berlin = entity_with_form(sample["entities"], "Berlin")
    assert berlin is not None and berlin["links"]["geonames"] == 2950159 and berlin["links"]["country"] == "DE"
    # the inline related headline belongs to another story
    related = text.index("Ukraine's securityfrom")
    assert not any(related <= m["start"] < related + 80 for e in sample["entities"] for m in e["mentions"])


def test_in_headline_and_titles(pipeline: Pipeline) -> None:
    text = ("President Emmanuel Macron met German Chancellor Friedrich Merz in Paris on Monday. "
            "Macron said France and Germany would work together. Merz agreed.")
    ents = pipeline.run(Article(id="h", body_text=text, headline="Macron and Merz meet")).entities
    macron = entity_with_form(ents, "Emmanuel Macron")
    merz = entity_with_form(ents, "Friedrich Merz")
    assert macron is not None and macron["in_headline"] and macron["type"] == "PERSON"
    assert merz is not None and "German Chancellor" in merz["roles"]
    assert {m["text"] for m in macron["mentions"]} == {"Emmanuel Macron", "Macron"}
    paris = entity_with_form(ents, "Paris")
    assert paris is not None and not paris["in_headline"] and paris["links"]["country"] == "FR"


def test_span_cleaning() -> None:
    text = "the European Union's  J. Ratcliffe 63  CRICKET - ENGLISH COUNTY"
    m = clean_mention(text, 0, text.index("'s") + 2, "ORG")
    assert m is not None and m.text == "European Union"
    start = text.index("J.")
    assert [text[s:e] for s, e in split_span(text, start, start + 15, "PERSON")] == ["J. Ratcliffe"]
    start = text.index("CRICKET")
    assert [text[s:e] for s, e in split_span(text, start, len(text), "ORG")] == ["CRICKET", "ENGLISH COUNTY"]
    assert list(find_word("U.S. and U.S.-led, US", "U.S.")) == [(0, 4)]


@needs_shared
def test_reuters_articles(pipeline: Pipeline) -> None:
    with (SHARED / "corpus" / "reuters21578.jsonl").open(encoding="utf-8") as f:
        recs = [json.loads(next(f)) for _ in range(60)]
    n_entities = 0
    for rec in recs:
        if not rec["text"].strip():
            continue
        out = pipeline.run(Article(id=rec["id"], body_text=rec["text"], headline=rec.get("title"))).entities
        for e in out:
            for m in e["mentions"]:
                assert rec["text"][m["start"]:m["end"]] == m["text"]
        n_entities += len(out)
    assert n_entities > 200
    # Reuters marks companies in angle brackets: <Qintex America Ltd> is one ORG
    text = "<Qintex America Ltd> said it is again extending its offer for Princeville Development Corp shares."
    ents = pipeline.run(Article(id="q", body_text=text)).entities
    assert entity_with_form(ents, "Qintex America Ltd")["type"] == "ORG"  # type: ignore[index]


def test_component_contract() -> None:
    comp = EntityComponent()
    assert comp.requires == ("doc",) and comp.provides == ("entities",) and comp.english_only


# ---------------------------------------------------------------- the nlp component's guarantees

@needs_shared
def test_nlp_doc_guarantees_on_the_sample() -> None:
    from streams.enrich.components.nlp import SpacyAnalyzer, load_model
    from streams.enrich.components.textspans import TextSpans
    from streams.enrich.pipeline import Context

    text = SAMPLE.read_text(encoding="utf-8")
    ctx = Context(article=Article(id="s", body_text=text), text=text)
    TextSpans()(ctx)
    SpacyAnalyzer()(ctx)
    doc = ctx.doc
    assert doc.text == text
    assert load_model() is load_model()  # loaded once per process
    sents = [s.text.strip() for s in doc.sents]
    assert sents[0] == "date 2026-01-13 MENAFN - UkrinForm)"  # the header is a sentence of its own
    assert sents[1].startswith("This was stated by EU High Representative")
    assert any(s.startswith("“We are discussing") for s in sents)  # a paragraph starts a sentence
    assert 15 <= len(sents) <= 25
    tokens = {t.text for t in doc}
    assert {"Washington", "“", "are"} <= tokens  # 'Washington“are' is split
    assert any(e.text == "Washington" and e.label_ == "GPE" for e in doc.ents)


def test_nlp_ner_reads_the_words_without_whitespace_tokens() -> None:
    from streams.enrich.components.nlp import SpacyAnalyzer, load_model

    text = ("BRUSSELS, March 3 (Reuters) -\n\n    Kaja Kallas met Boris Pistorius\n  in Berlin on Monday.\n\n"
            "    The European Commission said\n    Prime Minister Mark Rutte would travel to Paris.\n")
    doc = SpacyAnalyzer().analyse(text)
    assert doc.text == text
    assert any(t.is_space for t in doc)  # the Doc keeps every token: offsets index the text as received
    got = {(e.text, e.label_) for e in doc.ents}
    assert {("Kaja Kallas", "PERSON"), ("Boris Pistorius", "PERSON"), ("Berlin", "GPE"), ("Mark Rutte", "PERSON"),
            ("Paris", "GPE")} <= got
    for ent in doc.ents:
        assert text[ent.start_char:ent.end_char] == ent.text
        assert not ent[0].is_space and not ent[-1].is_space
    # what the model itself finds on the same words written without the line breaks
    flat = " ".join(text.split())
    assert {(e.text, e.label_) for e in load_model()(flat).ents} == got


def test_nlp_caps_lines_are_recognised_title_cased() -> None:
    from streams.enrich.components.nlp import SpacyAnalyzer, caps_lines, title_case_caps

    assert title_case_caps("SOCCER - ROMANIA BEAT LITHUANIA IN U.S.") == "Soccer - Romania Beat Lithuania in U.S."
    text = "SOCCER - ROMANIA BEAT LITHUANIA IN UNDER-21 MATCH.\nRomania beat Lithuania 2-1 on Friday."
    assert caps_lines(text) == [(0, text.index("\n"))]
    doc = SpacyAnalyzer().analyse(text)
    assert doc.text == text
    assert not any(e.text.startswith("SOCCER") for e in doc.ents)
    # the entity side vouches for capitalised names by the body and the gazetteers
    ents = Pipeline.from_names("textspans,language,nlp,entities").run(Article(id="c", body_text=text)).entities
    romania = entity_with_form(ents, "Romania")
    assert romania is not None and romania["type"] == "GPE"
    assert {m["text"] for m in romania["mentions"]} == {"ROMANIA", "Romania"}
    assert entity_with_form(ents, "SOCCER") is None


def test_known_names_and_product_codes(pipeline: Pipeline) -> None:
    text = ("Microsoft urged users to stop using IE6 and move to Internet Explorer 9. Internet Explorer is "
            "the #2 browser after Firefox, ahead of Chrome and Safari. The campaign was announced on Twitter, "
            "where a spokesman said pilgrims at the Hajj also shared photos.")
    ents = pipeline.run(Article(id="known", body_text=text)).entities
    types = {m["text"]: e["type"] for e in ents for m in e["mentions"]}
    assert types.get("Twitter") == "ORG" and types.get("Microsoft") == "ORG"
    for product in ("Internet Explorer", "Firefox", "Chrome", "Safari"):
        assert types.get(product) == "PRODUCT", product
    assert types.get("IE6") not in ("GPE", "LOC", "FAC", "PERSON")
    assert "Explorer" not in types  # the whole name, not its last word
    assert types.get("Hajj") not in ("PERSON", "ORG", "GPE")


def test_surname_shared_by_two_people_is_a_person(pipeline: Pipeline) -> None:
    text = ("The museum's director Kristin Wilkins said the Polaroids were donated last year. Her sister "
            "Kristen Wilkins, a photographer, helped choose them. \"It was a gift,\" Wilkins said. "
            "According to Wilkins, the exhibit will travel. Wilkins added that the show was free.")
    ents = pipeline.run(Article(id="wilkins", body_text=text)).entities
    short = [e["type"] for e in ents for m in e["mentions"] if m["text"] == "Wilkins"]
    assert short and all(t == "PERSON" for t in short)


def test_captions_naming_the_story_people_keep_their_mentions(pipeline: Pipeline) -> None:
    text = ("Veterans lose seats in Hong Kong legislative election\n\nThe Democratic Party kept its seats in the "
            "election held on Sunday. In Kowloon West, the pan-democrat Claudia Mo of the Civic Party was re-elected "
            "by 424 votes, ahead of the pro-establishment candidate.\n\nClaudia Mo of Civic Party\n\nIn Kowloon "
            "East, the veteran Wu Chi-wai of the Democratic Party won with a large margin after a long campaign in "
            "the district.\n\nWu Chi-wai of the Democratic Party\n\nTurnout was the highest in the council's history.")
    ents = pipeline.run(Article(id="captions", body_text=text)).entities
    starts = {(m["text"], m["start"]) for e in ents for m in e["mentions"] if e["type"] == "PERSON"}
    for caption in ("Claudia Mo of Civic Party", "Wu Chi-wai of the Democratic Party"):
        at = text.index(caption)
        assert (caption.split(" of ")[0], at) in starts, caption


def test_first_name_read_as_a_place_joins_the_surname() -> None:
    text = "Thursday\n\nValeska Paris said she was held aboard the ship. In Paris she met friends."
    first, last = text.index("Valeska"), text.index("Paris")
    later = text.index("Paris", last + 1)
    mentions = [Mention(first, first + 7, "Valeska", "GPE"), Mention(last, last + 5, "Paris", "GPE"),
                Mention(later, later + 5, "Paris", "GPE")]
    merged = merge_split_person(text, mentions)
    assert [(m.text, m.label) for m in merged] == [("Valeska Paris", "PERSON"), ("Paris", "GPE")]
    two_places = "Flights from Paris London and Rome were cancelled."
    a, b = two_places.index("Paris"), two_places.index("London")
    kept = merge_split_person(two_places, [Mention(a, a + 5, "Paris", "GPE"),
                                                            Mention(b, b + 6, "London", "GPE")])
    assert [m.label for m in kept] == ["GPE", "GPE"]


def test_country_names_that_double_as_adjectives_stay_countries(pipeline: Pipeline) -> None:
    text = ("The Rohingya are a stateless minority of Muslims from Myanmar. Thousands have fled Myanmar by boat, "
            "and some reached the Philippines last month.")
    ents = pipeline.run(Article(id="myanmar", body_text=text)).entities
    types = {m["text"]: e["type"] for e in ents for m in e["mentions"]}
    assert types.get("Myanmar") == "GPE" and types.get("Philippines") == "GPE"


def test_stance_prefixes_are_not_names() -> None:
    text = "The pro-Beijing camp and Pro-Beijing DAB lost votes to the Pan-democrat camp."
    a = text.index("pro-Beijing")
    assert clean_mention(text, a, a + len("pro-Beijing"), "PERSON") is None
    b = text.index("Beijing", a)
    assert clean_mention(text, b, b + len("Beijing"), "GPE") is None
    c = text.index("Pro-Beijing DAB")
    m = clean_mention(text, c, c + len("Pro-Beijing DAB"), "ORG")
    assert m is not None and m.text == "DAB"
    d = text.index("Pan-democrat")
    assert clean_mention(text, d, d + len("Pan-democrat"), "ORG") is None
    e = text.index("Beijing DAB")
    assert clean_mention(text, e + 8, e + 11, "ORG").text == "DAB"  # no prefix: untouched


def test_ethnic_and_religious_groups_are_groups(pipeline: Pipeline) -> None:
    text = ("The rescued included Bangladeshis and Rohingya, a stateless minority. Officials said the Rohingya "
            "would get temporary housing. A former Scientologist described life aboard the ship.")
    ents = pipeline.run(Article(id="groups", body_text=text)).entities
    types = {m["text"]: e["type"] for e in ents for m in e["mentions"]}
    assert types.get("Rohingya") == "NORP" and types.get("Scientologist") in (None, "NORP")


def test_title_words_and_affiliations(pipeline: Pipeline) -> None:
    text = ("The State Department said John Kerry, the Secretary of State, spoke to Malaysia's Minister for "
            "Education on Monday.")
    mentions = title_and_affiliation_words(text, [
        Mention(text.index("State"), text.index("State") + 16, "State Department", "ORG"),
        Mention(text.index("John Kerry"), text.index("John Kerry") + 10, "John Kerry", "PERSON"),
        Mention(text.index("State,"), text.index("State,") + 5, "State", "ORG"),
        Mention(text.index("Education"), text.index("Education") + 9, "Education", "ORG")])
    assert [m.text for m in mentions] == ["State Department", "John Kerry"]
    text = "Cheng Chung-tai of Civic Passion won a seat, as did Alvin Yeung."
    a, b = text.index("Civic"), text.index("Alvin")
    mentions = title_and_affiliation_words(text, [
        Mention(0, 15, "Cheng Chung-tai", "PERSON"), Mention(a, a + 13, "Civic Passion", "PERSON"),
        Mention(b, b + 11, "Alvin Yeung", "PERSON")])
    assert [m.label for m in mentions] == ["PERSON", "ORG", "PERSON"]


def test_a_named_vessel_is_a_product(pipeline: Pipeline) -> None:
    text = ("A former member says she was held aboard the cruise ship Freewinds for twelve years. She was sent to "
            "the Freewinds at 17. On board the Freewinds, she worked in the engine room.")
    ents = pipeline.run(Article(id="ship", body_text=text)).entities
    types = [e["type"] for e in ents for m in e["mentions"] if m["text"] == "Freewinds"]
    assert types and all(t == "PRODUCT" for t in types)


def test_a_name_after_town_of_is_a_place() -> None:
    text = "Shells landed near the town of Yeoncheon, and the city of Arbil was quiet."
    a, b = text.index("Yeoncheon"), text.index("Arbil")
    mentions = title_and_affiliation_words(text, [
        Mention(a, a + 9, "Yeoncheon", "ORG"), Mention(b, b + 5, "Arbil", "PERSON")])
    assert [m.label for m in mentions] == ["GPE", "GPE"]


def test_names_listed_with_people_are_people() -> None:
    text = "They worship gods such as Zeus, Hera, Poseidon, Aphrodite, and Athena in small groups."
    mention = {w: Mention(text.index(w), text.index(w) + len(w), w, lb)
               for w, lb in (("Zeus", "PERSON"), ("Hera", "PERSON"), ("Athena", "ORG"))}
    got = people_lists(text, list(mention.values()), [])
    labels = {m.text: m.label for m in got}
    assert labels["Poseidon"] == labels["Aphrodite"] == "PERSON"
    assert labels["Athena"] == "ORG"  # two people against one organisation: the model's label stands
    text = "Magna, Johnson Controls and Lear have been working to build up their capacity."
    firms = [Mention(0, 5, "Magna", "PERSON"), Mention(7, 23, "Johnson Controls", "PERSON"),
             Mention(text.index("Lear"), text.index("Lear") + 4, "Lear", "ORG")]
    assert [m.label for m in people_lists(text, firms, [])] == ["PERSON", "PERSON", "ORG"]
    text = "Charles got back Breisach, Kehl and Freiburg from France."
    towns = [Mention(text.index(w), text.index(w) + len(w), w, lb)
             for w, lb in (("Breisach", "PERSON"), ("Kehl", "PERSON"), ("Freiburg", "GPE"))]
    assert [m.label for m in people_lists(text, towns, [])] == ["PERSON", "PERSON", "GPE"]


def test_a_country_acting_as_a_state_is_an_organisation(pipeline: Pipeline) -> None:
    text = ("Venezuela has expelled two diplomats, the foreign ministry said on Tuesday. Venezuela accused them of "
            "plotting with the opposition, and Venezuela warned that more could follow. Colombia said it would "
            "respond. Flights between Colombia and Venezuela were suspended.")
    ents = pipeline.run(Article(id="state", body_text=text)).entities
    venezuela, colombia = entity_with_form(ents, "Venezuela"), entity_with_form(ents, "Colombia")
    assert venezuela is not None and venezuela["type"] == "ORG"
    assert venezuela["links"].get("iso3166") == "VE"  # still linked as the country
    assert colombia is not None and colombia["type"] == "GPE"  # acting once is not enough


def test_places_and_people_named_inside_an_institution_are_mentions(pipeline: Pipeline) -> None:
    text = ("Researchers at the University of Southern Indiana and the US National Science Foundation studied the "
            "prints. Andy Warhol took the photographs in the 1970s, and the Andy Warhol Foundation gave 150 of them "
            "away. Shares of the firm fell on the New York Stock Exchange, and Manchester United lost 2-1 in a "
            "friendly at the Volgograd Arena.")
    ents = pipeline.run(Article(id="nested", body_text=text)).entities
    spans = {(m["start"], m["end"]): e["type"] for e in ents for m in e["mentions"]}

    def type_at(name: str, inside: str) -> str | None:
        start = text.index(name, text.index(inside))
        return spans.get((start, start + len(name)))

    assert type_at("University of Southern Indiana", "University") == "ORG"
    assert type_at("Indiana", "University of Southern Indiana") == "GPE"
    assert type_at("US", "US National") == "GPE"
    assert type_at("Andy Warhol", "Andy Warhol Foundation") == "PERSON"
    warhol = entity_with_form(ents, "Andy Warhol")
    assert warhol is not None and len(warhol["mentions"]) == 2  # the person and the foundation's namesake
    assert type_at("New York", "New York Stock") is None  # an exchange, not an institution named after a place
    assert type_at("Manchester", "Manchester United") is None  # a club
    assert type_at("Volgograd", "Volgograd Arena") == "GPE"  # the city, inside the stadium's name


def test_a_name_headed_by_an_institution_word_is_an_organisation() -> None:
    text = ("The Municipality of Genoa asked the school to pay, the Saudi Gazette reported, while settlers in the "
            "West Bank and veterans of the Soviet Union protested.")
    mentions = [Mention(text.index(w), text.index(w) + len(w), w, lb) for w, lb in (
        ("Municipality of Genoa", "GPE"), ("Saudi Gazette", "FAC"), ("West Bank", "GPE"), ("Soviet Union", "GPE"))]
    institutions_by_their_head(mentions)
    assert [m.label for m in mentions] == ["ORG", "ORG", "GPE", "GPE"]


def test_a_country_is_no_acronym_of_an_organisation(pipeline: Pipeline) -> None:
    text = ("Scientists at the University of Sheffield and two laboratories in the US ran the trials. The US "
            "government paid for them, and the University of Sheffield published the results.")
    ents = pipeline.run(Article(id="us", body_text=text)).entities
    university, us = entity_with_form(ents, "University of Sheffield"), entity_with_form(ents, "US")
    assert university is not None and university["type"] == "ORG"
    assert us is not None and us is not university and us["type"] == "GPE"


def test_a_name_spelled_out_next_to_its_acronym_is_one_organisation() -> None:
    text = ("Deputies of Movimento 5 Stelle (M5S) voted against, and the head of CEI (Italian Episcopal Conference) "
            "objected. Users of Internet Explorer 9 (IE9) were warned. Prices rose 3 percent (US).")
    stelle, ie = text.index("Stelle"), text.index("Internet Explorer")
    got = spelled_out_acronyms(text, [Mention(stelle, stelle + 6, "Stelle", "PERSON"),
                                                       Mention(ie, ie + 17, "Internet Explorer", "PRODUCT")], [])
    labels = {m.text: m.label for m in got}
    assert labels == {"Movimento 5 Stelle": "ORG", "Italian Episcopal Conference": "ORG",
                      "Internet Explorer": "PRODUCT"}  # a product's code is no organisation's acronym


def test_country_wikidata_table_is_one_item_per_country() -> None:
    from streams.enrich.components.entities import countries, country_wikidata

    table = country_wikidata()
    assert len(table) > 190
    assert {table["EE"], table["UA"], table["DE"], table["SO"]} == {"Q191", "Q212", "Q183", "Q1045"}
    assert all(len(code) == 2 and code.isupper() for code in table)
    assert all(qid[0] == "Q" and qid[1:].isdigit() for qid in table.values())
    assert len(set(table.values())) == len(table)  # no item names two countries
    known = {p.iso3166 for p in countries().values() if p.iso3166}
    assert set(table) <= known  # every code is a real ISO 3166 code


def test_countries_are_linked_to_wikidata_and_cities_are_not(pipeline: Pipeline) -> None:
    text = "TALLINN, Jan 13 (Reuters) - Estonia and Latvia met in Tallinn, where Kaja Kallas spoke."
    ents = {e["name"]: e for e in pipeline.run(Article(id="wd", body_text=text)).entities}
    assert ents["Estonia"]["links"]["wikidata"] == "Q191"
    assert ents["Latvia"]["links"]["wikidata"] == "Q211"
    assert "wikidata" not in ents["Tallinn"]["links"] and ents["Tallinn"]["links"]["country"] == "EE"
    assert "wikidata" not in ents["Kaja Kallas"]["links"]


def test_a_lower_case_place_noun_is_cut_off_a_place_name() -> None:
    from streams.enrich.components.entities import clean_mention

    text = "Floods hit Varno province and the Tesk stadium; Varno Province Council met."
    m = clean_mention(text, text.index("Varno"), text.index(" and"), "GPE")
    assert m is not None and m.text == "Varno"
    m = clean_mention(text, text.index("Tesk"), text.index(";"), "FAC")
    assert m is not None and m.text == "Tesk"
    start = text.index("Varno Province")
    m = clean_mention(text, start, start + len("Varno Province Council"), "ORG")
    assert m is not None and m.text == "Varno Province Council"  # capitalised: part of the name
