"""A drop folder → articles on ``articles.raw``: :func:`watch_folder` and its :class:`DropFolderSource`.

Each file that stopped growing is read (formats: :mod:`.reading`), sent, and once every article in
it was acknowledged (or dead-lettered) moved to ``done/``.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from streams.core.errors import ConfigError
from streams.core.settings import Settings
from streams.ingest.producer import IngestSummary, RawProducer, responsive_gil
from streams.ingest.sources.reading import DONE_DIR, is_wanted, iter_file
from streams.ingest.sources.sending import ItemSender

log = logging.getLogger(__name__)


def _stable_files(folder: Path, min_age_s: float) -> list[Path]:
    """Files in the drop folder not written to for ``min_age_s`` (still-growing files wait)."""
    now = time.time()
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and is_wanted(entry.name):
            try:
                if now - entry.stat().st_mtime >= min_age_s:
                    out.append(entry)
            except OSError:
                continue
    return out


def move_to_done(path: Path, done: Path) -> Path:
    """Move a processed file into ``done/`` (a numbered name if one exists already)."""
    done.mkdir(exist_ok=True)
    target = done / path.name
    n = 1
    while target.exists():
        target = done / f"{path.stem}.{n}{path.suffix}"
        n += 1
    shutil.move(str(path), target)
    return target


def watch_folder(
    settings: Settings,
    folder: Path | str,
    *,
    producer: RawProducer | None = None,
    interval_s: float = 1.0,
    min_age_s: float = 0.5,
    stop: Callable[[], bool] = lambda: False,
    on_file: Callable[[Path, IngestSummary], None] | None = None,
) -> IngestSummary:
    """Follow a drop folder: ingest each new file, wait for the acks, then move it to ``done/``.

    A file is moved only after every article in it was acknowledged (or dead-lettered), so a crash
    re-sends the file (same ids) instead of losing it. Runs until ``stop()`` returns True.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: not a folder (give --watch an existing directory)")
    done = folder / DONE_DIR
    own = producer is None
    prod = producer or RawProducer(settings, source_kind="watch")
    send = ItemSender(prod, dedupe_ids=False)
    try:
        with responsive_gil():
            while not stop():
                for path in _stable_files(folder, min_age_s):
                    _ingest_dropped_file(path, done, prod, send, settings.max_article_bytes)
                    if on_file is not None:
                        on_file(path, prod.summary)
                time.sleep(interval_s)
        prod.flush()
        return prod.summary
    finally:
        if own:
            prod.close()


def _ingest_dropped_file(path: Path, done: Path, prod: RawProducer, send: ItemSender, max_bytes: int) -> None:
    """Send one dropped file, wait for every ack, then move it to ``done/``."""
    before = (prod.summary.sent, prod.summary.dead_lettered)
    for item in iter_file(path, max_bytes):
        send(item)
    prod.flush()
    target = move_to_done(path, done)
    log.info("%s: %d sent, %d dead-lettered; moved to %s", path.name, prod.summary.sent - before[0],
             prod.summary.dead_lettered - before[1], target)


@dataclass(frozen=True)
class DropFolderSource:
    """A drop folder as a :class:`~streams.ingest.sources.base.Source`: :func:`watch_folder` until ``stop()``."""

    settings: Settings
    folder: Path | str
    interval_s: float = 1.0
    min_age_s: float = 0.5
    on_file: Callable[[Path, IngestSummary], None] | None = None

    def run(self, producer: RawProducer, stop: Callable[[], bool]) -> None:
        """Follow the folder, sending each new file through ``producer``, until ``stop()`` returns True."""
        watch_folder(self.settings, self.folder, producer=producer, interval_s=self.interval_s,
                     min_age_s=self.min_age_s, stop=stop, on_file=self.on_file)
