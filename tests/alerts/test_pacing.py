"""Throttle and digest decisions (streams.alerts.pacing), rebuilt from what the alerts topic holds (no broker)."""

from __future__ import annotations

import pytest

from streams.alerts.pacing import DIGEST_GRACE_S, Digest, Pacing, digest_key, parse_throttle, parse_window
from streams.alerts.rules import Alert, Rule, match
from streams.core.errors import DecodeError, ValidationError
from streams.core.model import EnrichedArticle

T0 = 1_768_298_400.0  # 2026-01-13T10:00:00Z, the start of an hour


def alert_value(rule: Rule, article: EnrichedArticle, cluster: str, delivery: str) -> tuple[str, bytes]:
    found = match(rule, article)
    assert found is not None
    alert = Alert.build(rule, found, article, delivery=delivery)
    alert = Alert.from_json(alert.to_json().replace(alert.key.encode(), f"{rule.id}:{cluster}".encode()))
    return alert.key, alert.to_json()


def test_windows_and_limits_are_validated() -> None:
    assert parse_throttle("5/1h") == (5, 3600.0) and parse_window("15m", "digest") == 900.0
    for bad, message in [("5", "not N/WINDOW"), ("0/1h", "give 1 to 1000"), ("5/1y", "not a duration"),
                         ("5/2d", "from 1s to 1d")]:
        with pytest.raises(ValidationError, match=message):
            parse_throttle(bad)
    with pytest.raises(ValidationError, match="^digest: give throttle or digest, not both"):
        Rule(id="r", name="x", text=("a",), throttle="1/1h", digest="1h")
    with pytest.raises(ValidationError, match="^throttle: "):
        Rule(id="r", name="x", text=("a",), throttle="many")
    rule = Rule(id="r", name="x", text=("a",), digest="15m")
    assert rule.digest_window == 900.0 and Rule.from_json(rule.to_json()) == rule
    assert "throttle" not in Rule(id="r", name="x", text=("a",)).to_dict()  # older matchers read plain rules


def test_throttle_counts_calls_in_any_window_and_survives_a_restart(story: dict[str, EnrichedArticle]) -> None:
    rule = Rule(id="wire", name="wire", entity=("Kaja Kallas",), throttle="2/1h")
    pacing = Pacing()
    topic: list[tuple[str, float, bytes]] = []  # what the alerts topic would hold
    decisions = []
    for i, at in enumerate([T0, T0 + 60, T0 + 120, T0 + 3000, T0 + 3601, T0 + 3700]):
        delivery = pacing.decide(rule, at)
        decisions.append(delivery)
        key, value = alert_value(rule, story["original"], f"c{i}", delivery)
        topic.append((key, at, value))
        pacing.observe(key, at, value)
    # two per hour: the 3rd and 4th are throttled; at +3601 the first left the window, at +3700 the second did
    assert decisions == ["now", "now", "throttled", "throttled", "now", "now"]
    assert b'"delivery":"throttled"' in topic[2][2] and b'"delivery"' not in topic[0][2]
    restarted = Pacing()  # a new matcher process: the same answer from the topic alone
    for key, at, value in topic:
        restarted.observe(key, at, value)
    assert restarted.decide(rule, T0 + 3750) == pacing.decide(rule, T0 + 3750) == "throttled"
    assert pacing.decide(rule, T0 + 3750, unacked=0) == "throttled"
    assert Pacing().decide(rule, T0, unacked=2) == "throttled"  # alerts of the batch in hand count too


