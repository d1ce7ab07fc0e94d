"""Write ``dashboards/streams.json``, the Grafana dashboard of the pipeline, from the panel list below.

Run ``python deploy/grafana/make_dashboard.py`` after changing a panel; ``tests/ops`` checks that the
committed JSON is what this script writes and that every query names only metrics that
``streams.core.metrics`` defines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "dashboards" / "streams.json"
DATASOURCE = {"type": "prometheus", "uid": "streams-prometheus"}
WINDOW = "5m"  # rate window: >= 4 scrape intervals of the compose config

Panel = dict[str, Any]


def target(expr: str, legend: str, ref: str) -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}


def panel(kind: str, title: str, queries: list[tuple[str, str]], unit: str, desc: str, **extra: Any) -> Panel:
    return {
        "type": kind,
        "title": title,
        "description": desc,
        "datasource": DATASOURCE,
        "targets": [target(e, legend, chr(ord("A") + i)) for i, (e, legend) in enumerate(queries)],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        **extra,
    }


def quantile(q: float, metric: str, by: str) -> str:
    return f"histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket[{WINDOW}])))"


ROWS: list[tuple[str, list[Panel]]] = [
    (
        "Throughput",
        [
            panel(
                "timeseries",
                "Articles per second",
                [
                    (f"sum(rate(streams_articles_ingested_total[{WINDOW}]))", "ingested"),
                    (f"sum(rate(streams_articles_enriched_total[{WINDOW}]))", "enriched"),
                    (f"sum(rate(streams_articles_stored_total[{WINDOW}]))", "stored"),
                    (f"sum(rate(streams_dead_letters_total[{WINDOW}]))", "dead-lettered"),
                ],
                "ops",
                "Each stage's output rate; in steady state the four lines add up: ingested = stored + dead-lettered.",
            ),
            panel(
                "timeseries",
                "Ingest by source",
                [
                    (f"sum by (source_kind) (rate(streams_articles_ingested_total[{WINDOW}]))", "{{source_kind}}"),
                    (f"sum by (source_kind) (rate(streams_ingest_duplicates_total[{WINDOW}]))",
                     "{{source_kind}} already seen"),
                ],
                "ops",
                "Articles sent to articles.raw per source kind, and items skipped as already ingested.",
            ),
            panel(
                "timeseries",
                "Ingest bytes per second",
                [(f"sum by (source_kind) (rate(streams_ingest_bytes_total[{WINDOW}]))", "{{source_kind}}")],
                "Bps",
                "Volume sent to articles.raw.",
            ),
            panel(
                "timeseries",
                "Stored, quotes and duplicates",
                [
                    (f"sum by (backend) (rate(streams_articles_stored_total[{WINDOW}]))", "stored ({{backend}})"),
                    (f"sum(rate(streams_quotes_published_total[{WINDOW}]))", "quotes published"),
                    (f"sum(rate(streams_duplicates_total[{WINDOW}]))", "duplicates"),
                ],
                "ops",
                "Archive writes per backend, quote messages, near-duplicate stories.",
            ),
        ],
    ),
    (
        "Latency",
        [
            panel(
                "timeseries",
                "Stage latency p50 / p95",
                [
                    (quantile(0.5, "streams_stage_latency_seconds", "stage"), "p50 {{stage}}"),
                    (quantile(0.95, "streams_stage_latency_seconds", "stage"), "p95 {{stage}}"),
                ],
                "s",
                "Time one article spends in a stage.",
            ),
            panel(
                "timeseries",
                "End-to-end latency p95",
                [(quantile(0.95, "streams_end_to_end_latency_seconds", "path"), "{{path}}")],
                "s",
                "From ingest to the archive (ingest_to_stored) or to an alert (ingest_to_alert).",
            ),
            panel(
                "timeseries",
                "Enrichment component p95",
                [(quantile(0.95, "streams_component_latency_seconds", "component"), "{{component}}")],
                "s",
                "Where enrichment time goes, per component.",
            ),
        ],
    ),
    (
        "Lag and liveness",
        [
            panel(
                "timeseries",
                "Consumer lag (messages)",
                [("max by (group, topic) (streams_consumer_lag_messages)", "{{group}} on {{topic}}")],
                "short",
                "Messages on the topic not yet consumed by the group. Growing lag: add workers (<= partitions).",
            ),
            panel(
                "timeseries",
                "Consumer lag (seconds)",
                [("max by (group, topic) (streams_consumer_lag_seconds)", "{{group}} on {{topic}}")],
                "s",
                "Age of the oldest unconsumed message.",
            ),
            panel(
                "timeseries",
                "Seconds since last item",
                [("time() - max by (job, instance, stage) (streams_last_processed_timestamp_seconds)",
                  "{{stage}} {{instance}}")],
                "s",
                "Per process: how long ago it finished an item. Flat-rising lines while lag > 0 mean a stuck worker.",
            ),
        ],
    ),
    (
        "Dead letters and alerts",
        [
            panel(
                "timeseries",
                "Dead letters by stage and reason",
                [(f"sum by (stage, reason) (increase(streams_dead_letters_total[{WINDOW}]))", "{{stage}}: {{reason}}")],
                "short",
                "Inputs that failed a stage, per 5 minutes. Their original bytes are on the dead-letters topic.",
            ),
            panel(
                "timeseries",
                "Alert matches and webhook deliveries",
                [
                    (f"sum(rate(streams_articles_alerted_total[{WINDOW}]))", "matches"),
                    (f"sum by (outcome) (rate(streams_webhook_deliveries_total[{WINDOW}]))", "webhook {{outcome}}"),
                ],
                "ops",
                "Alert rule matches produced to the alerts topic and their webhook deliveries by outcome.",
            ),
            panel(
                "table",
                "Firing Prometheus alerts",
                [('ALERTS{alertstate="firing", alertname=~"Streams.*"}', "{{alertname}}")],
                "short",
                "Alerts of deploy/prometheus/alerts.yml that are firing now.",
            ),
        ],
    ),
    (
        "Quality",
        [
            panel(
                "stat",
                "Quotes per article",
                [("sum(rate(streams_quotes_per_article_sum[1h])) / sum(rate(streams_quotes_per_article_count[1h]))",
                  "quotes/article")],
                "short",
                "Mean quotes found per enriched article over the last hour.",
            ),
            panel(
                "stat",
                "Unattributed quotes",
                [("sum(rate(streams_quotes_unattributed_total[1h])) / sum(rate(streams_quotes_total[1h]))",
                  "unattributed")],
                "percentunit",
                "Share of quotes with no resolved speaker over the last hour.",
            ),
            panel(
                "stat",
                "Entities linked",
                [("sum(rate(streams_entities_linked_total[1h])) / sum(rate(streams_entities_total[1h]))", "linked")],
                "percentunit",
                "Share of entities with at least one external link over the last hour.",
            ),
            panel(
                "piechart",
                "Language mix",
                [("sum by (language) (increase(streams_articles_by_language_total[1h]))", "{{language}}")],
                "short",
                "Enriched articles per language over the last hour.",
            ),
            panel(
                "timeseries",
                "Quotes by kind",
                [(f"sum by (kind) (rate(streams_quotes_total[{WINDOW}]))", "{{kind}}"),
                 (f"sum by (kind) (rate(streams_quotes_unattributed_total[{WINDOW}]))", "{{kind}} unattributed")],
                "ops",
                "Quotes found per second by kind, and how many of them have no speaker.",
            ),
            panel(
                "stat",
                "Entities per article",
                [("sum(rate(streams_entities_total[1h])) / sum(rate(streams_articles_enriched_total[1h]))",
                  "entities/article")],
                "short",
                "Mean entities per enriched article over the last hour.",
            ),
        ],
    ),
]


def build() -> dict[str, Any]:
    """The dashboard as a dict, panels laid out four to a row of the 24-column grid."""
    panels: list[Panel] = []
    next_id = 1
    y = 0
    for title, row_panels in ROWS:
        panels.append({"type": "row", "title": title, "id": next_id, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        next_id += 1
        y += 1
        width = 24 // min(len(row_panels), 4)
        for i, p in enumerate(row_panels):
            x = (i % 4) * width
            if i and i % 4 == 0:
                y += 8
            panels.append({**p, "id": next_id, "gridPos": {"h": 8, "w": width, "x": x, "y": y}})
            next_id += 1
        y += 8
    return {
        "uid": "streams-pipeline",
        "title": "streams pipeline",
        "description": "Throughput, latency, lag, dead letters, alerts and quality signals of streams.",
        "tags": ["streams", "kafka", "news"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
