"""How the bench switches the dedupe component off: through the pipeline's own component list."""

from __future__ import annotations

from benchmarks.pipeline.run import dedupe_off_pipeline
from streams.enrich.pipeline import DEFAULT_PIPELINE


def test_dedupe_off_is_the_default_pipeline_less_dedupe() -> None:
    names = dedupe_off_pipeline()
    assert names is not None
    kept = names.split(",")
    assert not any("dedupe" in n for n in kept)
    assert kept == [n for n in DEFAULT_PIPELINE if "dedupe" not in n]
    assert len(kept) == len(DEFAULT_PIPELINE) - 1
