"""The transport ceiling: a bare kafka-python consume -> produce -> store loop over the bench's messages.

    python -m benchmarks.pipeline.transport relay --bootstrap B --source T --target T2 --group G
    python -m benchmarks.pipeline.transport sink --bootstrap B --source T2 --group G2 --db PATH --expect N

``relay`` (one per worker) consumes the raw articles in a consumer group, produces each value unchanged
(acks=all, as the pipeline does) and commits after the batch is acknowledged; ``sink`` consumes those,
inserts them into SQLite in one transaction per batch, commits, and exits after ``--expect`` records (or
with status 1 when nothing arrives for ``--stall-s`` seconds).
Each prints one JSON line: the relay its first consume time, the sink its last store time and count.
No parsing, no enrichment: what Kafka and the disk cost on this machine, the same processes as the pipeline.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import time
from pathlib import Path

POLL_MS = 200
MAX_RECORDS = 500
#: the sink gives up when nothing arrives for this long: once, a sink polled at 100 % CPU for minutes and
#: never got its records; the bench reports the ceiling as missing instead of waiting out its timeout
STALL_S = 60.0


def _consumer(bootstrap: str, topic: str, group: str):  # type: ignore[no-untyped-def]
    from kafka import KafkaConsumer

    return KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                         auto_offset_reset="earliest", client_id=f"bench-{group}", max_poll_records=MAX_RECORDS)


def relay(args: argparse.Namespace) -> int:
    from kafka import KafkaProducer

    stop = _stop_flag()
    consumer = _consumer(args.bootstrap, args.source, args.group)
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", linger_ms=5, client_id="bench-relay")
    first: float | None = None
    relayed = 0
    try:
        while not stop():
            batch = consumer.poll(timeout_ms=POLL_MS, max_records=MAX_RECORDS)
            if not batch:
                continue
            if first is None:
                first = time.time()
                print(json.dumps({"first": first}), flush=True)
            futures = [producer.send(args.target, key=r.key, value=r.value)
                       for records in batch.values() for r in records]
            for f in futures:
                f.get(timeout=60)
            consumer.commit()
            relayed += len(futures)
    finally:
        producer.close(timeout=10)
        consumer.close()
    return 0


def sink(args: argparse.Namespace) -> int:
    stop = _stop_flag()
    consumer = _consumer(args.bootstrap, args.source, args.group)
    db = sqlite3.connect(str(args.db))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS messages (key BLOB PRIMARY KEY, value BLOB NOT NULL, stored_at REAL)")
    stored = 0
    last = None
    progress = time.monotonic()
    try:
        while stored < args.expect and not stop():
            batch = consumer.poll(timeout_ms=POLL_MS, max_records=MAX_RECORDS)
            rows = [(r.key, r.value, time.time()) for records in batch.values() for r in records]
            if not rows:
                if time.monotonic() - progress > args.stall_s:
                    print(json.dumps({"last": last, "stored": stored,
                                      "error": f"nothing to store for {args.stall_s:g} s"}), flush=True)
                    return 1
                continue
            progress = time.monotonic()
            with db:
                db.executemany("INSERT OR REPLACE INTO messages VALUES (?, ?, ?)", rows)
            consumer.commit()
            stored += len(rows)
            last = time.time()
        print(json.dumps({"last": last, "stored": stored}), flush=True)
    finally:
        consumer.close()
        db.close()
    return 0


def _stop_flag():  # type: ignore[no-untyped-def]
    stopped = {"yes": False}

    def on_signal(*_: object) -> None:
        stopped["yes"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return lambda: stopped["yes"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="role", required=True)
    r = sub.add_parser("relay")
    s = sub.add_parser("sink")
    for p in (r, s):
        p.add_argument("--bootstrap", required=True)
        p.add_argument("--source", required=True)
        p.add_argument("--group", required=True)
    r.add_argument("--target", required=True)
    s.add_argument("--db", type=Path, required=True)
    s.add_argument("--expect", type=int, required=True)
    s.add_argument("--stall-s", type=float, default=STALL_S,
                   help=f"give up (exit 1) when nothing arrives for this long (default {STALL_S:g})")
    args = ap.parse_args(argv)
    return relay(args) if args.role == "relay" else sink(args)


if __name__ == "__main__":
    sys.exit(main())
