"""One pipeline under test, made of the product's own processes, and the runs the bench makes through it.

A :class:`Stack` has a topic prefix, an SQLite archive and alert rules of its own, and runs ``streams worker``
(N of them), ``streams store``, ``streams alerts run`` and ``streams alerts deliver --file``. Articles go in
through ``streams ingest`` (a file sent at once, or stdin fed at a fixed pace); times come back from the
archive and the alerts topic (:mod:`benchmarks.pipeline.observe`).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from benchmarks.pipeline import observe
from benchmarks.pipeline.corpus import Replay, write_lines
from benchmarks.pipeline.procs import Proc, Processes
from benchmarks.pipeline.report import latency_summary, worker_progress

READY_TIMEOUT_S = 240.0  # a worker loads spaCy and joins the group; slow on a loaded machine
WARMUP_PAUSE_S = 3.0
ALERT_SETTLE_S = 3.0
READY_ARTICLES = 4  # sent through the paced producer, and stored, before its clock starts  # the matcher publishes an alert about when the store writes the article


@dataclass
class Stack:
    procs: Processes
    name: str
    prefix: str
    bootstrap: str
    folder: Path
    pipeline: str | None = None  # None: the default pipeline
    workers: list[Proc] = field(default_factory=list)
    others: list[Proc] = field(default_factory=list)
    stall_s: float = 180.0
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.folder / f"{self.name}.db"

    @property
    def env(self) -> dict[str, str]:
        return {"STREAMS_TOPIC_PREFIX": self.prefix, "STREAMS_DATABASE_URL": f"sqlite:///{self.db}",
                "STREAMS_LOG_LEVEL": "WARNING", **self.extra_env}

    def start(self, workers: int) -> None:
        """Topics, two alert rules, store, matcher, file delivery, then ``workers`` workers (ready to consume)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.procs.run(f"{self.name}-topics", "topics", "create", env=self.env)
        self.procs.run(f"{self.name}-rules", "alerts", "add", "--name", "bench: every English article",
                       "--id", "bench-en", "--language", "en", env=self.env)
        self.procs.run(f"{self.name}-rules", "alerts", "add", "--name", "bench: a person named",
                       "--id", "bench-person", "--entity-type", "PERSON", env=self.env)
        self.others.append(self.procs.streams(f"{self.name}-store", "store", env=self.env, metrics=True))
        self.others.append(self.procs.streams(f"{self.name}-matcher", "alerts", "run", env=self.env, metrics=True))
        self.others.append(self.procs.streams(f"{self.name}-delivery", "alerts", "deliver", "--file",
                                              str(self.folder / f"{self.name}-alerts.jsonl"), env=self.env,
                                              metrics=True))
        self.add_workers(workers)

    def add_workers(self, n: int) -> None:
        args = ["worker", "--no-create-topics"] + (["--pipeline", self.pipeline] if self.pipeline else [])
        new = [self.procs.streams(f"{self.name}-worker-{len(self.workers) + i + 1}", *args, env=self.env,
                                  metrics=True) for i in range(n)]
        self.workers.extend(new)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while any(w.metrics(timeout=1.0) is None for w in new):  # /metrics is up once the pipeline is built
            self.check()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: workers not up after {READY_TIMEOUT_S:.0f}s; see {new[0].log}")
            time.sleep(1.0)

    def check(self) -> None:
        self.procs.check_alive(self.workers + self.others)

    def pause(self) -> None:
        """Stop every process of the stack (SIGSTOP), so that it takes no CPU from a run beside it. The
        consumer groups' sessions lapse meanwhile: :meth:`resume` waits until they are whole again."""
        self.procs.pause(self.workers + self.others)

    def resume(self, replay: Replay, warmup: int) -> None:
        """Continue a paused stack, then :meth:`warm_up` (every worker back in its group and enriching)."""
        self.procs.resume(self.workers + self.others)
        self.warm_up(replay, warmup)

    def stop(self) -> None:
        self.procs.resume(self.workers + self.others)
        self.procs.stop(self.workers + self.others)
        self.workers, self.others = [], []

    # --- feeding and waiting ---------------------------------------------------------------------------

    def ingest_file(self, tag: str, lines: list[bytes]) -> None:
        path = write_lines(self.folder / f"{tag}.jsonl", lines)
        self.procs.run(f"{self.name}-ingest", "ingest", str(path), "--no-progress", "--no-create-topics",
                       "--workers", "0", env=self.env)

    def wait_stored(self, id_prefix: str, expected: int) -> list[tuple[float, float]]:
        """Poll the archive until ``expected`` articles ``id_prefix*`` are stored; fail on a stall."""
        last_count, last_change = -1, time.monotonic()
        while True:
            times = observe.stored_times(self.db, id_prefix)
            if len(times) >= expected:
                return times
            if len(times) != last_count:
                last_count, last_change = len(times), time.monotonic()
            elif time.monotonic() - last_change > self.stall_s:
                raise RuntimeError(f"{self.name}: {expected - len(times)} of {expected} articles {id_prefix}* "
                                   f"not stored after {self.stall_s:.0f}s without progress (dead letters? see "
                                   f"the logs in {self.procs.log_dir})")
            self.check()
            time.sleep(0.5)

    def enriched_counts(self) -> list[float | None]:
        out = []
        for w in self.workers:
            samples = w.metrics()
            out.append(None if samples is None else worker_progress(samples))
        return out

    def warm_up(self, replay: Replay, n: int) -> None:
        """Send ``n`` articles until every worker has enriched some of them (all joined and assigned)."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        attempt = 0
        while True:
            before = self.enriched_counts()
            tag = f"{self.name}warm{attempt}"
            self.ingest_file(tag, replay.take(tag, n))
            self.wait_stored(f"{replay.run_id}-{tag}-", n)
            after = self.enriched_counts()
            idle = [w.name for w, a, b in zip(self.workers, after, before) if a is not None and b is not None
                    and a <= b]
            if not idle:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: {', '.join(idle)} still got no articles after {attempt + 1} "
                                   f"warm-ups in {READY_TIMEOUT_S:.0f}s (consumer group not rebalanced?)")
            attempt += 1
            time.sleep(WARMUP_PAUSE_S)  # a worker got no partition yet: the group is still rebalancing

    # --- the runs -------------------------------------------------------------------------------------

    def burst(self, replay: Replay, tag: str, n: int, *, start: int | None = None) -> dict[str, float]:
        """``n`` articles at once; articles/s from the first ingest to the last stored."""
        self.ingest_file(tag, replay.take(tag, n, start=start))
        times = self.wait_stored(f"{replay.run_id}-{tag}-", n)
        first = min(r for r, _ in times)
        last = max(s for _, s in times)
        return {"articles": n, "seconds": last - first, "rate": n / (last - first) if last > first else None}

    def paced(self, replay: Replay, tag: str, rate: float, seconds: float,
              every: Callable[[float], None] | None = None, every_s: float = 5.0) -> dict[str, object]:
        """Feed ``streams ingest -`` at ``rate`` articles/s for ``seconds``; latencies ingest->stored, ->alert.

        ``every(t)`` is called about every ``every_s`` seconds (t from the start): the soak samples RSS there.
        """
        ingest = self.procs.streams(f"{self.name}-ingest-{tag}", "ingest", "-", "--no-create-topics", env=self.env,
                                    stdin=subprocess.PIPE)
        assert ingest.popen.stdin is not None
        # the producer starts (imports, connects) before the clock does: a long-running ingest is the
        # case measured, and its start-up would otherwise take a core from the workers for the first seconds
        ready = replay.take(f"{tag}ready", READY_ARTICLES)
        ingest.popen.stdin.write(b"".join(ready))
        ingest.popen.stdin.flush()
        self.wait_stored(f"{replay.run_id}-{tag}ready-", len(ready))
        supply = replay.stream(tag)
        started = time.monotonic()
        sent, next_sample = 0, 0.0
        try:
            while (now := time.monotonic() - started) < seconds:
                due = int(now * rate) + 1
                while sent < due:
                    ingest.popen.stdin.write(next(supply))
                    sent += 1
                ingest.popen.stdin.flush()
                if every is not None and now >= next_sample:
                    every(now)
                    next_sample += every_s
                self.check()
                time.sleep(max(0.0, min((sent / rate) - (time.monotonic() - started), 0.05)))
            ingest.popen.stdin.close()
            ingest.popen.wait(timeout=120)
        finally:
            self.procs.stop([ingest])
        id_prefix = f"{replay.run_id}-{tag}-"
        self.wait_stored(id_prefix, sent)
        stages = observe.stage_times(self.db, id_prefix)
        if every is not None:
            every(time.monotonic() - started)
        time.sleep(ALERT_SETTLE_S)
        alerts = observe.alert_times(self.bootstrap, f"{self.prefix}alerts", id_prefix)
        return {"rate": rate, "seconds": seconds, "sent": sent,
                "stored": latency_summary([s - r for r, _, s in stages]),
                "enriched": latency_summary([e - r for r, e, _ in stages if e is not None]),
                "alert": latency_summary([a - r for r, a in alerts])}

    def metrics(self) -> list[dict[str, float]]:
        return [m for m in (w.metrics() for w in self.workers) if m is not None]
