"""Throttle and digest on the real broker: decided by the matcher, kept across a matcher crash,
delivered by the webhook deliverer (one call for the throttled rule, one digest for the window)."""

from __future__ import annotations

import time
from typing import Any, Iterator

import pytest
from standardwebhooks import Webhook

from streams.alerts.delivery import AlertDelivery, FileTarget, WebhookTarget
from streams.alerts.matcher import AlertMatcher, put_rule
from streams.alerts.pacing import Digest
from streams.alerts.rules import Alert, Rule
from streams.core.model import Article, EnrichedArticle
from streams.core.settings import Settings
from streams.enrich.pipeline import Pipeline

from .conftest import clustered
from .kafka_io import produce, read_all, running, wait_until
from .test_alerts_broker import HOOK_SECRET, Hook, enriched_records

HOUR = 3600.0


@pytest.fixture(scope="module")
def reuters(pipeline: Pipeline, news_rows: dict[str, dict[str, Any]]) -> list[EnrichedArticle]:
    """Four distinct Reuters stories (four story clusters), enriched and clustered for real."""
    from streams.worker.story_index import StoryIndex

    index = StoryIndex()
    out: list[EnrichedArticle] = []
    for row in news_rows.values():
        if not row["id"].startswith("reuters") or len(row.get("text", "")) < 400:
            continue
        article = Article(id=row["id"].replace(":", "-"), body_text=row["text"], headline=row.get("title"),
                          source="Reuters", provider="Reuters")
        enriched = clustered(index, pipeline.run(article))
        if enriched.dedupe.get("cluster_id") in {o.dedupe.get("cluster_id") for o in out}:
            continue  # a repeat of a story already taken
        out.append(enriched)
        if len(out) == 4:
            break
    assert len(out) == 4
    return out


@pytest.fixture()
def receiver() -> Iterator[Hook]:
    server = Hook({"/every": [204], "/digest": [204]})
    yield server
    server.close()


def test_throttle_and_digest_survive_a_matcher_crash_and_are_delivered_once(
        kafka_settings: Settings, kafka_topics: dict[str, str], reuters: list[EnrichedArticle], receiver: Hook,
        tmp_path: Any) -> None:
    settings = kafka_settings.replace(webhook_allow=f"127.0.0.1:{receiver.port}", webhook_secret=HOOK_SECRET)
    put_rule(settings, Rule(id="every", name="Reuters, at most one a day", source=("Reuters",),
                            throttle="1/1d", webhook=f"{receiver.url}/every"))
    put_rule(settings, Rule(id="hourly", name="Reuters, hourly digest", source=("Reuters",), digest="1h",
                            webhook=f"{receiver.url}/digest"))

    first = AlertMatcher(settings)  # the real clock: the hour's window stays open during the test
    with running(first):
        produce(settings, kafka_topics["enriched"], enriched_records(*reuters[:3]))
        wait_until(lambda: first.stats.consumed == 3, what="three stories matched")
    assert (first.stats.alerted, first.stats.digests) == (6, 0)  # stopped mid-window: as if it crashed

    # the next matcher process knows from the topic alone: the throttle is spent, three alerts await a digest
    later = AlertMatcher(settings, clock=lambda: time.time() + HOUR)
    with running(later):
        wait_until(lambda: later.stats.digests == 1, what="the digest of the closed window")
        produce(settings, kafka_topics["enriched"], enriched_records(reuters[3]))
        wait_until(lambda: later.stats.consumed == 1, what="the fourth story")
    assert later.stats.alerted == 2
    again = AlertMatcher(settings, clock=lambda: time.time() + HOUR)  # a digest on the topic is done for good
    with running(again):
        time.sleep(3.0)
    assert again.stats.digests == 0

    records = read_all(settings, kafka_topics["alerts"], expect=9)
    digests = [Digest.from_json(r.value) for r in records if r.key.startswith(b"#digest:")]
    alerts = [Alert.from_json(r.value) for r in records if not r.key.startswith(b"#digest:")]
    assert len(digests) == 1 and len(alerts) == 8
    (digest,) = digests
    assert digest.rule_id == "hourly" and digest.count == 3
    assert sorted(digest.covers) == sorted(f"hourly:{a.cluster_id}" for a in alerts
                                           if a.rule_id == "hourly" and a.article_id != reuters[3].id)
    marks = sorted((a.rule_id, a.delivery) for a in alerts)
    assert marks == [("every", "now"), ("every", "throttled"), ("every", "throttled"), ("every", "throttled"),
                     ("hourly", "digest"), ("hourly", "digest"), ("hourly", "digest"), ("hourly", "digest")]

    target = WebhookTarget.from_settings(settings, max_attempts=2, backoff_base_s=0.05)
    delivery = AlertDelivery(settings, target)
    with running(delivery):
        wait_until(lambda: delivery.stats.consumed == 9, what="every alert and the digest handled")
    assert (delivery.stats.delivered, delivery.stats.held, delivery.stats.dead_lettered) == (2, 7, 0)
    assert len(receiver.calls_to("/every")) == 1
    (sent,) = [raw for raw, call in zip(receiver.raw, receiver.calls) if call[0] == "/digest"]
    body = Webhook(HOOK_SECRET).verify(sent[1], sent[0])
    assert sent[0]["webhook-id"] == digest.key and body["count"] == 3 and len(body["alerts"]) == 3
    # the file target keeps every alert and the digest: nothing is lost to a throttle
    stats = AlertDelivery(settings, FileTarget(tmp_path / "all.jsonl")).run(until_idle=2.0)
    assert (stats.delivered, stats.held) == (9, 0)
