"""Free C-heap memory goes back to the system when asked (pure: one process, no broker)."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from streams.core import allocator
from streams.core.settings import load_settings
from streams.worker.app import create_app
from streams.worker.runner import EnrichmentRunner

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@glibc
def test_freed_blocks_held_by_malloc_are_given_back() -> None:
    # what a worker's articles leave behind: blocks of a few KB (above Python's small-object allocator), most
    # of them freed, a few kept, so the heap has free pages it does not give back by itself
    blocks = [bytes(8000 + i % 3000) for i in range(20_000)]  # ~190 MB
    kept = blocks[::50]
    del blocks
    before = _rss_kib()
    assert allocator.release_free_memory()
    released_mib = (before - _rss_kib()) / 1024
    assert released_mib > 50, f"only {released_mib:.1f} MiB given back"
    assert len(kept) == 400


def test_the_worker_releases_free_memory_every_minute(tmp_path: Path) -> None:
    app = create_app(load_settings(home=tmp_path / "home", app_id="trim"), runner=EnrichmentRunner("none", 5.0))
    tasks = [t.__name__ for t in app._app_tasks]  # type: ignore[attr-defined]
    assert "release_free_memory" in tasks and "follow_fingerprints" in tasks
    assert allocator.RELEASE_MEMORY_EVERY_S <= 60.0
