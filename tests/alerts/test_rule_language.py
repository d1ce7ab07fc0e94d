"""The rule language (and / or / not, quote, speaker role, salience, near) and rule files, on real
articles enriched by the real pipeline (no broker)."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest

from streams.alerts import language
from streams.alerts.files import MAX_FILE_BYTES, dump_rules, parse_document, slug
from streams.alerts.rules import Rule, match, view
from streams.core.errors import ValidationError
from streams.core.model import EnrichedArticle

ACCEPTANCE = {"and": [{"speaker": "Kaja Kallas"}, {"topic": "conflict, war and peace"}, {"not": {"topic": "sport"}}]}


def when(data: Any, **fields: Any) -> Rule:
    return Rule(id="r1", name="test rule", when=data, **fields)


# -- boolean structure ---------------------------------------------------------------------------
def test_kallas_quoted_and_conflict_and_not_sport(story: dict[str, EnrichedArticle]) -> None:
    found = match(when(ACCEPTANCE), story["original"])
    assert found is not None
    assert found.conditions == ["topic", "not", "speaker"]  # cheap parts first
    by = {h.condition: h for h in found.hits}
    assert by["speaker"].matched == "Kaja Kallas" and by["speaker"].snippet.startswith("“")
    assert by["topic"].matched == "medtop:16000000 (conflict, war and peace)"
    assert (by["not"].value, by["not"].matched) == ("topic=medtop:15000000", "absent")
    # the same with a NOT that the article does meet: politics is an ancestor of its topics
    assert match(when({"and": [{"speaker": "Kaja Kallas"}, {"not": {"topic": "politics"}}]}), story["original"]) is None
    assert match(when(ACCEPTANCE), story["other"]) is None


def test_or_across_fields_and_grouping(story: dict[str, EnrichedArticle]) -> None:
    either = when({"or": [{"speaker": "Kaja Kallas"}, {"text": "Princeville"}]})
    assert match(either, story["original"]) is not None and match(either, story["other"]) is not None
    grouped = when({"and": [{"or": [{"entity": "Nobody Atall"}, {"provider": "Reuters"}]},
                            {"not": {"or": [{"text": "Kallas"}, {"topic": "sport"}]}}]})
    assert match(grouped, story["other"]) is not None
    assert match(grouped, story["original"]) is None


def test_a_mapping_of_several_conditions_is_their_and(story: dict[str, EnrichedArticle]) -> None:
    both = when({"speaker": "Kaja Kallas", "provider": "MENAFN"})
    assert isinstance(both.tree, language.All)
    assert match(both, story["original"]) is not None
    assert match(both, story["copy"]) is None  # the copy's provider is Ukrinform


# -- the new leaves ------------------------------------------------------------------------------
def test_quote_text_is_searched_in_quotes_only(story: dict[str, EnrichedArticle]) -> None:
    found = match(when({"quote": "darkness, destruction"}), story["original"])
    assert found is not None and found.hits[0].matched == "Kaja Kallas"
    assert "Russian bombs" in (found.hits[0].snippet or "")
    assert match(when({"text": "Davos"}), story["original"]) is not None
    assert match(when({"quote": "Davos"}), story["original"]) is None  # in the body, in no quote
    assert match(when({"quote": {"text": "darkness", "speaker": "Kallas", "kind": "direct"}}), story["original"])
    assert match(when({"quote": {"text": "darkness", "kind": "indirect"}}), story["original"]) is None
    assert match(when({"quote": {"text": "darkness", "speaker": "Boris Pistorius"}}), story["original"]) is None


def test_speaker_role(story: dict[str, EnrichedArticle]) -> None:
    found = match(when({"speaker": {"role": "high representative"}}), story["original"])
    assert found is not None
    assert found.hits[0].matched == "Kaja Kallas (EU High Representative for Foreign Affairs and Security Policy)"
    assert match(when({"speaker": {"name": "Kallas", "role": "EU High Representative"}}), story["original"])
    # Pistorius is a defense minister, named but never quoted: no speaker holds that role
    assert match(when({"speaker": {"role": "defense minister"}}), story["original"]) is None
    assert match(when({"speaker": {"role": "representative for foreign"}}), story["original"]) is not None
    assert match(when({"speaker": {"role": "presentative"}}), story["original"]) is None  # whole words


def test_entity_salience_and_type(story: dict[str, EnrichedArticle]) -> None:
    russia = next(e for e in story["original"].entities if e["name"] == "Russia")
    assert match(when({"entity": {"name": "Russia", "min_salience": russia["salience"]}}), story["original"])
    above = min(1.0, russia["salience"] + 0.01)
    assert match(when({"entity": {"name": "Russia", "min_salience": above}}), story["original"]) is None
    assert match(when({"entity": {"type": "PERSON", "min_salience": 0.9}}), story["original"]) is not None
    assert match(when({"entity": {"name": "Kallas", "type": "ORG"}}), story["original"]) is None


def test_near_counts_words_in_either_order(story: dict[str, EnrichedArticle]) -> None:
    # "... German Defense Minister Boris Pistorius while visiting Berlin ..."
    found = match(when({"near": {"terms": ["Berlin", "Pistorius"], "within": 3}}), story["original"])
    assert found is not None
    assert found.hits[0].matched == "Pistorius … Berlin (3 words apart)"
    assert "while visiting Berlin" in (found.hits[0].snippet or "")
    assert match(when({"near": {"terms": ["Pistorius", "Berlin"], "within": 2}}), story["original"]) is None
    # "... invasion of Greenland, Kallas declined ...": adjacent words; phrases and alternatives
    assert match(when({"near": {"terms": [["Iceland", "Greenland"], "Kallas declined"], "within": 1}}),
                 story["original"]) is not None
    assert match(when({"near": {"terms": ["Greenland", "Princeville"], "within": 50}}), story["original"]) is None
    assert match(when({"near": {"terms": ["Kallas", "sanctions"]}}), story["original"]) is None  # no sanctions


def test_phrases_are_literal_not_regular_expressions() -> None:
    body = "Traders said the index (a+)+ rose. " + "a" * 5000 + "!"
    enriched = EnrichedArticle.from_dict({"article": {"id": "lit-1", "body_text": body}})
    started = time.perf_counter()
    assert match(when({"text": "(a+)+"}), enriched) is not None
    assert match(when({"text": "(a+)+$"}), enriched) is None
    assert match(when({"near": {"terms": ["(a+)+", "rose"], "within": 2}}), enriched) is not None
    assert match(when({"quote": ".*"}), enriched) is None
    assert time.perf_counter() - started < 1.0  # no backtracking blow-up on hostile phrases


# -- shorthand, migration ------------------------------------------------------------------------
def test_flags_compile_into_the_same_tree_as_the_language() -> None:
    flat = Rule(id="r1", name="x", entity=("Kaja Kallas",), entity_type="person", topic=("16000000",))
    written = when({"and": [{"entity": {"name": "Kaja Kallas", "type": "PERSON"}}, {"topic": "medtop:16000000"}]})
    assert flat.tree == written.tree
    assert flat.describe() == written.describe() == "entity=Kaja Kallas entity_type=PERSON AND topic=medtop:16000000"


def test_an_old_rule_from_the_topic_still_reads_and_writes_as_before(story: dict[str, EnrichedArticle]) -> None:
    old = (b'{"id": "kallas", "name": "Kallas on war", "entity": ["Kaja Kallas"], "topic": ["medtop:16000000"], '
           b'"text": [], "entity_type": null, "min_salience": null, "speaker": [], "source": [], "provider": [], '
           b'"language": [], "webhook": null, "created_at": "2026-01-13T10:00:00.000Z"}')
    rule = Rule.from_json(old)
    assert match(rule, story["original"]) is not None
    assert orjson.loads(rule.to_json()) == orjson.loads(old)  # no `when` key: older matchers read it too
    new = when(ACCEPTANCE)
    assert Rule.from_json(new.to_json()) == new
    assert orjson.loads(new.to_json())["when"]["and"][1] == {"topic": "medtop:16000000"}  # canonical codes


def test_when_and_flags_combine(story: dict[str, EnrichedArticle]) -> None:
    rule = when({"not": {"topic": "sport"}}, speaker=("Kaja Kallas",))
    assert rule.describe() == "speaker=Kaja Kallas AND NOT topic=medtop:15000000"
    assert match(rule, story["original"]) is not None
    assert match(when({"not": {"topic": "politics"}}, speaker=("Kaja Kallas",)), story["original"]) is None


# -- validation ----------------------------------------------------------------------------------
def nested_not(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"text": "a"}
    for _ in range(depth):
        node = {"not": node}
    return node


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"and": [{"text": "a"}, {"not": {"topc": "sport"}}]},
         r"^when\.and\[1\]\.not: unknown condition 'topc' \(did you mean 'topic'\?\)$"),
        ({"and": [{"text": "a"}, "sport"]}, r"^when\.and\[1\]: expected a condition"),
        ({"and": []}, r"^when\.and: expected a non-empty list"),
        ({"or": [{"topic": ["sport", "politcs"]}]}, r"^when\.or\[0\]\.topic\[1\]: 'politcs' is neither"),
        ({"entity": {"name": "x", "tpye": "PERSON"}}, r"^when\.entity: unknown option 'tpye' \(did you mean 'type'"),
        ({"entity": {"name": "x", "min_salience": 1.5}}, r"^when\.entity\.min_salience: 1\.5 is not between 0 and 1"),
        ({"entity": {"min_salience": 0.5}}, r"^when\.entity: give a name or a type"),
        ({"near": {"terms": ["a"], "within": 3}}, r"^when\.near\.terms: expected two terms"),
        ({"near": {"terms": ["a", "b"], "within": 51}}, r"^when\.near\.within: must be a whole number of words"),
        ({"near": {"terms": ["a", "b"], "within": True}}, r"^when\.near\.within: "),
        ({"quote": {"kind": "shouted"}}, r"^when\.quote\.kind: 'shouted' is not one of"),
        ({"speaker": {}}, r"^when\.speaker: give at least one of name, role"),
        ({"text": ["a", 3]}, r"^when\.text\[1\]: expected a string, got int"),
        ({"text": "x" * 201}, r"^when\.text\[0\]: is longer than 200 characters"),
        ({}, r"^when: empty condition"),
        (nested_not(8), r"^when(\.not){8}: nested more than 8 levels deep"),
        ({"or": [{"text": f"w{i}"} for i in range(64)]}, r"^when\.or\[63\]\.text: the rule has more than 64 conditions"),
        ({"or": [{"text": [f"w{i}-{j}" for j in range(100)]} for i in range(3)]},
         r"^when\.or\[2\]\.text: the rule has more than 200 values"),
    ],
)
def test_errors_point_at_the_part_that_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        when(data)


# -- rule files ----------------------------------------------------------------------------------
RULES_YML = """
rules:
  - name: Kallas quoted on war
    webhook: https://hooks.example.org/desk
    when:
      and:
        - speaker: Kaja Kallas
        - topic: conflict, war and peace
        - not: {topic: sport}
  - id: sanctions
    name: Kallas near sanctions
    when:
      near: {terms: [Kallas, sanctions], within: 10}
  - name: Kallas in politics, the old way
    entity: Kaja Kallas
    topic: 11000000
