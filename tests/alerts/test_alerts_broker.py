"""Alerts on the real broker: rules via CLI/API, once per story cluster, webhook/file delivery."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from prometheus_client import REGISTRY

from streams.alerts.delivery import AlertDelivery, FileTarget, WebhookTarget
from streams.alerts.matcher import AlertMatcher, delete_rule, list_rules, put_rule
from streams.alerts.rules import Alert, Rule, match
from streams.cli import main as cli
from streams.core.model import DeadLetter, EnrichedArticle
from streams.core.settings import Settings

from .kafka_io import produce, read_all, running, wait_until


@pytest.fixture()
def cli_env(kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point `streams` command lines run in this process at the test's broker and topics."""
    monkeypatch.setenv("STREAMS_KAFKA_BOOTSTRAP", kafka_settings.bootstrap)
    monkeypatch.setenv("STREAMS_TOPIC_PREFIX", kafka_settings.topic_prefix)
    return kafka_settings


def add_rule_cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """`streams alerts add ...`; returns the new rule id it printed."""
    capsys.readouterr()
    assert cli.main(["alerts", "add", *args]) == 0
    return capsys.readouterr().out.strip()


def enriched_records(*articles: EnrichedArticle) -> list[tuple[bytes, bytes]]:
    return [(a.id.encode(), a.to_json()) for a in articles]


def test_cli_add_list_remove(cli_env: Settings, kafka_topics: dict[str, str],
                             capsys: pytest.CaptureFixture[str]) -> None:
    rule_id = add_rule_cli(capsys, "--name", "Kallas on war", "--entity", "Kaja Kallas", "--topic", "medtop:16000000")
    assert cli.main(["alerts", "list", "--json"]) == 0
    listed = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["entity"], r["topic"]) for r in listed] == [(rule_id, ["Kaja Kallas"], ["medtop:16000000"])]
    # an invalid rule is refused with the field named, and nothing is written
    assert cli.main(["alerts", "add", "--name", "x", "--topic", "politcs"]) == 1
    assert "topic: 'politcs'" in capsys.readouterr().err
    assert cli.main(["alerts", "remove", rule_id]) == 0
    assert cli.main(["alerts", "remove", rule_id]) == 1  # already gone
    assert list_rules(cli_env) == []


