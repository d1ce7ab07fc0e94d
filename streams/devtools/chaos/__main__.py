"""``python -m streams.devtools.chaos``: one chaos run; prints its row and, last, the line scripts read."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import orjson

from streams.devtools.chaos.database import DATABASES
from streams.devtools.chaos.run import FAULT_KINDS, ChaosConfig, ChaosRun


def _fault_list(text: str) -> tuple[str, ...]:
    faults = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = sorted(set(faults) - set(FAULT_KINDS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown fault(s) {', '.join(unknown)}; choose from {', '.join(FAULT_KINDS)}")
    return faults


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m streams.devtools.chaos",
        description="Run the whole pipeline (ingest, enrich workers, store, alert matcher, webhook delivery to a "
        "receiver on 127.0.0.1) as separate processes on a broker of its own, under a seeded fault schedule "
        "(SIGKILL of workers, store, matcher, deliverer; kill -9 of the broker; kill -9 of the PostgreSQL server "
        "under the store; a worker and an ingest started while the broker is down), then verify that nothing was lost or duplicated. Exit 1 if anything was.",
    )
    p.add_argument("--articles", type=int, default=20_000, help="good articles to send (default %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="seed of the input and of the fault schedule")
    p.add_argument("--workers", type=int, default=2, help="enrich worker processes (default %(default)s)")
    p.add_argument("--pipeline", default="", help="enrichment components (default: the full pipeline)")
    p.add_argument("--brokers", type=int, choices=(1, 3), default=1, help="1 broker, or a 3-node cluster")
    p.add_argument("--kafka-port", type=int, default=0,
                   help="port of the run's own broker (default STREAMS_KAFKA_PORT + 8; a cluster uses 6 ports)")
    p.add_argument("--worker-kills", type=int, default=None, help="default: articles / 2000, at least 2")
    p.add_argument("--broker-restarts", type=int, default=None, help="default: articles / 10000, at least 1")
    p.add_argument("--database", choices=DATABASES, default="postgresql",
                   help="the archive: a PostgreSQL server of the run's own on 127.0.0.1 (scripts/ensure_postgres.sh "
                   "installs and starts it), or a SQLite file (no database fault) (default %(default)s)")
    p.add_argument("--database-restarts", type=int, default=1,
                   help="kill -9 of the PostgreSQL server, started again, while the store writes (default %(default)s)")
    p.add_argument("--faults", type=_fault_list, default=(),
                   help="an explicit fault order instead of the seeded one, comma-separated, one fault per gap "
                   f"between ingest chunks (kinds: {', '.join(FAULT_KINDS)}), e.g. broker,worker,broker,worker "
                   "to replay a worker kill right after a broker restart")
    p.add_argument("--chunks", type=int, default=None, help="ingest runs the input is cut into (default: faults + 2)")
    p.add_argument("--drain-timeout", type=float, default=None,
                   help="seconds to wait for the outputs to catch up after the last fault (default: 600 or "
                   "articles / 10, whichever is more)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="logs, input files and the archive of the run (default STREAMS_HOME/chaos/<run id>)")
    p.add_argument("--results", type=Path, default=None, help="append the run's row (JSON) to this file")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if "database" in args.faults and args.database != "postgresql":
        parser.error("--faults database needs --database postgresql (a SQLite file has no server to crash)")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    kills = args.worker_kills if args.worker_kills is not None else max(2, args.articles // 2000)
    restarts = args.broker_restarts if args.broker_restarts is not None else max(1, args.articles // 10_000)
    db_restarts = args.database_restarts if args.database == "postgresql" else 0
    chunks = args.chunks or (len(args.faults) + 1 if args.faults else kills + restarts + db_restarts + 5)
    drain = args.drain_timeout or max(600.0, args.articles / 10)
    config = ChaosConfig(articles=args.articles, seed=args.seed, workers=args.workers, pipeline=args.pipeline,
                         brokers=args.brokers, kafka_port=args.kafka_port, chunks=chunks, worker_kills=kills,
                         broker_restarts=restarts, workdir=args.workdir, drain_timeout_s=drain,
                         database=args.database, database_restarts=db_restarts, faults=args.faults)
    result = ChaosRun(config).run()
    row = result.row()
    if args.results:
        with args.results.open("ab") as out:
            out.write(orjson.dumps(row) + b"\n")
    print(orjson.dumps(row, option=orjson.OPT_INDENT_2).decode())
    print(result.last_line(), flush=True)
    bad = result.lost or result.duplicate_rows or result.duplicate_webhook_effects or result.orphans \
        or result.dead_letters != result.injected or result.unexpected_exits
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
