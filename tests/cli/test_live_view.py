"""The terminal dashboard: metrics parsing, rates, rendering (pure), and a live run on the broker."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import orjson
import pytest
from kafka import KafkaProducer
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from rich.console import Console

from streams.cli.live import (
    RATE_SERIES,
    RateTracker,
    ViewState,
    article_row,
    parse_metrics,
    render,
    run_dashboard,
    summary_line,
)
from streams.core.model import Article, EnrichedArticle
from streams.core.settings import Settings
from streams.enrich.components.textspans import TextSpans
from streams.enrich.pipeline import Context
from tests.ops.conftest import free_port

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def sample_text() -> str:
    texts = sorted(SAMPLES.glob("*.txt"))
    assert texts, f"no sample articles in {SAMPLES}"
    return texts[0].read_text(encoding="utf-8")


def exposition() -> str:
    """Metrics text as a streams process writes it (same names, a private registry)."""
    registry = CollectorRegistry()
    ingested = Counter("streams_articles_ingested_total", "x", ["source_kind"], registry=registry)
    ingested.labels("file").inc(7)
    ingested.labels("feed").inc(5)
    dead = Counter("streams_dead_letters_total", "x", ["stage", "reason"], registry=registry)
    dead.labels("enrich", "invalid").inc(2)
    dead.labels("ingest", "too_large").inc(1)
    Gauge("streams_consumer_lag_messages", "x", ["group", "topic"], registry=registry).labels("g", "t").set(42)
    Histogram("streams_stage_latency_seconds", "x", ["stage"], registry=registry).labels("enrich").observe(0.3)
    return generate_latest(registry).decode()


def enriched_dict(headline: str = "Kallas: EU support for Ukraine") -> dict:
    body = sample_text()
    article = Article(id="a-1", body_text=body, headline=headline, language="en")
    return EnrichedArticle(
        article=article,
        language="en",
        entities=[
            {"name": "Ukraine", "type": "GPE", "mentions": [{"start": 0, "end": 7}] * 5},
            {"name": "Kaja Kallas", "type": "PERSON", "mentions": [{"start": 10, "end": 21}] * 3},
            {"name": "EU", "type": "ORG", "mentions": [{"start": 30, "end": 32}] * 4},
            {"name": "Brussels", "type": "GPE", "mentions": [{"start": 40, "end": 48}]},
        ],
        quotes=[
            {"kind": "direct", "start": 1, "end": 9, "speaker": "Kaja Kallas"},
            {"kind": "direct", "start": 11, "end": 19, "speaker": "Kaja Kallas"},
            {"kind": "indirect", "start": 21, "end": 29, "speaker": None},
        ],
        topics=[
            {"code": "medtop:11000000", "label": "politics", "score": 0.55},
            {"code": "medtop:16000000", "label": "conflict, war and peace", "score": 0.91},
            {"code": "medtop:04000000", "label": "economy, business and finance", "score": 0.1},
        ],
    ).to_dict()


# -- metrics and rates ----------------------------------------------------------------------------
def test_parse_metrics_sums_labelled_samples_by_series() -> None:
    totals = parse_metrics(exposition())
    assert totals["streams_articles_ingested_total"] == 12
    assert totals["streams_dead_letters_total"] == 3
    assert totals["streams_consumer_lag_messages"] == 42
    assert totals["streams_stage_latency_seconds_count"] == 1
    assert totals["streams_stage_latency_seconds_sum"] == pytest.approx(0.3)


def test_rates_over_the_window_summed_over_processes() -> None:
    tracker = RateTracker(window_s=10.0)
    name = RATE_SERIES["enriched"]
    tracker.add(0.0, {"w1": {name: 100}, "w2": {name: 50}})
    assert tracker.rate(name) == 0.0  # one point: no rate yet
    tracker.add(5.0, {"w1": {name: 120}, "w2": {name: 60}})
    assert tracker.rate(name) == pytest.approx(6.0)  # (180 - 150) / 5
    assert tracker.total(name) == 180


def test_a_restarted_process_neither_drops_nor_spikes_the_rate() -> None:
    tracker = RateTracker(window_s=100.0)
    name = RATE_SERIES["stored"]
    tracker.add(0.0, {"a": {name: 1000}, "b": {name: 10}})
    tracker.add(10.0, {"a": {name: 1010}, "b": {name: 20}})
    tracker.add(20.0, {"a": {name: 1020}, "b": {name: 5}})  # b restarted and did 5 since
    assert tracker.rate(name) == pytest.approx((1020 + 25 - 1010) / 20)
    assert tracker.total(name) == 1045


def test_old_points_leave_the_window() -> None:
    tracker = RateTracker(window_s=10.0)
    name = RATE_SERIES["ingested"]
    tracker.add(0.0, {"p": {name: 0}})
    tracker.add(10.0, {"p": {name: 1000}})  # a burst long ago
    for t in range(11, 31):
        tracker.add(float(t), {"p": {name: 1000 + (t - 10)}})  # then 1 per second
    assert tracker.rate(name) == pytest.approx(1.0)


# -- articles and rendering ---------------------------------------------------------------------------
def test_article_row_ranks_entities_speakers_and_topics() -> None:
    row = article_row(enriched_dict())
    assert row.id == "a-1"
    assert row.entities == "Ukraine (GPE), EU (ORG), Kaja Kallas (PERSON)"  # by mentions; Brussels cut
    assert row.quotes == "3: Kaja Kallas ×2, unattributed"
    assert row.topics == "conflict, war and peace 0.91, politics 0.55"
    assert row.language == "en"


def test_article_row_of_a_bare_article_falls_back_to_the_first_line() -> None:
    body = sample_text()
    row = article_row(EnrichedArticle(article=Article(id="b", body_text=body)).to_dict())
    assert row.headline == body.strip().split("\n", 1)[0][:90]
    assert (row.entities, row.quotes, row.topics, row.language) == ("-", "-", "-", "?")


def test_article_row_of_wire_text_without_a_title_shows_the_derived_headline() -> None:
    body = sample_text()
    ctx = Context(article=Article(id="w", body_text=body), text=body)
    TextSpans()(ctx)
    row = article_row(ctx.to_enriched().to_dict())
    assert row.headline.startswith("This was stated by EU High Representative")
    assert "MENAFN" not in row.headline and len(row.headline) <= 90


def test_render_shows_rates_lag_articles_and_alerts() -> None:
    state = ViewState(
        rates={"ingested": 3.5, "enriched": 3.25, "stored": 3.0, "dead-lettered": 0.25},
        totals={"ingested": 1200, "enriched": 1190, "stored": 1180, "dead-lettered": 10},
        lag={"enrich": (17, 4.2), "store": (0, 0.0)},
        articles=[article_row(enriched_dict())],
        alerts=["ukraine-watch: Kallas: EU support for Ukraine"],
        processes=4,
        processes_down=1,
    )
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(render(state))
    text = out.getvalue()
    lines = text.splitlines()

    def line_with(word: str) -> str:
        return next(line for line in lines if f" {word} " in line)

    assert "3.50" in line_with("ingested") and "1,200" in line_with("ingested")
    assert "0.25" in line_with("dead-lettered") and "10" in line_with("dead-lettered")
    assert "17" in line_with("enrich") and "4s" in line_with("enrich")
    for expected in ("Kallas: EU support for Ukraine", "Ukraine (GPE)", "Kaja Kallas ×2",
                     "conflict, war and peace 0.91", "ukraine-watch", "3/4 processes"):
        assert expected in text, expected
    line = summary_line(state)
    assert "enriched 3.25/s (1190)" in line and "lag 17 msgs" in line and "Kallas: EU support" in line


def test_render_shows_the_console_url() -> None:
    out = io.StringIO()
    Console(file=out, width=160, color_system=None).print(render(ViewState(console_url="http://127.0.0.1:8080/console/")))
    assert "console http://127.0.0.1:8080/console/" in out.getvalue()


def test_render_without_data_says_it_waits() -> None:
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(render(ViewState()))
    assert "waiting for enriched articles" in out.getvalue()


# -- live, on the broker ------------------------------------------------------------------------------
@pytest.mark.slow
def test_run_dashboard_prints_rates_and_new_articles_when_not_a_tty(
    kafka_settings: Settings, kafka_topics: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    registry = CollectorRegistry()
    enriched = Counter("streams_articles_enriched_total", "x", registry=registry)
    port = free_port()
    start_http_server(port, addr="127.0.0.1", registry=registry)
    stop = threading.Event()
    view = threading.Thread(
        target=run_dashboard,
        args=(kafka_settings, [f"http://127.0.0.1:{port}/metrics", f"http://127.0.0.1:{free_port()}/metrics"], stop),
        kwargs={"refresh": 0.2, "plain": True},
    )
    view.start()
    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap)
    printed = ""
    try:
        started = time.monotonic()
        deadline = started + 60
        # run past one full rate window (10 s) of steady increments before reading the rate
        while time.monotonic() < deadline and (
            "Live dashboard headline" not in printed or time.monotonic() - started < 16
        ):
            enriched.inc(2)
            # the tail starts at the latest offsets: keep producing until it has joined
            producer.send(kafka_topics["enriched"], key=b"a-1",
                          value=orjson.dumps(enriched_dict("Live dashboard headline")))
            producer.flush()
            time.sleep(1.0)
            printed += capsys.readouterr().out
    finally:
        stop.set()
        view.join(15)
        producer.close()
    assert not view.is_alive()
    assert "Live dashboard headline" in printed
    last = [line for line in printed.splitlines() if "Live dashboard headline" in line][-1]
    enriched_rate = float(last.split("enriched ")[1].split("/s")[0])
    assert 1.0 <= enriched_rate <= 3.0  # 2 per second, measured from the scrapes


def test_run_dashboard_draws_the_live_view_on_a_terminal(
    kafka_settings: Settings, kafka_topics: dict[str, str]
) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160, color_system=None)
    stop = threading.Event()
    view = threading.Thread(target=run_dashboard, args=(kafka_settings, [], stop),
                            kwargs={"refresh": 0.2, "console": console})
    view.start()
    time.sleep(3.0)
    stop.set()
    view.join(15)
    assert not view.is_alive()
    text = out.getvalue()
    assert "throughput" in text and "latest articles" in text and "0/0 processes" in text