def test_one_digest_per_window_rebuilt_after_a_crash(story: dict[str, EnrichedArticle]) -> None:
    rule = Rule(id="desk", name="desk digest", entity=("Kaja Kallas",), digest="15m", webhook="https://h.example/d")
    topic = [(*alert_value(rule, story["original"], f"c{i}", "digest"), T0 + 60 * i) for i in range(3)]
    first = Pacing()
    for key, value, at in topic[:2]:
        assert first.decide(rule, at) == "digest"
        first.observe(key, at, value)
    assert first.due([rule], T0 + 899) == []  # the window is still open
    # the matcher crashes mid-window; the next one reads the topic, sees the third alert too
    second = Pacing()
    for key, value, at in topic:
        second.observe(key, at, value)
    assert second.due([rule], T0 + 900 + DIGEST_GRACE_S - 0.5) == []
    (digest,) = second.due([rule], T0 + 900 + DIGEST_GRACE_S)
    assert digest.key == digest_key("desk", T0) == "#digest:desk:2026-01-13T10:00:00Z"
    assert (digest.count, digest.covers) == (3, ["desk:c0", "desk:c1", "desk:c2"])
    assert [a["key"] for a in digest.alerts] == digest.covers and digest.webhook == "https://h.example/d"
    assert digest.alerts[0]["reason"].startswith("entity 'Kaja Kallas")
    assert Digest.from_json(digest.to_json()) == digest
    # once the digest is on the topic it is done, for this process and for any restarted one
    second.observe(digest.key, T0 + 903, digest.to_json())
    assert second.due([rule], T0 + 2000) == []
    third = Pacing()
    for key, value, at in [*topic, (digest.key, digest.to_json(), T0 + 903)]:
        third.observe(key, at, value)
    assert third.due([rule], T0 + 2000) == []
    # an alert of the closed window that arrives late (another matcher) goes into the next digest
    late_key, late_value = alert_value(rule, story["original"], "late", "digest")
    third.observe(late_key, T0 + 880, late_value)
    assert third.due([rule], T0 + 1000) == []
    (nxt,) = third.due([rule], T0 + 1800 + DIGEST_GRACE_S)
    assert nxt.key == "#digest:desk:2026-01-13T10:15:00Z" and nxt.covers == ["desk:late"]


def test_a_digest_lists_at_most_100_alerts_and_counts_all(story: dict[str, EnrichedArticle]) -> None:
    rule = Rule(id="busy", name="busy", entity=("Kaja Kallas",), digest="1h")
    pacing = Pacing()
    key, value = alert_value(rule, story["original"], "c", "digest")
    for i in range(150):
        pacing.observe(f"busy:c{i}", T0 + i, value.replace(key.encode(), f"busy:c{i}".encode()))
    (digest,) = pacing.due([rule], T0 + 3600 + DIGEST_GRACE_S)
    assert (digest.count, len(digest.alerts), len(digest.covers)) == (150, 100, 150)


def test_the_live_view_tells_digests_and_held_alerts() -> None:
    from streams.cli.live import alert_line

    assert alert_line({"kind": "digest", "rule_name": "desk", "count": 3}) == "desk: digest of 3 alert(s)"
    assert alert_line({"rule_name": "desk", "headline": "H", "delivery": "throttled"}) == "desk: H (throttled)"
    assert alert_line({"rule_name": "desk", "headline": "H"}) == "desk: H"


@pytest.mark.parametrize("value", [
    b'{"kind": "digest", "key": "#digest:r:x", "rule_id": "r", "rule_name": "r", "window_start": "a", '
    b'"window_end": "b", "webhook": null, "count": 1, "alerts": [], "covers": 5}',
    b'{"kind": "digest", "covers": ["r:c"]}', b'[1, 2]', b'"delivery": 1', b'{"delivery": "digest", "rule_id": 7}',
    b'{"delivery": "digest"}', b'\xff\xfe',
])
def test_records_others_wrote_on_the_alerts_topic_do_not_break_the_memory(value: bytes) -> None:
    rule = Rule(id="r", name="r", text=("a",), digest="1h")
    pacing = Pacing()
    for key in ("#digest:r:2026-01-13T10:00:00Z", "r:c"):
        pacing.observe(key, T0, value)  # no exception: the matcher keeps reading
    assert pacing.due([rule], T0 + 2 * 3600) == []
    with pytest.raises((ValidationError, DecodeError)):
        Digest.from_json(value)
