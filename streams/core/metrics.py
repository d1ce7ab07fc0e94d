"""Every Prometheus metric of streams, defined once. Prefix ``streams_``; seconds and bytes.

Labels are bounded: ``stage`` and ``reason`` come from small fixed sets (see
:mod:`streams.core.errors`), ``language`` is folded to :data:`LANGUAGES` or ``other``.
Every long-running process calls :func:`serve_metrics` to expose ``/metrics``.
"""

from __future__ import annotations

import logging
import socket

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
LANGUAGES = frozenset({"en", "de", "fr", "es", "it", "pt", "nl", "ru", "uk", "pl", "ar", "zh", "ja", "tr", "sv"})

# --- throughput -------------------------------------------------------------------------------
ARTICLES_INGESTED = Counter(
    "streams_articles_ingested_total", "Articles acknowledged by the broker on articles.raw", ["source_kind"]
)
INGEST_DUPLICATES = Counter(
    "streams_ingest_duplicates_total", "Items skipped at ingest because they were already seen", ["source_kind"]
)
FEED_CHARSET_PROBLEMS = Counter(
    "streams_feed_charset_problems_total", "Feed documents whose declared charset was wrong or missing (corrected)"
)
INGEST_BYTES = Counter("streams_ingest_bytes_total", "Bytes of articles sent to articles.raw", ["source_kind"])
ARTICLES_ENRICHED = Counter("streams_articles_enriched_total", "Articles enriched and produced to articles.enriched")
ARTICLES_STORED = Counter("streams_articles_stored_total", "Articles written to the archive", ["backend"])
ARTICLES_ALERTED = Counter("streams_articles_alerted_total", "Alert matches produced to the alerts topic")
QUOTES_PUBLISHED = Counter("streams_quotes_published_total", "Quote messages produced to the quotes topic")
DEAD_LETTERS = Counter(
    "streams_dead_letters_total", "Inputs dead-lettered, by stage and reason", ["stage", "reason"]
)
DUPLICATES = Counter("streams_duplicates_total", "Articles marked as duplicates of an earlier story")

# --- latency ----------------------------------------------------------------------------------
STAGE_LATENCY = Histogram(
    "streams_stage_latency_seconds", "Time spent in one stage per article", ["stage"], buckets=LATENCY_BUCKETS
)
COMPONENT_LATENCY = Histogram(
    "streams_component_latency_seconds",
    "Time spent in one enrichment component per article",
    ["component"],
    buckets=LATENCY_BUCKETS,
)
END_TO_END_LATENCY = Histogram(
    "streams_end_to_end_latency_seconds",
    "Time from ingest to a final stage (path=ingest_to_stored|ingest_to_alert)",
    ["path"],
    buckets=LATENCY_BUCKETS,
)
ARCHIVE_STATISTICS = Histogram(
    "streams_archive_statistics_seconds",
    "Time to refresh the archive's query-planner statistics (streams store, SQLite)",
    ["backend"],
    buckets=LATENCY_BUCKETS,
)

# --- lag & liveness -----------------------------------------------------------------------------
CONSUMER_LAG_MESSAGES = Gauge(
    "streams_consumer_lag_messages", "Messages not yet consumed, per consumer group and topic", ["group", "topic"]
)
CONSUMER_LAG_SECONDS = Gauge(
    "streams_consumer_lag_seconds",
    "Age of the oldest unconsumed message (approx.), per consumer group and topic",
    ["group", "topic"],
)
DEDUPE_STATE_BYTES = Gauge(
    "streams_dedupe_state_bytes", "Bytes held by this process's story index (dedupe state, arrays and ids)"
)
DEDUPE_STATE_ARTICLES = Gauge(
    "streams_dedupe_state_articles", "Articles held by this process's story index (the dedupe window)"
)
DEDUPE_SNAPSHOT_BYTES = Gauge(
    "streams_dedupe_snapshot_bytes", "Size of the story index snapshot this worker wrote last (restarts replay from it)"
)
LAST_PROCESSED = Gauge(
    "streams_last_processed_timestamp_seconds", "Unix time this process last finished an item", ["stage"]
)

# --- delivery -----------------------------------------------------------------------------------
WEBHOOK_DELIVERIES = Counter(
    "streams_webhook_deliveries_total", "Alert webhook deliveries by outcome (ok|retry|failed)", ["outcome"]
)

# --- console and API ----------------------------------------------------------------------------
HTTP_REQUEST_LATENCY = Histogram(
    "streams_http_request_seconds", "Time to answer a request of the console or JSON API, per route and status class",
    ["route", "status"], buckets=LATENCY_BUCKETS,
)
LIVE_LISTENERS = Gauge("streams_console_live_listeners", "Browsers following the console's live stream")

# --- quality signals ----------------------------------------------------------------------------
QUOTES_PER_ARTICLE = Histogram(
    "streams_quotes_per_article", "Quotes found per enriched article", buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34)
)
QUOTES_FOUND = Counter("streams_quotes_total", "Quotes found", ["kind"])
QUOTES_UNATTRIBUTED = Counter("streams_quotes_unattributed_total", "Quotes with no resolved speaker", ["kind"])
ENTITIES_FOUND = Counter("streams_entities_total", "Entities found (one per real-world thing per article)")
ENTITIES_LINKED = Counter("streams_entities_linked_total", "Entities with at least one external link")
ARTICLES_BY_LANGUAGE = Counter("streams_articles_by_language_total", "Enriched articles by language", ["language"])


def language_label(language: str | None) -> str:
    """Fold a language code into the bounded label set."""
    if not language:
        return "unknown"
    return language if language in LANGUAGES else "other"


def serve_metrics(port: int, host: str = "127.0.0.1") -> int | None:
    """Expose ``/metrics`` on ``host:port`` in a background thread; returns the bound port.

    ``port == 0`` picks a free port; ``port < 0`` disables the endpoint.
    """
    if port < 0:
        return None
    if port == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    start_http_server(port, addr=host)
    log.info("metrics on http://%s:%d/metrics", host, port)
    return port
