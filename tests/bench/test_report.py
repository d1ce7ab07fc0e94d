"""The pipeline bench's pure parts: percentiles, /metrics parsing, RSS summaries, the table and its last lines."""

from __future__ import annotations

import json

import pytest

from benchmarks.pipeline.config import load_config
from benchmarks.pipeline.corpus import Replay
from benchmarks.pipeline.report import (
    RssSeries,
    bytes_per_article,
    iso_seconds,
    latency_summary,
    metric_sum,
    parse_metrics,
    parse_summary,
    percentile,
    render_table,
    summary_lines,
    worker_progress,
)

METRICS = """\
# HELP streams_articles_enriched_total Articles enriched and produced to articles.enriched
# TYPE streams_articles_enriched_total counter
streams_articles_enriched_total 41.0
streams_articles_enriched_created 1.7649e+09
streams_stage_latency_seconds_bucket{le="0.1",stage="enrich"} 3.0
streams_stage_latency_seconds_count{stage="enrich"} 57.0
streams_stage_latency_seconds_count{stage="dedupe"} 41.0
streams_consumer_lag_messages{group="a b",topic="x"} 7.0
streams_dedupe_state_bytes 12000.0
streams_dedupe_state_articles 100.0
"""


def test_percentile_interpolates_between_order_statistics() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 0) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
    assert percentile([float(i) for i in range(1, 101)], 99) == pytest.approx(99.01)
    assert percentile([0.3], 99) == 0.3
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_summary_counts_and_orders() -> None:
    s = latency_summary([0.5, 0.1, 0.2, 0.9])
    assert s["n"] == 4 and s["max"] == 0.9
    assert s["p50"] is not None and s["p95"] is not None and s["p99"] is not None
    assert s["p50"] <= s["p95"] <= s["p99"] <= 0.9
    assert latency_summary([])["p99"] is None


def test_iso_seconds_reads_z_and_offsets() -> None:
    assert iso_seconds("1970-01-01T00:00:01.5Z") == 1.5
    assert iso_seconds("1970-01-01T01:00:02+01:00") == 2.0


def test_parse_metrics_keeps_labels_and_skips_comments() -> None:
    samples = parse_metrics(METRICS)
    assert samples["streams_articles_enriched_total"] == 41.0
    assert samples['streams_consumer_lag_messages{group="a b",topic="x"}'] == 7.0
    assert not any(k.startswith("#") for k in samples)
    assert metric_sum(samples, "streams_stage_latency_seconds_count") == 98.0
    assert metric_sum(samples, "streams_no_such_metric") is None


def test_worker_progress_counts_the_enrich_stage_and_published_articles() -> None:
    assert worker_progress(parse_metrics(METRICS)) == 41.0 + 57.0
    assert worker_progress({"streams_stage_latency_seconds_count{stage=\"dedupe\"}": 3.0}) is None


def test_dedupe_state_per_article_sums_workers_and_is_none_without_the_gauges() -> None:
    one = parse_metrics(METRICS)
    other = {"streams_dedupe_state_bytes": 8000.0, "streams_dedupe_state_articles": 100.0}
    assert bytes_per_article([one]) == 120.0
    assert bytes_per_article([one, other]) == 100.0
    assert bytes_per_article([{"streams_articles_enriched_total": 1.0}]) is None
    assert bytes_per_article([]) is None
    assert bytes_per_article([{"streams_dedupe_state_bytes": 5.0, "streams_dedupe_state_articles": 0.0}]) is None


def test_rss_summary_starts_after_the_settling_time() -> None:
    series = RssSeries("w", (0.0, 10.0, 20.0, 30.0), (50, 100, 130, 110))
    s = series.summary(settle_s=5.0)
    assert (s["start"], s["peak"], s["end"]) == (100, 130, 110)
    assert s["growth_pct"] == pytest.approx(10.0)
    assert RssSeries("w", (), ()).summary(1.0)["growth_pct"] is None


