"""Ingest throughput (articles/s) vs a bare kafka-python producer loop, in one run.

    .venv/bin/python benchmarks/bench_ingest.py [--shared ../shared] [--limit N] [--rounds 3] [--workers N]

Both sides read ``corpus/reuters21578.jsonl`` and produce to a fresh topic of the running broker
(the managed local one is started if needed) with the same producer settings (acks=all,
idempotence, zstd, same linger/batch size):

* baseline: a bare loop ``producer.send(topic, key=<id>, value=<bytes>, headers=<headers>)`` then
  ``flush()``, where key, value and headers are exactly the records ingest produces (computed before
  the clock starts);
* ingest: :func:`streams.ingest.ingest_paths` on the same file with a connected
  :class:`RawProducer` (read, parse, validate, map onto the model, provenance, stable id, headers,
  wait for every ack, count, dead-letter empty stories). For a file this large that means
  ``--workers`` processes (default: one per core, 2 to 4), each parsing and producing a byte range of
  the file with its own producer (:mod:`streams.ingest.sources.sharded`). Connecting is outside both clocks:
  the baseline's producer, and ingest's producer and sending processes, are started before.

The records land on the same partitions on both sides: streams' producers hash keys with
:class:`streams.kafka.clients.KeyHashPartitioner` (Kafka's murmur2, like kafka-python's default
partitioner, which the baseline keeps, but computed in a third of the time).
Both run with the same GIL switch interval (:func:`streams.ingest.producer.responsive_gil`).
Ingest also tunes the garbage collector for bulk work (:func:`streams.ingest.producer.bulk_gc`);
the baseline runs at Python's defaults, and, for reference, is timed a second time with that same
tuning, and the ratio against it printed.
Prints articles/s of each per round and its ratio ingest/baseline, then the ratio of the best
rates and the median per-round ratio (target >= 0.8), over ``--rounds`` alternating rounds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kafka import KafkaProducer  # noqa: E402

from streams.core.settings import Settings, load_settings  # noqa: E402
from streams.devtools import broker  # noqa: E402
from streams.ingest import RawProducer, ingest_paths  # noqa: E402
from streams.ingest.producer import (  # noqa: E402
    COMPRESSION,
    MAX_REQUEST_BYTES,
    bulk_gc,
    responsive_gil,
)
from streams.ingest.sources.reading import iter_file  # noqa: E402
from streams.ingest.sources.sharded import ShardedSender, default_senders  # noqa: E402
from streams.kafka import admin, topics  # noqa: E402

Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


def article_bytes(path: Path, max_bytes: int) -> list[Record]:
    """(key, value, headers) of every article exactly as ingest produces it (computed before timing)."""
    return [(item.article.id.encode(), item.article.to_json(),
             [("source", b"file"), ("content-type", item.content_type.encode()),
              ("ingest-time", (item.article.received_at or "").encode())])
            for item in iter_file(path, max_bytes) if item.article is not None]


def bare_loop(settings: Settings, records: list[Record]) -> tuple[int, float]:
    """Send the same message bytes with the ingest producer's settings in a bare loop; (count, seconds)."""
    topic = topics.RAW.name(settings)
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all", enable_idempotence=True,
                             compression_type=COMPRESSION, linger_ms=20, batch_size=256 * 1024,
                             max_request_size=MAX_REQUEST_BYTES)
    producer.send(topic, key=b"warm-up", value=b"{}").get(30)
    start = time.perf_counter()
    for key, value, headers in records:
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    elapsed = time.perf_counter() - start
    producer.close()
    return len(records), elapsed


def limited_copy(path: Path, limit: int | None, tmp: Path) -> Path:
    if limit is None:
        return path
    out = tmp / f"bench-{limit}.jsonl"
    with open(path, "rb") as src, open(out, "wb") as dst:
        for i, line in enumerate(src):
            if i >= limit:
                break
            dst.write(line)
    return out


