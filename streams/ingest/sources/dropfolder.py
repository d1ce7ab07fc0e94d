"""A drop folder → articles on ``articles.raw``: :func:`watch_folder` and its :class:`DropFolderSource`.

Each file that stopped growing is read (formats: :mod:`.reading`), sent, and once every article in
it was acknowledged (or dead-lettered) moved to ``done/``. A file that gave no article (unreadable,
refused as a whole, every item dead-lettered, or empty) is moved to ``failed/`` instead, with
``<name>.error.txt`` beside it saying why, so an operator sees it where they dropped it.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from streams.core.errors import ConfigError
from streams.core.model import utcnow_iso
from streams.core.settings import Settings
from streams.ingest.producer import IngestSummary, RawProducer, responsive_gil
from streams.ingest.sources.reading import DONE_DIR, FAILED_DIR, is_wanted, iter_file
from streams.ingest.sources.sending import ItemSender

log = logging.getLogger(__name__)

#: errors listed in a ``.error.txt`` (the dead-letter topic has every one)
MAX_ERRORS_LISTED = 100
ERROR_SUFFIX = ".error.txt"


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
    """Move a processed file into ``done/`` (or ``failed/``; a numbered name if one exists already)."""
    done.mkdir(exist_ok=True)
    target = done / path.name
    n = 1
    while target.exists() or target.with_name(target.name + ERROR_SUFFIX).exists():
        target = done / f"{path.stem}.{n}{path.suffix}"
        n += 1
    shutil.move(str(path), target)
    return target


@dataclass
class FileOutcome:
    """What became of one dropped file's items: how many were good, and why the others were not."""

    good: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """No article came out of the file: it goes to ``failed/``."""
        return self.good == 0


def error_report(name: str, outcome: FileOutcome) -> str:
    """The text of ``<name>.error.txt``: why the file failed and what to do."""
    errors = outcome.errors or ["the file holds no article (empty, or only blank lines)"]
    listed = errors[:MAX_ERRORS_LISTED]
    more = [f"... and {len(errors) - len(listed)} more"] if len(errors) > len(listed) else []
    return "\n".join([
        f"{name}: not ingested ({utcnow_iso()}); no article in it could be sent.",
        f"{len(outcome.errors)} item(s) refused, each in the dead-letter topic with its reason and original bytes:",
        *(f"  {line}" for line in listed + more),
        "Fix the file and drop it into the folder again (the same articles keep the same ids).",
        "",
    ])


def _skip_if_moved_away(path: Path, exc: OSError, skipped: set[Path]) -> None:
    log.error("%s: could not be moved out of the drop folder (%s); it is skipped until the watcher restarts",
              path, exc)
    skipped.add(path)


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
    re-sends the file (same ids) instead of losing it. A file that gave no article goes to
    ``failed/`` with ``<name>.error.txt``. Runs until ``stop()`` returns True.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: not a folder (give --watch an existing directory)")
    own = producer is None
    prod = producer or RawProducer(settings, source_kind="watch")
    send = ItemSender(prod, dedupe_ids=False)
    skipped: set[Path] = set()
    try:
        with responsive_gil():
            while not stop():
                for path in _stable_files(folder, min_age_s):
                    if path in skipped:
                        continue
                    try:
                        _ingest_dropped_file(path, folder, prod, send, settings.max_article_bytes)
                    except OSError as exc:
                        _skip_if_moved_away(path, exc, skipped)
                    if on_file is not None:
                        on_file(path, prod.summary)
                time.sleep(interval_s)
        prod.flush()
        return prod.summary
    finally:
        if own:
            prod.close()


def _ingest_dropped_file(path: Path, folder: Path, prod: RawProducer, send: ItemSender, max_bytes: int) -> None:
    """Send one dropped file, wait for every ack, then move it to ``done/`` (or ``failed/``, with why)."""
    outcome = FileOutcome()
    for item in iter_file(path, max_bytes):
        send(item)
        if item.error is None:
            outcome.good += 1
        else:
            outcome.errors.append(f"{item.origin}: {item.error} ({item.error.reason})")
    prod.flush()
    if not outcome.failed:
        target = move_to_done(path, folder / DONE_DIR)
        log.info("%s: %d good, %d dead-lettered; moved to %s", path.name, outcome.good, len(outcome.errors),
                 target)
        return
    target = move_to_done(path, folder / FAILED_DIR)
    report = target.with_name(target.name + ERROR_SUFFIX)
    report.write_text(error_report(path.name, outcome), encoding="utf-8")
    log.error("%s: failed, no article in it (%s); moved to %s, why in %s", path.name,
              outcome.errors[0] if outcome.errors else "empty", target, report)


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
