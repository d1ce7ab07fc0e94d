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
