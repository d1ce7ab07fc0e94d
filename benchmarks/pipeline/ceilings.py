"""The same-run ceilings: K in-process enrichment processes at once (compute), K bare relays (transport)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.pipeline.corpus import Replay, write_lines
from benchmarks.pipeline.procs import Proc, Processes
from benchmarks.pipeline.report import ratio

TRANSPORT_TIMEOUT_S = 600.0


def sample(start: int, span: int, articles: int, processes: int) -> list[list[int]]:
    """The corpus indices each process times: together ``articles`` x ``processes`` of the ``span`` articles
    from ``start`` on, spread evenly over them, the processes taking turns (all of them when the span is
    shorter; indices past the corpus wrap around, as the replay does)."""
    total = articles * processes
    picks = [start + (k * span) // total if total <= span else start + k for k in range(total)]
    return [picks[i::processes] for i in range(processes)]


class ComputeCeiling:
    """K in-process enrichment processes (:mod:`benchmarks.pipeline.compute`) that load their models once and
    are timed alone and together, round after round, each time on the sample of a burst's own articles
    (see :func:`sample`): the corpus has stretches of long reports, and a ceiling taken on another stretch
    would compare rates of different work. Between runs they wait on their stdin (no CPU)."""

    def __init__(self, procs: Processes, corpus: Path, articles: int, processes: int = 2) -> None:
        self.procs, self.corpus, self.articles, self.processes = procs, corpus, articles, processes
        self.started: list[Proc] = []
        self.slices: list[list[int]] = []  # the corpus indices of each process's sample given to start()

    def start(self, start: int, span: int) -> None:
        self.slices = slices = sample(start, span, self.articles, self.processes)
        self.started = [self.procs.start(f"compute-{i}", [sys.executable, "-m", "benchmarks.pipeline.compute",
                                                          "--indices", _joined(indices), "--corpus", str(self.corpus)],
                                         stdin=subprocess.PIPE, stdout_pipe=True)
                        for i, indices in enumerate(slices)]
        for p in self.started:
            if _line(p) != "ready":
                raise RuntimeError(f"in-process enrichment did not start; see {p.log}")

    def warm(self, start: int, span: int) -> None:
        """Each process enriches its share of the ``span`` articles from ``start`` on, untimed (as warm as a worker
        of a stack that took those articles)."""
        if span >= self.processes:
            _ask(self.started, [f"run-streams {_joined(ids)}"
                                for ids in sample(start, span, span // self.processes, self.processes)])

    def alone(self) -> dict[str, Any]:
        """One process alone, with the spaCy baselines (on the sample given to :meth:`start`)."""
        runs = _ask(self.started[:1], [f"run {_joined(self.slices[0])}"])  # named: a warm-up may have run others
        return {"processes": 1, "rate": runs[0]["rates"]["streams"], "per_process": [runs[0]["rates"]["streams"]],
                "runs": runs}

    def together(self, start: int | None = None, span: int | None = None) -> dict[str, Any]:
        """All processes at once; on a new sample of ``span`` articles from ``start`` when given."""
        if start is None or span is None:
            commands = [f"run-streams {_joined(ids)}" for ids in self.slices]
        else:
            commands = [f"run-streams {_joined(ids)}" for ids in sample(start, span, self.articles, self.processes)]
        runs = _ask(self.started, commands)
        return {"processes": len(runs), "rate": sum(r["rates"]["streams"] for r in runs),
                "per_process": [r["rates"]["streams"] for r in runs], "runs": runs}

    def stop(self) -> None:
        self.procs.stop(self.started)
        self.started = []


def _joined(indices: list[int]) -> str:
    return ",".join(map(str, indices))


def _line(p: Proc) -> str:
    assert p.popen.stdout is not None
    line = p.popen.stdout.readline().decode("utf-8", "replace").strip()
    if not line:
        raise RuntimeError(f"in-process enrichment exited ({p.popen.poll()}); see {p.log}")
    return line


def _ask(ps: list[Proc], commands: list[str]) -> list[dict[str, Any]]:
    for p, command in zip(ps, commands):
        assert p.popen.stdin is not None
        p.popen.stdin.write(command.encode() + b"\n")
        p.popen.stdin.flush()
    return [json.loads(_line(p)) for p in ps]


def baselines(single: dict[str, Any]) -> dict[str, Any]:
    """streams vs spaCy (full small pipeline, NER alone) from the one-process compute run."""
    run = single["runs"][0]
    rates = run["rates"]
    rows = [{"label": f"streams enrichment (batch {run['batch']})", "rate": rates["streams"], "streams_ratio": 1.0},
            {"label": "spaCy sm, full pipeline", "rate": rates["spacy_full"],
             "streams_ratio": ratio(rates["streams"], rates["spacy_full"])},
            {"label": "spaCy sm, NER alone", "rate": rates["spacy_ner"],
             "streams_ratio": ratio(rates["streams"], rates["spacy_ner"])}]
    return {"articles": run["articles"], "components": run["components"], "rows": rows,
            "spacy_full_pipes": run["spacy_full_pipes"], "spacy_ner_pipes": run["spacy_ner_pipes"]}


def transport(procs: Processes, bootstrap: str, folder: Path, replay: Replay, start: int, n: int,
              relays: int, prefix: str) -> dict[str, Any]:
    """The same ``n`` articles through ``relays`` bare consume->produce relays and one SQLite sink."""
    from kafka.admin import KafkaAdminClient, NewTopic

    env = {"STREAMS_TOPIC_PREFIX": prefix, "STREAMS_LOG_LEVEL": "WARNING"}
    source, target = f"{prefix}articles.raw", f"{prefix}bench.transport"
    path = write_lines(folder / f"{prefix}transport.jsonl", replay.take(f"t{relays}", n, start=start))
    procs.run(f"transport-{relays}-ingest", "ingest", str(path), "--no-progress", "--workers", "0", env=env)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="streams-bench")
    try:
        partitions = len(admin.describe_topics([source])[0]["partitions"])
        admin.create_topics([NewTopic(target, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()
    module = [sys.executable, "-m", "benchmarks.pipeline.transport"]
    common = ["--bootstrap", bootstrap]
    sink = procs.start(f"transport-{relays}-sink", [*module, "sink", *common, "--source", target, "--group",
                                                    f"{prefix}sink", "--db", str(folder / f"{prefix}sink.db"),
                                                    "--expect", str(n)], stdout_pipe=True)
    relay_procs = [procs.start(f"transport-{relays}-relay-{i}", [*module, "relay", *common, "--source", source,
                                                                "--target", target, "--group", f"{prefix}relay"],
                               stdout_pipe=True) for i in range(relays)]
    try:
        sink.popen.wait(timeout=TRANSPORT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        procs.stop([sink, *relay_procs])
        return _missing(relays, n, f"not done after {TRANSPORT_TIMEOUT_S:g} s; see {procs.log_dir}")
    printed = procs.finish(sink).strip().splitlines()
    done = json.loads(printed[-1]) if printed else {"stored": 0, "last": None, "error": "the sink printed nothing"}
    firsts = []
    for r in relay_procs:
        lines = [json.loads(x) for x in procs.finish(r, grace_s=10.0).splitlines() if x.strip()]
        firsts.extend(x["first"] for x in lines if "first" in x)
    if done["stored"] < n or not firsts or done["last"] is None:
        return _missing(relays, n, f"{done['stored']} of {n} stored ({done.get('error', 'sink stopped')}); "
                                   f"see {procs.log_dir}")
    seconds = done["last"] - min(firsts)
    return {"relays": relays, "articles": n, "seconds": seconds, "rate": n / seconds if seconds > 0 else None}


def _missing(relays: int, n: int, why: str) -> dict[str, Any]:
    """A transport ceiling that could not be taken: reported as missing (it is context, not a summary figure)."""
    print(f"transport ceiling with {relays} relay(s) missing: {why}", file=sys.stderr, flush=True)
    return {"relays": relays, "articles": n, "seconds": None, "rate": None, "error": why}
