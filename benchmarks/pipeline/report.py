"""Pure helpers of the pipeline bench: percentiles, RSS summaries, /metrics parsing, the table, its last lines.

Nothing here starts a process or touches the network; ``tests/bench/test_report.py`` covers it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

NA = "n/a"

#: the five closing lines of the table, exactly as scripts read them (issue 16)
SUMMARY_LABELS: tuple[str, ...] = (
    "ceiling ratio, 2 workers, everything on",
    "dedupe on/off ratio",
    "p99 ingest->stored at 80%",
    "soak RSS growth, worker parent / child",
    "dedupe state",
)

_NUM = r"(-?\d+(?:\.\d+)?|n/a)"
_SUMMARY_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^ceiling ratio, 2 workers, everything on: " + _NUM + r"$"),
    re.compile(r"^dedupe on/off ratio: " + _NUM + r"$"),
    re.compile(r"^p99 ingest->stored at 80%: (?:" + _NUM + r" s|n/a)$"),
    re.compile(r"^soak RSS growth, worker parent / child: (?:" + _NUM + r"%|n/a) / (?:" + _NUM + r"%|n/a)$"),
    re.compile(r"^dedupe state: (?:(\d+) bytes/article|n/a)$"),
)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) by linear interpolation between order statistics; None if empty."""
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, p50, p95, p99 and max of a list of latencies in seconds."""
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": max(values) if values else None}


def iso_seconds(value: str) -> float:
    """Unix seconds of an ISO 8601 time stamp (``Z`` or an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format -> {"name{labels}": value} (comments skipped; labels kept verbatim)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "}" in line:
            end = line.rindex("}")
            name, rest = line[:end + 1], line[end + 1:].split()
        else:
            name, *rest = line.split()
        try:
            out[name] = float(rest[0])
        except IndexError:
            continue
        except ValueError:
            continue
    return out


def metric_sum(samples: Mapping[str, float], name: str) -> float | None:
    """Sum of every sample of metric ``name`` (any labels); None when the metric is absent."""
    found = [v for k, v in samples.items() if k == name or k.startswith(name + "{")]
    return sum(found) if found else None


def worker_progress(samples: Mapping[str, float]) -> float | None:
    """Articles a worker has handled so far: its enrich-stage count plus its published count (None if neither).

    Either alone can miss a worker: the published count stays put on a worker that hands its articles to
    another stage, the stage count may be renamed; only its growth matters to the bench.
    """
    found = [v for k, v in samples.items()
             if k == "streams_articles_enriched_total"
             or (k.startswith("streams_stage_latency_seconds_count{") and 'stage="enrich"' in k)]
    return sum(found) if found else None


def bytes_per_article(scrapes: Iterable[Mapping[str, float]]) -> float | None:
    """Dedupe state bytes / articles summed over processes (``streams_dedupe_state_*``); None when absent."""
    total_bytes = total_articles = 0.0
    seen = False
    for samples in scrapes:
        b = metric_sum(samples, "streams_dedupe_state_bytes")
        a = metric_sum(samples, "streams_dedupe_state_articles")
        if b is None or a is None:
            continue
        seen = True
        total_bytes += b
        total_articles += a
    if not seen or total_articles <= 0:
        return None
    return total_bytes / total_articles


@dataclass(frozen=True)
class RssSeries:
    """RSS samples (bytes) of one process over a soak, with the time of each (seconds from soak start)."""

    name: str
    times: tuple[float, ...]
    values: tuple[int, ...]

    def summary(self, settle_s: float) -> dict[str, Any]:
        """start (first sample at or after ``settle_s``: warm-up excluded), peak, end, growth % start->end."""
        if not self.values:
            return {"start": None, "peak": None, "end": None, "growth_pct": None}
        start = next((v for t, v in zip(self.times, self.values) if t >= settle_s), self.values[-1])
        end = self.values[-1]
        growth = (end - start) / start * 100.0 if start else None
        return {"start": start, "peak": max(self.values), "end": end, "growth_pct": growth}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _fmt(value: float | None, spec: str) -> str:
    return NA if value is None else format(value, spec)


def _round_rows(rounds: list[dict[str, Any]]) -> list[str]:
    """One row per round of the 2-worker bursts and their ceiling (the rows above are the median rounds')."""
    widths = (34, 10, 10, 10, 9, 9)
    out = ["", _row(["rounds: 2 workers (articles/s)", "on", "off", "compute", "on /", "on /"], widths),
           _row(["(each on its own articles)", "", "", "ceiling", "compute", "off"], widths)]
    for r in rounds:
        out.append(_row([f"round {r['round']}", _fmt((r.get("on") or {}).get("rate"), ".1f"),
                         _fmt((r.get("off") or {}).get("rate"), ".1f"), _fmt(r.get("compute"), ".1f"),
                         _fmt(r.get("ceiling_ratio"), ".2f"), _fmt(r.get("dedupe_ratio"), ".2f")], widths))
    return out


def summary_lines(result: Mapping[str, Any]) -> list[str]:
    """The five closing lines from a result dict (its ``summary`` part)."""
    s = result["summary"]
    parent, child = s.get("soak_growth_parent_pct"), s.get("soak_growth_child_pct")
    p99 = s.get("p99_stored_80")
    state = s.get("dedupe_bytes_per_article")
    return [
        f"{SUMMARY_LABELS[0]}: {_fmt(s.get('ceiling_ratio_2w'), '.2f')}",
        f"{SUMMARY_LABELS[1]}: {_fmt(s.get('dedupe_on_off_ratio'), '.2f')}",
        f"{SUMMARY_LABELS[2]}: " + (NA if p99 is None else f"{p99:.2f} s"),
        f"{SUMMARY_LABELS[3]}: " + (NA if parent is None else f"{parent:.1f}%") + " / "
        + (NA if child is None else f"{child:.1f}%"),
        f"{SUMMARY_LABELS[4]}: " + (NA if state is None else f"{round(state)} bytes/article"),
    ]


def parse_summary(text: str) -> dict[str, float | None]:
    """Read the five closing lines back (what scripts do): label -> number (None for ``n/a``).

    Raises ValueError naming the line that is missing or malformed.
    """
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    tail = lines[-len(SUMMARY_LABELS):]
    if len(tail) < len(SUMMARY_LABELS):
        raise ValueError(f"expected {len(SUMMARY_LABELS)} summary lines, got {len(tail)}")
    out: dict[str, float | None] = {}
    for label, pattern, line in zip(SUMMARY_LABELS, _SUMMARY_PATTERNS, tail):
        match = pattern.match(line)
        if match is None:
            raise ValueError(f"summary line for {label!r} is malformed: {line!r}")
        groups = [g for g in match.groups()]
        if label == SUMMARY_LABELS[3]:
            out["soak RSS growth, worker parent"] = _num(groups[0])
            out["soak RSS growth, worker child"] = _num(groups[1])
        else:
            out[label] = _num(groups[0])
    return out


def _num(raw: str | None) -> float | None:
    return None if raw is None or raw == NA else float(raw)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    first, *rest = cells
    return (first.ljust(widths[0]) + "".join(c.rjust(w) for c, w in zip(rest, widths[1:]))).rstrip()


def _mib(value: float | None) -> str:
    return NA if value is None else f"{value / 2**20:.0f}"


def _cpu_columns(cpu: Mapping[str, Any] | None) -> tuple[dict[str, float | None], float | None]:
    """(ms per article by process, ms of machine per article) of one measured run; ({}, None) without one."""
    if not cpu:
        return {}, None
    seconds, articles, cores = cpu.get("seconds"), cpu.get("articles") or 0, cpu.get("cores") or 1
    return dict(cpu["ms_per_article"]), None if not seconds else 1000.0 * seconds * cores / max(1, articles)


def _cpu_rows(cpu: Mapping[str, Any], paced: Mapping[str, Any] | None = None) -> list[str]:
    """CPU ms per article of each process, and the share of the machine it took: in the 2-worker burst and,
    beside it, in the paced run at 80 % (small batches cost more per article than full ones)."""
    widths = (34, 10, 12, 10, 12)
    columns = [_cpu_columns(cpu), _cpu_columns(paced)]
    rows = [_row(["CPU per article, 2 workers", "burst ms", "of machine", "80% ms", "of machine"], widths)]

    def cells(ms: float | None, budget: float | None) -> list[str]:
        return [_fmt(ms, ".1f"), NA if ms is None or not budget else f"{100 * ms / budget:.0f}%"]

    totals = [0.0, 0.0]
    for name in cpu["ms_per_article"]:
        row = [name]
        for k, (values, budget) in enumerate(columns):
            ms = values.get(name)
            totals[k] += ms or 0.0
            row.extend(cells(ms, budget) if values else [NA, NA])
        rows.append(_row(row, widths))
    total_row = ["all of the above"]
    for k, (values, budget) in enumerate(columns):
        total_row.extend(cells(totals[k], budget) if values else [NA, NA])
    rows.append(_row(total_row, widths))
    # The compute ceiling is the children's work alone on every core: with the rest of the stack on the same
    # cores, the children's share of all CPU is the highest ceiling ratio this split allows (machine 100 % busy)
    share_row = ["enrichment children / all"]
    for k, (values, _) in enumerate(columns):
        children = sum(ms or 0.0 for name, ms in values.items() if name.endswith("child"))
        share_row.extend([_fmt(ratio(children, totals[k]) if values else None, ".2f"), ""])
    rows.append(_row(share_row, widths))
    return rows


def render_table(result: Mapping[str, Any]) -> str:
    """The whole table the bench prints (and the README quotes), ending with :func:`summary_lines`."""
    cfg, out = result["config"], []
    out.append(f"streams pipeline bench  {result['started']}  commit {result.get('commit', '?')}  "
               f"{cfg['articles']} articles/run  soak {cfg['soak_s']:g} s" + ("  (quick)" if cfg.get("quick") else ""))
    if result.get("note"):
        out.append(f"note: {result['note']}")
    out.append("")
    widths = (34, 10, 10, 11, 9, 11)
    out.append(_row(["throughput (articles/s)", "end-to-end", "compute", "transport", "e2e /", "e2e /"], widths))
    out.append(_row(["first ingest -> last stored", "", "ceiling", "ceiling", "compute", "transport"], widths))
    for run in result["throughput"]:
        out.append(_row([run["label"], _fmt(run.get("rate"), ".1f"), _fmt(run.get("compute_ceiling"), ".1f"),
                         _fmt(run.get("transport_ceiling"), ".1f"),
                         _fmt(ratio(run.get("rate"), run.get("compute_ceiling")), ".2f"),
                         _fmt(ratio(run.get("rate"), run.get("transport_ceiling")), ".2f")], widths))
    if len(result.get("rounds", [])) > 1:
        out.extend(_round_rows(result["rounds"]))
    out.append("")
    widths = (34, 10, 8, 8, 8, 8)
    out.append(_row(["latency (s), paced, 2 workers", "rate/s", "p50", "p95", "p99", "n"], widths))
    for lat in result["latency"]:
        for path in ("enriched", "stored", "alert"):
            if path not in lat:  # runs from before the enriched stage was recorded
                continue
            s = lat[path]
            out.append(_row([f"ingest->{path} at {lat['load_pct']:.0f}%{' (soak)' if lat.get('soak') else ''}",
                             _fmt(lat.get("rate"), ".1f"), _fmt(s.get("p50"), ".2f"), _fmt(s.get("p95"), ".2f"),
                             _fmt(s.get("p99"), ".2f"), str(s.get("n", 0))], widths))
    out.append("")
    widths = (34, 10, 8, 8, 10)
    out.append(_row([f"RSS (MiB), soak {cfg['soak_s']:g} s at 50%", "start", "peak", "end", "growth"], widths))
    for name, s in result["soak"]["rss"].items():
        out.append(_row([name, _mib(s.get("start")), _mib(s.get("peak")), _mib(s.get("end")),
                         NA if s.get("growth_pct") is None else f"{s['growth_pct']:.1f}%"], widths))
    if result["soak"].get("dedupe_window_s"):
        held = result["soak"].get("dedupe_bytes_per_article")
        out.append(f"(paced runs with a {result['soak']['dedupe_window_s']:.0f} s dedupe window: it is full and "
                   "sliding before the first sample that counts"
                   + (f"; its state at the end: {held:.0f} bytes/article held)" if held else ")"))
    out.append("")
    if result.get("cpu"):
        out.extend(_cpu_rows(result["cpu"], result.get("cpu_paced")))
        out.append("")
    widths = (34, 12, 12)
    base = result["baselines"]
    out.append(_row([f"in-process, 1 BLAS thread, {base.get('articles', 0)} art.", "articles/s", "streams /"], widths))
    for row in base.get("rows", []):
        out.append(_row([row["label"], _fmt(row.get("rate"), ".1f"), _fmt(row.get("streams_ratio"), ".2f")], widths))
    out.append("")
    out.extend(summary_lines(result))
    return "\n".join(out)
