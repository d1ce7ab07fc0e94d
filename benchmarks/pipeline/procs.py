"""The processes the bench starts (``streams`` CLI commands and its own helpers), and how it watches them.

Every process is started in a session of its own and remembered in a :class:`Processes` registry; ``stop_all``
ends exactly those (SIGTERM to each one's process group, then SIGKILL), so a worker's enrichment child goes
with its worker. RSS comes from ``/proc``, metrics from each process's own ``/metrics``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Mapping, Sequence

from benchmarks.pipeline.report import parse_metrics
from streams.cli.up_ports import free_port  # below the ephemeral range: children bind it later

#: one BLAS thread everywhere, on both sides of every ratio
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
STOP_GRACE_S = 20.0


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    metrics_port: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def metrics(self, timeout: float = 5.0) -> dict[str, float] | None:
        """This process's /metrics, parsed; None when it has none or does not answer."""
        if self.metrics_port is None:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=timeout) as r:
                return parse_metrics(r.read().decode("utf-8", "replace"))
        except OSError:
            return None


@dataclass
class Processes:
    """Registry of everything the bench started; ``stop_all`` ends them (also on Ctrl-C or failure)."""

    log_dir: Path
    base_env: Mapping[str, str]
    procs: list[Proc] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
              metrics: bool = False, stdin: int | None = None, stdout_pipe: bool = False) -> Proc:
        port = free_port() if metrics else None
        full_env = {**os.environ, **self.base_env, **ONE_THREAD_ENV, **(env or {})}
        if port is not None:
            full_env["STREAMS_METRICS_PORT"] = str(port)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        out: IO[bytes] = open(log, "ab")
        try:
            popen = subprocess.Popen(list(argv), env=full_env, stdin=stdin,
                                     stdout=subprocess.PIPE if stdout_pipe else out,
                                     stderr=out, start_new_session=True)
        finally:
            out.close()
        proc = Proc(name, popen, log, port)
        self.procs.append(proc)
        return proc

    def streams(self, name: str, *args: str, env: Mapping[str, str] | None = None, metrics: bool = False,
                stdin: int | None = None) -> Proc:
        """Start ``streams ARGS`` (the product's own command line)."""
        return self.start(name, [sys.executable, "-m", "streams.cli.main", *args], env=env, metrics=metrics,
                          stdin=stdin)

    def run(self, name: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300.0) -> str:
        """Run ``streams ARGS`` to the end; its stdout; a clear error naming the log when it fails."""
        full_env = {**os.environ, **self.base_env, **ONE_THREAD_ENV, **(env or {})}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        with open(log, "ab") as err:
            done = subprocess.run([sys.executable, "-m", "streams.cli.main", *args], env=full_env,
                                  stdout=subprocess.PIPE, stderr=err, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"`streams {' '.join(args)}` exited {done.returncode}; see {log}")
        return done.stdout.decode("utf-8", "replace")

    def check_alive(self, procs: Sequence[Proc]) -> None:
        dead = [p for p in procs if not p.alive()]
        if dead:
            names = ", ".join(f"{p.name} (exit {p.popen.returncode}, log {p.log})" for p in dead)
            raise RuntimeError(f"bench process died: {names}")

    def stop(self, procs: Sequence[Proc], grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM each process group, wait, SIGKILL what is left."""
        for p in procs:
            if p.alive():
                _signal_group(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for p in procs:
            try:
                p.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(p.pid, signal.SIGKILL)  # also the group's leftovers (an enrichment child)
            if p.alive():
                p.popen.wait()
            if p.popen.stdout is not None:
                p.popen.stdout.close()
            if p.popen.stdin is not None and not p.popen.stdin.closed:
                try:
                    p.popen.stdin.close()
                except BrokenPipeError:
                    pass
        gone = {id(p) for p in procs}
        self.procs = [p for p in self.procs if id(p) not in gone]

    def finish(self, proc: Proc, grace_s: float = STOP_GRACE_S) -> str:
        """SIGTERM ``proc`` (unless it has exited), wait for it, and return what it printed on stdout."""
        if proc.alive():
            _signal_group(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.popen.communicate(timeout=grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            out, _ = proc.popen.communicate()
        self.stop([proc])
        return (out or b"").decode("utf-8", "replace")

    def pause(self, procs: Sequence[Proc]) -> None:
        """SIGSTOP each process group (a worker with its enrichment child): no CPU until :meth:`resume`."""
        for p in procs:
            _signal_group(p.pid, signal.SIGSTOP)

    def resume(self, procs: Sequence[Proc]) -> None:
        for p in procs:
            _signal_group(p.pid, signal.SIGCONT)

    def stop_all(self) -> None:
        for p in self.procs:  # a paused process would not act on SIGTERM until SIGKILL
            if p.alive():
                _signal_group(p.pid, signal.SIGCONT)
        self.stop(list(reversed(self.procs)))


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def rss_bytes(pid: int | None) -> int | None:
    """Resident set size of ``pid`` from /proc; None when it is gone or unknown."""
    if not pid:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds ``pid`` has used so far (/proc/PID/stat); None when it is gone or unknown."""
    if not pid:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)
    except (OSError, ValueError, IndexError):
        return None


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc/PID/task/*/children)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.extend(int(x) for x in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return out


def largest_child(pid: int) -> int | None:
    """The worker's enrichment child: its largest direct child (a resource tracker may be there too)."""
    kids = [(rss_bytes(k) or 0, k) for k in children(pid)]
    return max(kids)[1] if kids else None
