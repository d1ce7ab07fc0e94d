"""Page times of the web console over an archive of 100,000 articles (target: every page p95 < 300 ms).

Builds a temporary SQLite archive of ``--articles`` enriched articles synthesized from real text in
../shared (the sample with its hand annotation, news_sample.jsonl, Reuters-21578 with pattern-found
entities and quotes), each copy with an id of its own and its own publication time, written through
``Archive.write`` as ``streams store`` does. Then starts ``streams serve`` on it (its own process,
as in production) and requests every page ``--requests`` times with varied arguments (articles,
words, speakers, entities, paging), timing each request to its last byte on 127.0.0.1. Prints the
p50/p95/max per page and exits 1 when a p95 is over ``--target-ms``.

    python benchmarks/bench_console.py [--articles 100000] [--requests 40] [--keep DIR]

``--keep DIR`` builds the archive in DIR once and reuses it on later runs.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlencode

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from streams.cli.up_ports import free_port  # noqa: E402
from streams.core.model import EnrichedArticle  # noqa: E402
from streams.store.backends import open_archive  # noqa: E402
from tests.store.articles import corpus  # noqa: E402

BASE_ARTICLES = 2_000
BATCH = 1_000
WORDS = ["oil", "security guarantees", "bank", "coffee", "wheat", "dollar", "election", "Ukraine", "trade deficit",
         "interest rates", "merger", "strike", "gold", "tanker", "OPEC", "profit"]
#: ends of the trends periods: the archive's articles are published one a minute back from 2026-01-13
TREND_ENDS = ["2026-01-13T00:00", "2026-01-01T12:00", "2025-12-20T06:00", "2025-11-25T18:00"]


def _copy(ea: EnrichedArticle, n: int, when: datetime) -> EnrichedArticle:
    article = replace(ea.article, id=f"{ea.id}~{n}", versioncreated=when.isoformat(timespec="seconds"))
    cluster = (ea.dedupe or {}).get("cluster_id")
    dedupe = {**ea.dedupe, "cluster_id": f"{cluster}~{n // 7}"} if cluster else dict(ea.dedupe)
    return replace(ea, article=article, dedupe=dedupe)


def build(database_url: str, articles: int) -> tuple[list[str], list[str], list[str]]:
    """Write the archive; returns sample article ids, speakers and entity names to ask for."""
    base = corpus(BASE_ARTICLES)
    speakers = sorted({q["speaker"] for ea in base for q in ea.quotes if q.get("speaker")})
    entities = sorted({e["name"] for ea in base for e in ea.entities if e.get("type") in ("PERSON", "ORG")})
    start = datetime(2026, 1, 13, tzinfo=timezone.utc)
    ids: list[str] = []
    t0 = time.perf_counter()
    with open_archive(database_url) as archive:
        source = itertools.cycle(base)
        for first in range(0, articles, BATCH):
            batch = [_copy(next(source), n, start - timedelta(minutes=n)) for n in range(first, min(articles, first + BATCH))]
            archive.write(batch)
            ids += [ea.id for ea in batch[:: max(1, BATCH // 20)]]
            done = first + len(batch)
            print(f"\rbuilding the archive: {done:,}/{articles:,} articles "
                  f"({done / (time.perf_counter() - t0):,.0f}/s)", end="", file=sys.stderr, flush=True)
        archive.refresh_statistics()  # planner statistics, as `streams store` leaves them (store/upkeep.py)
    print(file=sys.stderr)
    return ids, speakers, entities


def serve(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streams.cli.main", "serve", "--database-url", database_url,
                             "--host", "127.0.0.1", "--port", str(port)], cwd=REPO,
                            env={**__import__("os").environ, "STREAMS_METRICS_PORT": "-1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("streams serve did not answer /health within 60 s")


def measure(client: httpx.Client, paths: Callable[[int], str], requests: int) -> list[float]:
    times = []
    client.get(paths(0))  # warm: the first request of a route pays for template compilation
    for i in range(requests):
        path = paths(i + 1)
        start = time.perf_counter()
        r = client.get(path)
        r.read()
        times.append((time.perf_counter() - start) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{path} answered {r.status_code}: {r.text[:300]}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--target-ms", type=float, default=300.0)
    parser.add_argument("--keep", type=Path, help="build the archive in this folder once, reuse it later")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-console-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"console-{args.articles}.db"
    database_url = f"sqlite:///{db}"
    rng = random.Random(19)
    if db.exists() and args.keep:
        with open_archive(database_url) as archive:  # as `streams store` leaves it: with planner statistics
            archive.refresh_statistics()
        with open_archive(database_url, read_only=True) as archive:
            ids = [r["id"] for r in archive.search(__import__("streams.store", fromlist=["SearchQuery"]).SearchQuery(
                limit=500, offset=rng.randrange(0, max(1, args.articles - 500)))).results]
        base = corpus(BASE_ARTICLES)
        speakers = sorted({q["speaker"] for ea in base for q in ea.quotes if q.get("speaker")})
        entities = sorted({e["name"] for ea in base for e in ea.entities if e.get("type") in ("PERSON", "ORG")})
    else:
        ids, speakers, entities = build(database_url, args.articles)
    proc, url = serve(database_url)
    pick = lambda items: items[rng.randrange(len(items))]  # noqa: E731
    pages: dict[str, Callable[[int], str]] = {
        "live": lambda i: "/console/",
        "article": lambda i: "/console/article/" + quote(pick(ids), safe=""),
        "search: words": lambda i: "/console/search?" + urlencode({"q": pick(WORDS)}),
        "search: words, page 10": lambda i: "/console/search?" + urlencode({"q": pick(WORDS), "offset": 180}),
        "search: filters only": lambda i: "/console/search?" + urlencode(
            pick([{"speaker": pick(speakers)}, {"entity": pick(entities)}, {"topic": "medtop:04000000"},
                  {"source": "Reuters"}, {"since": "2025-12-20", "until": "2026-01-01"}])),
        "search: everything, deep page": lambda i: "/console/search?" + urlencode({"offset": 20 * rng.randrange(11, 500)}),
        "speaker": lambda i: "/console/speaker?" + urlencode({"name": pick(["Kaja Kallas", *speakers])}),
        "speaker, page 5": lambda i: "/console/speaker?" + urlencode({"name": "Kaja Kallas", "offset": 160}),
        "people (quoted most this week)": lambda i: "/console/people?" + urlencode(
            pick([{"window": "week"}, {"window": "day", "topic": "medtop:04000000"}, {"window": "week", "topic": "politics"}])),
        "trends (a day, busiest)": lambda i: "/console/trends?" + urlencode(
            {"period": "day", "until": pick(TREND_ENDS)}),
        "trends (a week, one entity)": lambda i: "/console/trends?" + urlencode(
            {"period": "week", "until": pick(TREND_ENDS), "entity": pick(entities)}),
        "trends (a week, one topic)": lambda i: "/console/trends?" + urlencode(
            {"period": "week", "until": pick(TREND_ENDS), "topic": pick(["politics", "medtop:04000000"])}),
        "alerts (Kafka as configured)": lambda i: "/console/alerts",
        "api /articles?q=": lambda i: "/articles?" + urlencode({"q": pick(WORDS)}),
        "api /health": lambda i: "/health",
    }
    failed = []
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            articles = client.get("/health").json()["articles"]
            print(f"{articles:,} articles in {db} (SQLite), `streams serve` on {url}; {args.requests} requests per page")
            print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            for name, paths in pages.items():
                times = measure(client, paths, args.requests)
                p95 = statistics.quantiles(times, n=20)[-1]
                flag = "" if p95 < args.target_ms else f"  over {args.target_ms:.0f} ms"
                print(f"{name:32} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}{flag}", flush=True)
                if flag:
                    failed.append(name)
    finally:
        proc.terminate()
        proc.wait(20)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if failed:
        print(f"p95 over {args.target_ms:.0f} ms: {', '.join(failed)}")
        return 1
    print(f"every page p95 under {args.target_ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
