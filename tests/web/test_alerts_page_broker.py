"""The Alerts page on a real broker: rules added, disabled and enabled from the console (with the
operator's token) are what the matcher applies; its alerts, their delivery and the dead letters show."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from streams.alerts.delivery import AlertDelivery, FileTarget
from streams.alerts.matcher import AlertMatcher, list_rules
from streams.alerts.model import Alert, Match, Rule
from streams.core.model import DeadLetter
from streams.core.settings import Settings
from streams.store.backends import open_archive
from streams.web import alerts_page
from streams.web.server import ConsoleServer
from tests.alerts.kafka_io import produce, running, wait_until
from tests.store.articles import sample_article
from tests.web.articles import HOSTILE_HEADLINE, hostile_article

TOKEN = "broker-test-token"
RULE = "id: kallas-quoted\nname: Kallas quoted\nwhen: {speaker: Kaja Kallas}\n"


@pytest.fixture()
def operator(database_url: str, kafka_settings: Settings, kafka_topics: dict[str, str]) -> Iterator[httpx.Client]:
    settings = kafka_settings.replace(console_token=TOKEN)
    with open_archive(database_url, read_only=True) as archive:
        server = ConsoleServer(archive, "127.0.0.1", 0, settings=settings).start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                yield c
        finally:
            server.stop()


def _rule_state(page: str, rule_id: str) -> str:
    row = re.search(rf'<tr data-rule="{re.escape(rule_id)}">(.*?)</tr>', page, re.S)
    assert row, page[:2000]
    return re.search(r'<td class="state">(\w+)</td>', row.group(1)).group(1)


def test_rules_from_the_console_drive_the_matcher_and_its_alerts_show(
        operator: httpx.Client, kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = kafka_settings
    monkeypatch.setattr(alerts_page, "CACHE_S", 0.0)  # each request reads Kafka again, before answering
    monkeypatch.setattr(alerts_page, "MAX_STALE_S", 0.0)
    added = operator.post("/console/alerts/rules", data={"rule": RULE, "token": TOKEN})
    assert added.status_code == 303 and added.headers["location"] == "/console/alerts?added=kallas-quoted"
    assert [(r.id, r.disabled) for r in list_rules(settings)] == [("kallas-quoted", False)]
    page = operator.get(added.headers["location"]).text
    assert "Rule kallas-quoted added." in page and _rule_state(page, "kallas-quoted") == "active"
    assert "refused" in operator.post("/console/alerts/rules/disable", data={"rule_id": "kallas-quoted"}).text
    disabled = operator.post("/console/alerts/rules/disable", data={"rule_id": "kallas-quoted", "token": TOKEN})
    assert disabled.status_code == 303
    assert [(r.id, r.disabled) for r in list_rules(settings)] == [("kallas-quoted", True)]
    assert _rule_state(operator.get("/console/alerts").text, "kallas-quoted") == "disabled"

    original = sample_article()  # Kaja Kallas is quoted; its story is cluster-sample
    matcher = AlertMatcher(settings)
    with running(matcher):
        produce(settings, kafka_topics["enriched"], [(original.id.encode(), original.to_json()),
                                                     (b"broken", b"{not json")])
        wait_until(lambda: matcher.stats.consumed == 2, what="the matcher to read both records")
        assert matcher.stats.alerted == 0  # the rule is disabled: kept, not applied
        enabled = operator.post("/console/alerts/rules/enable", data={"rule_id": "kallas-quoted", "token": TOKEN})
        assert enabled.status_code == 303
        produce(settings, kafka_topics["enriched"], [(original.id.encode(), original.to_json())])
        wait_until(lambda: matcher.stats.consumed == 3, what="the matcher to read the third record")
        assert matcher.stats.alerted == 1
    page = operator.get("/console/alerts").text
    firings = re.search(r'<table class="topics" id="firings">(.*?)</table>', page, re.S).group(1)
    assert 'data-key="kallas-quoted:cluster-sample"' in firings and "Kallas quoted" in firings
    counts = re.search(r'id="letter-counts">(.*?)</table>', page, re.S).group(1)
    assert re.search(r"<td>alert</td><td>malformed_json</td><td class=\"num\">1</td>", counts)
    AlertDelivery(settings, FileTarget(tmp_path / "alerts.jsonl")).run(until_idle=2.0)
    page = operator.get("/console/alerts").text
    firings = re.search(r'<table class="topics" id="firings">(.*?)</table>', page, re.S).group(1)
    assert "<th scope=\"col\">file</th>" in firings and '<td class="status">delivered</td>' in firings


def test_hostile_alerts_and_dead_letters_show_as_text(operator: httpx.Client, kafka_settings: Settings,
                                                      kafka_topics: dict[str, str]) -> None:
    hostile = hostile_article()
    rule = Rule(id="evil", name='<script>window.__pwned="rule"</script>', text=("minister",))
    alert = Alert.build(rule, Match(rule.id, rule.name, hostile.id, ()), hostile)
    letter = DeadLetter.of("enrich", "invalid", "ValidationError", '<img src=x onerror="window.__pwned=1">',
                           b"<script>", source_topic=kafka_topics["raw"])
    produce(kafka_settings, kafka_topics["alerts"], [(alert.key.encode(), alert.to_json())])
    produce(kafka_settings, kafka_topics["dead_letters"], [(None, letter.to_json())])
    page = operator.get("/console/alerts").text
    assert "&lt;script&gt;window.__pwned=&#34;rule&#34;&lt;/script&gt;" in page
    assert HOSTILE_HEADLINE.replace("<", "&lt;").split(">")[0] in page
    assert "&lt;img src=x onerror=" in page and "<img" not in page and "<script>" not in page
    assert 'href="/console/article/hostile-%3Cscript%3E-1"' in page
