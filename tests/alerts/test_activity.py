"""The delivery status the console shows for a record of the alerts topic (pure: records as read)."""

from __future__ import annotations

from collections import namedtuple

from streams.alerts.activity import firing
from streams.alerts.model import Alert, Match, Rule
from tests.store.articles import sample_article

Record = namedtuple("Record", "topic partition offset timestamp key value")


def _alert(**changes: object) -> Alert:
    rule = Rule(id="oil", name="Oil", text=("oil",), webhook="https://hooks.example.org/x")
    found = Match(rule.id, rule.name, "a-1", ())
    alert = Alert.build(rule, found, sample_article())
    return Alert(**{**alert.__dict__, **changes})


def _record(alert: Alert, offset: int) -> Record:
    return Record("alerts", 0, offset, 1_768_298_400_000, alert.key.encode(), alert.to_json())


def test_each_target_shows_how_far_its_deliverer_got() -> None:
    committed = {"webhook": {0: 3}, "file": {0: 1}}
    failed = {(0, 1): "http_500"}
    first = firing(_record(_alert(), 0), committed, failed)
    assert first.status == {"webhook": "delivered", "file": "delivered"} and first.alert is not None
    assert first.time.isoformat() == "2026-01-13T10:00:00+00:00"
    second = firing(_record(_alert(), 1), committed, failed)
    assert second.status == {"webhook": "dead-lettered: http_500", "file": "pending"}
    held = firing(_record(_alert(delivery="throttled"), 2), committed, {})
    assert held.status["webhook"] == "held (throttled)"
    no_hook = firing(_record(_alert(webhook=None), 2), committed, {})
    assert no_hook.status["webhook"] == "no rule webhook"
    assert firing(_record(_alert(), 3), committed, {}).status == {"webhook": "pending", "file": "pending"}
    assert firing(_record(_alert(), 0), {"webhook": {}}, {}).status == {}  # a target that never ran


def test_an_unreadable_record_is_shown_not_fatal() -> None:
    shown = firing(Record("alerts", 0, 5, 0, b"x:y", b"{not json"), {"file": {0: 9}}, {})
    assert shown.alert is None and shown.digest is None and shown.status == {"file": "delivered"}
