"""``make bench``: the whole pipeline through the real broker, against same-run ceilings.

    .venv/bin/python -m benchmarks.pipeline            # the full run (about 20 minutes)
    BENCH_QUICK=1 .venv/bin/python -m benchmarks.pipeline   # a couple of minutes, rough figures

Only the product's own processes are measured: ``streams kafka start`` (unless a broker already answers on
STREAMS_KAFKA_PORT, or STREAMS_KAFKA_BOOTSTRAP names a cluster), ``streams worker`` x N, ``streams store``,
``streams alerts run`` and ``streams alerts deliver``, fed by ``streams ingest`` with corpus articles replayed
under unique ids; figures come from their archive, the alerts topic and their /metrics. In order:

1. everything on: 1 worker, then 2, each BENCH_ARTICLES sent at once (articles/s = articles / first
   ingest -> last stored), with the CPU each process spent per article in the 2-worker burst, and then the
   dedupe state per article (streams_dedupe_state_bytes / _articles from the workers' /metrics, default window);
2. the same 2-worker burst, same articles, with the dedupe component left out (STREAMS_PIPELINE);
3. compute ceiling: 1 and 2 in-process enrichment processes at once (the default pipeline, the workers'
   batch size) on BENCH_CEILING_ARTICLES each of the 2-worker burst's own articles (all of them by default,
   else an even sample: the corpus has stretches of long reports), and beside it spaCy's small model as its
   full pipeline and as its NER alone;
   2 and 3 are one round; BENCH_ROUNDS rounds in all, each on new articles, and the ratios are the median
   round's. Each run has the machine alone: the other stacks are stopped (SIGSTOP) while it runs, and a
   resumed stack is warmed up again (its consumer groups rejoin) before its next burst;
4. transport ceiling: the same articles through 1 and 2 bare kafka-python consume -> produce relays and one
   SQLite sink;
5. a fresh 2-worker stack paced at 80 % of the 2-worker rate (BENCH_LATENCY_S; the CPU each process spent per
   article there too: small batches cost more per article than the burst's full ones), then a soak at 50 %
   (BENCH_SOAK_S) sampling RSS of the workers (parent and enrichment child), store, matcher and broker.
   Its dedupe window is BENCH_SOAK_S / 12 (at least 60 s): full and sliding before the first sample that
   counts, so the growth figures measure leaks, not the window filling up.

Before its first timed run each stack enriches BENCH_FIRST_WARMUP articles untimed (the second worker's
share of them when it joins), and each in-process ceiling its share of the same articles: a pipeline in
service is warm, and a cold enrichment child (20-25 % slower an article in its first minute at 40/s) and a
fresh broker (4 times its later CPU) would weigh on the first round's and the 80 % run's figures alone.
Every process runs on one BLAS thread (OMP/OPENBLAS/MKL_NUM_THREADS=1). Prints one table ending in five
lines that scripts read, writes bench.json and bench.png to BENCH_OUT. Every process it started is stopped
at the end, on failure and on Ctrl-C; its topics are deleted and its run folder under
$STREAMS_HOME/bench/ removed (unless BENCH_KEEP=1). Broker and home come from the usual STREAMS_KAFKA_PORT /
STREAMS_HOME / STREAMS_KAFKA_BOOTSTRAP.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from benchmarks.pipeline.config import knobs_help, load_config
from benchmarks.pipeline.procs import Processes
from benchmarks.pipeline.report import render_table


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def ensure_broker(procs: Processes) -> tuple[str, bool]:
    """(bootstrap, whether this run started the broker) after ``streams kafka status`` / ``start``."""
    from streams.core.settings import load_settings

    settings = load_settings()
    try:
        procs.run("kafka-status", "kafka", "status", timeout=60)
        return settings.bootstrap, False
    except RuntimeError:
        if not settings.managed_broker:
            raise RuntimeError(f"no Kafka broker answers at STREAMS_KAFKA_BOOTSTRAP={settings.kafka_bootstrap}")
    procs.run("kafka-start", "kafka", "start", timeout=900)
    return settings.bootstrap, True


def write_outputs(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    from benchmarks.pipeline.plot import plot

    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "bench.json"
    json_path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return json_path, plot(result, out / "bench.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pipeline", description=__doc__,
                                     epilog="knobs (environment variables):\n" + knobs_help(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    try:
        cfg = load_config()
    except ValueError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    from streams.core.settings import load_settings

    from benchmarks.pipeline.run import new_run_id, run

    run_id = new_run_id()
    folder = load_settings().home / "bench" / run_id
    procs = Processes(folder / "logs", {})
    signal.signal(signal.SIGTERM, _interrupt)
    started_broker = ok = False
    bootstrap = ""
    try:
        bootstrap, started_broker = ensure_broker(procs)
        result = run(cfg, procs, bootstrap, folder, run_id)
        ok = True
    except KeyboardInterrupt:
        print(f"bench: interrupted; stopping everything it started (logs kept in {folder / 'logs'})", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, ValueError) as exc:
        print(f"bench: failed: {exc} (logs kept in {folder / 'logs'})", file=sys.stderr)
        return 1
    finally:
        _cleanup(procs, bootstrap, run_id, folder, started_broker, cfg.keep or not ok)
    json_path, png_path = write_outputs(result, cfg.out)
    print()
    print(render_table(result))
    print(f"\nwrote {json_path} and {png_path}", file=sys.stderr)
    return 0


def _cleanup(procs: Processes, bootstrap: str, run_id: str, folder: Path, started_broker: bool, keep: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave processes behind
    try:
        procs.stop_all()
        if bootstrap and not keep:
            from benchmarks.pipeline.observe import delete_topics

            try:
                delete_topics(bootstrap, [f"bench-{run_id}-"])
            except Exception as exc:  # noqa: BLE001 - cleanup only; say so and go on
                print(f"bench: could not delete the topics bench-{run_id}-*: {exc}", file=sys.stderr)
        if started_broker:
            procs.run("kafka-stop", "kafka", "stop", timeout=120)
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
            for data in (folder.parent.parent / "faust").glob(f"bench-{run_id}-*"):  # the workers' Faust data
                shutil.rmtree(data, ignore_errors=True)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


if __name__ == "__main__":
    sys.exit(main())