def _result(**summary: object) -> dict:
    base = {"ceiling_ratio_2w": 0.364, "dedupe_on_off_ratio": 0.509, "p99_stored_80": 0.486,
            "soak_growth_parent_pct": 12.34, "soak_growth_child_pct": -0.04, "dedupe_bytes_per_article": 187.6}
    base.update(summary)
    rss = {"worker-1 parent": {"start": 100 * 2**20, "peak": 120 * 2**20, "end": 110 * 2**20, "growth_pct": 10.0},
           "broker": {"start": None, "peak": None, "end": None, "growth_pct": None}}
    return {
        "started": "2026-12-05T07:00:00Z", "commit": "abc1234", "note": "provisional",
        "config": {"articles": 2000, "soak_s": 600.0, "quick": False},
        "throughput": [{"label": "2 workers, everything on", "rate": 57.9, "compute_ceiling": 162.0,
                        "transport_ceiling": 900.0},
                       {"label": "2 workers, dedupe off", "rate": None, "compute_ceiling": 162.0,
                        "transport_ceiling": None}],
        "latency": [{"load_pct": 80.0, "rate": 46.3, "stored": latency_summary([0.2, 0.3]),
                     "alert": latency_summary([])}],
        "soak": {"rss": rss, "series": {}},
        "baselines": {"articles": 300, "rows": [{"label": "spaCy sm, NER alone", "rate": 50.0,
                                                  "streams_ratio": 1.62}]},
        "summary": base,
    }


def test_the_table_ends_with_the_five_lines_exactly_so_worded() -> None:
    table = render_table(_result())
    assert table.splitlines()[-5:] == [
        "ceiling ratio, 2 workers, everything on: 0.36",
        "dedupe on/off ratio: 0.51",
        "p99 ingest->stored at 80%: 0.49 s",
        "soak RSS growth, worker parent / child: 12.3% / -0.0%",
        "dedupe state: 188 bytes/article",
    ]
    assert "n/a" in table  # the missing transport ceiling and the alert latencies without alerts
    assert "provisional" in table


def test_missing_figures_print_n_a_and_parse_back_as_none() -> None:
    lines = summary_lines(_result(dedupe_bytes_per_article=None, dedupe_on_off_ratio=None,
                                  soak_growth_child_pct=None, p99_stored_80=None))
    assert lines[4] == "dedupe state: n/a"
    assert lines[3] == "soak RSS growth, worker parent / child: 12.3% / n/a"
    parsed = parse_summary("\n".join(["anything above", *lines]))
    assert parsed["dedupe state"] is None and parsed["dedupe on/off ratio"] is None
    assert parsed["p99 ingest->stored at 80%"] is None
    assert parsed["soak RSS growth, worker parent"] == 12.3
    assert parsed["soak RSS growth, worker child"] is None
    assert parsed["ceiling ratio, 2 workers, everything on"] == 0.36


def test_parse_summary_reads_what_the_table_prints() -> None:
    parsed = parse_summary(render_table(_result()) + "\n")
    assert parsed == {"ceiling ratio, 2 workers, everything on": 0.36, "dedupe on/off ratio": 0.51,
                      "p99 ingest->stored at 80%": 0.49, "soak RSS growth, worker parent": 12.3,
                      "soak RSS growth, worker child": -0.0, "dedupe state": 188.0}


@pytest.mark.parametrize("broken", [
    "ceiling ratio, 2 workers, everything on: fast",
    "dedupe state: 188 bytes per article",
    "p99 ingest->stored at 80%: 0.49",
])
def test_parse_summary_names_a_malformed_line(broken: str) -> None:
    lines = summary_lines(_result())
    index = next(i for i, line in enumerate(lines) if line.split(":")[0] == broken.split(":")[0])
    lines[index] = broken
    with pytest.raises(ValueError, match="malformed"):
        parse_summary("\n".join(lines))
    with pytest.raises(ValueError, match="expected 5"):
        parse_summary("\n".join(lines[:3]))


def test_config_quick_defaults_overrides_and_bad_values() -> None:
    full, quick = load_config({}), load_config({"BENCH_QUICK": "1"})
    assert full.soak_s == 600.0 and full.articles == 2000 and not full.quick
    assert quick.quick and quick.soak_s < full.soak_s and quick.articles < full.articles
    assert quick.out != full.out  # a quick run does not overwrite the published figures
    tuned = load_config({"BENCH_QUICK": "1", "BENCH_ARTICLES": "30", "BENCH_SOAK_S": "7.5"})
    assert (tuned.articles, tuned.soak_s) == (30, 7.5)
    with pytest.raises(ValueError, match="BENCH_ARTICLES"):
        load_config({"BENCH_ARTICLES": "lots"})
    with pytest.raises(ValueError, match="BENCH_SOAK_S"):
        load_config({"BENCH_SOAK_S": "0"})
    # a first run warms more than the resumptions: a cold stack is not the pipeline in service
    assert full.first_warmup > full.warmup and quick.first_warmup > quick.warmup
    assert load_config({"BENCH_FIRST_WARMUP": "0"}).first_warmup == 0
    with pytest.raises(ValueError, match="BENCH_FIRST_WARMUP"):
        load_config({"BENCH_FIRST_WARMUP": "-1"})


