"""The product's own CLI processes under chaos: start, SIGKILL, restart, stop, and the orphans they leave.

Every process gets ``STREAMS_CHAOS_RUN=<run id>`` in its environment; children inherit it, so after
the run any process still carrying it (an enrichment child, a resource tracker, a worker that
outlived SIGTERM) is an orphan, counted and then killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

RUN_VAR = "STREAMS_CHAOS_RUN"


class Proc:
    """One ``streams …`` command, restartable; its output appended to ``log_dir/<name>.log``."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the command (again); the previous instance must be gone."""
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== chaos: start #{self.starts + 1} at {time.strftime('%H:%M:%S')} =====\n".encode())
            log.flush()
            self.popen = subprocess.Popen([sys.executable, "-m", "streams.cli.main", *self.args], env=self.env,
                                          stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; reaped at once."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(30)

    def stop(self, grace: float = 30.0) -> int | None:
        """SIGTERM, SIGKILL after ``grace``; the exit status."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(30)
        return self.popen.returncode

    def wait(self, timeout: float) -> int:
        assert self.popen is not None
        return self.popen.wait(timeout)


def run_processes(run_id: str) -> list[int]:
    """Pids of live processes (not zombies) whose environment carries this run's marker."""
    marker = f"{RUN_VAR}={run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().split(") ", 1)[1].startswith("Z"):
                continue
        except (OSError, IndexError):
            continue
        found.append(int(entry.name))
    return found


def reap_orphans(run_id: str, settle_s: float = 10.0) -> int:
    """Count the run's processes still alive ``settle_s`` after everything was stopped; kill them."""
    deadline = time.monotonic() + settle_s
    while run_processes(run_id) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = run_processes(run_id)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(left)
