"""Large JSON Lines files sent by several processes, each parsing and producing its own byte range.

One Python process cannot parse and produce at Kafka's pace: kafka-python's ``send()`` and the
article parsing both need the interpreter lock. So a large, uncompressed JSON Lines file is cut into
byte ranges at line starts, and each range is read, parsed, validated and produced by a worker
process with its own :class:`RawProducer` (acks=all, idempotent, counts only acknowledged records).
The parent only adds up the workers' summaries, updates its metrics and the progress bar.

What differs from the one-process path, by design:

- duplicates (the same article id twice in one run) are skipped within each worker's range only; a
  copy in another range is sent again, which the keyed, newer-version-wins sinks absorb;
- two versions of one id in different ranges may reach Kafka in either order (the archive keeps the
  higher ``version`` whatever the order);
- the seen-items memory (``remember``) is not used here: :func:`streams.ingest.sources.files.ingest_paths`
  keeps such runs in one sending process (parsing in :mod:`streams.ingest.sources.parallel`).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any, Callable

from streams.core import metrics
from streams.core.settings import Settings
from streams.ingest.producer import IngestSummary, RawProducer, bulk_gc, responsive_gil
from streams.ingest.sources.reading import READ_BUFFER, iter_raw_lines, raw_line_item
from streams.ingest.sources.sending import ItemSender, prepare

#: bytes a worker reads before it reports progress to the parent
PROGRESS_STEP = 1 << 20
#: articles parsed before they are handed to the producer together (see send_range)
SEND_BATCH = 256
_progress_counter: Any = None  # a multiprocessing.Value in the workers (set by the pool initializer)


def default_senders() -> int:
    """Processes that parse and produce a large JSON Lines file: one per core (2 to 4)."""
    return max(2, min(4, os.cpu_count() or 2))


def shard_bounds(path: Path, shards: int) -> list[tuple[int, int, int]]:
    """``(start, end, first line number)`` of up to ``shards`` byte ranges of ``path``, cut at line starts."""
    size = path.stat().st_size
    cuts = [0]
    with open(path, "rb") as f:
        for k in range(1, shards):
            f.seek(max(cuts[-1], size * k // shards))
            while (piece := f.readline(1 << 20)) and not piece.endswith(b"\n"):
                pass  # to the start of the next line, without holding a long line
            if f.tell() >= size:
                break
            if f.tell() > cuts[-1]:
                cuts.append(f.tell())
        cuts.append(size)
        first_lines, lines, pos = [1], 0, 0
        for cut in cuts[1:-1]:
            f.seek(pos)
            while pos < cut:
                block = f.read(min(cut - pos, 1 << 22))
                lines += block.count(b"\n")
                pos += len(block)
            first_lines.append(lines + 1)
    return [(cuts[i], cuts[i + 1], first_lines[i]) for i in range(len(cuts) - 1)]


class _ByteRange(io.RawIOBase):
    """Reads ``length`` bytes of ``handle`` from its current position, then reports end of file."""

    def __init__(self, handle: io.BufferedReader, length: int) -> None:
        self._handle, self._left = handle, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        data = self._handle.read(min(len(buffer), self._left))
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


_producer: RawProducer | None = None  # each worker's own producer, connected once by the initializer
_barrier: Any = None  # inherited at fork: start-up waits until every worker is connected


def _init_worker(counter: Any, barrier: Any, settings: Settings, source_kind: str) -> None:
    global _progress_counter, _producer, _barrier
    _progress_counter, _barrier = counter, barrier
    _producer = RawProducer(settings, source_kind=source_kind)
    _producer.warm_up()


def _ready() -> bool:
    """In a worker: wait until every worker got here (so each ran exactly one of these, connected)."""
    _barrier.wait(timeout=300)
    return True


class _ProgressReporter:
    """Adds bytes read to the shared counter every :data:`PROGRESS_STEP` bytes."""

    def __init__(self) -> None:
        self.pending = 0

    def __call__(self, n: int) -> None:
        self.pending += n
        if self.pending >= PROGRESS_STEP:
            self.flush()

    def flush(self) -> None:
        if _progress_counter is not None and self.pending:
            with _progress_counter.get_lock():
                _progress_counter.value += self.pending
        self.pending = 0


def send_range(path: str, start: int, end: int, first_line: int, keep_ids: bool) -> dict[str, Any]:
    """In a worker: parse and produce the lines of ``path[start:end]``; the summary once all are acknowledged."""
    producer = _producer
    assert producer is not None, "send_range runs in a ShardedSender worker"
    report = _ProgressReporter()
    summary = producer.summary = IngestSummary(keep_ids=keep_ids)  # flushed below: no ack of another range
    max_bytes = producer.settings.max_article_bytes
    with responsive_gil(), bulk_gc():
        send = ItemSender(producer)
        with open(path, "rb", buffering=READ_BUFFER) as handle:
            handle.seek(start)
            stream = io.BufferedReader(_ByteRange(handle, end - start), READ_BUFFER)
            ready: list[Any] = []
            for where, line, too_large in iter_raw_lines(stream, path, max_bytes, report, first_line):
                ready.append(prepare(raw_line_item(where, line, too_large, max_bytes)))
                if len(ready) >= SEND_BATCH:
                    for prepared in ready:
                        send.send_prepared(prepared)
                    ready.clear()
            for prepared in ready:
                send.send_prepared(prepared)
        producer.flush()
    report.flush()
    return {**summary.as_dict(), "ids": summary.ids}


class ShardedSender:
    """``workers`` processes, each with a connected producer, that send large JSON Lines files by ranges.

    Start it once and send several files (``streams ingest`` does); connecting happens at start-up,
    not per file. Use as a context manager.
    """

    def __init__(self, settings: Settings, workers: int, *, source_kind: str = "file") -> None:
        self.workers = max(1, workers)
        self.source_kind = source_kind
        context = multiprocessing.get_context("fork")  # see parallel.start_pool: spawn re-runs unguarded scripts
        self._counter = context.Value("q", 0)
        barrier = context.Barrier(self.workers)
        self._pool = context.Pool(self.workers, initializer=_init_worker,
                                  initargs=(self._counter, barrier, settings, source_kind))
        try:  # connected before the first file: each worker runs one _ready, after its initializer
            for result in [self._pool.apply_async(_ready) for _ in range(self.workers)]:
                result.get(timeout=330)
        except BaseException:
            self.close()
            raise

    def send_file(self, path: Path, summary: IngestSummary, advance: Callable[[int], None] = lambda n: None) -> None:
        """Send one file; add the workers' counts to ``summary`` (and this process's metrics)."""
        ranges = shard_bounds(path, self.workers)
        with self._counter.get_lock():
            self._counter.value = 0
        results = [self._pool.apply_async(send_range, (str(path), start, end, first, summary.keep_ids))
                   for start, end, first in ranges]
        shown = 0
        while not all(r.ready() for r in results):
            time.sleep(0.05)
            shown = _show(self._counter, shown, advance)
        _show(self._counter, shown, advance)
        for result in results:
            _merge(summary, result.get(), self.source_kind)

    def close(self) -> None:
        """Stop the workers (everything they sent was acknowledged at the end of each file)."""
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> "ShardedSender":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ingest_file_sharded(settings: Settings, path: Path, summary: IngestSummary, *, workers: int,
                        source_kind: str = "file", advance: Callable[[int], None] = lambda n: None) -> None:
    """Send one large JSON Lines file with ``workers`` processes; add their counts to ``summary``."""
    with ShardedSender(settings, workers, source_kind=source_kind) as sender:
        sender.send_file(path, summary, advance)


def _show(counter: Any, shown: int, advance: Callable[[int], None]) -> int:
    now = counter.value
    if now > shown:
        advance(now - shown)
    return now


def _merge(summary: IngestSummary, part: dict[str, Any], source_kind: str) -> None:
    """Add a worker's counts to ``summary`` and to this process's metrics (the workers' are not scraped)."""
    with summary._lock:
        summary.sent += part["sent"]
        summary.bytes += part["bytes"]
        summary.duplicates += part["duplicates"]
        summary.dead_lettered += part["dead_lettered"]
        for reason, n in part["reasons"].items():
            summary.reasons[reason] = summary.reasons.get(reason, 0) + n
        if summary.keep_ids:
            summary.ids.extend(part["ids"])
    metrics.ARTICLES_INGESTED.labels(source_kind).inc(part["sent"])
    metrics.INGEST_BYTES.labels(source_kind).inc(part["bytes"])
    metrics.INGEST_DUPLICATES.labels(source_kind).inc(part["duplicates"])
    for reason, n in part["reasons"].items():
        metrics.DEAD_LETTERS.labels("ingest", reason).inc(n)
    if part["sent"]:
        metrics.LAST_PROCESSED.labels("ingest").set(time.time())