def test_replay_gives_unique_ids_and_wraps_around_the_corpus() -> None:
    records = [{"id": f"c:{i}", "title": f"T{i}", "text": f"text {i}"} for i in range(3)]
    replay = Replay(records, "b1")
    first = [json.loads(x) for x in replay.take("w1", 5)]
    assert [r["text"] for r in first] == ["text 0", "text 1", "text 2", "text 0", "text 1"]
    again = [json.loads(x) for x in replay.take("off", 2, start=0)]
    assert [r["text"] for r in again] == ["text 0", "text 1"]
    ids = [r["id"] for r in first + again]
    assert len(set(ids)) == len(ids) and all(i.startswith("b1-") for i in ids)
    assert replay.position == 5  # a re-read slice does not move the supply on
    assert records[0]["id"] == "c:0"  # the corpus records themselves are not changed


def test_cpu_rows_give_each_process_its_ms_per_article_and_share_of_the_machine() -> None:
    result = _result()
    # 1,000 articles in 10 s on 2 cores: 20 ms of machine per article
    result["cpu"] = {"ms_per_article": {"worker-1 child": 8.0, "store": 2.0, "broker": None},
                     "seconds": 10.0, "articles": 1000, "cores": 2}
    # paced: 600 articles in 20 s on 2 cores: 66.7 ms of machine per article
    result["cpu_paced"] = {"ms_per_article": {"worker-1 child": 10.0, "store": 4.0, "broker": 2.0},
                           "seconds": 20.0, "articles": 600, "cores": 2}
    lines = render_table(result).splitlines()
    rows = {" ".join(line.split()[:2]) if line.startswith("worker") else line.split()[0]: line
            for line in lines if line.strip()}
    assert rows["worker-1 child"].split()[-4:] == ["8.0", "40%", "10.0", "15%"]
    assert rows["store"].split()[-4:] == ["2.0", "10%", "4.0", "6%"]
    assert rows["broker"].split()[-4:] == ["n/a", "n/a", "2.0", "3%"]
    assert [line for line in lines if line.startswith("all of the above")][0].split()[-4:] == ["10.0", "50%", "16.0", "24%"]
    # the children's share of all CPU: the highest ceiling ratio that split allows (8 of 10 ms, 10 of 16)
    assert [line for line in lines if line.startswith("enrichment children")][0].split()[-2:] == ["0.80", "0.62"]


def test_cpu_rows_without_a_paced_measurement_say_so() -> None:
    result = _result()
    result["cpu"] = {"ms_per_article": {"store": 2.0}, "seconds": 10.0, "articles": 1000, "cores": 2}
    store = [line for line in render_table(result).splitlines() if line.startswith("store ")][0]
    assert store.split()[-4:] == ["2.0", "10%", "n/a", "n/a"]

def test_paced_rows_split_at_the_enrichment_when_the_run_recorded_it() -> None:
    result = _result()
    assert "ingest->enriched" not in render_table(result)  # a bench.json from before the split still renders
    result["latency"][0]["enriched"] = latency_summary([0.1, 0.15])
    rows = [line for line in render_table(result).splitlines() if line.startswith("ingest->")]
    assert [r.split()[0] for r in rows] == ["ingest->enriched", "ingest->stored", "ingest->alert"]
    assert rows[0].split()[-1] == "2"


def test_rounds_are_listed_when_there_are_several() -> None:
    result = _result()
    assert "round 1" not in render_table(result)
    result["rounds"] = [{"round": 1, "on": {"rate": 84.5}, "off": {"rate": 90.0}, "compute": 101.3,
                         "ceiling_ratio": 84.5 / 101.3, "dedupe_ratio": 84.5 / 90.0},
                        {"round": 2, "on": {"rate": 64.7}, "off": None, "compute": 116.4,
                         "ceiling_ratio": 64.7 / 116.4, "dedupe_ratio": None}]
    rows = {line.split()[1]: line.split()[2:] for line in render_table(result).splitlines()
            if line.startswith("round ")}
    assert rows == {"1": ["84.5", "90.0", "101.3", "0.83", "0.94"], "2": ["64.7", "n/a", "116.4", "0.56", "n/a"]}
