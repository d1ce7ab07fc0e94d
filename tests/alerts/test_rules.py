"""Rule model and matcher on real articles enriched by the real pipeline (no broker)."""

from __future__ import annotations

import orjson
import pytest

from streams.alerts.rules import (
    Alert,
    Rule,
    alert_key,
    cluster_id,
    match,
    normalize_topic,
)
from streams.core.errors import ValidationError
from streams.core.model import Article, EnrichedArticle
from streams.enrich.pipeline import Pipeline


def rule(**conditions: object) -> Rule:
    return Rule.from_dict({"id": "r1", "name": "test rule", **conditions})


# -- the acceptance example ----------------------------------------------------------------------
def test_kallas_entity_and_conflict_topic_match_with_reasons(story: dict[str, EnrichedArticle]) -> None:
    found = match(rule(entity=["Kaja Kallas"], topic=["medtop:16000000"]), story["original"])
    assert found is not None
    assert found.conditions == ["topic", "entity"]
    assert "Kaja Kallas" in found.hits[1].matched and "salience" in found.hits[1].matched
    assert found.hits[0].matched == "medtop:16000000 (conflict, war and peace)"
    assert "Kaja Kallas" in (found.snippet or "")


def test_same_rule_does_not_match_an_unrelated_story(story: dict[str, EnrichedArticle]) -> None:
    assert match(rule(entity=["Kaja Kallas"], topic=["medtop:16000000"]), story["other"]) is None


def test_conditions_are_and_combined(story: dict[str, EnrichedArticle]) -> None:
    # Kallas is in the article, but it is not about sport
    assert match(rule(entity=["Kaja Kallas"], topic=["sport"]), story["original"]) is None
    assert match(rule(entity=["Kaja Kallas"], provider=["Reuters"]), story["original"]) is None
    assert match(rule(entity=["Kaja Kallas"], provider=["menafn"]), story["original"]) is not None


# -- entities ------------------------------------------------------------------------------------
def test_entity_matches_by_alias_case_insensitively(story: dict[str, EnrichedArticle]) -> None:
    found = match(rule(entity=["kallas"]), story["original"])
    assert found is not None and found.hits[0].matched.startswith("Kaja Kallas")


def test_entity_type_and_salience_narrow_the_entity(story: dict[str, EnrichedArticle]) -> None:
    assert match(rule(entity=["Kaja Kallas"], entity_type="person"), story["original"]) is not None
    assert match(rule(entity=["Kaja Kallas"], entity_type="ORG"), story["original"]) is None
    assert match(rule(entity=["Kaja Kallas"], min_salience=0.5), story["original"]) is not None
    russia = next(e for e in story["original"].entities if e["name"] == "Russia")
    assert match(rule(entity=["Russia"], min_salience=min(1.0, russia["salience"] + 0.01)), story["original"]) is None


def test_entity_type_alone_means_any_entity_of_that_type(story: dict[str, EnrichedArticle]) -> None:
    found = match(rule(entity_type="PERSON", min_salience=0.9), story["original"])
    assert found is not None and found.hits[0].matched == "Kaja Kallas"
    assert match(rule(entity_type="PERSON", min_salience=0.9), story["other"]) is None


def test_a_word_of_the_text_is_not_an_entity(story: dict[str, EnrichedArticle]) -> None:
    assert match(rule(entity=["security guarantees"]), story["original"]) is None


# -- speakers ------------------------------------------------------------------------------------
def test_speaker_matches_a_resolved_quote_speaker(story: dict[str, EnrichedArticle]) -> None:
    found = match(rule(speaker=["Kaja Kallas"]), story["original"])
    assert found is not None
    assert found.hits[0].matched == "Kaja Kallas"
    # a direct quote is preferred as evidence, and it is her own words
    assert found.snippet is not None and found.snippet.startswith("“") and "security guarantees" in found.snippet
    assert match(rule(speaker=["Kallas"]), story["original"]) is not None  # alias of the speaker entity


