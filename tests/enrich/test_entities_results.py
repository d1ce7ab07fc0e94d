"""entities: results lists and wire files that run several stories together."""

from __future__ import annotations

from typing import Any

import pytest

from streams.core.model import Article
from streams.enrich.components.entities import Mention
from streams.enrich.components.entities.acronyms import organisation_acronyms
from streams.enrich.components.entities.clustering import canonical_key, cluster
from streams.enrich.components.entities.context_types import one_word_persons_by_context
from streams.enrich.components.entities.joins import hyphenated_groups, join_organisation_tails, join_split_names
from streams.enrich.components.entities.layout import add_dateline_place, dateline_spans
from streams.enrich.components.entities.mentions import Entity
from streams.enrich.components.entities.sports import cricket_scorecard_players, fixtures_and_scorers, places_as_teams
from streams.enrich.components.entities.untagged import (
    competition_names,
    people_with_country,
    untagged_headed_names,
    untagged_personal_names,
)
from streams.enrich.pipeline import Pipeline


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.from_names("textspans,language,nlp,entities")


def types_of(entities: list[dict[str, Any]]) -> dict[str, str]:
    return {m["text"]: e["type"] for e in entities for m in e["mentions"]}


def test_a_name_with_a_country_in_brackets_is_a_competitor() -> None:
    text = ("Women's singles, third round: Lindsay Davenport (U.S.) beat Anne-Gaelle Sidot (France) 6-0 6-3; "
            "Red Star (Yugoslavia) beat Dinamo (Russia) 92-90. At The Oval (London) rain stopped play.")
    sidot = text.index("Anne-Gaelle Sidot")
    star = text.index("Red Star")
    mentions = [Mention(sidot, sidot + 17, "Anne-Gaelle Sidot", "ORG"), Mention(star, star + 8, "Red Star", "ORG")]
    got = {m.text: m.label for m in people_with_country(text, mentions, [])}
    assert got["Anne-Gaelle Sidot"] == "PERSON"  # the model's ORG is overridden
    assert got["Lindsay Davenport"] == "PERSON"  # an untagged name is added
    assert got["Red Star"] == "ORG"  # a club word: a club
    assert "At The Oval" not in got and "The Oval" not in got  # a city in brackets is no country


def test_results_list_people_end_to_end(pipeline: Pipeline) -> None:
    text = ("TENNIS - RESULTS AT U.S. OPEN.\nNEW YORK 1996-08-30\nResults of the U.S. Open on Friday:\n"
            "Men's singles, second round: Pete Sampras (U.S.) beat Jiri Novak (Czech Republic) 6-3 1-6 6-3 4-6 6-4, "
            "Cedric Pioline (France) beat Roberto Carretero (Spain) 4-6 6-2 6-2 6-1.")
    types = types_of(pipeline.run(Article(id="tennis", body_text=text)).entities)
    for name in ("Pete Sampras", "Jiri Novak", "Cedric Pioline", "Roberto Carretero"):
        assert types.get(name) == "PERSON", name
    assert types.get("Czech Republic") == "GPE"


def test_datelines_of_later_stories_are_places(pipeline: Pipeline) -> None:
    text = ("SOCCER - DYNAMO BEAT ROTOR IN THE LEAGUE.\nMOSCOW 1996-08-30\nDynamo Moscow beat Rotor Volgograd 2-1 "
            "in the Russian league on Friday, the club said.\nBASEBALL - RESULTS.\nNEW YORK 1996-08-30\n"
            "The New York Yankees beat Baltimore 5-3 in the American League on Thursday.")
    found = [text[s:e] for s, e in dateline_spans(text, [])]
    assert found == ["MOSCOW 1996-08-30", "NEW YORK 1996-08-30"]
    ents = pipeline.run(Article(id="two-stories", body_text=text)).entities
    at = text.index("NEW YORK 1996")
    labels = [e["type"] for e in ents for m in e["mentions"] if m["start"] == at]
    assert labels == ["GPE"]


