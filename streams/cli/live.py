"""A compact live terminal view of a running pipeline (``make run`` / ``streams up``).

It shows, refreshed every ``refresh`` seconds:

* rates per second: ingested, enriched, stored, dead-lettered (scraped from the processes'
  ``/metrics`` URLs and parsed with ``prometheus_client.parser``);
* consumer lag of the enrich workers and of the store (measured by :class:`streams.kafka.lag.LagMonitor`);
* the latest enriched articles with their top entities, quotes and topics (tailing
  ``articles.enriched`` in a consumer group of its own, from the latest offsets);
* the latest alert matches (tailing ``alerts`` when that topic exists), and the webhook deliveries
  and failures so far once a deliverer exposes them.

When stdout is not a terminal (or ``STREAMS_DASHBOARD_PLAIN=1``) it prints a one-line summary
every few seconds instead. The pure parts (:func:`parse_metrics`, :class:`RateTracker`,
:func:`article_row`, :func:`render`) need no broker.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence, TypeVar

import httpx
import orjson
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from streams.core.errors import ValidationError
from streams.core.model import headline_of
from streams.core.ninjs import is_streams_ninjs, model_dict_of
from streams.core.records import Entity, Quote, Record, Topic, readable
from streams.core.settings import Settings
from streams.kafka import topics

log = logging.getLogger(__name__)
R = TypeVar("R", bound=Record)

#: the counters shown as rates: display name -> series name
RATE_SERIES: dict[str, str] = {
    "ingested": "streams_articles_ingested_total",
    "enriched": "streams_articles_enriched_total",
    "stored": "streams_articles_stored_total",
    "dead-lettered": "streams_dead_letters_total",
}
#: webhook outcomes shown once a deliverer exposes them: display name -> series (see parse_metrics)
DELIVERY_SERIES: dict[str, str] = {
    "delivered": "streams_webhook_deliveries_total{outcome=ok}",
    "failed": "streams_webhook_deliveries_total{outcome=failed}",
}
PLAIN_EVERY_S = 5.0
RATE_WINDOW_S = 10.0
MAX_ARTICLES = 8
MAX_ALERTS = 5


# -- metrics ----------------------------------------------------------------------------------------
def parse_metrics(text: str) -> dict[str, float]:
    """Sum every sample of a Prometheus text exposition by series name (labels folded away).

    Samples with an ``outcome`` label are also summed per outcome, as ``name{outcome=VALUE}``.
    """
    totals: dict[str, float] = collections.defaultdict(float)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] += sample.value
            if "outcome" in sample.labels:
                totals[f"{sample.name}{{outcome={sample.labels['outcome']}}}"] += sample.value
    return dict(totals)


def scrape(urls: Sequence[str], client: httpx.Client) -> tuple[dict[str, dict[str, float]], int]:
    """Scrape every URL; returns the totals per URL that answered and how many did not."""
    snaps: dict[str, dict[str, float]] = {}
    down = 0
    for url in urls:
        try:
            response = client.get(url, timeout=2.0)
            response.raise_for_status()
            snaps[url] = parse_metrics(response.text)
        except (httpx.HTTPError, ValueError) as exc:
            log.debug("scrape of %s failed: %s", url, exc)
            down += 1
    return snaps, down


class RateTracker:
    """Per-second rates of counters summed over processes, over a sliding window.

    A counter of one process that goes down means that process restarted: counting continues on
    top of what it had reached, so a restart is neither a negative nor a spurious burst of rate.
    """

    def __init__(self, window_s: float = RATE_WINDOW_S) -> None:
        self.window_s = window_s
        self._points: collections.deque[tuple[float, dict[str, float]]] = collections.deque()
        self._offset: dict[tuple[str, str], float] = collections.defaultdict(float)
        self._last_raw: dict[tuple[str, str], float] = {}

    def add(self, now: float, per_source: Mapping[str, Mapping[str, float]]) -> None:
        """Record the raw totals of each source (process) at time ``now``."""
        for source, totals in per_source.items():
            for name, value in totals.items():
                key = (source, name)
                previous = self._last_raw.get(key)
                if previous is not None and value < previous:
                    self._offset[key] += previous
                self._last_raw[key] = value
        merged: dict[str, float] = collections.defaultdict(float)
        for (source, name), value in self._last_raw.items():  # a source that missed a scrape keeps its last value
            merged[name] += value + self._offset[(source, name)]
        self._points.append((now, dict(merged)))
        while len(self._points) > 2 and now - self._points[1][0] >= self.window_s:
            self._points.popleft()

    def rate(self, name: str) -> float:
        """Increase per second of ``name`` across the window (0 until two points exist)."""
        if len(self._points) < 2:
            return 0.0
        (t0, first), (t1, last) = self._points[0], self._points[-1]
        if t1 <= t0:
            return 0.0
        return max(0.0, (last.get(name, 0.0) - first.get(name, 0.0)) / (t1 - t0))

    def total(self, name: str) -> float:
        return self._points[-1][1].get(name, 0.0) if self._points else 0.0

    def has(self, name: str) -> bool:
        """True once some process has exposed ``name``."""
        return bool(self._points) and name in self._points[-1][1]


# -- articles and alerts ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArticleRow:
    """What the view shows of one enriched article."""

    id: str
    headline: str
    language: str
    entities: str
    quotes: str
    topics: str


def _top_entities(entities: Sequence[Entity], n: int = 3) -> str:
    ranked = sorted(entities, key=lambda e: -max(1, len(e.mentions)))
    return ", ".join(f"{e.name} ({e.type or '?'})" for e in ranked[:n])


def _quotes(quotes: Sequence[Quote]) -> str:
    if not quotes:
        return "-"
    speakers = collections.Counter(q.speaker or "unattributed" for q in quotes)
    top = ", ".join(f"{name} ×{count}" if count > 1 else name for name, count in speakers.most_common(2))
    return f"{len(quotes)}: {top}"


def _topics(found: Sequence[Topic], n: int = 2) -> str:
    ranked = sorted(found, key=lambda t: -float(t.score or 0))
    return ", ".join(f"{t.label or t.code} {float(t.score or 0):.2f}" for t in ranked[:n])


def _valid(cls: type[R], items: Any) -> list[R]:
    return [r for r in readable(cls, items) if r is not None]


def article_row(enriched: Mapping[str, Any]) -> ArticleRow:
    """Summarize an enriched article (the dict of ``EnrichedArticle.to_dict()``) for the table.

    Entities, quotes and topics are read as records; one that is not a valid record is left out."""
    article = enriched.get("article") or {}
    headline = headline_of(article.get("headline"), enriched.get("provenance")) \
        or (article.get("body_text") or "").strip().split("\n", 1)[0]
    return ArticleRow(
        id=str(enriched.get("id") or article.get("id") or "?"),
        headline=headline[:90],
        language=enriched.get("language") or article.get("language") or "?",
        entities=_top_entities(_valid(Entity, enriched.get("entities"))) or "-",
        quotes=_quotes(_valid(Quote, enriched.get("quotes"))),
        topics=_topics(_valid(Topic, enriched.get("topics"))) or "-",
    )


def alert_line(alert: Mapping[str, Any]) -> str:
    """One line for an alert match, whatever fields the alert carries."""
    rule = alert.get("rule_name") or alert.get("rule_id") or alert.get("rule") or "alert"
    if alert.get("kind") == "digest":
        return f"{rule}: digest of {alert.get('count')} alert(s)"
    what = alert.get("headline") or alert.get("article_id") or alert.get("id") or ""
    held = f" ({alert['delivery']})" if alert.get("delivery") in ("throttled", "digest") else ""
    return f"{rule}: {what}{held}".strip()


# -- state and rendering --------------------------------------------------------------------------------
@dataclass
class ViewState:
    """Everything one frame shows."""

    rates: dict[str, float] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    lag: dict[str, tuple[int, float]] = field(default_factory=dict)  # consumer -> (messages, seconds)
    articles: list[ArticleRow] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    deliveries: dict[str, float] = field(default_factory=dict)  # DELIVERY_SERIES label -> total; {} if none
    processes: int = 0
    processes_down: int = 0
    console_url: str | None = None  # the web console of `streams up`


def state_from(tracker: RateTracker, lag: Mapping[str, tuple[int, float]], articles: Iterable[ArticleRow],
               alerts: Iterable[str], processes: int, down: int) -> ViewState:
    return ViewState(
        rates={label: tracker.rate(series) for label, series in RATE_SERIES.items()},
        totals={label: tracker.total(series) for label, series in RATE_SERIES.items()},
        lag=dict(lag), articles=list(articles), alerts=list(alerts), processes=processes, processes_down=down,
        deliveries={label: tracker.total(series) for label, series in DELIVERY_SERIES.items()}
        if any(tracker.has(series) for series in DELIVERY_SERIES.values()) else {},
    )


def render(state: ViewState) -> RenderableType:
    """The frame: rates and lag on top, latest articles, latest alerts."""
    rates = Table("stage", "per s", "total", title="throughput", title_justify="left")
    for label in RATE_SERIES:
        rates.add_row(label, f"{state.rates.get(label, 0.0):.2f}", f"{state.totals.get(label, 0.0):,.0f}")

    lag = Table("consumer", "messages", "oldest", title="lag", title_justify="left")
    for name, (messages, seconds) in sorted(state.lag.items()):
        lag.add_row(name, f"{messages:,}", f"{seconds:.0f}s", style="red" if seconds > 600 else None)
    if not state.lag:
        lag.add_row("-", "-", "-")

    articles = Table("headline", "lang", "entities", "quotes", "topics", title="latest articles",
                     title_justify="left", expand=True)
    for row in state.articles:
        articles.add_row(row.headline, row.language, row.entities, row.quotes, row.topics)
    if not state.articles:
        articles.add_row("waiting for enriched articles...", "", "", "", "")

    top = Table.grid(padding=(0, 2))
    top.add_row(rates, lag)
    parts: list[RenderableType] = [top, articles]
    if state.alerts:
        parts.append(Text("alerts\n", style="bold") + Text("\n".join(state.alerts), style="yellow"))
    if state.deliveries:
        parts.append(Text(_deliveries(state), style="red" if state.deliveries.get("failed") else "dim"))
    footer = f"{state.processes - state.processes_down}/{state.processes} processes answer /metrics · Ctrl-C stops"
    if state.console_url:
        footer = f"console {state.console_url} · {footer}"
    parts.append(Text(footer, style="red" if state.processes_down else "dim"))
    return Group(*parts)


def summary_line(state: ViewState) -> str:
    """The plain, one-line form of a frame (for logs and non-terminals)."""
    rates = " ".join(f"{k} {state.rates.get(k, 0.0):.2f}/s ({state.totals.get(k, 0.0):.0f})" for k in RATE_SERIES)
    lag = sum(m for m, _ in state.lag.values())
    oldest = max((s for _, s in state.lag.values()), default=0.0)
    latest = state.articles[0].headline[:60] if state.articles else "-"
    hooks = f" | {_deliveries(state)}" if state.deliveries else ""
    return f"{rates} | lag {lag} msgs, oldest {oldest:.0f}s{hooks} | latest: {latest}"


def _deliveries(state: ViewState) -> str:
    return "webhooks: " + ", ".join(f"{state.deliveries.get(k, 0.0):,.0f} {k}" for k in DELIVERY_SERIES)


# -- the live parts ---------------------------------------------------------------------------------
class TopicTail(threading.Thread):
    """Follow the enriched and alert topics from their latest offsets, keeping the newest items."""

    def __init__(self, settings: Settings, stop: threading.Event) -> None:
        super().__init__(name="dashboard-tail", daemon=True)
        self.settings = settings
        self.stop_event = stop
        self.articles: collections.deque[ArticleRow] = collections.deque(maxlen=MAX_ARTICLES)
        self.alerts: collections.deque[str] = collections.deque(maxlen=MAX_ALERTS)

    def run(self) -> None:
        from streams.kafka import clients  # late: the view's other parts need no Kafka client

        enriched, alerts = topics.ENRICHED.name(self.settings), topics.ALERTS.name(self.settings)
        try:
            consumer = clients.consumer(self.settings, client_id="streams-live-view",
                                        group_id=topics.live_view_group(self.settings, os.getpid()),
                                        auto_offset_reset="latest")
        except Exception as exc:  # the view still shows rates and lag without the tail
            log.warning("dashboard cannot follow %s: %s", enriched, exc)
            return
        try:
            existing = consumer.topics()
            consumer.subscribe([t for t in (enriched, alerts) if t in existing] or [enriched])
            while not self.stop_event.is_set():
                for tp, records in consumer.poll(timeout_ms=500).items():
                    for record in records:
                        self._add(tp.topic == alerts, record.value)
        except Exception as exc:
            log.warning("dashboard stopped following %s: %s", enriched, exc)
        finally:
            consumer.close()

    def _add(self, is_alert: bool, value: bytes | None) -> None:
        try:
            data = orjson.loads(value or b"null")
            if not isinstance(data, dict):
                return
            if is_alert:
                self.alerts.appendleft(alert_line(data))
            else:
                self.articles.appendleft(article_row(model_dict_of(data) if is_streams_ninjs(data) else data))
        except (orjson.JSONDecodeError, ValidationError):
            log.debug("dashboard skipped a record that is not an enriched article or an alert")


def run_dashboard(
    settings: Settings,
    metrics_urls: list[str],
    stop: threading.Event,
    refresh: float = 1.0,
    *,
    plain: bool | None = None,
    console: Console | None = None,
    console_url: str | None = None,
) -> None:
    """Show the live view until ``stop`` is set (or Ctrl-C, which sets it).

    ``plain`` forces the one-line summaries (default: when stdout is not a terminal or
    ``STREAMS_DASHBOARD_PLAIN=1``); ``console_url``, the web console's address, is shown in every
    frame's footer (printed once first in the plain form).
    """
    from streams.kafka.lag import LagMonitor
    from streams.store.consumer import store_group_id

    console = console or Console()
    if plain is None:
        plain = not console.is_terminal or settings.dashboard_plain
    monitors = {
        "enrich": LagMonitor(settings, topics.worker_group(settings), [topics.RAW.name(settings)], 5.0),
        "store": LagMonitor(settings, store_group_id(settings), [topics.ENRICHED.name(settings)], 5.0),
    }
    quiet = _quiet_client_logs()
    tail = TopicTail(settings, stop)
    for thread in (*monitors.values(), tail):
        thread.start()
    tracker = RateTracker()

    def frame(client: httpx.Client) -> ViewState:
        per_process, down = scrape(metrics_urls, client)
        # this process counts too: `streams up` ingests its initial files itself
        per_process["(this process)"] = parse_metrics(generate_latest(REGISTRY).decode())
        tracker.add(time.monotonic(), per_process)
        lag = {label: (t.messages, t.seconds) for label, m in monitors.items() for t in m.last.values()}
        state = state_from(tracker, lag, list(tail.articles), list(tail.alerts), len(metrics_urls), down)
        state.console_url = console_url
        return state

    try:
        with httpx.Client() as client:
            if plain:
                if console_url:
                    print(f"web console: {console_url}", flush=True)
                last_print = 0.0
                while not stop.is_set():
                    state = frame(client)
                    if time.monotonic() - last_print >= PLAIN_EVERY_S:
                        print(summary_line(state), flush=True)
                        last_print = time.monotonic()
                    stop.wait(refresh)
            else:
                with Live(render(frame(client)), console=console, refresh_per_second=4, screen=False) as live:
                    while not stop.wait(refresh):
                        live.update(render(frame(client)))
    except KeyboardInterrupt:
        stop.set()
    finally:
        stop.set()
        for monitor in monitors.values():
            monitor.stop(timeout=5.0)
        tail.join(timeout=5.0)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def _quiet_client_logs() -> dict[str, int]:
    """Keep Kafka and HTTP client chatter (INFO per request) from scrolling through the view."""
    previous = {}
    for name in ("kafka", "httpx", "aiokafka"):
        logger = logging.getLogger(name)
        previous[name] = logger.level
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    return previous
