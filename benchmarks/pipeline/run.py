"""The bench's course: the everything-on stack (1 then 2 workers, bursts), the dedupe-off stack, the compute
ceilings (on a sample of the 2-worker burst's articles) and the transport ceilings, then a fresh stack for the
paced runs (80 %, and the soak at 50 %); then the result dict that :mod:`report` prints. Every throughput
figure is taken before the long paced runs."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.pipeline import ceilings
from benchmarks.pipeline.config import BenchConfig
from benchmarks.pipeline.corpus import ROOT, Replay, load_records
from benchmarks.pipeline.procs import Processes, cpu_seconds, largest_child, rss_bytes
from benchmarks.pipeline.report import RssSeries, bytes_per_article, ratio
from benchmarks.pipeline.stack import Stack

CAPACITY_LOADS = (0.8, 0.5)  # paced runs, as fractions of the measured 2-worker capacity


def dedupe_off_pipeline() -> str | None:
    """The default pipeline without its dedupe component(s), comma-separated; None when it has none."""
    from streams.enrich.pipeline import DEFAULT_PIPELINE

    kept = [name for name in DEFAULT_PIPELINE if "dedupe" not in name]
    return ",".join(kept) if len(kept) < len(DEFAULT_PIPELINE) else None


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def broker_pid(procs: Processes) -> int | None:
    """The managed broker's pid from ``streams kafka status`` (None for an external cluster)."""
    try:
        out = procs.run("kafka-status", "kafka", "status", timeout=60)
    except RuntimeError:
        return None
    match = re.search(r"^\s*pid\s+(\d+)", out, re.MULTILINE)
    return int(match.group(1)) if match else None


class Soak:
    """RSS samples of the workers (parent and enrichment child), the store, the matcher and the broker."""

    def __init__(self, stack: Stack, broker: int | None) -> None:
        self.pids: dict[str, int | None] = {}
        for i, w in enumerate(stack.workers, 1):
            self.pids[f"worker-{i} parent"] = w.pid
            self.pids[f"worker-{i} child"] = largest_child(w.pid)
        named = {p.name.rsplit("-", 1)[-1]: p.pid for p in stack.others}
        self.pids["store"] = named.get("store")
        self.pids["alert matcher"] = named.get("matcher")
        self.pids["broker"] = broker
        self.series: dict[str, tuple[list[float], list[int]]] = {k: ([], []) for k in self.pids}

    def sample(self, t: float) -> None:
        for name, pid in self.pids.items():
            rss = rss_bytes(pid)
            if rss is not None:
                self.series[name][0].append(t)
                self.series[name][1].append(rss)

    def result(self, settle_s: float) -> dict[str, Any]:
        rss = {}
        for name, (times, values) in self.series.items():
            rss[name] = RssSeries(name, tuple(times), tuple(values)).summary(settle_s)
        return {"rss": rss, "settle_s": settle_s,
                "series": {k: {"t": v[0], "rss": v[1]} for k, v in self.series.items()}}


class CpuMeter:
    """CPU seconds each process of a stack used between :meth:`start` and :meth:`stop`, per article."""

    def __init__(self, stack: Stack, broker: int | None) -> None:
        self.pids = Soak(stack, broker).pids
        self.before: dict[str, float | None] = {}

    def start(self) -> None:
        self.before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self, articles: int, seconds: float | None) -> dict[str, Any]:
        per_article: dict[str, float | None] = {}
        for name, pid in self.pids.items():
            now, then = cpu_seconds(pid), self.before.get(name)
            per_article[name] = None if now is None or then is None else 1000.0 * (now - then) / max(1, articles)
        return {"ms_per_article": per_article, "seconds": seconds, "articles": articles,
                "cores": os.cpu_count()}


def _max_growth(rss: dict[str, Any], role: str) -> float | None:
    values = [s["growth_pct"] for name, s in rss.items() if name.endswith(role) and s["growth_pct"] is not None]
    return max(values) if values else None


def new_run_id() -> str:
    return "b" + uuid.uuid4().hex[:6]


