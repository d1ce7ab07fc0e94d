"""The live view shows webhook deliveries and failures; `streams up` starts a webhook deliverer (pure)."""

from __future__ import annotations

import io

from prometheus_client import CollectorRegistry, Counter, generate_latest
from rich.console import Console

from streams.cli.commands.up import alert_deliverers
from streams.cli.live import DELIVERY_SERIES, RateTracker, ViewState, parse_metrics, render, state_from, summary_line
from streams.cli.main import build_parser
from streams.core.settings import load_settings


def _deliverer(ok: int, failed: int) -> dict[str, float]:
    registry = CollectorRegistry()
    counter = Counter("streams_webhook_deliveries_total", "by outcome", ["outcome"], registry=registry)
    counter.labels(outcome="ok").inc(ok)
    counter.labels(outcome="retry").inc(7)
    if failed >= 0:
        counter.labels(outcome="failed").inc(failed)
    return parse_metrics(generate_latest(registry).decode())


def _text(state: ViewState) -> str:
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(render(state))
    return out.getvalue()


def test_metrics_are_also_summed_per_outcome() -> None:
    totals = _deliverer(3, 1)
    assert totals["streams_webhook_deliveries_total"] == 11
    assert totals[DELIVERY_SERIES["delivered"]] == 3 and totals[DELIVERY_SERIES["failed"]] == 1
    assert totals["streams_webhook_deliveries_total{outcome=retry}"] == 7


def test_view_shows_deliveries_and_failures_summed_over_deliverers() -> None:
    tracker = RateTracker()
    tracker.add(0.0, {"hooks-1": _deliverer(3, 1), "hooks-2": _deliverer(2, -1), "store": {"x_total": 1.0}})
    state = state_from(tracker, {}, [], [], 3, 0)
    assert state.deliveries == {"delivered": 5, "failed": 1}
    assert "webhooks: 5 delivered, 1 failed" in _text(state)
    assert "| webhooks: 5 delivered, 1 failed |" in summary_line(state)


def test_view_without_a_deliverer_shows_no_webhook_line() -> None:
    tracker = RateTracker()
    tracker.add(0.0, {"store": {"streams_articles_stored_total": 4.0}})
    state = state_from(tracker, {}, [], [], 1, 0)
    assert state.deliveries == {}
    assert "webhooks" not in _text(state) and "webhooks" not in summary_line(state)


def test_up_starts_a_file_deliverer_and_a_rule_webhook_deliverer() -> None:
    settings = load_settings({"STREAMS_DATABASE_URL": "sqlite:///var/x/streams.db"})
    deliverers = dict(alert_deliverers(settings))
    parser = build_parser()
    hooks = parser.parse_args(deliverers["alert-webhooks"])
    assert hooks.handler.__name__ == "run_deliver" and hooks.rule_webhooks_only and not (hooks.file or hooks.webhook)
    to_file = parser.parse_args(deliverers["alert-delivery"])
    assert to_file.file == "var/x/alerts.jsonl" and not to_file.rule_webhooks_only