def test_acronyms_named_by_their_place_are_organisations() -> None:
    text = ("The Central Narcotics Bureau (CNB) said the man was arrested in June. Frederick Fung of ADPL lost "
            "his seat, and the deputies of Movimento 5 Stelle (M5S) voted against it. Prices rose 3 percent (US).")
    bureau = text.index("Central Narcotics Bureau")
    fung = text.index("Frederick Fung")
    mentions = [Mention(bureau, bureau + 24, "Central Narcotics Bureau", "ORG"),
                Mention(fung, fung + 14, "Frederick Fung", "PERSON")]
    got = {m.text: m.label for m in organisation_acronyms(text, mentions, [])}
    assert got["CNB"] == "ORG" and got["ADPL"] == "ORG" and got["M5S"] == "ORG"
    assert "US" not in got  # a country is no organisation's acronym


def test_an_organisation_name_goes_on_after_for() -> None:
    text = "Polaroids donated by the Andy Warhol Foundation for the Visual Arts went on show at the museum."
    a, b = text.index("Andy"), text.index("Visual")
    mentions = [Mention(a, a + 22, "Andy Warhol Foundation", "ORG"), Mention(b, b + 11, "Visual Arts", "ORG")]
    got = join_organisation_tails(text, mentions)
    assert [(m.text, m.label) for m in got] == [("Andy Warhol Foundation for the Visual Arts", "ORG")]
    text = "Sales at General Motors for the quarter rose, the company said."
    gm = [Mention(text.index("General"), text.index("General") + 14, "General Motors", "ORG")]
    assert [m.text for m in join_organisation_tails(text, gm)] == ["General Motors"]


def test_competitions_are_events_and_portfolios_are_not_organisations(pipeline: Pipeline) -> None:
    text = ("Manchester United were knocked out of last year's UEFA Cup. Woods has three career PGA Tour "
            "victories. Education Minister Nagoum Yamassoum was held hostage, and German Defence Minister Volker "
            "Ruehe will visit Israel.")
    ents = pipeline.run(Article(id="cups", body_text=text)).entities
    types = types_of(ents)
    assert types.get("UEFA Cup") == "EVENT" and types.get("PGA Tour") == "EVENT"
    assert types.get("Manchester United") != "EVENT"
    assert "Education" not in types and "Defence" not in types
    assert types.get("Volker Ruehe") == "PERSON"


def test_untagged_capitalised_pairs_inside_a_sentence_are_people() -> None:
    text = ("Also in the field were Olin Browne, Shane Bortsch and Mike Hulbert. Traders on Wall Street said "
            "the Minnesota Twins and the Minor Counties side lost. Election Results were late.")
    olin = text.index("Olin Browne")
    got = untagged_personal_names(text, [Mention(olin, olin + 11, "Olin Browne", "PERSON")], [], [])
    found = {m.text for m in got if m.label == "PERSON"}
    assert {"Shane Bortsch", "Mike Hulbert"} <= found
    assert not found & {"Wall Street", "Minnesota Twins", "Minor Counties", "Election Results"}


def test_first_names_cut_off_by_the_model_join_the_surname() -> None:
    text = "Pakistan recalled Waqar Younis. However Younis was injured. Zine al-Abidine Ben Ali won again."
    younis = text.index("Younis")
    later = text.index("Younis", younis + 1)
    zine, ben = text.index("Zine"), text.index("Ben Ali")
    mentions = [Mention(younis, younis + 6, "Younis", "PERSON"), Mention(later, later + 6, "Younis", "PERSON"),
                Mention(zine, zine + 15, "Zine al-Abidine", "PERSON"), Mention(ben, ben + 7, "Ben Ali", "PERSON")]
    got = [(m.text, m.label) for m in join_split_names(text, mentions)]
    assert got == [("Waqar Younis", "PERSON"), ("Younis", "PERSON"), ("Zine al-Abidine Ben Ali", "PERSON")]
    text = "Lukaku, Carrasco and Dries Mertens attacked."
    dries = text.index("Dries")
    mentions = [Mention(dries, dries + 5, "Dries", "ORG"), Mention(dries + 6, dries + 13, "Mertens", "PERSON")]
    assert [(m.text, m.label) for m in join_split_names(text, mentions)] == [
        ("Dries Mertens", "PERSON")]


