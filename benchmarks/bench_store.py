"""Archive write throughput against a bare ``executemany`` of the same rows, on SQLite and PostgreSQL.

For each backend, in one fresh database: (1) the baseline inserts the very same rows (articles,
entities, mentions, quotes, topics; same bound values) with plain ``executemany`` into bare copies
of the tables (no keys, indexes, full-text index or upsert logic), in transactions of BATCH articles;
(2) the archive stores them with ``Archive.write_rows`` in batches of BATCH (what ``streams store``
does per Kafka batch: lock, compare versions, replace child rows, upsert, FTS/tsvector + indexes;
on PostgreSQL child rows go in with COPY and articles through a COPY-filled staging table);
(3) the archive gets them all again (a re-delivered topic: every article unchanged).

Articles are real text from ../shared (the sample, news_sample.jsonl, Reuters-21578) with pattern-
found entities and quotes. PostgreSQL: STREAMS_BENCH_POSTGRES_URL / STREAMS_TEST_POSTGRES_URL, or a
throwaway cluster from scripts/ensure_postgres.sh (which runs with fsync=off: ratios, not absolutes).

    python benchmarks/bench_store.py [--articles 3000] [--batch 500] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from streams.store.archive import Archive  # noqa: E402
from streams.store.backends import open_archive  # noqa: E402
from streams.store.rows import (  # noqa: E402
    ARTICLE_COLUMNS,
    ENTITY_COLUMNS,
    MENTION_COLUMNS,
    QUOTE_COLUMNS,
    TOPIC_COLUMNS,
    ArticleRows,
    article_rows,
)
from tests.store.articles import corpus  # noqa: E402

TABLES = (("articles", ARTICLE_COLUMNS, None), ("entities", ENTITY_COLUMNS, "entities"),
          ("mentions", MENTION_COLUMNS, "mentions"), ("quotes", QUOTE_COLUMNS, "quotes"),
          ("topics", TOPIC_COLUMNS, "topics"))


def table_rows(archive: Archive, batch: Sequence[ArticleRows]) -> dict[str, list[tuple[Any, ...]]]:
    """Bound values per table, adapted exactly as the archive binds them."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table, columns, attr in TABLES:
        if attr is None:
            out[table] = archive._bind(columns, [tuple(r.article[c] for c in columns) for r in batch])
        else:
            out[table] = archive._bind(columns, [row for r in batch for row in getattr(r, attr)])
    return out


def bare_tables(archive: Archive) -> None:
    for table, _, _ in TABLES:
        if archive.backend == "sqlite":
            archive._execute(f"CREATE TABLE bare_{table} AS SELECT * FROM {table} WHERE 0")
        else:
            archive._execute(f"CREATE TABLE bare_{table} (LIKE {table})")  # columns only: no keys, indexes, tsv


def executemany_baseline(archive: Archive, batches: Sequence[Sequence[ArticleRows]]) -> float:
    started = time.perf_counter()
    for batch in batches:
        per_table = table_rows(archive, batch)  # the same JSON/timestamp binding the archive does
        with archive._tx():
            for table, columns, _ in TABLES:
                rows = per_table[table]
                if rows:
                    marks = ", ".join("?" for _ in columns)
                    archive._executemany(f"INSERT INTO bare_{table} ({', '.join(columns)}) VALUES ({marks})", rows)
    return time.perf_counter() - started


def archive_write(archive: Archive, batches: Sequence[Sequence[ArticleRows]]) -> tuple[float, int]:
    started = time.perf_counter()
    written = sum(archive.write_rows(b).written for b in batches)
    return time.perf_counter() - started, written


def postgres_server() -> tuple[str, Callable[[], None]]:
    url = os.environ.get("STREAMS_BENCH_POSTGRES_URL") or os.environ.get("STREAMS_TEST_POSTGRES_URL")
    if url:
        return url, lambda: None
    datadir = Path("/tmp") / f"streams-pg-bench-{uuid.uuid4().hex[:8]}"
    script = REPO / "scripts" / "ensure_postgres.sh"
    done = subprocess.run([str(script), str(datadir)], capture_output=True, text=True, check=True)

    def stop() -> None:
        subprocess.run([str(script), "stop", str(datadir)], capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)

    return done.stdout.strip().splitlines()[-1], stop


def fresh_postgres_db(server: str) -> tuple[str, Callable[[], None]]:
    import psycopg
    from psycopg import sql

    name = f"streams_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    return urlsplit(server)._replace(path=f"/{name}").geturl(), drop


def run_once(url: str, batches: Sequence[Sequence[ArticleRows]]) -> tuple[float, float, float]:
    """(baseline, archive write, re-delivery) seconds in one fresh database."""
    with open_archive(url) as archive:
        bare_tables(archive)
        base_s = executemany_baseline(archive, batches)
        store_s, written = archive_write(archive, batches)
        replay_s, rewritten = archive_write(archive, batches)
        assert written == sum(len(b) for b in batches) and rewritten == 0, (written, rewritten)
        assert archive.count() == written
    return base_s, store_s, replay_s


def fresh_database(backend: str, server: str | None) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="streams-bench-")
        return f"sqlite:///{tmp}/bench.db", lambda: shutil.rmtree(tmp, ignore_errors=True)
    assert server is not None
    return fresh_postgres_db(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3, help="runs per backend, each in a fresh database; best is shown")
    args = parser.parse_args()

    print(f"building {args.articles} enriched articles from ../shared ...", flush=True)
    rows = [article_rows(ea) for ea in corpus(args.articles)]
    batches = [rows[i : i + args.batch] for i in range(0, len(rows), args.batch)]
    n_rows = len(rows) + sum(r.child_row_count for r in rows)
    print(f"{len(rows)} articles = {n_rows} rows (articles+entities+mentions+quotes+topics), batches of {args.batch}\n")
    print(f"best of {args.repeat} runs per backend, each in a fresh database\n")
    print(f"{'backend':<11} {'path':<38} {'seconds':>8} {'rows/s':>10} {'articles/s':>10} {'vs baseline':>11}")
    for backend in args.backends.split(","):
        server, stop_server = postgres_server() if backend == "postgresql" else (None, lambda: None)
        runs = []
        try:
            for _ in range(args.repeat):  # best of N: the machine is shared and noisy
                url, drop = fresh_database(backend, server)
                try:
                    runs.append(run_once(url, batches))
                finally:
                    drop()
        finally:
            stop_server()
        best = [min(r[i] for r in runs) for i in range(3)]
        paths = ("bare executemany (baseline)", "archive write (upsert, FTS, indexes)", "archive re-delivery (unchanged)")
        for path, seconds in zip(paths, best):
            print(f"{backend:<11} {path:<38} {seconds:>8.3f} {n_rows / seconds:>10.0f} {len(rows) / seconds:>10.0f}"
                  f" {best[0] / seconds:>10.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
