"""The rule language end to end on the real broker: a rule file added with the CLI, matched in the
stream once per story, delivered once to a signed webhook; a rule added while it runs fires next."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import orjson
import pytest
from standardwebhooks import Webhook

import streams.cli.main as cli
from streams.alerts.delivery import AlertDelivery, WebhookTarget
from streams.alerts.files import parse_document
from streams.alerts.matcher import AlertMatcher, list_rules
from streams.alerts.rules import Alert
from streams.core.model import EnrichedArticle
from streams.core.settings import Settings

from .kafka_io import produce, read_all, running, wait_until
from .test_alerts_broker import HOOK_SECRET, Hook, enriched_records

RULE_FILE = """
rules:
  - id: kallas-war
    name: Kaja Kallas quoted, conflict, not sport
    webhook: {url}/desk
    when:
      and:
        - speaker: Kaja Kallas
        - topic: conflict, war and peace
        - not: {{topic: sport}}
"""


@pytest.fixture()
def receiver() -> Iterator[Hook]:
    server = Hook({"/desk": [204], "/deals": [204]})
    yield server
    server.close()


@pytest.fixture()
def env(kafka_settings: Settings, receiver: Hook, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """`streams` command lines in this process use the test's broker, topics, allow-list and secret."""
    monkeypatch.setenv("STREAMS_KAFKA_BOOTSTRAP", kafka_settings.bootstrap)
    monkeypatch.setenv("STREAMS_TOPIC_PREFIX", kafka_settings.topic_prefix)
    monkeypatch.setenv("STREAMS_WEBHOOK_ALLOW", f"127.0.0.1:{receiver.port}")
    return kafka_settings.replace(webhook_allow=f"127.0.0.1:{receiver.port}", webhook_secret=HOOK_SECRET)


def test_language_rule_fires_once_per_story_and_is_delivered_signed(
        env: Settings, kafka_topics: dict[str, str], story: dict[str, EnrichedArticle], receiver: Hook,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = env
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE_FILE.format(url=receiver.url), encoding="utf-8")
    assert cli.main(["alerts", "add", "-f", str(rules)]) == 0
    assert capsys.readouterr().out.split() == ["kallas-war"]
    (stored,) = list_rules(settings)
    assert stored.when == {"and": [{"speaker": "Kaja Kallas"}, {"topic": "medtop:16000000"},
                                   {"not": {"topic": "medtop:15000000"}}]}
    capsys.readouterr()
    assert cli.main(["alerts", "export"]) == 0  # what a desk reviews, and `add -f` reads back
    assert [r.document() for r in parse_document(capsys.readouterr().out)] == [stored.document()]

    original, copy, other = story["original"], story["copy"], story["other"]
    matcher = AlertMatcher(settings)
    with running(matcher):
        # the story, its syndicated copy, the story ingested again, an unrelated story
        produce(settings, kafka_topics["enriched"], enriched_records(original, copy, original, other))
        wait_until(lambda: matcher.stats.consumed == 4, what="four articles matched")
        assert (matcher.stats.alerted, matcher.stats.already_fired) == (1, 2)
        # a rule added while the matcher runs applies to the next article
        assert cli.main(["alerts", "add", "--id", "deals", "--name", "Takeover bids", "--webhook",
                         f"{receiver.url}/deals", "--when", "{or: [{text: takeover bid}, {text: Princeville}]}"]) == 0
        produce(settings, kafka_topics["enriched"], enriched_records(other))
        wait_until(lambda: matcher.stats.consumed == 5, what="the fifth article")
        assert matcher.stats.alerted == 2
    alerts = [Alert.from_json(r.value) for r in read_all(settings, kafka_topics["alerts"], expect=2)]
    assert sorted(a.key for a in alerts) == ["deals:reuters-qintex", "kallas-war:menafn-kallas-1"]
    kallas = next(a for a in alerts if a.rule_id == "kallas-war")
    assert [h["condition"] for h in kallas.hits] == ["topic", "not", "speaker"]

    target = WebhookTarget.from_settings(settings, max_attempts=2, backoff_base_s=0.05)
    delivery = AlertDelivery(settings, target)
    with running(delivery):
        wait_until(lambda: delivery.stats.consumed == 2, what="both alerts delivered")
    assert (delivery.stats.delivered, delivery.stats.dead_lettered) == (2, 0)
    (desk,) = [raw for raw, call in zip(receiver.raw, receiver.calls) if call[0] == "/desk"]
    headers, body = desk
    verified = Webhook(HOOK_SECRET).verify(body, headers)  # the reference library checks our signature
    assert verified["key"] == headers["webhook-id"] == "kallas-war:menafn-kallas-1"
    assert "; not topic=medtop:15000000; " in verified["reason"] and verified["hits"][1]["matched"] == "absent"
    assert orjson.loads(body)["rule_name"] == "Kaja Kallas quoted, conflict, not sport"
    assert len(receiver.calls_to("/deals")) == 1