def test_a_one_word_person_with_company_words_around_it_is_an_organisation(pipeline: Pipeline) -> None:
    text = ("Cofinec plunges on first-half results. Cofinec said its Hungarian units lost money, and Cofinec "
            "shares fell 10 percent. Cofinec CEO Stephen Frater told reporters the results were poor. "
            "Serie A club Atalanta signed Lentini, who joined Atalanta on loan.")
    types = types_of(pipeline.run(Article(id="cofinec", body_text=text)).entities)
    assert types.get("Cofinec") == "ORG" and types.get("Atalanta") == "ORG"
    assert types.get("Stephen Frater") == "PERSON"


def test_untagged_names_with_an_organisation_or_place_head_get_its_type() -> None:
    text = ("The tour was announced by the Test and County Cricket Board on Friday. For Wall Street, this is the "
            "season of worry, The Deseret News said, as play ended at Brown Deer Park Golf Course.")
    got = {m.text: m.label for m in untagged_headed_names(text, [], [], [])}
    assert got == {"Test and County Cricket Board": "ORG", "Wall Street": "FAC", "Deseret News": "ORG",
                   "Brown Deer Park Golf Course": "FAC"}
    text = "According to the Saudi Interior Ministry, 345 pilgrims were killed."
    saudi = Mention(text.index("Saudi"), text.index("Saudi") + 5, "Saudi", "NORP")
    got = [(m.text, m.label) for m in untagged_headed_names(text, [saudi], [], [])]
    assert got == [("Saudi Interior Ministry", "ORG")]
    text = "A crane fell into Mecca's Grand Mosque on Friday."
    mecca = Mention(text.index("Mecca"), text.index("Mecca") + 5, "Mecca", "GPE")
    got = [(m.text, m.label) for m in untagged_headed_names(text, [mecca], [], [])]
    assert got == [("Mecca", "GPE"), ("Grand Mosque", "FAC")]


def test_a_caption_credit_word_is_cut_off_the_name() -> None:
    from streams.enrich.components.entities import clean_mention

    text = "US President Barack Obama tweet to student Ahmed Mohamed Image: Twitter / Barack Obama."
    a = text.index("Ahmed")
    m = clean_mention(text, a, a + len("Ahmed Mohamed Image"), "PERSON")
    assert m is not None and m.text == "Ahmed Mohamed"
    text = "He met Lord Image at the club."  # no colon after it: a name
    b = text.index("Lord")
    assert clean_mention(text, b + 5, b + 10, "PERSON").text == "Image"


def test_a_one_word_person_in_place_contexts_is_a_place() -> None:
    text = ("Miners were waiting in Longyear to fly home. Longyear is a town in mourning. The plane crashed on "
            "a mountain just east of Longyear, police said. Smith said he was in Oslo. Smith, 45, flew home.")
    town = entity_of(text, "Longyear", "PERSON")
    smith = entity_of(text, "Smith", "PERSON")
    one_word_persons_by_context(text, [town, smith])
    assert town.label == "GPE" and smith.label == "PERSON"


