"""Leases: processes (test sessions) that use the local broker and must not lose it under them.

A lease is an empty file named after the user's pid in the broker's state directory; leases of
dead processes are dropped when read. :func:`~streams.devtools.broker.process.stop` refuses to
stop a broker that live leases hold (unless forced).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from streams.core.settings import Settings
from streams.devtools.broker.paths import broker_dir, locked
from streams.devtools.broker.pids import process_cmdline


def _leases_dir(settings: Settings) -> Path:
    return broker_dir(settings) / "test-leases"


@contextlib.contextmanager
def lease_lock(settings: Settings) -> Iterator[None]:
    """Serialise taking/returning leases with the start/stop decisions that depend on them."""
    with locked(broker_dir(settings) / "test-leases.lock"):
        yield


def take_lease(settings: Settings, pid: int | None = None) -> Path:
    """Record that process ``pid`` (default: this one) uses the local broker; returns the lease file."""
    lease = _leases_dir(settings) / str(pid or os.getpid())
    lease.parent.mkdir(parents=True, exist_ok=True)
    lease.touch()
    return lease


def live_leases(settings: Settings) -> list[int]:
    """Pids of live processes holding a lease; leases of dead processes are removed."""
    leases = _leases_dir(settings)
    if not leases.is_dir():
        return []
    alive = []
    for lease in leases.iterdir():
        try:
            pid = int(lease.name)
        except ValueError:
            continue
        if process_cmdline(pid) is None:
            lease.unlink(missing_ok=True)
        else:
            alive.append(pid)
    return sorted(alive)
