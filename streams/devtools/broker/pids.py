"""The broker's pid and state files, and whether a pid is a live process (and our broker).

Shared by the lifecycle (:mod:`.process`) and the leases (:mod:`.leases`): both must tell a live
process from a dead or reused pid the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from streams.core.settings import Settings
from streams.devtools.broker.paths import pid_file, props_file, state_file


def process_cmdline(pid: int) -> str | None:
    """Command line of a live (non-zombie) process, or None if there is no such process."""
    if pid <= 0:
        return None
    _reap(pid)
    proc = Path("/proc") / str(pid)
    if proc.is_dir():
        try:
            stat = (proc / "stat").read_text()
            if stat[stat.rindex(")") + 2] in "ZX":  # zombie or dead: the broker is gone
                return None
            return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            return None
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True)
    except OSError:
        return None
    text = out.stdout.strip()
    if out.returncode != 0 or not text or text.startswith("Z"):
        return None
    return text.split(None, 1)[1] if " " in text else text


def _reap(pid: int) -> None:
    """Collect the exit status if the broker is our own child (no zombie left behind)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


def is_our_broker(pid: int, settings: Settings) -> bool:
    """True if ``pid`` is alive and is the kafka.Kafka JVM of this home and port (not a reused pid)."""
    cmdline = process_cmdline(pid)
    return cmdline is not None and "kafka.Kafka" in cmdline and str(props_file(settings)) in cmdline


def read_pid(settings: Settings) -> int | None:
    """The pid in the broker's pid file, or None."""
    try:
        return int(pid_file(settings).read_text().strip())
    except (OSError, ValueError):
        return None


def read_state(settings: Settings) -> dict[str, str]:
    """The running broker's recorded version, owner, start time and pid (empty if unknown)."""
    try:
        loaded = json.loads(state_file(settings).read_text())
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        return {}


def record_started(settings: Settings, pid: int, owner: str) -> None:
    """Write the pid and state files of a broker JVM just launched."""
    pid_file(settings).write_text(f"{pid}\n")
    state = {"version": settings.kafka_version, "owner": owner, "started_at": time.time(), "pid": pid}
    state_file(settings).write_text(json.dumps(state))


def clear_pid(settings: Settings) -> None:
    """Remove the pid and state files."""
    for path in (pid_file(settings), state_file(settings)):
        path.unlink(missing_ok=True)
