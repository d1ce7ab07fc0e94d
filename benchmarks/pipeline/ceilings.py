"""The same-run ceilings: K in-process enrichment processes at once (compute), K bare relays (transport)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.pipeline.corpus import Replay, write_lines
from benchmarks.pipeline.procs import Processes
from benchmarks.pipeline.report import ratio

TRANSPORT_TIMEOUT_S = 600.0


def compute(procs: Processes, corpus: Path, articles: int, processes: int) -> dict[str, Any]:
    """``processes`` enrichment processes at once, each on its own corpus slice; their rates summed."""
    started = [procs.start(f"compute-{processes}-{i}", [sys.executable, "-m", "benchmarks.pipeline.compute",
                                                         "--articles", str(articles), "--start", str(i * articles),
                                                         "--corpus", str(corpus)], stdout_pipe=True)
               for i in range(processes)]
    results = []
    for p in started:
        assert p.popen.stdout is not None
        out = p.popen.stdout.read().decode("utf-8", "replace")
        code = p.popen.wait()
        procs.stop([p])
        if code != 0:
            raise RuntimeError(f"in-process enrichment failed (exit {code}); see {p.log}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    rates = [r["rates"]["streams"] for r in results]
    return {"processes": processes, "rate": sum(rates), "per_process": rates, "runs": results}


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
    except Exception:
        procs.stop([sink, *relay_procs])
        raise
    done = json.loads(procs.finish(sink).strip().splitlines()[-1])
    firsts = []
    for r in relay_procs:
        lines = [json.loads(x) for x in procs.finish(r, grace_s=10.0).splitlines() if x.strip()]
        firsts.extend(x["first"] for x in lines if "first" in x)
    if done["stored"] < n or not firsts or done["last"] is None:
        raise RuntimeError(f"transport ceiling: {done['stored']} of {n} stored; see {procs.log_dir}")
    seconds = done["last"] - min(firsts)
    return {"relays": relays, "articles": n, "seconds": seconds, "rate": n / seconds if seconds > 0 else None}