"""


def test_a_yaml_file_of_rules(story: dict[str, EnrichedArticle]) -> None:
    rules = parse_document(RULES_YML)
    assert [r.id for r in rules] == ["kallas-quoted-on-war", "sanctions", "kallas-in-politics-the-old-way"]
    assert rules[0].webhook == "https://hooks.example.org/desk"
    prepared = view(story["original"])
    assert [match(r, prepared) is not None for r in rules] == [True, False, True]


def test_export_reads_back_to_the_same_rules() -> None:
    rules = parse_document(RULES_YML)
    for fmt in ("yaml", "json"):
        again = parse_document(dump_rules(rules, fmt=fmt), fmt=fmt)
        assert [r.document() for r in again] == [r.document() for r in rules]
        assert [r.tree for r in again] == [r.tree for r in rules]
    assert "when:" in dump_rules(rules) and "- speaker: Kaja Kallas" in dump_rules(rules)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (RULES_YML.replace("not: {topic: sport}", "not: {topc: sport}"),
         r"^rules\[0\]\.when\.and\[2\]\.not: unknown condition 'topc'"),
        (RULES_YML.replace("within: 10", "within: 0"), r"^rules\[1\]\.when\.near\.within: "),
        (RULES_YML.replace("topic: 11000000", "topic: 11000000\n    colour: red"), r"^rules\[2\]: unknown field"),
        (RULES_YML.replace("id: sanctions", "id: kallas-quoted-on-war"),
         r"^rules\[1\]\.id: id 'kallas-quoted-on-war' is also the id of rules\[0\]"),
        ("rules:\n  - name: x\n    when: {text: [a, b}\n", r"^rules: not valid YAML"),
        ("rules: 3\n", r"^rules: expected `rules:` with a list"),
        ("rules: []\nextra: 1\n", r"^rules: unknown key\(s\) extra beside 'rules'"),
        ("rules:\n  - &x {name: a, text: b}\n  - *x\n", r"^line 3: YAML aliases"),
        ("rules:\n  - name: a\n    webhook: ftp://x\n    text: b\n", r"^rules\[0\]\.webhook: 'ftp://x' is not an http"),
        ("- just a string\n", r"^rules\[0\]: a rule must be a mapping"),
    ],
)
def test_file_errors_name_the_path_into_the_document(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_document(text)


def test_file_bounds() -> None:
    with pytest.raises(ValidationError, match="at most"):
        parse_document("# " + "x" * MAX_FILE_BYTES)
    lines = "".join(f"  - {{name: r{i}, text: a}}\n" for i in range(1001))
    with pytest.raises(ValidationError, match="1001 rules: a file holds at most 1000"):
        parse_document("rules:\n" + lines)
    assert slug("Kallas on war — EU!") == "kallas-on-war-eu" and slug("???") == "rule"