def test_mentioned_but_not_quoted_is_not_a_speaker(story: dict[str, EnrichedArticle]) -> None:
    # Pistorius and Zelensky are named, but no quote is attributed to either by the pipeline
    speakers = {q.get("speaker") for q in story["original"].quotes}
    for name in ("Boris Pistorius", "Donald Trump"):
        assert name not in speakers
        assert match(rule(speaker=[name]), story["original"]) is None


# -- topics --------------------------------------------------------------------------------------
def test_topic_code_label_and_ancestor(story: dict[str, EnrichedArticle]) -> None:
    assert match(rule(topic=["16000000"]), story["original"]) is not None
    assert match(rule(topic=["conflict, war and peace"]), story["original"]) is not None
    assert match(rule(topic=["medtop:11000000"]), story["original"]) is not None  # politics
    assert match(rule(topic=["medtop:15000000"]), story["original"]) is None  # sport


def test_topic_ancestor_matches_an_article_tagged_only_with_the_descendant(story: dict[str, EnrichedArticle]) -> None:
    base = story["original"].to_dict()
    base["topics"] = [{"code": "medtop:20000639", "label": "diplomacy", "score": 0.3, "level": 3}]
    narrowed = EnrichedArticle.from_dict(base)
    assert match(rule(topic=["medtop:11000000"]), narrowed) is not None  # politics > international relations > diplomacy
    assert match(rule(topic=["medtop:16000000"]), narrowed) is None


def test_unknown_topic_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="^topic: '99999999' is not an active IPTC"):
        normalize_topic("99999999")
    with pytest.raises(ValidationError, match="^topic: 'politcs' is neither"):
        rule(topic=["politcs"])
    assert normalize_topic("Conflict,  War and Peace") == "medtop:16000000"


# -- text ----------------------------------------------------------------------------------------
def test_text_phrase_on_word_boundaries_case_insensitive(story: dict[str, EnrichedArticle]) -> None:
    found = match(rule(text=["Coalition of the  WILLING"]), story["original"])
    assert found is not None and found.hits[0].matched == "Coalition of the Willing"
    assert "Coalition of the Willing" in (found.snippet or "")
    assert match(rule(text=["Kalla"]), story["original"]) is None  # no partial words
    assert match(rule(text=["NATO"]), story["original"]) is not None  # "NATO's" still has NATO on a boundary
    assert match(rule(text=["Princeville"]), story["original"]) is None
    assert match(rule(text=["Princeville"]), story["other"]) is not None


def test_text_in_headline(story: dict[str, EnrichedArticle]) -> None:
    found = match(rule(text=["must be tangible, not on paper"]), story["original"])  # only in the headline
    assert found is not None and found.hits[0].snippet == story["original"].article.headline
    assert match(rule(text=["must be tangible, not on paper"]), story["copy"]) is not None  # upper-cased headline


def test_text_alternatives_any_of(story: dict[str, EnrichedArticle]) -> None:
    assert match(rule(text=["Princeville", "Greenland"]), story["original"]) is not None
    assert match(rule(text=["Princeville", "Greenland"]), story["other"]) is not None
    assert match(rule(text=["Greenland", "Kyiv"]), story["other"]) is None


def test_source_and_language(story: dict[str, EnrichedArticle]) -> None:
    assert match(rule(source=["ukrinform"], language=["EN"]), story["original"]) is not None
    assert match(rule(source=["ukrinform"], language=["de"]), story["original"]) is None


