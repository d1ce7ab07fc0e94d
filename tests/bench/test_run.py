"""How the bench switches the dedupe component off: through the pipeline's own component list."""

from __future__ import annotations

from benchmarks.pipeline.run import _median_round, _round, dedupe_off_pipeline
from streams.enrich.pipeline import DEFAULT_PIPELINE


def test_dedupe_off_is_the_default_pipeline_less_dedupe() -> None:
    names = dedupe_off_pipeline()
    assert names is not None
    kept = names.split(",")
    assert not any("dedupe" in n for n in kept)
    assert kept == [n for n in DEFAULT_PIPELINE if "dedupe" not in n]
    assert len(kept) == len(DEFAULT_PIPELINE) - 1


def _r(n: int, ceiling: float | None, dedupe: float | None) -> dict[str, object]:
    return {"round": n, "ceiling_ratio": ceiling, "dedupe_ratio": dedupe}


def test_the_median_round_is_read_per_ratio_and_the_lower_one_of_an_even_count() -> None:
    rounds = [_r(1, 0.56, 1.13), _r(2, 0.83, 0.84), _r(3, 0.80, 0.95)]
    assert _median_round(rounds, "ceiling_ratio")["round"] == 3
    assert _median_round(rounds, "dedupe_ratio")["round"] == 3
    assert _median_round(rounds[:2], "ceiling_ratio")["round"] == 1
    assert _median_round([_r(1, 0.7, None), _r(2, None, None), _r(3, 0.9, None)], "ceiling_ratio")["round"] == 1
    assert _median_round([_r(1, None, None), _r(2, None, None)], "dedupe_ratio")["round"] == 1


def test_a_round_pairs_each_burst_with_the_ceiling_taken_right_after_it() -> None:
    r = _round(2, 4000, {"rate": 80.0}, {"rate": 100.0}, {"rate": 96.0, "per_process": [50.0, 46.0]})
    assert (r["ceiling_ratio"], r["dedupe_ratio"]) == (80.0 / 96.0, 0.8)
    assert _round(1, 0, {"rate": 80.0}, None, {"rate": 96.0, "per_process": [96.0]})["dedupe_ratio"] is None
