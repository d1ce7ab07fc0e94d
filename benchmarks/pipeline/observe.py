"""What the bench reads back from the running pipeline: the archive's rows, the alerts topic, group members.

Times are the product's own: ``received_at`` stamped by ``streams ingest``, ``stored_at`` written by
``streams store``, and the alerts topic's record time stamps (set when the matcher produced each alert).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.pipeline.report import iso_seconds


def stored_times(db: Path, id_prefix: str) -> list[tuple[float, float]]:
    """(received, stored) Unix seconds of every archived article whose id starts with ``id_prefix``."""
    return [(r, s) for r, _, s in stage_times(db, id_prefix)]


def stage_times(db: Path, id_prefix: str) -> list[tuple[float, float | None, float]]:
    """(received, enriched, stored) Unix seconds of every archived article whose id starts with ``id_prefix``.

    ``enriched`` is ``enriched_at``, stamped in the worker's enrichment child when the article's enrichment
    ended (None when absent): it splits a latency into the way to the child and through it, and the rest
    (the batch's other articles, the dedupe index, publishing, the store)."""
    if not db.exists():
        return []
    uri = f"file:{db}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30.0)) as con:
        try:
            rows = con.execute("SELECT received_at, enriched_ts, stored_at FROM articles WHERE id >= ? AND id < ?",
                               (id_prefix, id_prefix + "\uffff")).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
    return [(iso_seconds(r), None if e is None else float(e), float(s)) for r, e, s in rows if r]


def stored_count(db: Path, id_prefix: str) -> int:
    return len(stored_times(db, id_prefix))


def alert_times(bootstrap: str, topic: str, id_prefix: str) -> list[tuple[float, float]]:
    """(received, alert produced) Unix seconds of every alert on ``topic`` for articles ``id_prefix*``."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             client_id="streams-bench")
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in parts]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        out: list[tuple[float, float]] = []
        deadline = time.monotonic() + 60.0
        while any(consumer.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500, max_records=5000).values():
                for rec in records:
                    out.extend(_alert_time(rec.value, rec.timestamp, id_prefix))
        return out
    finally:
        consumer.close()


def _alert_time(value: bytes | None, timestamp_ms: int, id_prefix: str) -> list[tuple[float, float]]:
    try:
        alert: Any = orjson.loads(value or b"")
        if not str(alert.get("article_id", "")).startswith(id_prefix) or not alert.get("received_at"):
            return []
        return [(iso_seconds(alert["received_at"]), timestamp_ms / 1000.0)]
    except (orjson.JSONDecodeError, AttributeError, ValueError):
        return []


def delete_topics(bootstrap: str, prefixes: list[str]) -> None:
    """Delete every topic whose name starts with one of ``prefixes`` (the bench's own, nothing else)."""
    from kafka import KafkaAdminClient

    if not prefixes:
        return
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="streams-bench")
    try:
        names = [t for t in admin.list_topics() if any(t.startswith(p) for p in prefixes)]
        if names:
            admin.delete_topics(names)
    finally:
        admin.close()
