"""A SIGKILLed worker leaves no enrichment child behind (the child watches the process that started it),
and no multiprocessing resource tracker either (it exits once the last holder of its pipe, the child, is gone)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from streams.worker.runner import EnrichmentRunner
runner = EnrichmentRunner("textspans", timeout_s=30.0)
runner.start()
print(*runner._pool._processes, flush=True)  # the child's pid
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too: it only waits for its (new) parent to reap it
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "stat").read_text().split(") ", 1)[1].split()[1] == str(pid):
                kids.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return kids


def test_the_enrichment_child_and_the_resource_tracker_exit_when_their_worker_is_killed() -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        child = int(holder.stdout.readline().split()[0])
        assert _alive(child)
        trackers = [pid for pid in _children(holder.pid)
                    if b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(trackers) == 1, "the spawn context starts one resource tracker"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        deadline = time.monotonic() + 10.0
        while any(map(_alive, [child, *trackers])) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), f"the enrichment child {child} outlived its killed worker"
        assert not _alive(trackers[0]), f"the resource tracker {trackers[0]} outlived its killed worker"
    finally:
        if holder.poll() is None:
            holder.kill()
