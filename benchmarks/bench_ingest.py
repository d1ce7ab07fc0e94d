"""Ingest throughput (articles/s) vs a bare kafka-python producer loop, in one run.

    .venv/bin/python benchmarks/bench_ingest.py [--shared ../shared] [--limit N] [--rounds 2]

Both sides read ``corpus/reuters21578.jsonl`` and produce to a fresh topic of the running broker
(the managed local one is started if needed) with the same producer settings (acks=all,
idempotence, zstd, same linger/batch size):

* baseline: a bare loop ``producer.send(topic, key=<id>, value=<the JSON line>)`` then ``flush()``;
* ingest: :func:`streams.ingest.ingest_paths` on the same file (parse, validate, map onto the
  model, provenance, stable id, headers, wait for every ack, count, dead-letter empty stories).

Prints articles/s of each, the ratio ingest/baseline (target >= 0.8) and the counts, best of
``--rounds`` alternating rounds.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from kafka import KafkaProducer  # noqa: E402

from streams import admin, broker, topics  # noqa: E402
from streams.ingest import ingest_paths  # noqa: E402
from streams.ingest.producer import COMPRESSION, MAX_REQUEST_BYTES  # noqa: E402
from streams.settings import Settings, load_settings  # noqa: E402


def bare_loop(settings: Settings, path: Path, limit: int | None) -> tuple[int, float]:
    """Send each line as it is, keyed by its id, with the ingest producer's settings; (count, seconds)."""
    topic = topics.RAW.name(settings)
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all", enable_idempotence=True,
                             compression_type=COMPRESSION, linger_ms=20, batch_size=256 * 1024,
                             max_request_size=MAX_REQUEST_BYTES)
    producer.send(topic, key=b"warm-up", value=b"{}").get(30)
    count = 0
    start = time.perf_counter()
    with open(path, "rb") as handle:
        for line in handle:
            if limit is not None and count >= limit:
                break
            key = orjson.loads(line)["id"].encode()
            producer.send(topic, key=key, value=line)
            count += 1
    producer.flush()
    elapsed = time.perf_counter() - start
    producer.close()
    return count, elapsed


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


def fresh_settings(base: Settings, label: str) -> Settings:
    settings = base.replace(topic_prefix=f"bench-{label}-{uuid.uuid4().hex[:6]}-")
    admin.create_topics(settings, (topics.RAW, topics.DEAD_LETTERS, topics.SEEN_ITEMS))
    return settings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--limit", type=int, default=None, help="only the first N lines")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    path = args.shared / "corpus" / "reuters21578.jsonl"
    base = load_settings()
    if base.managed_broker:
        broker.start(base, timeout=300, owner="cli")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        source = limited_copy(path, args.limit, Path(tmp))
        best_base = best_ingest = 0.0
        summary = None
        for rnd in range(1, args.rounds + 1):
            n_base, t_base = bare_loop(fresh_settings(base, "bare"), source, None)
            settings = fresh_settings(base, "ingest")
            start = time.perf_counter()
            summary = ingest_paths(settings, [source])
            t_ingest = time.perf_counter() - start
            # the bare loop sends every line; ingest's unit of work is also every line (sent or dead-lettered)
            n_ingest = summary.sent + summary.dead_lettered + summary.duplicates
            rate_base, rate_ingest = n_base / t_base, n_ingest / t_ingest
            best_base, best_ingest = max(best_base, rate_base), max(best_ingest, rate_ingest)
            print(f"round {rnd}: bare loop {n_base} lines in {t_base:.2f}s = {rate_base:,.0f}/s; "
                  f"ingest {n_ingest} lines in {t_ingest:.2f}s = {rate_ingest:,.0f}/s "
                  f"(sent {summary.sent}, dead-lettered {summary.dead_lettered} {summary.reasons}, "
                  f"duplicates {summary.duplicates})")
        print(f"best: bare loop {best_base:,.0f} articles/s, ingest {best_ingest:,.0f} articles/s, "
              f"ratio {best_ingest / best_base:.2f} (target >= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
