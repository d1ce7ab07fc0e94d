"""One chaos run: the whole pipeline as separate ``streams`` processes, a seeded fault schedule, a verdict.

The run owns a broker (or 3-node cluster) on its own port, a topic prefix, an archive (a PostgreSQL
server of its own, or a SQLite file) and a webhook receiver on 127.0.0.1. Ingest sends the input in
chunks; between chunks the schedule SIGKILLs workers, the store, the matcher and the deliverer (each
restarted), kill -9s the broker (or one node) and restarts it, crashes the PostgreSQL server
(kill -9 of every server process) and starts it again while the store writes, and once starts a
worker and an ingest while the broker is down.
Then it waits until the archive, the dead letters and the receiver have caught up, stops
everything, counts orphan processes and compares:

* acknowledged articles with the archive (lost, duplicate rows) and injected poison with the
  dead letters, by reason;
* the alerts topic with what the receiver got (missing, redeliveries, and duplicate effects: one
  article alerted under two different idempotency keys, which no receiver could dedupe).
"""

from __future__ import annotations

import logging
import os
import random
import re
import shutil
import statistics
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from streams.core.model import DeadLetter
from streams.core.settings import Settings, load_settings
from streams.devtools import broker
from streams.devtools.chaos.articles import ALERT_WORD, MAX_ARTICLE_BYTES, ChaosInput, make_input
from streams.devtools.chaos.database import ChaosDatabase, open_database
from streams.devtools.chaos.observe import GroupProgress, moved_on, read_topic
from streams.devtools.chaos.procs import RUN_VAR, Proc, reap_orphans
from streams.devtools.chaos.receiver import Receiver
from streams.kafka import admin, topics
from streams.kafka.clients import reliable_producer

log = logging.getLogger(__name__)

RECOVERY_WAIT_S = 120.0
#: a worker is killed only once every worker is a member of a stable group (a restarted one has
#: rejoined): a kill while the other worker is still starting up measures start-up, not recovery
GROUP_READY_WAIT_S = 300.0
#: ...and has stayed stable with every worker for longer than a session: a member the coordinator
#: loaded back after a broker restart counts until its session lapses, though its worker is dead (a
#: kill then hit the only live worker and measured the other one's start-up: 20.3 s)
GROUP_STABLE_FOR_S = 7.0
FAULT_KINDS = ("worker", "store", "matcher", "deliver", "broker", "database", "down-start")


@dataclass
class ChaosConfig:
    """What a run does; the defaults are the short run of the test suite."""

    articles: int = 300
    seed: int = 1
    workers: int = 2
    pipeline: str = "textspans,dedupe"  # "" = the full default pipeline
    brokers: int = 1
    kafka_port: int = 0  # 0: STREAMS_KAFKA_PORT + 8
    workdir: Path | None = None
    chunks: int = 6
    worker_kills: int = 2
    broker_restarts: int = 1
    drain_timeout_s: float = 600.0
    database: str = "sqlite"  # or "postgresql": a server of the run's own
    database_restarts: int = 0  # kill -9 of the PostgreSQL server, then a start (postgresql only)
    faults: tuple[str, ...] = ()  # an explicit fault order (replaces the seeded one), e.g. to replay one sequence


@dataclass
class ChaosResult:
    """The verdict of one run."""

    articles: int = 0
    acknowledged: int = 0
    lost: int = 0
    lost_articles: int = 0
    lost_poison: int = 0
    missing_webhooks: int = 0
    duplicate_rows: int = 0
    redeliveries: int = 0
    duplicate_webhook_effects: int = 0
    poison: int = 0
    dead_lettered: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    orphans: int = 0
    unexpected_exits: list[str] = field(default_factory=list)  # processes that died without being killed
    mid_batch_kills: int = 0  # worker kills while the group had uncommitted input
    faults: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0

    @property
    def worst_worker_recovery_s(self) -> float:
        return max(self.faults.get("worker") or [0.0])

    def row(self) -> dict[str, Any]:
        """One row for the results table / file."""
        recovery = {kind: {"n": len(v), "max_s": round(max(v), 1), "median_s": round(statistics.median(v), 1)}
                    for kind, v in self.faults.items() if v}
        return {"articles": self.articles, "acknowledged": self.acknowledged, "lost": self.lost,
                "duplicate_rows": self.duplicate_rows, "redeliveries": self.redeliveries,
                "duplicate_webhook_effects": self.duplicate_webhook_effects, "alerts": self.alerts,
                "missing_webhooks": self.missing_webhooks, "dead_letters_by_reason": self.dead_letters,
                "injected_by_reason": self.injected, "recovery": recovery, "mid_batch_worker_kills": self.mid_batch_kills, "orphans": self.orphans,
                "unexpected_exits": self.unexpected_exits,
                "seconds": round(self.seconds)}

    def last_line(self) -> str:
        """The line scripts read (exactly so worded)."""
        return (f"chaos: articles {self.articles} lost {self.lost} duplicate_rows {self.duplicate_rows} "
                f"duplicate_webhook_effects {self.duplicate_webhook_effects} poison {self.poison} "
                f"dead_lettered {self.dead_lettered} orphans {self.orphans} "
                f"worst_worker_recovery_s {self.worst_worker_recovery_s:.1f}")