BENCH_TOPICS = (topics.RAW, topics.DEAD_LETTERS)
CREATED: list[str] = []


def fresh_settings(base: Settings, label: str) -> Settings:
    """Settings with a new topic prefix and its topics created (deleted again at the end)."""
    settings = base.replace(topic_prefix=f"bench-{label}-{uuid.uuid4().hex[:6]}-")
    admin.create_topics(settings, BENCH_TOPICS)
    CREATED.extend(spec.name(settings) for spec in BENCH_TOPICS)
    return settings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--limit", type=int, default=None, help="only the first N lines")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None,
                    help="ingest processes, each parsing and producing part of the file (default: cores, 2 to 4)")
    args = ap.parse_args()
    path = args.shared / "corpus" / "reuters21578.jsonl"
    base = load_settings()
    if base.managed_broker:
        broker.start(base, timeout=300, owner="cli")
    try:
        run_rounds(args, base, path)
    finally:
        admin.delete_topics(base, CREATED)
    return 0


def run_rounds(args: argparse.Namespace, base: Settings, path: Path) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        source = limited_copy(path, args.limit, Path(tmp))
        records = article_bytes(source, base.max_article_bytes)
        best_base = best_ingest = best_tuned = 0.0
        ratios: list[float] = []
        tuned_ratios: list[float] = []
        summary = None
        for rnd in range(1, args.rounds + 1):  # alternate, so both sides see the same machine load
            with responsive_gil():  # the same GIL switch interval ingest runs with: compare code, not knobs
                n_base, t_base = bare_loop(fresh_settings(base, "bare"), records)
            with responsive_gil(), bulk_gc():  # reference: the bare loop with ingest's GC tuning too
                n_tuned, t_tuned = bare_loop(fresh_settings(base, "tuned"), records)
            settings = fresh_settings(base, "ingest")
            senders = default_senders() if args.workers is None else args.workers
            # connected and warm, like the baseline's producer: the producer, and the sending processes
            with RawProducer(settings) as producer, ShardedSender(settings, senders) as sharded:
                producer.warm_up()
                start = time.perf_counter()
                summary = ingest_paths(settings, [source], producer=producer, workers=args.workers,
                                       senders=sharded)
                t_ingest = time.perf_counter() - start
            n_ingest = summary.sent
            rate_base, rate_ingest = n_base / t_base, n_ingest / t_ingest
            best_base, best_ingest = max(best_base, rate_base), max(best_ingest, rate_ingest)
            ratios.append(rate_ingest / rate_base)
            rate_tuned = n_tuned / t_tuned
            best_tuned = max(best_tuned, rate_tuned)
            tuned_ratios.append(rate_ingest / rate_tuned)
            print(f"round {rnd}: bare loop {n_base} articles in {t_base:.2f}s = {rate_base:,.0f}/s; "
                  f"ingest {n_ingest} articles in {t_ingest:.2f}s = {rate_ingest:,.0f}/s "
                  f"(sent {summary.sent}, dead-lettered {summary.dead_lettered} {summary.reasons}, "
                  f"duplicates {summary.duplicates}); ratio {rate_ingest / rate_base:.2f}; "
                  f"bare loop with ingest's GC tuning {rate_tuned:,.0f}/s")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; ingest processes: "
              f"{default_senders() if args.workers is None else args.workers}")
        print(f"best: bare loop {best_base:,.0f} articles/s, ingest {best_ingest:,.0f} articles/s, "
              f"ratio of bests {best_ingest / best_base:.2f}, median ratio per round "
              f"{sorted(ratios)[len(ratios) // 2]:.2f} (target >= 0.8)")
        print(f"for reference, the bare loop with ingest's GC tuning (bulk_gc): best {best_tuned:,.0f} articles/s; "
              f"ratio of bests {best_ingest / best_tuned:.2f}, median ratio per round "
              f"{sorted(tuned_ratios)[len(tuned_ratios) // 2]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