# -- the model -------------------------------------------------------------------------------------
def test_rule_json_round_trip() -> None:
    r = rule(entity="Kaja Kallas", topic=["conflict, war and peace"], webhook="https://hooks.example.org/x")
    again = Rule.from_json(r.to_json())
    assert again == r
    assert again.topic == ("medtop:16000000",) and again.entity == ("Kaja Kallas",)
    assert orjson.loads(r.to_json())["entity"] == ["Kaja Kallas"]
    assert r.describe() == "entity=Kaja Kallas AND topic=medtop:16000000"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "bad id", "name": "x", "text": ["a"]}, "^id: 'bad id' is not a valid rule id"),
        ({"id": "a:b", "name": "x", "text": ["a"]}, "^id: "),
        ({"id": "r", "name": " ", "text": ["a"]}, "^name: must be a non-empty string"),
        ({"id": "r", "text": ["a"]}, "^name: is required"),
        ({"id": "r", "name": "x"}, "needs at least one condition"),
        ({"id": "r", "name": "x", "text": [3]}, "^text: expected strings"),
        ({"id": "r", "name": "x", "entity": {"a": 1}}, "^entity: expected a list of strings"),
        ({"id": "r", "name": "x", "entity": ["a"], "min_salience": 2}, "^min_salience: 2 is not between 0 and 1"),
        ({"id": "r", "name": "x", "entity": ["a"], "min_salience": True}, "^min_salience: must be a number"),
        ({"id": "r", "name": "x", "text": ["a"], "min_salience": 0.5}, "^min_salience: applies to entities"),
        ({"id": "r", "name": "x", "text": ["a"], "webhook": "ftp://x"}, "^webhook: 'ftp://x' is not an http"),
        ({"id": "r", "name": "x", "text": ["a"], "colour": "red"}, "unknown field.*colour"),
    ],
)
def test_validation_names_the_wrong_field(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Rule.from_dict(data)


def test_rule_from_bad_json() -> None:
    with pytest.raises(Exception, match="not valid JSON"):
        Rule.from_json(b"{nope")


# -- clusters and alert messages -----------------------------------------------------------------
def test_syndicated_copy_is_in_the_original_cluster(story: dict[str, EnrichedArticle]) -> None:
    original, copy = story["original"], story["copy"]
    assert copy.dedupe["is_duplicate"] and copy.dedupe["duplicate_of"] == original.id
    assert cluster_id(copy) == cluster_id(original) == original.id
    assert cluster_id(story["other"]) == story["other"].id


def test_alert_message_round_trip_and_key(story: dict[str, EnrichedArticle]) -> None:
    r = rule(entity=["Kaja Kallas"], topic=["medtop:16000000"], webhook="http://127.0.0.1:9/hook")
    copy = story["copy"]
    found = match(r, copy)
    assert found is not None
    alert = Alert.build(r, found, copy)
    assert alert.key == alert_key("r1", "menafn-kallas-1") == "r1:menafn-kallas-1"
    assert alert.article_id == "ukrinform-kallas-1" and alert.webhook == "http://127.0.0.1:9/hook"
    assert Alert.from_json(alert.to_json()) == alert
    assert "[test rule]" in alert.line() and alert.key in alert.line()


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b"[1]", "must be a JSON object"), (b'{"key": "k"}', "^rule_id: is required"), (b"\xff", "not valid JSON")],
)
def test_bad_alert_messages_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(Exception, match=message):
        Alert.from_json(raw)


def test_text_where_lower_casing_moves_offsets() -> None:
    # "İ".lower() is two characters: the search falls back to a case-insensitive regex on the original
    body = "Ministers met in İstanbul on Monday. The Coalition of the Willing agreed on next steps."
    enriched = EnrichedArticle.from_dict({"article": {"id": "ist-1", "body_text": body}})
    found = match(rule(text=["coalition of the willing"]), enriched)
    assert found is not None and found.hits[0].matched == "Coalition of the Willing"
    assert match(rule(text=["coalition of the will"]), enriched) is None


def test_alert_on_wire_text_without_a_title_carries_the_derived_headline(pipeline: Pipeline, sample_text: str) -> None:
    enriched = pipeline.run(Article(id="wire-no-title", body_text=sample_text))
    r = rule(entity=["Kaja Kallas"])
    found = match(r, enriched)
    assert found is not None
    alert = Alert.build(r, found, enriched)
    assert alert.headline is not None and alert.headline.startswith("This was stated by EU High Representative")
    assert "MENAFN" not in alert.headline and "Kaja Kallas" in alert.line()
    assert enriched.article.headline is None
