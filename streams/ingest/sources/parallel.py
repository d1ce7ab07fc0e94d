"""Parsing a large JSON Lines file in worker processes, in order, while this process sends.

Used when one process must do the sending (the seen-items memory, gzip input); otherwise large
files go to :mod:`.sharded`, where each worker also produces. Workers get chunks of raw lines and
hand back items in the form :func:`~streams.ingest.sources.sending.prepare` gives them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterator

from streams.ingest.sources.reading import MAX_DECOMPRESSED_TOTAL, iter_raw_lines, open_input, raw_line_item
from streams.ingest.sources.sending import Prepared, prepare

CHUNK_LINES = 500


def parse_chunk(lines: list[tuple[str, bytes, str | None]], max_bytes: int) -> list[Prepared]:
    """Parse and serialize a chunk of lines (runs in a worker process; returns picklable tuples)."""
    return [prepare(raw_line_item(where, line, too_large, max_bytes)) for where, line, too_large in lines]


def iter_prepared_parallel(path: Path, max_bytes: int, pool: Any, window: int,
                           on_bytes: Callable[[int], None] | None = None) -> Iterator[Prepared]:
    """Prepared items of a JSON Lines file, parsed by ``pool`` in order, at most ``window`` chunks ahead."""
    pending: deque[Any] = deque()
    with open_input(path, MAX_DECOMPRESSED_TOTAL) as stream:
        chunk: list[tuple[str, bytes, str | None]] = []
        for raw in iter_raw_lines(stream, str(path), max_bytes, on_bytes):
            chunk.append(raw)
            if len(chunk) >= CHUNK_LINES:
                pending.append(pool.apply_async(parse_chunk, (chunk, max_bytes)))
                chunk = []
                while len(pending) >= window:  # bounded memory: wait for the oldest chunk
                    yield from pending.popleft().get()
        if chunk:
            pending.append(pool.apply_async(parse_chunk, (chunk, max_bytes)))
    while pending:
        yield from pending.popleft().get()


def default_workers() -> int:
    """Parser processes for large files: the cores left after the sending process (at least 1)."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def start_pool(workers: int) -> Any:
    """Parser processes, forked: "spawn" would re-run a caller's unguarded ``__main__`` script.

    The children only run :func:`parse_chunk` (pure code over bytes); they never touch the Kafka
    client whose threads exist in the parent.
    """
    return multiprocessing.get_context("fork").Pool(workers)
