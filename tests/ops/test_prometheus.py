"""The Prometheus configuration with the real Prometheus: promtool, and a live scrape of real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
import yaml
from kafka import KafkaProducer

from streams.core.model import Article
from streams.core.settings import Settings
from tests.ops.conftest import free_port, stop, wait_http
from tests.ops.test_dashboard_queries import DASHBOARD, panel_exprs

ROOT = Path(__file__).resolve().parents[2]
PROM_DIR = ROOT / "deploy" / "prometheus"
SAMPLES = ROOT.parent / "shared" / "samples"

pytestmark = pytest.mark.prometheus


def promtool_run(promtool: str, *args: str, cwd: Path = PROM_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.local.yml", "prometheus.up.yml"])
def test_promtool_accepts_the_scrape_configs(promtool: str, config: str) -> None:
    result = promtool_run(promtool, "check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_promtool_accepts_the_alert_rules(promtool: str) -> None:
    result = promtool_run(promtool, "check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_fire_as_their_unit_tests_say(promtool: str) -> None:
    result = promtool_run(promtool, "test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rejects_a_broken_rule(promtool: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump({"groups": [{"name": "x", "rules": [
        {"alert": "Broken", "expr": "sum(rate(streams_dead_letters_total[5m])"}]}]}))
    assert promtool_run(promtool, "check", "rules", str(broken)).returncode != 0


def test_dashboard_queries_are_valid_promql(promtool: str, tmp_path: Path) -> None:
    exprs = [expr for _, expr in panel_exprs(json.loads(DASHBOARD.read_text())["panels"])]
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query{i}", "expr": expr} for i, expr in enumerate(exprs)]}]}
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = promtool_run(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(exprs)} rules found" in result.stdout


# -- a live scrape --------------------------------------------------------------------------------
def local_config(tmp_path: Path, targets: dict[str, list[str]]) -> Path:
    """The project's prometheus.local.yml with absolute paths, fast scrapes and the given targets."""
    config = yaml.safe_load((PROM_DIR / "prometheus.local.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    config["global"]["scrape_timeout"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = [str(PROM_DIR / f) for f in config["rule_files"]]
    (tmp_path / "targets").mkdir()
    for job in config["scrape_configs"]:
        for sd in job["file_sd_configs"]:
            sd["files"] = [str(tmp_path / f) for f in sd["files"]]
            sd["refresh_interval"] = "1s"
        name = job["job_name"]
        if name in targets:
            (tmp_path / "targets" / f"{name}.json").write_text(json.dumps([{"targets": targets[name]}]))
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def query(url: str, promql: str) -> list[dict[str, Any]]:
    body = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=5.0).json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def wait_query(url: str, promql: str, ok: Callable[[list[dict[str, Any]]], bool], timeout: float) -> list:
    deadline = time.monotonic() + timeout
    result: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        result = query(url, promql)
        if ok(result):
            return result
        time.sleep(0.5)
    raise AssertionError(f"{promql} never satisfied the check within {timeout}s; last result {result}")


def sample_articles(n: int) -> list[Article]:
    texts = sorted(SAMPLES.glob("*.txt"))
    assert texts, f"no sample articles in {SAMPLES}"
    body = texts[0].read_text(encoding="utf-8")
    return [Article(id=f"ops-scrape-{i}", body_text=body, headline=body.splitlines()[0][:200]) for i in range(n)]


@pytest.mark.slow
def test_prometheus_scrapes_a_real_worker_and_the_lag_exporter(
    kafka_settings: Settings, kafka_topics: dict[str, str], run_prometheus: Callable[[Path], str], tmp_path: Path
) -> None:
    """Articles wait (lag 5), a real ``streams worker`` starts and drains them (lag 0, 5 enriched)."""
    settings = kafka_settings
    group = f"{settings.topic_prefix}{settings.app_id}"
    worker_port, lag_port = free_port(), free_port()
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": settings.bootstrap, "STREAMS_TOPIC_PREFIX": settings.topic_prefix,
           "STREAMS_PARTITIONS": str(settings.partitions), "STREAMS_PIPELINE": "none",
           "STREAMS_METRICS_HOST": "127.0.0.1"}
    lag_selector = f'streams_consumer_lag_messages{{job="lag", group="{group}", topic="{kafka_topics["raw"]}"}}'
    articles = sample_articles(5)
    procs: list[subprocess.Popen[bytes]] = []
    logs = [open(tmp_path / "lag.log", "wb"), open(tmp_path / "worker.log", "wb")]
    try:
        producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all")
        for article in articles:
            producer.send(kafka_topics["raw"], key=article.id.encode(), value=article.to_json())
        producer.flush()
        producer.close()

        procs.append(subprocess.Popen(
            [sys.executable, "-m", "streams.kafka.lag", "--interval", "1", "--watch", f"{group}={kafka_topics['raw']}"],
            env={**env, "STREAMS_METRICS_PORT": str(lag_port)}, stdout=logs[0], stderr=subprocess.STDOUT))
        wait_http(f"http://127.0.0.1:{lag_port}/metrics", 60.0, procs[0])
        url = run_prometheus(local_config(tmp_path, {
            "worker": [f"127.0.0.1:{worker_port}"], "lag": [f"127.0.0.1:{lag_port}"]}))

        # nothing consumes yet: Prometheus sees all five articles waiting, and for a while
        wait_query(url, lag_selector, lambda r: bool(r) and float(r[0]["value"][1]) == len(articles), 60.0)
        assert wait_query(url, f'streams_consumer_lag_seconds{{job="lag", group="{group}"}}',
                          lambda r: bool(r) and float(r[0]["value"][1]) > 0, 30.0)

        procs.append(subprocess.Popen([sys.executable, "-m", "streams.cli.main", "worker", "--no-create-topics"],
                                      env={**env, "STREAMS_METRICS_PORT": str(worker_port)},
                                      stdout=logs[1], stderr=subprocess.STDOUT))
        wait_http(f"http://127.0.0.1:{worker_port}/metrics", 90.0, procs[1])
        wait_query(url, 'up{job="worker"} == 1', lambda r: len(r) == 1, 30.0)
        enriched = wait_query(url, 'sum(streams_articles_enriched_total{job="worker"})',
                              lambda r: bool(r) and float(r[0]["value"][1]) >= len(articles), 120.0)
        assert float(enriched[0]["value"][1]) == len(articles)
        latest = query(url, 'time() - streams_last_processed_timestamp_seconds{job="worker", stage="enrich"}')
        assert latest and 0 <= float(latest[0]["value"][1]) < 120
        assert query(url, 'streams_stage_latency_seconds_count{job="worker", stage="enrich"} == 5')
        # the worker committed: the exporter reports the group caught up
        wait_query(url, lag_selector, lambda r: bool(r) and float(r[0]["value"][1]) == 0, 60.0)

        rules = httpx.get(f"{url}/api/v1/rules", timeout=5.0).json()["data"]["groups"]
        assert {g["name"] for g in rules} >= {"streams.lag", "streams.dead_letters", "streams.liveness",
                                              "streams.delivery"}
    finally:
        for proc in reversed(procs):
            stop(proc, 30.0)
        for log in logs:
            log.close()