def test_one_alert_per_story_cluster(cli_env: Settings, kafka_topics: dict[str, str], story: dict[str, EnrichedArticle],
                                     capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    settings = cli_env
    kallas = add_rule_cli(capsys, "--name", "Kallas on war", "--entity", "Kaja Kallas", "--topic", "medtop:16000000")
    put_rule(settings, Rule(id="quoted-kallas", name="Kallas quoted", speaker=("Kaja Kallas",)))
    put_rule(settings, Rule(id="princeville", name="Princeville deal", text=("Princeville",)))
    original, copy, other = story["original"], story["copy"], story["other"]
    assert copy.dedupe["duplicate_of"] == original.id  # the real index clustered the syndicated copy

    alerted_before = REGISTRY.get_sample_value("streams_articles_alerted_total") or 0.0
    latency = {"path": "ingest_to_alert"}
    observed_before = REGISTRY.get_sample_value("streams_end_to_end_latency_seconds_count", latency) or 0.0
    matcher = AlertMatcher(settings)
    with running(matcher):
        assert len(matcher.rules.rules()) == 3
        # the story, its syndicated copy, the story re-delivered, an unrelated story, a broken record
        sent = produce(settings, kafka_topics["enriched"],
                       enriched_records(original, copy, original, other) + [(b"broken", b"{not json")])
        wait_until(lambda: matcher.stats.consumed == sent, what="the matcher to consume every record")
        stats = matcher.stats
    alerts = [Alert.from_json(r.value) for r in read_all(settings, kafka_topics["alerts"], expect=3)]
    assert sorted(a.key for a in alerts) == sorted(
        [f"{kallas}:{original.id}", f"quoted-kallas:{original.id}", f"princeville:{other.id}"])
    assert all(r.key.decode() == Alert.from_json(r.value).key for r in read_all(settings, kafka_topics["alerts"]))
    assert (stats.alerted, stats.already_fired, stats.dead_lettered) == (3, 4, 1)
    assert (REGISTRY.get_sample_value("streams_articles_alerted_total") or 0.0) - alerted_before == 3
    observed = REGISTRY.get_sample_value("streams_end_to_end_latency_seconds_count", latency) or 0.0
    assert observed - observed_before == 3  # every alert's article carried received_at
    first = next(a for a in alerts if a.rule_id == kallas)
    # the copy may be read first (another partition): either article may carry the story's one alert
    assert first.cluster_id == original.id and first.article_id in (original.id, copy.id)
    assert first.rule_name == "Kallas on war"
    assert "Kaja Kallas" in first.reason and "medtop:16000000" in first.reason
    quoted = next(a for a in alerts if a.rule_id == "quoted-kallas")
    assert quoted.snippet and "security guarantees" in quoted.snippet

    dead = [DeadLetter.from_json(r.value) for r in read_all(settings, kafka_topics["dead_letters"], expect=1)]
    assert [(d.stage, d.reason, d.original) for d in dead] == [("alert", "malformed_json", b"{not json")]

    # a restarted matcher that re-reads everything (a new group: every record redelivered) fires nothing
    again = AlertMatcher(settings, group_id=f"{settings.topic_prefix}replay")
    with running(again):
        wait_until(lambda: again.stats.consumed == sent, what="the replay to consume every record")
    assert (again.stats.alerted, again.stats.already_fired) == (0, 7)
    assert len(read_all(settings, kafka_topics["alerts"], expect=3)) == 3

    # two matcher processes racing on one story would produce its key twice: delivered once
    produce(settings, kafka_topics["alerts"], [(first.key.encode(), first.to_json())])
    out = tmp_path / "alerts.jsonl"
    stats_file = AlertDelivery(settings, FileTarget(out)).run(until_idle=3.0)
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert sorted(line["key"] for line in lines) == sorted(a.key for a in alerts)
    assert (stats_file.consumed, stats_file.delivered, stats_file.skipped) == (4, 3, 1)


def test_rule_changes_apply_while_running(kafka_settings: Settings, kafka_topics: dict[str, str],
                                          story: dict[str, EnrichedArticle]) -> None:
    settings, enriched = kafka_settings, kafka_topics["enriched"]
    matcher = AlertMatcher(settings)
    with running(matcher):
        produce(settings, enriched, enriched_records(story["other"]))
        wait_until(lambda: matcher.stats.consumed == 1, what="first article")
        assert matcher.stats.alerted == 0  # no rules yet
        put_rule(settings, Rule(id="princeville", name="Princeville", text=("Princeville",)))
        produce(settings, enriched, enriched_records(story["other"]))
        wait_until(lambda: matcher.stats.consumed == 2, what="second article")
        assert matcher.stats.alerted == 1  # the rule was read before the article: it applies
        produce(settings, kafka_topics["alert_rules"], [(b"junk", b"not a rule"), (b"x", b'{"id": "y"}')])
        put_rule(settings, Rule(id="greenland", name="Greenland", text=("Greenland",)))
        put_rule(settings, Rule(id="kallas", name="Kallas", entity=("Kallas",)))
        delete_rule(settings, "greenland")
        produce(settings, enriched, enriched_records(story["original"]))
        wait_until(lambda: matcher.stats.consumed == 3, what="third article")
        assert [r.id for r in matcher.rules.rules()] == ["kallas", "princeville"]  # invalid records ignored
    keys = sorted(r.key.decode() for r in read_all(settings, kafka_topics["alerts"], expect=2))
    assert keys == ["kallas:menafn-kallas-1", "princeville:reuters-qintex"]


# -- webhooks ----------------------------------------------------------------------------------------
class Hook:
    """A webhook receiver on 127.0.0.1: per path, a script of status codes (the last one repeats)."""

    def __init__(self, scripts: dict[str, list[int]]) -> None:
        self.scripts = scripts
        self.calls: list[tuple[str, str | None, dict[str, Any]]] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.calls.append((self.path, self.headers.get("Idempotency-Key"), orjson.loads(body)))
                script = hook.scripts[self.path]
                status = script.pop(0) if len(script) > 1 else script[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def calls_to(self, path: str) -> list[tuple[str, str | None, dict[str, Any]]]:
        return [c for c in self.calls if c[0] == path]


@pytest.fixture()
def hook() -> Iterator[Hook]:
    server = Hook({"/flaky": [500, 500, 200], "/down": [503], "/gone": [404]})
    yield server
    server.close()


def deliveries(outcome: str) -> float:
    return REGISTRY.get_sample_value("streams_webhook_deliveries_total", {"outcome": outcome}) or 0.0


def test_webhook_retries_then_delivers_once_and_dead_letters_failures(
    kafka_settings: Settings, kafka_topics: dict[str, str], story: dict[str, EnrichedArticle], hook: Hook
) -> None:
    settings = kafka_settings
    alerts = []
    for path in ("/flaky", "/down", "/gone"):
        rule = Rule(id=f"hook{path.replace('/', '-')}", name=f"hook {path}", entity=("Kaja Kallas",),
                    webhook=hook.url + path)
        found = match(rule, story["original"])
        assert found is not None
        alerts.append(Alert.build(rule, found, story["original"]))
    before = {o: deliveries(o) for o in ("ok", "retry", "failed")}
    produce(settings, kafka_topics["alerts"], [(a.key.encode(), a.to_json()) for a in alerts])

    target = WebhookTarget(max_attempts=3, backoff_base_s=0.05, backoff_max_s=0.2, timeout_s=5)
    delivery = AlertDelivery(settings, target)
    with running(delivery):
        wait_until(lambda: delivery.stats.consumed == 3, what="three alerts handled")
    assert (delivery.stats.delivered, delivery.stats.dead_lettered) == (1, 2)

    flaky = hook.calls_to("/flaky")
    assert len(flaky) == 3  # 500, 500, 200
    assert {key for _, key, _ in flaky} == {alerts[0].key}  # the same Idempotency-Key every time
    assert flaky[-1][2]["rule_id"] == "hook-flaky" and "webhook" not in flaky[-1][2]
    assert len(hook.calls_to("/down")) == 3 and len(hook.calls_to("/gone")) == 1
    assert {o: deliveries(o) - before[o] for o in before} == {"ok": 1, "retry": 4, "failed": 2}

    dead = [DeadLetter.from_json(r.value) for r in read_all(settings, kafka_topics["dead_letters"], expect=2)]
    assert sorted((d.stage, d.reason, d.original) for d in dead) == sorted(
        [("alert_delivery", "webhook_failed", alerts[1].to_json()),
         ("alert_delivery", "webhook_rejected", alerts[2].to_json())])
    assert all("HTTP 50" in d.message or "HTTP 404" in d.message for d in dead)

    # offsets were committed after delivery: a restarted deliverer sends nothing again
    calls = len(hook.calls)
    restarted = AlertDelivery(settings, WebhookTarget(max_attempts=3, backoff_base_s=0.05))
    assert restarted.run(until_idle=2.0).consumed == 0
    assert len(hook.calls) == calls


def test_alert_without_any_webhook_is_dead_lettered(kafka_settings: Settings, kafka_topics: dict[str, str],
                                                    story: dict[str, EnrichedArticle]) -> None:
    rule = Rule(id="no-hook", name="no hook", text=("Princeville",))
    found = match(rule, story["other"])
    assert found is not None
    alert = Alert.build(rule, found, story["other"])
    produce(kafka_settings, kafka_topics["alerts"], [(alert.key.encode(), alert.to_json()), (b"x", b"[]")])
    stats = AlertDelivery(kafka_settings, WebhookTarget(max_attempts=1)).run(until_idle=2.0)
    assert (stats.consumed, stats.delivered, stats.dead_lettered) == (2, 0, 2)
    dead = [DeadLetter.from_json(r.value) for r in read_all(kafka_settings, kafka_topics["dead_letters"], expect=2)]
    assert sorted(d.reason for d in dead) == ["invalid", "no_webhook"]


def test_alerts_run_command_serves_metrics_and_stops_on_sigterm(
    kafka_settings: Settings, kafka_topics: dict[str, str], story: dict[str, EnrichedArticle]
) -> None:
    settings = kafka_settings
    put_rule(settings, Rule(id="kallas", name="Kallas", entity=("Kaja Kallas",)))
    produce(settings, kafka_topics["enriched"], enriched_records(story["original"]))
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": settings.bootstrap, "STREAMS_TOPIC_PREFIX": settings.topic_prefix,
           "STREAMS_METRICS_PORT": "0", "STREAMS_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([sys.executable, "-m", "streams.cli.main", "alerts", "run"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        alerts = read_all(settings, kafka_topics["alerts"], expect=1, timeout_s=60)
        assert [r.key for r in alerts] == [b"kallas:menafn-kallas-1"]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "metrics on http://127.0.0.1:" in err
    assert "alerts: 1 produced, 0 already fired, 0 dead-lettered of 1 articles" in err
