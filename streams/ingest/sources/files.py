"""Files and folders → articles on ``articles.raw``: :func:`ingest_paths` and its :class:`FileSource`.

Small files are read and sent here (formats: :mod:`.reading`); JSON Lines files of
:data:`PARALLEL_MIN_BYTES` or more are parsed and produced by several processes
(:mod:`.sharded`), or, when this process must send (``remember``, gzip), parsed by a pool of
processes (:mod:`.parallel`). Every bad item is logged and dead-lettered with its reason and
original bytes; the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from streams.core.settings import Settings
from streams.ingest.producer import IngestSummary, RawProducer, bulk_gc, responsive_gil
from streams.ingest.sources.parallel import default_workers, iter_prepared_parallel, start_pool
from streams.ingest.sources.reading import expand_paths, file_kind, file_size, iter_file
from streams.ingest.sources.sending import ByteProgress, ItemSender
from streams.ingest.sources.sharded import ShardedSender, default_senders

#: JSON Lines files at least this large are parsed in worker processes (the sender keeps one core)
PARALLEL_MIN_BYTES = 8 * 1024 * 1024


def ingest_paths(
    settings: Settings,
    paths: Iterable[Path | str],
    *,
    producer: RawProducer | None = None,
    progress: bool = False,
    remember: bool = False,
    keep_ids: bool = False,
    source_kind: str = "file",
    workers: int | None = None,
    senders: ShardedSender | None = None,
) -> IngestSummary:
    """Send every article in ``paths`` (files or folders) to ``articles.raw``; wait for the acks.

    Bad items go to the dead-letter topic. Returns counts of acknowledged articles, duplicates
    (same id twice in this run, or remembered from earlier runs when ``remember``) and dead letters.
    ``progress`` shows a rich progress bar over the bytes to read. Uncompressed JSON Lines files of
    8 MiB or more are cut into ``workers`` byte ranges, each parsed and produced by its own process
    (default: one per core, 2 to 4; see :mod:`streams.ingest.sources.sharded` for what that changes); with
    ``remember`` or gzip they are parsed by ``workers`` processes (default: cores - 1) and produced
    here. ``workers=0`` does everything in this process. ``senders`` is a running
    :class:`~streams.ingest.sources.sharded.ShardedSender` to use (connected already); else one is started
    for this call when a file needs it.
    """
    files = expand_paths(paths)
    own = producer is None
    prod = producer or RawProducer(settings, source_kind=source_kind, summary=IngestSummary(keep_ids=keep_ids))
    seen = None
    try:
        if remember:
            from streams.ingest.seen import SeenStore  # noqa: PLC0415

            seen = SeenStore(settings, prod)
        send = ItemSender(prod, seen=seen)
        total = sum(file_size(f) for f in files)
        big = [f for f in files if file_kind(f) == "jsonl" and file_size(f) >= PARALLEL_MIN_BYTES]
        sharded = [f for f in big if f.suffix.lower() != ".gz"] if seen is None else []
        n_workers = default_workers() if workers is None else workers
        pool = start_pool(n_workers) if set(big) - set(sharded) and n_workers > 0 else None
        own_senders = None
        try:
            with responsive_gil(), bulk_gc(), ByteProgress(progress, total, len(files)) as advance:
                for path in files:
                    if n_workers > 0 and path in sharded:  # several processes parse and produce
                        if senders is None:
                            senders = own_senders = ShardedSender(
                                settings, default_senders() if workers is None else workers,
                                source_kind=prod.source_kind)
                        senders.send_file(path, prod.summary, advance)
                        continue
                    if pool is not None and path in big:
                        for prepared in iter_prepared_parallel(path, settings.max_article_bytes, pool,
                                                               window=4 * n_workers, on_bytes=advance):
                            send.send_prepared(prepared)
                        continue
                    for item in iter_file(path, settings.max_article_bytes, on_bytes=advance):
                        send(item)
        finally:
            if pool is not None:
                pool.terminate()
            if own_senders is not None:
                own_senders.close()
        prod.flush()
        return prod.summary
    finally:
        if seen is not None:
            seen.close()
        if own:
            prod.close()


@dataclass(frozen=True)
class FileSource:
    """Files and folders as a :class:`~streams.ingest.sources.base.Source`: :func:`ingest_paths` once.

    Finite: ``run`` returns when every file was sent and acknowledged; it does not look at ``stop``.
    """

    settings: Settings
    paths: Sequence[Path | str]
    progress: bool = False
    remember: bool = False
    workers: int | None = None

    def run(self, producer: RawProducer, stop: Callable[[], bool]) -> None:
        """Send every article of the files through ``producer``."""
        ingest_paths(self.settings, self.paths, producer=producer, progress=self.progress, remember=self.remember,
                     workers=self.workers)
