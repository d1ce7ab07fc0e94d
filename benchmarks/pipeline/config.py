"""The bench's knobs: environment variables, each with a default for the full run and one for ``BENCH_QUICK=1``."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from benchmarks.pipeline.corpus import DEFAULT_CORPUS, ROOT

#: (variable, full-run default, quick default, what it sets); ``--help`` prints this table
KNOBS: tuple[tuple[str, str, str, str], ...] = (
    ("BENCH_QUICK", "0", "1", "1 = the quick run (a couple of minutes; figures are rough)"),
    ("BENCH_ARTICLES", "2000", "200", "articles per throughput run (sent at once)"),
    ("BENCH_WARMUP", "40", "12", "warm-up articles before each throughput run (not timed)"),
    ("BENCH_FIRST_WARMUP", "1000", "100",
     "articles a new stack (or its new worker) enriches, untimed, before its first timed run, and the in-process "
     "ceilings as many per process as each of 2 workers: a pipeline in service runs warm (its caches, the broker's "
     "compiled code)"),
    ("BENCH_ROUNDS", "3", "2",
     "rounds of the 2-worker bursts (dedupe on, off) and their compute ceiling; the median round is reported"),
    ("BENCH_LATENCY_S", "60", "20", "seconds of the paced run at 80 % of capacity"),
    ("BENCH_SOAK_S", "600", "45", "seconds of the soak at 50 % of capacity (also the 50 % latency run)"),
    ("BENCH_SAMPLE_S", "5", "2", "seconds between RSS samples in the soak"),
    ("BENCH_CEILING_ARTICLES", "1000", "100",
     "articles each in-process enrichment process times, of the 2-worker burst's (1000 x 2 = all of them)"),
    ("BENCH_CORPUS", str(DEFAULT_CORPUS), str(DEFAULT_CORPUS), "JSON Lines corpus (id, title, text, ...)"),
    ("BENCH_OUT", "docs/bench", "var/bench", "where bench.json and bench.png go"),
    ("BENCH_NOTE", "", "", "a note printed under the title and kept in the JSON (e.g. machine load)"),
    ("BENCH_KEEP", "0", "0", "1 = keep the run folder (logs, archives) and the bench's topics"),
    ("BENCH_STALL_S", "180", "120", "fail when nothing is stored for this long while articles are missing"),
)


@dataclass(frozen=True)
class BenchConfig:
    quick: bool
    articles: int
    warmup: int
    first_warmup: int
    rounds: int
    latency_s: float
    soak_s: float
    sample_s: float
    ceiling_articles: int
    corpus: Path
    out: Path
    note: str
    keep: bool
    stall_s: float

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def load_config(environ: Mapping[str, str] | None = None) -> BenchConfig:
    """The bench configuration from ``BENCH_*`` variables; a bad value raises ValueError naming it."""
    env = os.environ if environ is None else environ
    quick = env.get("BENCH_QUICK", "0").strip() not in ("", "0", "false", "no")
    values = {name: env.get(name) or (quick_default if quick else full) for name, full, quick_default, _ in KNOBS}

    def number(name: str, kind: type, minimum: float) -> Any:
        try:
            value = kind(values[name])
        except ValueError as exc:
            raise ValueError(f"{name}={values[name]!r} is not a {kind.__name__}") from exc
        if value < minimum:
            raise ValueError(f"{name}={value} must be at least {minimum}")
        return value

    out = Path(values["BENCH_OUT"])
    return BenchConfig(
        quick=quick,
        articles=number("BENCH_ARTICLES", int, 4),
        warmup=number("BENCH_WARMUP", int, 1),
        first_warmup=number("BENCH_FIRST_WARMUP", int, 0),
        rounds=number("BENCH_ROUNDS", int, 1),
        latency_s=number("BENCH_LATENCY_S", float, 1.0),
        soak_s=number("BENCH_SOAK_S", float, 2.0),
        sample_s=number("BENCH_SAMPLE_S", float, 0.2),
        ceiling_articles=number("BENCH_CEILING_ARTICLES", int, 4),
        corpus=Path(values["BENCH_CORPUS"]),
        out=out if out.is_absolute() else ROOT / out,
        note=values["BENCH_NOTE"],
        keep=values["BENCH_KEEP"].strip() not in ("", "0"),
        stall_s=number("BENCH_STALL_S", float, 5.0),
    )


def knobs_help() -> str:
    rows = [f"  {name:<24} {full:<11} {quick:<10} {doc}" for name, full, quick, doc in KNOBS
            if name not in ("BENCH_CORPUS",)]
    return "\n".join([f"  {'variable':<24} {'default':<11} {'quick':<10} what", *rows,
                      f"  {'BENCH_CORPUS':<24} ../shared/corpus/reuters21578.jsonl"])
