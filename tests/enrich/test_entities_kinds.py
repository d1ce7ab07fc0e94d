"""entities: the common noun next to a name says what kind of thing it names, for all its mentions."""

from __future__ import annotations

import re

from streams.enrich.components.entities import Mention
from streams.enrich.components.entities.clustering import cluster
from streams.enrich.components.entities.kinds import kinds_by_class_nouns


def _mentions(text: str, form: str, label: str) -> list[Mention]:
    return [Mention(m.start(), m.end(), form, label) for m in re.finditer(rf"\b{re.escape(form)}\b", text)]


def _types(text: str, forms: dict[str, str]) -> dict[str, str]:
    found = [m for f, label in forms.items() for m in _mentions(text, f, label)]
    mentions = sorted((m for m in found if not any(o.start <= m.start and m.end <= o.end and o.text != m.text
                                                   for o in found)), key=lambda m: m.start)  # longest wins
    return {e.mentions[0].text: e.label for e in kinds_by_class_nouns(text, cluster(mentions))}


def test_a_work_a_craft_and_a_thing_written_as_plural_are_no_people() -> None:
    text = ("She starred in the 1972 film Harbour Lights. NASA's Kestrel spacecraft reached orbit; Kestrel will land "
            "in May. Staff took Brightfolds of visitors, and the Brightfold prints sold out.")
    forms = {"Harbour Lights": "PERSON", "NASA's Kestrel spacecraft": "PRODUCT", "Kestrel": "PERSON",
             "Brightfold": "PERSON"}
    types = _types(text, forms)
    assert types == {"Harbour Lights": "WORK_OF_ART", "NASA's Kestrel spacecraft": "PRODUCT", "Kestrel": "PRODUCT",
                     "Brightfold": "PRODUCT"}


def test_a_movement_is_an_organisation_and_an_element_no_name() -> None:
    text = ("Members of Veltra Dun marched. Veltra Dun says the ban is unjust, and Veltra Dun followers agree. "
            "Tessaran is a modern pagan religion; Tessaran grew fast. Helium and Argon leaked.")
    types = _types(text, {"Veltra Dun": "PERSON", "Tessaran": "GPE", "Helium and Argon": "ORG"})
    assert types == {"Veltra Dun": "ORG", "Tessaran": "ORG"}


def test_people_and_known_places_keep_their_type() -> None:
    text = ("Mr. Wood said he would stay; Tiger Woods won. Members of Congress met in Berlin. Berlin movement "
            "leaders spoke of Berlin rocket tests. The Kennedys came, and Kennedy camera crews followed, said Kennedy, "
            "who smiled.")
    types = _types(text, {"Wood": "PERSON", "Tiger Woods": "PERSON", "Berlin": "GPE", "Kennedy": "PERSON"})
    assert types == {"Wood": "PERSON", "Tiger Woods": "PERSON", "Berlin": "GPE", "Kennedy": "PERSON"}


def test_an_occupation_names_a_person_and_a_doctrine_is_a_group() -> None:
    text = ("The exhibit shows fashion designer Marvello and Hasidism scholars. Steel producer Ferrano cut jobs. "
            "Quentara is a new ideology; Quentarism spread. Residents fear Quentaphobia.")
    types = _types(text, {"Marvello": "LOC", "Hasidism": "PERSON", "Ferrano": "ORG", "Quentarism": "GPE",
                          "Quentaphobia": "ORG"})
    assert types == {"Marvello": "PERSON", "Hasidism": "NORP", "Ferrano": "ORG", "Quentarism": "NORP"}


def test_a_place_head_names_a_place_unless_a_first_name_opens_it() -> None:
    text = "Fans queued for the Glimmer Cave ride. Michael Mountain and Chan Ho Park came to Norvath Stadium."
    types = _types(text, {"Glimmer Cave": "PERSON", "Michael Mountain": "PERSON", "Chan Ho Park": "PERSON",
                          "Norvath Stadium": "PERSON"})
    assert types == {"Glimmer Cave": "LOC", "Michael Mountain": "PERSON", "Chan Ho Park": "PERSON",
                     "Norvath Stadium": "LOC"}


def test_a_word_that_is_only_an_alias_of_a_city_is_no_place_inside_a_name() -> None:
    from streams.enrich.components.entities.mentions import Entity
    from streams.enrich.components.entities.nesting import names_inside_institutions

    text = "They rode to the Bat Cave, then to the University of Bombay."
    cave, uni = text.index("Bat Cave"), text.index("University of Bombay")
    entities = [Entity(mentions=[Mention(cave, cave + 8, "Bat Cave", "LOC")], label="LOC"),
                Entity(mentions=[Mention(uni, uni + 20, "University of Bombay", "ORG")], label="ORG")]
    inner = [m.text for e in names_inside_institutions(text, entities) for m in e.mentions if m.source == "nested"]
    assert inner == ["Bombay"]  # an old name of Mumbai; "Bat" only an alias of a Brazilian town


def test_a_centre_that_speaks_is_the_body_and_one_that_hosts_is_the_building() -> None:
    text = ("The Norvath Research Center said the sample was lost. The fair took place at the Quell Convention "
            "Centre, near the Norvath Research Center.")
    types = _types(text, {"Norvath Research Center": "FAC", "Quell Convention Centre": "FAC"})
    assert types == {"Norvath Research Center": "ORG", "Quell Convention Centre": "FAC"}


def test_what_only_a_craft_does_makes_the_name_a_craft_even_an_alias_of_a_town() -> None:
    text = ("Dawn has entered orbit around Ceres. Dawn, which launched in 2007, is healthy. Veltrin, the first "
            "spacecraft to orbit Mercury, crashed. Orla Quint said she watched, and Gaza rocket fire went on.")
    types = _types(text, {"Dawn": "PERSON", "Veltrin": "PERSON", "Orla Quint": "PERSON", "Gaza": "GPE"})
    assert types == {"Dawn": "PRODUCT", "Veltrin": "PRODUCT", "Orla Quint": "PERSON", "Gaza": "GPE"}


def test_a_name_after_a_kind_of_spacecraft_is_the_craft_even_typed_organisation() -> None:
    text = ("The space shuttle Meridane landed on Friday. NASA said Corvala would launch next month, and the "
            "shuttle Corvala will carry a lab. The Vantor rocket maker Vantor said it was ready.")
    types = _types(text, {"Meridane": "PERSON", "Corvala": "ORG", "NASA": "ORG", "Vantor": "ORG"})
    # a company before a kind of thing ("the Vantor rocket") stays the company
    assert types == {"Meridane": "PRODUCT", "Corvala": "PRODUCT", "NASA": "ORG", "Vantor": "ORG"}