def find_all(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


def entity_of(text: str, word: str, label: str) -> Entity:
    """One entity with every occurrence of ``word`` in ``text`` as a mention labelled ``label``."""
    return Entity([Mention(i, i + len(word), word, label) for i in find_all(text, word)], label=label)


def test_names_never_run_over_a_line_break(pipeline: Pipeline) -> None:
    text = ("Plane crash kills 141 in Arctic\nRolf Soderlind\nLONGYEAR, Norway 1996-08-30\nThe crash of a Russian "
            "airliner killed all 141 people on board, Norwegian police said.")
    ents = pipeline.run(Article(id="byline", body_text=text)).entities
    assert not any("\n" in m["text"] for e in ents for m in e["mentions"])


def test_seats_of_government_are_places(pipeline: Pipeline) -> None:
    text = "The White House said some corporate taxes would be raised, and traders on Wall Street sold bonds."
    types = types_of(pipeline.run(Article(id="whitehouse", body_text=text)).entities)
    assert types.get("White House") == "FAC" and types.get("Wall Street") == "FAC"


def test_a_dateline_place_stays_a_place_in_a_story_about_its_club() -> None:
    text = ("SOCCER - BARATELLI TO COACH NICE.\nNICE, France 1996-08-30\nBaratelli is to coach Nice, the club "
            "said. Nice have been unable to win a game and Nice sacked their coach.")
    model = [Mention(i, i + 4, text[i:i + 4], "ORG") for i in find_all(text, "NICE") + find_all(text, "Nice")]
    got = add_dateline_place(text, model, dateline_spans(text, []))
    entities = cluster(got)
    at = text.index("NICE, France")
    assert [e.label for e in entities for m in e.mentions if m.start == at] == ["GPE"]
    assert all(e.label == "ORG" for e in entities for m in e.mentions if m.text == "Nice")


def test_in_a_sports_report_a_city_after_in_is_the_place_not_the_club() -> None:
    text = ("Milwaukee beat Seattle 5-3 on Friday, the third win in a row for the team in the league. "
            "In Milwaukee, Marc Newfield homered twice for the home side.")
    first, later = text.index("Milwaukee"), text.index("Milwaukee", 10)
    mentions = [Mention(first, first + 9, "Milwaukee", "GPE"), Mention(later, later + 9, "Milwaukee", "ORG")]
    got = places_as_teams(text, mentions, [])
    assert [(m.label, m.own_entity) for m in got] == [("ORG", False), ("GPE", True)]
    keys = {canonical_key(m) for m in got}
    assert len(keys) == 2  # the club and the city are two entities


def test_cricket_scorecard_names_are_players() -> None:
    text = ("Australia innings: M. Bevan c Vaas b Chandana 56, S. Waugh b Muralitharan 22, I. Healy st "
            "Kaluwitharana b Chandana 8\nBowling: Vaas 7-0-29-0, Dharmasena 9-0-49-1, Chandana 10-0-38-3.")
    bowler = text.index("Chandana")
    got = cricket_scorecard_players(text, [Mention(bowler, bowler + 8, "Chandana", "ORG")])
    people = {m.text for m in got if m.label == "PERSON"}
    assert {"Vaas", "Chandana", "Muralitharan", "Kaluwitharana", "Dharmasena"} <= people
    assert not any(m.label == "ORG" for m in got)
    assert "Australia" not in people


def test_a_competition_name_keeps_its_nationality() -> None:
    text = ("SOCCER - GERMAN CUP SECOND ROUND RESULTS.\nResults of German Cup matches on Saturday, after "
            "Saturday's World Cup qualifier and the British Masters golf.")
    mentions = [Mention(text.index(w), text.index(w) + len(w), w, lb) for w, lb in
                (("GERMAN", "NORP"), ("German", "NORP"), ("World Cup", "EVENT"), ("British", "NORP"))]
    got = {m.text: m.label for m in competition_names(text, mentions, [])}
    assert got == {"GERMAN CUP": "EVENT", "German Cup": "EVENT", "World Cup": "EVENT", "British Masters": "EVENT"}


def test_hyphenated_group_words_are_one_mention() -> None:
    text = "A Brazilian-born midfielder spoke after a breakdown in Arab-Israeli talks; British police said."
    mentions = [Mention(text.index(w), text.index(w) + len(w), w, "NORP") for w in ("Brazilian", "Arab", "Israeli",
                                                                                   "British")]
    got = [m.text for m in hyphenated_groups(text, mentions)]
    assert got == ["Brazilian-born", "Arab-Israeli", "British"]


def test_fixtures_name_clubs_and_scorer_lines_name_players() -> None:
    text = ("Postponed: Walsall v Wrexham, India v Zimbabwe. May 18 v Worcestershire. Scorers: Romania - "
            "Cosmin Contra (31st), Mihai Tararache (75th). Agassi v Sampras drew a crowd.")
    contra = text.index("Cosmin Contra")
    mentions = [Mention(contra, contra + 13, "Cosmin Contra", "ORG"),
                Mention(text.index("Agassi"), text.index("Agassi") + 6, "Agassi", "PERSON")]
    got = {m.text: m.label for m in fixtures_and_scorers(text, mentions)}
    assert got["Walsall"] == got["Wrexham"] == got["Worcestershire"] == "ORG"
    assert got["India"] == got["Zimbabwe"] == "GPE"  # national sides stay countries
    assert got["Cosmin Contra"] == got["Mihai Tararache"] == "PERSON"
    assert got["Agassi"] == "PERSON"


def test_a_name_run_over_a_score_or_a_fixture_is_split_into_its_sides() -> None:
    from streams.enrich.components.entities.sports import table_rows

    text = ("Postponed: Leeds v Barnsley, Bruguera v Medvedev.\nDivision one\nNorwich 1 Wolverhampton 0\n"
            "Tiger Woods 70 69\n")

    def at(form: str, label: str) -> Mention:
        return Mention(text.index(form), text.index(form) + len(form), form, label)

    fixtures = fixtures_and_scorers(text, [at("Leeds v Barnsley", "PERSON"), at("Bruguera v Medvedev", "PERSON")])
    assert [(m.text, m.label) for m in fixtures] == [
        ("Leeds", "ORG"), ("Barnsley", "ORG"), ("Bruguera", "PERSON"), ("Medvedev", "PERSON")]
    rows = table_rows(text, [at("Norwich 1 Wolverhampton", "PERSON"), at("Tiger Woods", "PERSON")], [])
    assert [(m.text, m.label) for m in rows] == [("Norwich", "ORG"), ("Wolverhampton", "ORG"),
                                                  ("Tiger Woods", "PERSON")]  # a full name has no score in it


def test_a_result_line_names_two_sides_whatever_follows_the_score() -> None:
    from streams.enrich.components.entities.sports import result_lines

    text = ("Results of games played on Sunday:\nSuwon 3 Anyang 2 (halftime 1-0)\nClyde 0 Queen of South 2\n"
            "Scotland 1 Wales 1 (after extra time)\nSuwon won its 3 games in 12 days.\n")
    suwon = text.index("Suwon 3 Anyang")
    got = result_lines(text, [Mention(suwon, suwon + 14, "Suwon 3 Anyang", "PERSON")])
    assert [(m.text, m.label) for m in got] == [
        ("Suwon", "ORG"), ("Anyang", "ORG"), ("Clyde", "ORG"), ("Queen of South", "ORG"),
        ("Scotland", "GPE"), ("Wales", "GPE")]  # national sides stay places; a sentence is no result line


def test_a_result_line_with_the_sides_countries_in_brackets_names_two_clubs() -> None:
    from streams.enrich.components.entities.sports import result_lines

    text = "Fifth place:\nBenetton (Italy) 92 Dinamo (Russia) 81 (halftime 50-28)\n"
    start = text.index("Benetton")
    italy, russia = text.index("Italy"), text.index("Russia")
    got = result_lines(text, [Mention(start, start + 8, "Benetton", "PERSON"), Mention(italy, italy + 5, "Italy", "GPE"),
                              Mention(russia, russia + 6, "Russia", "GPE")])
    assert [(m.text, m.label) for m in got] == [("Benetton", "ORG"), ("Italy", "GPE"), ("Dinamo", "ORG"),
                                                ("Russia", "GPE")]  # the clubs, and their countries stay places


def test_short_surnames_count_as_untagged_names() -> None:
    text = "Pro-Beijing New People Party's Regina Ip was re-elected with 60,760 votes."
    got = untagged_personal_names(text, [], [], [])
    assert [(m.text, m.label) for m in got] == [("Regina Ip", "PERSON")]


def test_a_span_that_runs_over_a_bracket_it_does_not_close_is_two_names() -> None:
    from streams.enrich.components.entities import split_span

    text = "Ivo Ivanov (Croatia) beat Mark Draper (Australia) 6-3. The Chicago Board of Trade (CBOT) met."

    def pieces(form: str, label: str) -> list[str]:
        start = text.index(form)
        return [text[s:e] for s, e in split_span(text, start, start + len(form), label)]

    assert pieces("Mark Draper (Australia", "ORG") == ["Mark Draper", "Australia"]
    assert pieces("The Chicago Board of Trade (CBOT", "ORG") == ["The Chicago Board of Trade", "CBOT"]
    assert pieces("Ivo Ivanov (Croatia)", "PERSON") == ["Ivo Ivanov (Croatia)"]  # closed: left to the other rules


def test_hard_wrapped_wire_copy_keeps_names_across_lines() -> None:
    from streams.enrich.components.entities import is_hard_wrapped, split_span

    wrapped = ("<Qintex America Ltd> said it is again\nextending its offer of 13 dlrs a share for 3.3 mln Princeville\n"
               "Development Corp shares until today from yesterday.\n    At midnight yesterday, 7,242,117 shares had\n"
               "been tendered, the company said.")
    assert is_hard_wrapped(wrapped)
    a = wrapped.index("Princeville")
    b = wrapped.index("Corp") + 4
    assert split_span(wrapped, a, b, "ORG", wrapped=True) == [(a, b)]
    lines = "Plane crash kills 141.\nRolf Soderlind\nLONGYEAR, Norway 1996-08-30\nThe crash killed all on board."
    assert not is_hard_wrapped(lines)
    c = lines.index("Rolf")
    d = lines.index("LONGYEAR") + 8
    assert [lines[s:e] for s, e in split_span(lines, c, d, "PERSON")] == ["Rolf Soderlind", "LONGYEAR"]


def test_quoted_titles_are_not_taken_for_people() -> None:
    text = "It was clear, said Akhil Amar, author of ''America's Unwritten Constitution,'' put it plainly, and Mike Hulbert agreed."
    got = [m.text for m in untagged_personal_names(text, [], [], [])]
    assert got == ["Akhil Amar", "Mike Hulbert"]


def test_name_boundaries_leave_out_dates_descriptions_phones_and_labels() -> None:
    from streams.enrich.components.entities import clean_mention, split_span

    text = "The September Treasury bond fell, Interfax news agency said. -- Dublin Newsroom +353 1 676 9779"
    a = text.index("September")
    assert clean_mention(text, a, a + len("September Treasury"), "ORG").text == "Treasury"
    b = text.index("Interfax")
    assert clean_mention(text, b, b + len("Interfax news agency"), "ORG").text == "Interfax"
    c = text.index("Dublin")
    pieces = split_span(text, c, c + len("Dublin Newsroom +353"), "ORG")
    assert [text[s:e] for s, e in pieces] == ["Dublin Newsroom"]
    text = "Postponed: East Fife v Clydebank."
    assert [text[s:e] for s, e in split_span(text, 0, 15, "ORG")] == ["Postponed", "East"]


def test_a_one_word_organisation_spoken_of_as_a_person_is_a_person() -> None:
    text = ("Washington, who climbed back from a 1-5 deficit, won. \"I kept going,\" said Washington. "
            "Ericsson said it won an order, and Ericsson spokesman Per Zetterquist said so. \"We won,\" said Ericsson.")
    player = entity_of(text, "Washington", "ORG")
    firm = entity_of(text, "Ericsson", "ORG")
    one_word_persons_by_context(text, [player, firm])
    assert player.label == "PERSON" and firm.label == "ORG"


def test_players_in_a_team_line_up_are_people() -> None:
    from streams.enrich.components.entities.sports import lineup_players

    text = ("Teams:\nSpain - 1 - Ana Ruiz; 2 - Paco de la Vega (14 - Luis Moro 80th), 5 - Ignacio Sanz, "
            "8 - Toni Gil (Pereda 61st)\nThe 2 - 1 win was the first.")
    cell = text.index("1 - Ana")
    mentions = [Mention(text.index("Spain"), text.index("Spain") + 5, "Spain", "GPE"),
                Mention(cell, cell + 11, "1 - Ana Ruiz", "PERCENT")]
    got = [(m.text, m.label) for m in lineup_players(text, mentions)]
    assert got == [("Spain", "GPE"), ("Ana Ruiz", "PERSON"), ("Paco de la Vega", "PERSON"), ("Luis Moro", "PERSON"),
                   ("Ignacio Sanz", "PERSON"), ("Toni Gil", "PERSON"), ("Pereda", "PERSON")]


def test_a_results_line_by_venue_names_the_place_the_ground_and_the_sides() -> None:
    from streams.enrich.components.entities.sports import venue_lines

    text = ("Close of play scores:\nStoke-on-Trent: Rutland 301 and 22-1 (A. Page 80, Moss 41), Devon 210 (K. Lunn 5-40)\n"
            "Leeds (Park Lane): Cumbria 155, Essex 160-2\nNote: the match 2 ended early.")
    got = [(m.text, m.label) for m in venue_lines(text, [])]
    assert got == [("Stoke-on-Trent", "GPE"), ("Rutland", "ORG"), ("Devon", "ORG"),  # not "Moss" in brackets
                   ("Leeds", "GPE"), ("Park Lane", "FAC"), ("Cumbria", "ORG"), ("Essex", "ORG")]