class ChaosRun:
    """Runs one :class:`ChaosConfig`; ``say`` gets one line per step (progress for the terminal)."""

    def __init__(self, config: ChaosConfig, say: Callable[[str], None] = print) -> None:
        self.cfg, self.say = config, say
        self.rng = random.Random(config.seed)
        self.run_id = f"{config.seed}-{uuid.uuid4().hex[:6]}"
        base = load_settings()
        port = config.kafka_port or base.kafka_port + 8
        self.settings: Settings = base.replace(
            kafka_bootstrap="", kafka_port=port, kafka_controller_port=0, kafka_brokers=config.brokers,
            topic_prefix=f"chaos-{self.run_id}-", max_article_bytes=MAX_ARTICLE_BYTES)
        self.workdir = config.workdir or base.home / "chaos" / self.run_id
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db: ChaosDatabase = open_database(config.database, self.run_id, self.workdir)
        self.receiver = Receiver()
        self.procs: dict[str, Proc] = {}
        self.ingests: list[Proc] = []
        self.result = ChaosResult(articles=config.articles)
        self.input: ChaosInput = make_input(config.articles, config.seed)

    # -- processes ---------------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        skip = ("STREAMS_KAFKA_BOOTSTRAP", "STREAMS_KAFKA_CONTROLLER_PORT")
        env = {k: v for k, v in os.environ.items() if k not in skip}
        s = self.settings
        env.update({
            "STREAMS_KAFKA_PORT": str(s.kafka_port), "STREAMS_KAFKA_BROKERS": str(s.kafka_brokers),
            "STREAMS_TOPIC_PREFIX": s.topic_prefix, "STREAMS_DATABASE_URL": self.db.url,
            "STREAMS_MAX_ARTICLE_BYTES": str(MAX_ARTICLE_BYTES), "STREAMS_METRICS_PORT": "-1",
            "STREAMS_PIPELINE": self.cfg.pipeline, "STREAMS_WEBHOOK_ALLOW": f"127.0.0.1:{self.receiver.port}",
            "STREAMS_HOME": str(s.home), RUN_VAR: self.run_id,
        })
        return env

    def _proc(self, name: str, *args: str) -> Proc:
        proc = Proc(name, list(args), self._env(), self.workdir)
        self.procs[name] = proc
        return proc

    def _start_pipeline(self) -> None:
        for n in range(self.cfg.workers):
            self._proc(f"worker-{n}", "worker").start()
        self._proc("store", "store").start()
        self._proc("matcher", "alerts", "run").start()
        self._proc("deliver", "alerts", "deliver", "--webhook", self.receiver.url).start()

    def _chunk_files(self) -> list[Path]:
        lines, n = self.input.lines, max(1, self.cfg.chunks)
        size = -(-len(lines) // n)
        files = []
        for i in range(n):
            path = self.workdir / f"input-{i:02d}.jsonl"
            path.write_bytes(b"".join(line + b"\n" for line in lines[i * size:(i + 1) * size]))
            files.append(path)
        return files

    def _ingest(self, path: Path, wait: bool = True) -> Proc:
        proc = Proc(f"ingest-{path.stem}", ["ingest", "--no-progress", str(path)], self._env(), self.workdir)
        proc.start()
        self.ingests.append(proc)
        if wait:
            self._wait_ingest(proc)
        return proc

    def _wait_ingest(self, proc: Proc) -> None:
        status = proc.wait(600)
        if status != 0:
            raise RuntimeError(f"{proc.name} exited {status}; see {proc.log_path}")

    # -- faults ------------------------------------------------------------------------------------
    def _schedule(self) -> list[str]:
        cfg = self.cfg
        faults = list(cfg.faults) or self._seeded_faults()
        events: list[str] = []
        chunks = ["ingest"] * max(1, cfg.chunks)
        per_gap = -(-len(faults) // len(chunks))
        for chunk in chunks:
            events.append(chunk)
            events.extend(faults[:per_gap])
            del faults[:per_gap]
        return events

    def _seeded_faults(self) -> list[str]:
        cfg = self.cfg
        faults = ["worker"] * cfg.worker_kills + ["store", "matcher", "deliver"] + ["broker"] * cfg.broker_restarts
        faults += ["database"] * (cfg.database_restarts if cfg.database == "postgresql" else 0)
        faults.append("down-start")
        self.rng.shuffle(faults)
        return faults

    def _kill_worker(self) -> None:
        name = f"worker-{self.rng.randrange(self.cfg.workers)}"
        s = self.settings
        progress = GroupProgress(s.bootstrap, topics.worker_group(s), topics.RAW.name(s))
        self._wait_group_ready(progress)
        at_kill = self._with_backlog(progress)
        if at_kill is not None and any(at_kill[0].get(p, -1) < end for p, end in at_kill[1].items()):
            self.result.mid_batch_kills += 1  # the group had work in hand: the kill lands mid-batch
        self.procs[name].kill9()
        killed = time.monotonic()
        time.sleep(self.rng.uniform(0.5, 2.0))
        self.procs[name].start()
        seconds = self._until_moved(progress, at_kill, killed)
        self.result.faults["worker"].append(seconds)
        self.say(f"  SIGKILL {name}: group committing again after {seconds:.1f} s")

    def _wait_group_ready(self, progress: GroupProgress) -> None:
        """Wait until every worker is in the stable group (or GROUP_READY_WAIT_S; then the kill goes ahead)."""
        started = stable_since = time.monotonic()
        while time.monotonic() - stable_since < GROUP_STABLE_FOR_S:
            if progress.stable_members() < self.cfg.workers:
                stable_since = time.monotonic()
            self._supervise()  # a worker that died on its own would otherwise be waited for in vain
            if time.monotonic() - started > GROUP_READY_WAIT_S:
                self.say(f"  ! the worker group was not stable with {self.cfg.workers} members after "
                         f"{GROUP_READY_WAIT_S:.0f} s; killing anyway")
                return
            time.sleep(0.5)

    @staticmethod
    def _with_backlog(progress: GroupProgress, wait_s: float = 10.0) -> Any:
        """A snapshot taken once some partition has uncommitted input (or after ``wait_s``)."""
        deadline = time.monotonic() + wait_s
        snap = progress.snapshot()
        while time.monotonic() < deadline:
            if snap is not None and any(snap[0].get(p, -1) < end for p, end in snap[1].items()):
                break
            time.sleep(0.1)
            snap = progress.snapshot()
        return snap

    def _until_moved(self, progress: GroupProgress, at_kill: Any, since: float) -> float:
        try:
            while time.monotonic() - since < RECOVERY_WAIT_S:
                now = progress.snapshot()
                if at_kill is not None and now is not None and moved_on(at_kill, now):
                    return time.monotonic() - since
                time.sleep(0.25)
            return time.monotonic() - since
        finally:
            progress.close()

    def _kill_sink(self, name: str) -> None:
        progress = None
        if name == "store":
            progress = GroupProgress(self.settings.bootstrap, topics.store_group(self.settings),
                                     topics.ENRICHED.name(self.settings))
        at_kill = progress.snapshot() if progress else None
        self.procs[name].kill9()
        killed = time.monotonic()
        time.sleep(self.rng.uniform(0.5, 2.0))
        self.procs[name].start()
        if progress is not None:
            seconds = self._until_moved(progress, at_kill, killed)
            self.result.faults[name].append(seconds)
            self.say(f"  SIGKILL {name}: committing again after {seconds:.1f} s")
        else:
            self.result.faults[name].append(time.monotonic() - killed)
            self.say(f"  SIGKILL {name}: restarted")

    def _broker_pid(self, node: int) -> int | None:
        try:
            return int(broker.pid_file(broker.node_settings(self.settings, node)).read_text())
        except (OSError, ValueError):
            return None

    def _kill_broker(self) -> int:
        node = self.rng.randrange(self.settings.kafka_brokers)
        pid = self._broker_pid(node)
        if pid is not None:
            os.kill(pid, 9)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and \
                    not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
                time.sleep(0.1)
        return node

    def _restart_broker(self, node: int) -> float:
        started = time.monotonic()
        broker.start_node(self.settings, node, owner="chaos")
        broker.wait_nodes(self.settings, 180)
        return time.monotonic() - started

    def _broker_fault(self) -> None:
        node = self._kill_broker()
        killed = time.monotonic()
        time.sleep(self.rng.uniform(2.0, 5.0))
        self._restart_broker(node)
        self.result.faults["broker"].append(time.monotonic() - killed)
        self.say(f"  kill -9 broker node {node + 1}: answering again after {time.monotonic() - killed:.1f} s")

    def _database_fault(self) -> None:
        """Crash the PostgreSQL server under the store (kill -9 of every server process), start it again."""
        progress = GroupProgress(self.settings.bootstrap, topics.store_group(self.settings),
                                 topics.ENRICHED.name(self.settings))
        at_kill = self._with_backlog(progress, wait_s=5.0)
        killed_n = self.db.kill9()  # type: ignore[attr-defined]  # only a restartable database is scheduled
        killed = time.monotonic()
        time.sleep(self.rng.uniform(2.0, 5.0))
        self.db.start()
        seconds = self._until_moved(progress, at_kill, killed)
        self.result.faults["database"].append(seconds)
        self.say(f"  kill -9 PostgreSQL ({killed_n} processes), started again: store committing after {seconds:.1f} s")

    def _down_start(self, chunk: Path | None) -> None:
        """Kill the broker, then restart a worker and start an ingest while it is down, then the broker."""
        if self.settings.kafka_brokers > 1:  # one node down is no outage: take the whole cluster down
            nodes = list(range(self.settings.kafka_brokers))
            for node in nodes:
                pid = self._broker_pid(node)
                if pid is not None:
                    os.kill(pid, 9)
        else:
            nodes = [self._kill_broker()]
        killed = time.monotonic()
        name = f"worker-{self.rng.randrange(self.cfg.workers)}"
        self.procs[name].kill9()
        self.procs[name].start()
        ingest = self._ingest(chunk, wait=False) if chunk is not None else None
        time.sleep(self.rng.uniform(3.0, 6.0))
        for node in nodes:
            broker.start_node(self.settings, node, owner="chaos")
        broker.wait_nodes(self.settings, 180)
        if ingest is not None:
            self._wait_ingest(ingest)
        self.result.faults["down-start"].append(time.monotonic() - killed)
        self.say(f"  broker down; {name} restarted and {ingest.name if ingest else 'no ingest'} started meanwhile: "
                 f"done after {time.monotonic() - killed:.1f} s")

    # -- the run -----------------------------------------------------------------------------------
    def run(self) -> ChaosResult:
        started = time.monotonic()
        s = self.settings
        self.say(f"chaos {self.run_id}: {self.cfg.articles} articles, {self.input.poison} poison, "
                 f"{s.kafka_brokers} broker(s) at {s.bootstrap}, pipeline {self.cfg.pipeline or 'full'}, "
                 f"{self.cfg.database} archive, logs in {self.workdir}")
        self._clean_broker_dirs()
        broker.start(s, timeout=300, owner="chaos")
        try:
            self.db.start()
            admin.create_topics(s)
            self._add_rule()
            self._start_pipeline()
            self._send_raw_poison()
            self._play(self._chunk_files())
            self._drain()
        finally:
            for proc in [*self.procs.values(), *self.ingests]:
                proc.stop()
            self.result.orphans = reap_orphans(self.run_id)
            try:
                self._verify()
            finally:
                self.db.close()
                broker.stop(s, force=True)
                self._keep_broker_logs()
                self._clean_broker_dirs()
                self.receiver.close()
        self.result.seconds = time.monotonic() - started
        return self.result

    def _keep_broker_logs(self) -> None:
        """Copy each node's log next to the workers' (the group coordinator's side of a slow recovery)."""
        for node in range(self.settings.kafka_brokers):
            log_file = broker.log_file(broker.node_settings(self.settings, node))
            if log_file.exists():
                shutil.copyfile(log_file, self.workdir / f"broker-{node + 1}.log")

    def _clean_broker_dirs(self) -> None:
        for node in range(self.settings.kafka_brokers):
            shutil.rmtree(broker.broker_dir(broker.node_settings(self.settings, node)), ignore_errors=True)

    def _add_rule(self) -> None:
        proc = self._proc("rule", "alerts", "add", "--id", "chaos-rule", "--name", "chaos", "--text", ALERT_WORD)
        proc.start()
        if proc.wait(120) != 0:
            raise RuntimeError(f"adding the alert rule failed; see {proc.log_path}")
        del self.procs["rule"]

    def _send_raw_poison(self) -> None:
        producer = reliable_producer(self.settings, max_request_size=1 << 20)
        try:
            for n, value in enumerate(self.input.raw_poison):
                producer.send(topics.RAW.name(self.settings), key=f"raw-poison-{n}".encode(), value=value)
            producer.flush(60)
        finally:
            producer.close(10)

    def _supervise(self) -> None:
        """Restart a process that died without being killed, as systemd or Kubernetes would; note it."""
        for proc in self.procs.values():
            if proc.popen is not None and not proc.alive:
                note = f"{proc.name} exited {proc.popen.returncode} at {time.strftime('%H:%M:%S')}"
                self.result.unexpected_exits.append(note)
                self.say(f"  ! {note}; restarted (see {proc.log_path})")
                proc.start()

    def _play(self, chunks: list[Path]) -> None:
        pending = list(chunks)
        for event in self._schedule():
            self._supervise()
            if event == "ingest" and pending:
                chunk = pending.pop(0)
                self.say(f"ingest {chunk.name}")
                self._ingest(chunk)
            elif event == "worker":
                self._kill_worker()
            elif event in ("store", "matcher", "deliver"):
                self._kill_sink(event)
            elif event == "broker":
                self._broker_fault()
            elif event == "database":
                self._database_fault()
            elif event == "down-start":
                self._down_start(pending.pop(0) if pending else None)
        for chunk in pending:
            self._ingest(chunk)

    def _drain(self) -> None:
        """Wait until everything that was sent has come out (or the drain timeout)."""
        want = set(self.input.good_ids)
        deadline = time.monotonic() + self.cfg.drain_timeout_s
        self.say("draining")
        while time.monotonic() < deadline:
            self._supervise()
            _, stored = self.db.ids()
            if want <= stored and self._alerts_delivered() and self._poison_dead_lettered():
                return
            time.sleep(3)
        self.say(f"drain timeout after {self.cfg.drain_timeout_s:.0f} s")

    def _alerts_delivered(self) -> bool:
        keys = {r.key.decode() for r in read_topic(self.settings.bootstrap, topics.ALERTS.name(self.settings))}
        with self.receiver.lock:
            return bool(keys) and keys <= set(self.receiver.posts)

    def _poison_dead_lettered(self) -> bool:
        letters = read_topic(self.settings.bootstrap, topics.DEAD_LETTERS.name(self.settings))
        return len({r.value for r in letters}) >= self.input.poison

    def _verify(self) -> None:
        r, s = self.result, self.settings
        r.poison, r.injected = self.input.poison, dict(sorted(self.input.injected.items()))
        r.acknowledged = sum(_sent(p.log_path) for p in self.ingests)
        rows, stored = self.db.ids()
        r.duplicate_rows = rows - len(stored)
        r.lost_articles = len(set(self.input.good_ids) - stored)
        originals: dict[bytes, str] = {}
        for record in read_topic(s.bootstrap, topics.DEAD_LETTERS.name(s)):
            letter = DeadLetter.from_json(record.value)
            originals.setdefault(letter.original, letter.reason)
        r.dead_lettered = len(originals)
        r.dead_letters = dict(sorted(Counter(originals.values()).items()))
        r.lost_poison = sum(max(0, n - r.dead_letters.get(reason, 0)) for reason, n in r.injected.items())
        alert_keys = {rec.key.decode() for rec in read_topic(s.bootstrap, topics.ALERTS.name(s))}
        with self.receiver.lock:
            posts, bodies = dict(self.receiver.posts), dict(self.receiver.bodies)
        r.alerts = len(alert_keys)
        r.missing_webhooks = len(alert_keys - set(posts))
        r.redeliveries = sum(posts.values()) - len(posts)
        keys_per_article: dict[str, set[str]] = defaultdict(set)
        for key, body in bodies.items():
            keys_per_article[str(body.get("article_id"))].add(key)
        r.duplicate_webhook_effects = sum(len(keys) - 1 for keys in keys_per_article.values())
        r.lost = r.lost_articles + r.lost_poison + r.missing_webhooks


def _sent(log_path: Path) -> int:
    """The acknowledged count of an ingest run, from its summary line ("ingest: sent N, …")."""
    found = re.findall(rb"ingest: sent (\d+),", log_path.read_bytes()) if log_path.exists() else []
    return int(found[-1]) if found else 0
