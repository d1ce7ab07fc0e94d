"""A disabled rule: kept in the rules topic as it was, read back, written to rule files; older readers
see no new field on an enabled rule. (That the matcher skips it: tests/web/test_alerts_page_broker.py.)"""

from __future__ import annotations

import dataclasses

import pytest

from streams.alerts.files import dump_rules, parse_document
from streams.alerts.model import Rule
from streams.core.errors import ValidationError


def test_a_rule_is_enabled_unless_disabled_and_round_trips() -> None:
    rule = Rule(id="kallas", name="Kallas", speaker=("Kaja Kallas",))
    assert rule.disabled is False and "disabled" not in rule.to_dict()  # as older matchers expect it
    off = dataclasses.replace(rule, disabled=True)
    assert off.to_dict()["disabled"] is True and Rule.from_json(off.to_json()) == off
    assert off.describe() == rule.describe()
    again = parse_document(dump_rules([off]))
    assert [(r.id, r.disabled) for r in again] == [("kallas", True)]
    assert parse_document("name: x\nwhen: {text: oil}\ndisabled: false\n")[0].disabled is False


def test_disabled_must_be_a_boolean() -> None:
    with pytest.raises(ValidationError, match="disabled"):
        Rule(id="x", name="x", text=("oil",), disabled="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"rules\[0\]\.disabled"):
        parse_document("name: x\nwhen: {text: oil}\ndisabled: 1\n")
