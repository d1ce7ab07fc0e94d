"""The Grafana dashboard and the alert rules only query metrics that ``streams.core.metrics`` defines."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import pytest
import yaml

import streams.core.metrics
from tests.ops.promql import PromQLSyntaxError, exposed_series, metric_names, tokenize

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "streams.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
GENERATOR = ROOT / "deploy" / "grafana" / "make_dashboard.py"


def panel_exprs(panels: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(panel title, expr) of every query, rows' nested panels included."""
    for panel in panels:
        yield from panel_exprs(panel.get("panels", []))
        for target in panel.get("targets", []):
            yield panel.get("title", "?"), target["expr"]


def alert_exprs() -> Iterator[tuple[str, str]]:
    for group in yaml.safe_load(ALERTS.read_text())["groups"]:
        for rule in group["rules"]:
            yield rule.get("alert") or rule["record"], rule["expr"]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_dashboard", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the PromQL reader itself ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("histogram_quantile(0.95, sum by (le, stage) (rate(streams_stage_latency_seconds_bucket[5m])))",
         {"streams_stage_latency_seconds_bucket"}),
        ("sum without (instance) (rate(a_total[5m])) / on (x) group_left (y) b", {"a_total", "b"}),
        ("max by (group) (lag) > 100 and delta(max by (group) (lag)[15m:1m]) > 0", {"lag"}),
        ('{__name__="streams_x_total", a="b}"} + sum(rate(y{z=~"by|on"}[5m])) by (z) * 1e3', {"streams_x_total", "y"}),
        ('ALERTS{alertstate="firing"} offset 5m unless time() > 1.5e9', {"ALERTS"}),
        ("up == bool 0 or vector(1)", {"up"}),
    ],
)
def test_metric_names_reads_selectors_not_functions_or_labels(expr: str, expected: set[str]) -> None:
    assert metric_names(expr) == expected


def test_tokenizer_rejects_unterminated_input() -> None:
    with pytest.raises(PromQLSyntaxError):
        tokenize('rate(x{job="a}[5m])')
    with pytest.raises(PromQLSyntaxError):
        tokenize("rate(x[5m)")


def test_exposed_series_follow_the_client_naming_rules() -> None:
    series = exposed_series(streams.core.metrics)
    assert "streams_articles_enriched_total" in series  # counter
    assert "streams_articles_enriched" not in series  # a counter has no bare series
    assert {"streams_stage_latency_seconds_bucket", "streams_stage_latency_seconds_sum",
            "streams_stage_latency_seconds_count"} <= set(series)  # histogram
    assert "streams_stage_latency_seconds" not in series
    assert "streams_consumer_lag_messages" in series  # gauge
    assert "streams_consumer_lag_messages_total" not in series


# -- the deployed queries ---------------------------------------------------------------------------
def _unknown(exprs: Iterator[tuple[str, str]]) -> list[str]:
    known = exposed_series(streams.core.metrics)
    bad = []
    for where, expr in exprs:
        for name in sorted(metric_names(expr)):
            if name.startswith("streams_") and name not in known:
                bad.append(f"{where}: {name}")
    return bad


def test_dashboard_queries_name_only_defined_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = list(panel_exprs(dashboard["panels"]))
    assert len(exprs) >= 20
    assert _unknown(iter(exprs)) == []


def test_dashboard_covers_the_required_signals() -> None:
    names = set()
    for _, expr in panel_exprs(json.loads(DASHBOARD.read_text())["panels"]):
        names |= metric_names(expr)
    required = {
        "streams_articles_ingested_total", "streams_articles_enriched_total", "streams_articles_stored_total",
        "streams_dead_letters_total", "streams_stage_latency_seconds_bucket", "streams_consumer_lag_messages",
        "streams_consumer_lag_seconds", "streams_articles_alerted_total", "streams_webhook_deliveries_total",
        "streams_quotes_per_article_sum", "streams_quotes_unattributed_total", "streams_entities_linked_total",
        "streams_articles_by_language_total",
    }
    assert required - names == set()


def test_alert_rules_name_only_defined_metrics() -> None:
    exprs = list(alert_exprs())
    assert {name for name, _ in exprs} >= {
        "StreamsConsumerLagGrowing", "StreamsDeadLettersSpiking", "StreamsWorkerSilent", "StreamsWebhookFailures"
    }
    assert _unknown(iter(exprs)) == []


def test_a_misspelt_metric_is_caught() -> None:
    assert _unknown(iter([("p", "sum(rate(streams_articles_enrichd_total[5m]))")])) == [
        "p: streams_articles_enrichd_total"
    ]
    assert _unknown(iter([("p", "streams_consumer_lag_seconds_total")])) == ["p: streams_consumer_lag_seconds_total"]


def test_committed_dashboard_is_what_the_generator_writes() -> None:
    assert DASHBOARD.read_text() == load_generator().render(), (
        "deploy/grafana/dashboards/streams.json is stale: run python deploy/grafana/make_dashboard.py"
    )


def test_dashboard_panels_do_not_overlap_and_use_the_provisioned_datasource() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    cells: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps another panel"
                cells.add((x, y))
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == uid
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
