"""Topics on short wire items (headline plus one paragraph): constructed items, pure code."""

from __future__ import annotations

import pytest

from streams.enrich.components.topics import (
    CRIME,
    TopicTagger,
    load_lexicon,
    tokens,
)

ECONOMY, POLITICS, SCIENCE, SPORT, CONFLICT, HEALTH = (
    "04000000", "11000000", "13000000", "15000000", "16000000", "07000000")


@pytest.fixture(scope="module")
def tagger() -> TopicTagger:
    return TopicTagger()


def tops(tagger: TopicTagger, text: str, title: str | None = None) -> list[str]:
    return [t["code"][7:] for t in tagger.tag(text, title)[0] if t["level"] == 1]


# -- stemming: a final s that is not a plural ------------------------------------------------------------

def test_aids_news_futures_and_securities_are_not_plurals() -> None:
    assert tokens("Aids aid news new futures future securities security") == [
        "aids", "aid", "news", "new", "futures", "future", "securities", "security"]
    assert tokens("elections parties") == ["election", "party"]


def test_an_aid_pledge_is_not_a_health_story(tagger: TopicTagger) -> None:
    text = "Donor countries pledged two billion dollars in aid to the region after the floods, the United Nations said."
    found = tops(tagger, text, "Donors pledge more aid")
    assert found[0] == POLITICS and HEALTH not in found


def test_the_future_is_not_a_market_term() -> None:
    lex = load_lexicon()
    future = tuple(tokens("future"))
    assert future not in lex.terms or ECONOMY not in lex.tops_of(future)
    assert ECONOMY in lex.tops_of(tuple(tokens("oil futures")))


# -- vocabulary of wire items in the four big desks -----------------------------------------------------------

@pytest.mark.parametrize(
    ("term", "top"),
    [
        ("chipmaker", SCIENCE), ("space shuttle", SCIENCE), ("web site", SCIENCE), ("security flaw", SCIENCE),
        ("astronomers", SCIENCE), ("internet service provider", SCIENCE),
        ("wall street", ECONOMY), ("quarterly profit", ECONOMY), ("nasdaq", ECONOMY), ("automakers", ECONOMY),
        ("touchdown", SPORT), ("playoffs", SPORT), ("semifinal", SPORT), ("quarterback", SPORT),
        ("parliamentary elections", POLITICS), ("ruling party", POLITICS), ("civil servants", POLITICS),
        ("roadside bomb", CONFLICT), ("insurgent attack", CONFLICT),
    ],
)
def test_wire_terms_are_evidence_for_their_desk(term: str, top: str) -> None:
    lex = load_lexicon()
    entries = lex.terms[tuple(tokens(term))]
    assert any(code == top and is_top and weight >= 1.0 for code, weight, is_top in entries), entries


@pytest.mark.parametrize(
    ("title", "text", "top"),
    [
        ("Chipmaker unveils faster processor",
         "The chipmaker said its new processor for laptops and desktop computers would ship in the first quarter, "
         "ahead of a rival's.", SCIENCE),
        ("Space agency delays shuttle launch",
         "The space agency postponed the launch of the space shuttle to the international space station by a week "
         "after engineers found a fault in a fuel sensor.", SCIENCE),
        ("Late touchdown lifts visitors",
         "The quarterback threw a touchdown pass in overtime to end the home team's winning streak.", SPORT),
        ("Stocks rally as oil prices ease",
         "Wall Street stocks rose on Tuesday as crude oil futures fell and investors cheered quarterly earnings "
         "from retailers.", ECONOMY),
        ("Opposition wins parliamentary elections",
         "The opposition party won a majority in parliamentary elections on Sunday and its leader is expected to be "
         "sworn in as prime minister next week.", POLITICS),
    ],
)
def test_a_short_wire_item_is_a_clear_call(tagger: TopicTagger, title: str, text: str, top: str) -> None:
    """The right top level first, with at least three times the evidence of the next one."""
    evidence = sorted(tagger.evidence(text, title)[0].items(), key=lambda kv: -kv[1])
    assert evidence[0][0] == top
    assert len(evidence) == 1 or evidence[0][1] >= 3 * evidence[1][1], evidence[:3]


# -- thin evidence: a topic with a low score rather than none ----------------------------------------------------

def test_one_typical_term_gives_a_topic_with_a_modest_score(tagger: TopicTagger) -> None:
    topics, _ = tagger.tag("It was a hard-fought victory.")
    assert topics and topics[0]["code"] == f"medtop:{SPORT}"
    clear, _ = tagger.tag("The striker scored twice as the club won the league match to stay top of the table.",
                          "Striker double keeps club top")
    assert topics[0]["score"] < clear[0]["score"] - 0.15


def test_a_lone_weak_word_gives_no_topic(tagger: TopicTagger) -> None:
    assert tagger.tag("They said it would happen.")[0] == []


# -- white-collar offences in business and political stories ----------------------------------------------------

def test_white_collar_offences_are_placed_in_their_taxonomy_branches() -> None:
    lex = load_lexicon()
    for word in ("fraud", "bribery", "embezzlement", "insider trading", "corruption", "tax evasion"):
        assert tuple(tokens(word)) in lex.white_collar, word
    for word in ("murder", "robbery", "theft", "court", "police", "kidnapping"):
        assert tuple(tokens(word)) not in lex.white_collar, word


@pytest.mark.parametrize(
    ("title", "text", "setting"),
    [
        ("Ex-chief denies fraud at software group",
         "The former chief executive of the software group denied accounting fraud, telling jurors the company's "
         "profits were reported correctly.", ECONOMY),
        ("Minister quits over bribery claims",
         "The finance minister resigned on Monday after opposition MPs accused him of taking bribes from a "
         "construction company, the second cabinet resignation this year.", POLITICS),
    ],
)
def test_a_white_collar_offence_is_the_subject_of_business_and_political_news(
        tagger: TopicTagger, title: str, text: str, setting: str) -> None:
    evidence = tagger.evidence(text, title)[0]
    assert max(evidence, key=evidence.get) == setting
    assert evidence.get(CRIME, 0.0) <= 0.5 * evidence[setting]


def test_a_fraud_with_no_business_or_political_setting_stays_crime(tagger: TopicTagger) -> None:
    text = "A man who claimed benefits for ten years was jailed for fraud at the crown court on Friday."
    assert tops(tagger, text, "Man jailed for benefit fraud")[0] == CRIME
