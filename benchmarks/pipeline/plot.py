"""The bench's PNG: throughput beside its ceilings, latency percentiles, RSS over the soak."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping


def plot(result: Mapping[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(16, 5))
    runs = result["throughput"]
    labels = [r["label"].replace(", ", "\n") for r in runs]
    x = range(len(runs))
    width = 0.27
    for offset, key, name in ((-width, "rate", "end-to-end"), (0.0, "compute_ceiling", "compute ceiling"),
                              (width, "transport_ceiling", "transport ceiling")):
        ax1.bar([i + offset for i in x], [r.get(key) or 0 for r in runs], width, label=name)
    ax1.set_xticks(list(x), labels, fontsize=8)
    ax1.set_ylabel("articles/s")
    ax1.set_yscale("log")
    ax1.set_title("throughput (first ingest -> last stored)")
    ax1.legend(fontsize=8)

    names, p50, p95, p99 = [], [], [], []
    for lat in result["latency"]:
        for path_name in ("stored", "alert"):
            s = lat[path_name]
            names.append(f"->{path_name}\n{lat['load_pct']:.0f}%")
            p50.append(s.get("p50") or 0)
            p95.append(s.get("p95") or 0)
            p99.append(s.get("p99") or 0)
    xs = range(len(names))
    for offset, values, name in ((-width, p50, "p50"), (0.0, p95, "p95"), (width, p99, "p99")):
        ax2.bar([i + offset for i in xs], values, width, label=name)
    ax2.set_xticks(list(xs), names, fontsize=8)
    ax2.set_ylabel("seconds")
    ax2.set_title("latency from ingest, paced (2 workers)")
    ax2.legend(fontsize=8)

    for name, series in result["soak"]["series"].items():
        if series["t"]:
            ax3.plot(series["t"], [v / 2**20 for v in series["rss"]], label=name)
    ax3.set_xlabel("seconds into the soak (50 % load)")
    ax3.set_ylabel("RSS, MiB")
    ax3.set_title("memory over the soak")
    ax3.legend(fontsize=7)
    note = " (quick run)" if result["config"].get("quick") else ""
    fig.suptitle(f"streams pipeline bench, {result['started']}, commit {result.get('commit', '?')}{note}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