def run(cfg: BenchConfig, procs: Processes, bootstrap: str, folder: Path, run_id: str) -> dict[str, Any]:
    result: dict[str, Any] = {"started": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                              "commit": commit(), "config": cfg.to_dict(), "note": cfg.note, "run_id": run_id}
    records = load_records(cfg.corpus)
    replay = Replay(records, run_id)
    stall = cfg.stall_s

    log = _say
    broker = broker_pid(procs)
    stack = Stack(procs, "on", f"bench-{run_id}-on-", bootstrap, folder, stall_s=stall)
    log("everything on: starting store, alert matcher, delivery, 1 worker")
    stack.start(workers=1)
    stack.warm_up(replay, max(cfg.warmup, cfg.first_warmup))
    log(f"1 worker: {cfg.articles} articles at once")
    one = stack.burst(replay, "w1", cfg.articles)
    log(f"  {one['rate']:.1f} articles/s; adding worker 2")
    stack.add_workers(1)
    warm_start = replay.position  # the in-process ceilings warm up on these articles too
    stack.warm_up(replay, max(cfg.warmup, cfg.first_warmup))
    slice_start = replay.position
    log(f"round 1 of {cfg.rounds}: 2 workers, {cfg.articles} articles at once")
    cpu = CpuMeter(stack, broker)
    cpu.start()
    two = stack.burst(replay, "w2", cfg.articles)
    result["cpu"] = cpu.stop(cfg.articles, two.get("seconds"))
    log(f"  {two['rate']:.1f} articles/s")
    state = bytes_per_article(stack.metrics())  # the default window, holding every article of the run so far
    stack.pause()  # each side of a ratio runs alone: the other stacks are stopped (SIGSTOP), not idling

    pipeline = dedupe_off_pipeline()
    stack_off: Stack | None = None
    off: dict[str, Any] | None = None
    if pipeline is not None:
        log(f"  dedupe off ({pipeline}): 2 workers, the same {cfg.articles} articles")
        stack_off = Stack(procs, "off", f"bench-{run_id}-off-", bootstrap, folder, pipeline=pipeline, stall_s=stall)
        stack_off.start(workers=2)
        stack_off.warm_up(replay, max(cfg.warmup, cfg.first_warmup))
        off = stack_off.burst(replay, "w2off", cfg.articles, start=slice_start)
        log(f"  {off['rate']:.1f} articles/s")
        stack_off.pause()

    log(f"  compute ceilings: {cfg.ceiling_articles} of the burst's articles per process, 1 process alone, "
        "then 2 at once")
    ceiling = ceilings.ComputeCeiling(procs, cfg.corpus, cfg.ceiling_articles, 2)
    ceiling.start(slice_start, cfg.articles)
    ceiling.warm(warm_start, cfg.first_warmup)
    compute = {1: ceiling.alone(), 2: ceiling.together()}
    result["baselines"] = ceilings.baselines(compute[1])
    rounds = [_round(1, slice_start, two, off, compute[2])]
    log(f"  {compute[2]['rate']:.1f} articles/s: {_round_line(rounds[-1])}")
    # A slow spell of the machine (seen: the same code 30 % slower an hour apart) would fall on one side of a
    # ratio only; so the bursts and their ceilings are taken again, each round on new articles, and the
    # summary reads the median round.
    for n in range(2, cfg.rounds + 1):
        log(f"round {n} of {cfg.rounds}: 2 workers, dedupe off, 2 in-process, {cfg.articles} new articles each")
        stack.resume(replay, cfg.warmup)
        start = replay.position
        on_n = stack.burst(replay, f"w2r{n}", cfg.articles)
        stack.pause()
        off_n = None
        if stack_off is not None:
            stack_off.resume(replay, cfg.warmup)
            off_n = stack_off.burst(replay, f"w2offr{n}", cfg.articles, start=start)
            stack_off.pause()
        rounds.append(_round(n, start, on_n, off_n, ceiling.together(start, cfg.articles)))
        log(f"  {_round_line(rounds[-1])}")
    ceiling.stop()
    stack.stop()
    if stack_off is not None:
        stack_off.stop()
    result["rounds"] = rounds
    by_ceiling = _median_round(rounds, "ceiling_ratio")
    by_dedupe = _median_round(rounds, "dedupe_ratio")
    result["compute"] = {"1": {"rate": compute[1]["rate"], "per_process": compute[1]["per_process"]},
                         "2": {"rate": by_ceiling["compute"], "per_process": by_ceiling["compute_per_process"]}}

    log("transport ceilings: bare relays, 1 and 2 processes")
    transport = {k: ceilings.transport(procs, bootstrap, folder, replay, slice_start, cfg.articles, k,
                                       f"bench-{run_id}-t{k}-") for k in (1, 2)}

    # The paced runs get a stack of their own, whose dedupe window is the soak's settling time: the
    # window fills before the first RSS sample that counts and then slides (old fingerprints are
    # dropped), so the soak measures leaks rather than the window filling up, and exercises the drop.
    settle_s = cfg.soak_s / 12.0  # minute 5 of 60: start-up, warm-up and the window filling excluded
    capacity = by_ceiling["on"]["rate"] or 1.0
    paced = Stack(procs, "paced", f"bench-{run_id}-paced-", bootstrap, folder, stall_s=stall,
                  extra_env={"STREAMS_DEDUPE_WINDOW": f"{max(60.0, settle_s):.0f}"})
    log(f"paced runs: 2 workers, dedupe window {max(60.0, settle_s):.0f}s")
    paced.start(workers=2)
    paced.warm_up(replay, max(cfg.warmup, cfg.first_warmup))
    latency = []
    log(f"paced at 80 % ({0.8 * capacity:.1f}/s) for {cfg.latency_s:g}s")
    cpu80 = CpuMeter(paced, broker)
    cpu80.start()
    started80 = time.monotonic()
    lat80 = paced.paced(replay, "p80", 0.8 * capacity, cfg.latency_s)
    result["cpu_paced"] = cpu80.stop(int(lat80["sent"]), time.monotonic() - started80)  # type: ignore[call-overload]
    latency.append({"load_pct": 80.0, **lat80})
    soak = Soak(paced, broker)
    log(f"soak at 50 % ({0.5 * capacity:.1f}/s) for {cfg.soak_s:g}s")
    lat50 = paced.paced(replay, "p50", 0.5 * capacity, cfg.soak_s, every=soak.sample, every_s=cfg.sample_s)
    latency.append({"load_pct": 50.0, "soak": True, **lat50})
    result["soak"] = soak.result(settle_s=settle_s)
    result["soak"]["dedupe_window_s"] = max(60.0, settle_s)
    # a sliding window keeps the arrays' room after a drop: more bytes per article held than a filling one
    result["soak"]["dedupe_bytes_per_article"] = bytes_per_article(paced.metrics())
    paced.stop()

    result["throughput"] = [
        {"label": "1 worker, everything on", "workers": 1, **one, "compute_ceiling": compute[1]["rate"],
         "transport_ceiling": transport[1]["rate"]},
        {"label": "2 workers, everything on", "workers": 2, **by_ceiling["on"], "round": by_ceiling["round"],
         "compute_ceiling": by_ceiling["compute"], "transport_ceiling": transport[2]["rate"]},
        {"label": "2 workers, dedupe off", "workers": 2, **(by_dedupe["off"] or {"rate": None}),
         "round": by_dedupe["round"], "compute_ceiling": by_dedupe["compute"],
         "transport_ceiling": transport[2]["rate"]},
    ]
    result["latency"] = latency
    result["dedupe_off_pipeline"] = pipeline
    result["summary"] = {
        "ceiling_ratio_2w": by_ceiling["ceiling_ratio"],
        "dedupe_on_off_ratio": by_dedupe["dedupe_ratio"],
        "p99_stored_80": lat80["stored"]["p99"],  # type: ignore[index]
        "soak_growth_parent_pct": _max_growth(result["soak"]["rss"], "parent"),
        "soak_growth_child_pct": _max_growth(result["soak"]["rss"], "child"),
        "dedupe_bytes_per_article": state,
    }
    return result


def _round(n: int, start: int, on: dict[str, Any], off: dict[str, Any] | None,
           compute: dict[str, Any]) -> dict[str, Any]:
    """One round: the 2-worker bursts with dedupe on and off and the 2-process compute ceiling, on the same
    articles (corpus ``start`` on), one after the other."""
    return {"round": n, "start": start, "on": on, "off": off, "compute": compute["rate"],
            "compute_per_process": compute["per_process"],
            "ceiling_ratio": ratio(on.get("rate"), compute["rate"]),
            "dedupe_ratio": ratio(on.get("rate"), off.get("rate") if off else None)}


def _round_line(r: dict[str, Any]) -> str:
    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.2f}"
    return f"on / ceiling {fmt(r['ceiling_ratio'])}, on / off {fmt(r['dedupe_ratio'])}"


def _median_round(rounds: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The round whose ``key`` ratio is the median (the lower one of an even count); the first without any."""
    known = sorted((r for r in rounds if r[key] is not None), key=lambda r: r[key])
    return known[(len(known) - 1) // 2] if known else rounds[0]


def _say(line: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {line}", flush=True)
