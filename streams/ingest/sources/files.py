"""Files, folders, drop folders and stdin → articles on ``articles.raw``.

Formats, by file name (``.gz`` is decompressed first, with a cap against gzip bombs):

- ``.txt``/``.text``/``.wire``: one wire text per file, ``body_text`` exactly as received;
- ``.json``: one ninjs (1.x/2.x) or article object, or an array of them;
- ``.jsonl``/``.ndjson``: JSON Lines, one article per line (also the ``../shared/corpus`` format);
- anything else is sniffed: ``{``/``[`` → JSON (or JSON Lines when it has several object lines),
  otherwise wire text.

Every bad item (undecodable, malformed JSON, empty, over the size limit) is logged and
dead-lettered with its reason and original bytes; the run goes on.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import shutil
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

import orjson

from streams.core import metrics
from streams.core.errors import (
    ConfigError,
    DecodeError,
    StreamsError,
    TooLargeError,
    ValidationError,
)
from streams.core.model import Article, DeadLetter
from streams.core.settings import Settings
from streams.ingest.formats import (
    JSON_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    article_from_record,
    article_from_text,
    parse_json,
)
from streams.ingest.producer import (
    DEAD_LETTER_MAX_ORIGINAL,
    IngestSummary,
    RawProducer,
    bulk_gc,
    responsive_gil,
)

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".text", ".wire"})
JSON_SUFFIXES = frozenset({".json", ".ninjs"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".jsonlines"})
#: a .gz member may decode to at most this many times the limit of one article (whole-file formats)
#: or this many bytes in total (JSON Lines) before it is called a bomb
MAX_DECOMPRESSED_TOTAL = 2 * 1024 * 1024 * 1024
PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".swp")
DONE_DIR = "done"
READ_BUFFER = 4 * 1024 * 1024


@dataclass(frozen=True)
class Item:
    """One input item: an article ready to send, or the error that stops it, with the original bytes."""

    article: Article | None
    error: StreamsError | None
    original: bytes
    origin: str
    content_type: str


def _ok(article: Article, original: bytes, origin: str, ctype: str) -> Item:
    return Item(article, None, original, origin, ctype)


def _bad(exc: StreamsError, original: bytes, origin: str, ctype: str) -> Item:
    return Item(None, exc, original, origin, ctype)


def file_kind(path: Path) -> str:
    """``text``, ``json``, ``jsonl`` or ``sniff`` from the name (``.gz`` looks at the inner suffix)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in TEXT_SUFFIXES:
        return "text"
    if last in JSON_SUFFIXES:
        return "json"
    if last in JSONL_SUFFIXES:
        return "jsonl"
    return "sniff"


class _CappedReader(io.RawIOBase):
    """Reads a decompressing stream and raises TooLargeError past ``cap`` decoded bytes."""

    def __init__(self, inner: IO[bytes], cap: int, what: str) -> None:
        self._inner, self._cap, self._what, self._count = inner, cap, what, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except (OSError, EOFError, zlib.error) as exc:
            raise DecodeError(f"{self._what}: broken gzip data: {exc}") from exc
        self._count += len(data)
        if self._count > self._cap:
            raise TooLargeError(f"{self._what} decompresses to more than {self._cap} bytes: a gzip bomb?",
                                reason="too_large")
        buffer[: len(data)] = data
        return len(data)


def open_input(path: Path, cap: int) -> IO[bytes]:
    """Open a file for binary reading; ``.gz`` files are decompressed with a cap on decoded bytes."""
    # large buffers: every refill releases the GIL, and getting it back from the Kafka client's
    # threads can take a whole switch interval, so few refills matter more than memory here
    handle = open(path, "rb", buffering=READ_BUFFER)
    if path.suffix.lower() == ".gz":
        return io.BufferedReader(_CappedReader(gzip.GzipFile(fileobj=handle), cap, str(path)), READ_BUFFER)
    return handle


def _read_capped(stream: IO[bytes], limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes, and whether there was more (the rest is drained, not kept)."""
    data = stream.read(limit + 1)
    if len(data) <= limit:
        return data, False
    while stream.read(1 << 20):
        pass
    return data[:limit], True


def iter_text(stream: IO[bytes], origin: str, max_bytes: int) -> Iterator[Item]:
    """One wire text from ``stream``."""
    try:
        raw, over = _read_capped(stream, max(max_bytes, DEAD_LETTER_MAX_ORIGINAL))
        if over or len(raw) > max_bytes:
            raise TooLargeError(f"{origin}: the text is over the limit of {max_bytes} bytes (STREAMS_MAX_ARTICLE_BYTES)")
        yield _ok(article_from_text(raw, namespace="text", max_bytes=max_bytes, altids={"file": origin}),
                  raw, origin, TEXT_CONTENT_TYPE)
    except StreamsError as exc:
        yield _bad(exc, locals().get("raw", b""), origin, TEXT_CONTENT_TYPE)


def iter_json_document(stream: IO[bytes], origin: str, max_bytes: int) -> Iterator[Item]:
    """One JSON document: an article object or an array of them (each element is one item)."""
    raw = b""
    try:
        raw, over = _read_capped(stream, max(max_bytes, DEAD_LETTER_MAX_ORIGINAL))
        if over:
            raise TooLargeError(f"{origin}: the JSON document is over {len(raw)} bytes")
        data = parse_json(raw, max_bytes=max_bytes if not raw.lstrip().startswith(b"[") else len(raw),
                          what=f"{origin}")
    except StreamsError as exc:
        yield _bad(exc, raw, origin, JSON_CONTENT_TYPE)
        return
    records = data if isinstance(data, list) else [data]
    for i, record in enumerate(records):
        where = f"{origin}[{i}]" if isinstance(data, list) else origin
        yield _record_item(record, where, max_bytes, raw if not isinstance(data, list) else None)


def _record_item(record: object, origin: str, max_bytes: int, original: bytes | None) -> Item:
    import orjson  # noqa: PLC0415

    try:
        if original is None:
            original = orjson.dumps(record)
            if len(original) > max_bytes:
                raise TooLargeError(f"{origin}: the article is {len(original)} bytes, over {max_bytes}")
        return _ok(article_from_record(record, namespace="json", extra_altids={"file": origin}), original,
                   origin, JSON_CONTENT_TYPE)
    except StreamsError as exc:
        return _bad(exc, original or b"", origin, JSON_CONTENT_TYPE)
    except (TypeError, ValueError) as exc:  # e.g. a wrong type deep inside a record
        return _bad(ValidationError(f"{origin}: {exc}"), original or b"", origin, JSON_CONTENT_TYPE)


def iter_raw_lines(stream: IO[bytes], origin: str, max_bytes: int, on_bytes: Callable[[int], None] | None = None,
                   first_lineno: int = 1) -> Iterator[tuple[str, bytes, str | None]]:
    """``(where, line, None)`` per non-blank line, or ``(where, start of line, message)`` when over the limit.

    A line over the limit is never held whole: its first ``max_bytes`` bytes are kept, the rest drained.
    """
    lineno = first_lineno - 1
    while True:
        line = stream.readline(max_bytes + 2)
        if not line:
            return
        lineno += 1
        if on_bytes is not None:
            on_bytes(len(line))
        where = f"{origin}:{lineno}"
        if len(line) > max_bytes + 1 or (len(line) == max_bytes + 2 and not line.endswith(b"\n")):
            rest = 0
            while not line.endswith(b"\n"):
                more = stream.readline(1 << 20)
                if not more:
                    break
                rest += len(more)
                if on_bytes is not None:
                    on_bytes(len(more))
                if more.endswith(b"\n"):
                    break
            yield where, line, f"{where}: the line is {len(line) + rest} bytes, over the limit of {max_bytes}"
            continue
        if line.strip():  # blank lines separate nothing in JSON Lines
            yield where, line, None


def line_item(where: str, line: bytes, max_bytes: int) -> Item:
    """One JSON Lines line → Item."""
    body = line.strip()
    try:
        record = parse_json(body, max_bytes=max_bytes, what=where)
    except StreamsError as exc:
        return _bad(exc, line.rstrip(b"\r\n"), where, JSON_CONTENT_TYPE)
    return _record_item(record, where, max_bytes, body)


def iter_json_lines(stream: IO[bytes], origin: str, max_bytes: int,
                    on_bytes: Callable[[int], None] | None = None, first_lineno: int = 1) -> Iterator[Item]:
    """JSON Lines: one article per line; a line over the limit is dead-lettered (its start kept)."""
    for where, line, too_large in iter_raw_lines(stream, origin, max_bytes, on_bytes, first_lineno):
        if too_large is not None:
            yield _bad(TooLargeError(too_large), line, where, JSON_CONTENT_TYPE)
        else:
            yield line_item(where, line, max_bytes)


# --- parallel parsing of large JSON Lines files -------------------------------------------------------

#: JSON Lines files at least this large are parsed in worker processes (the sender keeps one core)
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
CHUNK_LINES = 500

#: what a worker returns per line: ("ok", id, value, content type, origin) or ("bad", DeadLetter)
Prepared = tuple


def parse_chunk(lines: list[tuple[str, bytes, str | None]], max_bytes: int) -> list[Prepared]:
    """Parse and serialize a chunk of lines (runs in a worker process; returns picklable tuples)."""
    out: list[Prepared] = []
    for where, line, too_large in lines:
        item = _bad(TooLargeError(too_large), line, where, JSON_CONTENT_TYPE) if too_large is not None \
            else line_item(where, line, max_bytes)
        out.append(prepare(item))
    return out


def prepare(item: Item) -> Prepared:
    """An Item in the form a worker can hand back: serialized article, or a ready dead letter."""
    if item.article is not None:
        # orjson serializes the dataclass itself: the same bytes as Article.to_json(), a third faster
        return ("ok", item.article.id, orjson.dumps(item.article), item.content_type, item.origin)
    assert item.error is not None
    return ("bad", DeadLetter.from_error("ingest", item.error, item.original, origin=item.origin))


def iter_prepared_parallel(path: Path, max_bytes: int, pool: Any, window: int,
                           on_bytes: Callable[[int], None] | None = None) -> Iterator[Prepared]:
    """Prepared items of a JSON Lines file, parsed by ``pool`` in order, at most ``window`` chunks ahead."""
    from collections import deque  # noqa: PLC0415

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


def default_senders() -> int:
    """Processes that parse and produce a large JSON Lines file (:mod:`streams.ingest.sources.sharded`): one per core."""
    return max(2, min(4, os.cpu_count() or 2))


def _sniff(stream: IO[bytes]) -> str:
    """``json`` (an array), ``json_or_lines`` (starts with ``{``) or ``text``."""
    peek = stream.peek(4096) if hasattr(stream, "peek") else b""
    head = peek.lstrip()[:1]
    if head == b"[":
        return "json"
    if head == b"{":
        return "json_or_lines"
    return "text"


def iter_json_or_lines(stream: IO[bytes], origin: str, max_bytes: int,
                       on_bytes: Callable[[int], None] | None = None) -> Iterator[Item]:
    """JSON Lines when the first line is a whole JSON object by itself, else one JSON document."""
    first = stream.readline(max_bytes + 2)
    while first and not first.strip():
        first = stream.readline(max_bytes + 2)
    try:
        record = parse_json(first.strip(), max_bytes=max_bytes, what=f"{origin}:1")
    except StreamsError:
        record = None
    if isinstance(record, dict):
        if on_bytes is not None:
            on_bytes(len(first))
        yield _record_item(record, f"{origin}:1", max_bytes, first.strip())
        yield from iter_json_lines(stream, origin, max_bytes, on_bytes, first_lineno=2)
        return
    yield from iter_json_document(_Chain(first, stream), origin, max_bytes)  # type: ignore[arg-type]


class _Chain(io.RawIOBase):
    """``head`` followed by the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        if self._head:
            out = self._head if size < 0 else self._head[:size]
            self._head = self._head[len(out):]
            if size < 0:
                return out + self._stream.read()
            if len(out) < size:
                out += self._stream.read(size - len(out))
            return out
        return self._stream.read(size)


def iter_file(path: Path, max_bytes: int, on_bytes: Callable[[int], None] | None = None) -> Iterator[Item]:
    """Every item of one file, as :class:`Item`s (good or bad)."""
    origin = str(path)
    kind = file_kind(path)
    try:
        stream = open_input(path, MAX_DECOMPRESSED_TOTAL if kind in ("jsonl", "sniff") else max(max_bytes * 4, 1))
    except OSError as exc:
        yield _bad(DecodeError(f"{origin}: cannot read: {exc}", reason="unreadable"), b"", origin, "")
        return
    with stream:
        if not isinstance(stream, io.BufferedReader):
            stream = io.BufferedReader(stream)  # type: ignore[arg-type]
        try:
            if kind == "sniff":
                kind = _sniff(stream)
            if kind == "json_or_lines":
                yield from iter_json_or_lines(stream, origin, max_bytes, on_bytes)
                return
            if kind == "jsonl":
                yield from iter_json_lines(stream, origin, max_bytes, on_bytes)
                return
            items = iter_text(stream, origin, max_bytes) if kind == "text" else \
                iter_json_document(stream, origin, max_bytes)
            yield from items
        except StreamsError as exc:  # e.g. a gzip bomb detected mid-stream
            yield _bad(exc, b"", origin, "")
    if on_bytes is not None and kind != "jsonl":
        on_bytes(_size(path))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files named, and the files under folders named (sorted; hidden files and ``done/`` skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != DONE_DIR)
                out.extend(Path(root) / f for f in sorted(files) if _wanted(f))
        elif p.exists():
            out.append(p)
        else:
            raise ConfigError(f"{p}: no such file or folder")
    return out


def _wanted(name: str) -> bool:
    return not name.startswith(".") and not name.endswith(PARTIAL_SUFFIXES)


# --- sending ---------------------------------------------------------------------------------------


class ItemSender:
    """Sends items through a producer: dead letters for bad ones, duplicates (same id) skipped.

    ``dedupe_ids`` skips an article whose id this sender already sent in this run;
    ``seen`` (a :class:`~streams.ingest.seen.SeenStore`) additionally skips ids remembered from
    earlier runs and remembers new ones once acknowledged.
    """

    def __init__(self, producer: RawProducer, *, seen: object | None = None, dedupe_ids: bool = True) -> None:
        self.producer = producer
        self.seen = seen
        self._sent_ids: set[str] | None = set() if dedupe_ids else None

    def __call__(self, item: Item) -> None:
        self.send_prepared(prepare(item))

    def send_prepared(self, prepared: Prepared) -> None:
        """Send one ``prepare()``d item."""
        if prepared[0] == "bad":
            self.producer.send_dead_letter(prepared[1])
            return
        _, article_id, value, content_type, origin = prepared
        if self._sent_ids is not None:
            if article_id in self._sent_ids:
                self._duplicate()
                return
            self._sent_ids.add(article_id)
        on_acked = None
        if self.seen is not None:
            from streams.ingest.seen import SeenStore, item_key  # noqa: PLC0415

            assert isinstance(self.seen, SeenStore)
            key = item_key("article", guid=article_id)
            if not self.seen.claim(key):
                self._duplicate()
                return
            on_acked = lambda aid, k=key, s=self.seen: s.mark(k, aid)  # noqa: E731
        self.producer.send_serialized(article_id, value, content_type=content_type, origin=origin, on_acked=on_acked,
                                      future=False)

    def _duplicate(self) -> None:
        self.producer.summary.add_duplicate()
        metrics.INGEST_DUPLICATES.labels(self.producer.source_kind).inc()


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
    senders: Any = None,
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
        total = sum(_size(f) for f in files)
        big = [f for f in files if file_kind(f) == "jsonl" and _size(f) >= PARALLEL_MIN_BYTES]
        sharded = [f for f in big if f.suffix.lower() != ".gz"] if seen is None else []
        n_workers = default_workers() if workers is None else workers
        pool = _start_pool(n_workers) if set(big) - set(sharded) and n_workers > 0 else None
        own_senders = None
        try:
            with responsive_gil(), bulk_gc(), _progress(progress, total, len(files)) as advance:
                for path in files:
                    if n_workers > 0 and path in sharded:  # several processes parse and produce
                        if senders is None:
                            from streams.ingest.sources.sharded import ShardedSender  # noqa: PLC0415

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


def _start_pool(workers: int) -> Any:
    """Parser processes, forked: "spawn" would re-run a caller's unguarded ``__main__`` script.

    The children only run :func:`parse_chunk` (pure code over bytes); they never touch the Kafka
    client whose threads exist in the parent.
    """
    import multiprocessing  # noqa: PLC0415

    return multiprocessing.get_context("fork").Pool(workers)


class _progress:
    """A rich progress bar over bytes (or nothing when disabled); yields ``advance(n)``."""

    def __init__(self, enabled: bool, total: int, files: int) -> None:
        self.enabled, self.total, self.files = enabled, total, files
        self._bar = None
        self._task = None
        self._pending = 0

    def __enter__(self) -> Callable[[int], None]:
        if not self.enabled:
            return lambda n: None
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._bar = Progress(TextColumn("ingest"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                             TimeRemainingColumn(), TextColumn(f"{self.files} file(s)"), transient=False)
        self._bar.start()
        self._task = self._bar.add_task("ingest", total=self.total or None)
        return self._advance

    def _advance(self, n: int) -> None:
        self._pending += n
        if self._pending >= 256 * 1024:
            self._bar.update(self._task, advance=self._pending)  # type: ignore[union-attr]
            self._pending = 0

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=self._pending)  # type: ignore[arg-type]
            self._bar.stop()


# --- drop folder ------------------------------------------------------------------------------------


def _stable_files(folder: Path, min_age_s: float) -> list[Path]:
    """Files in the drop folder not written to for ``min_age_s`` (still-growing files wait)."""
    now = time.time()
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and _wanted(entry.name):
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


# --- stdin -------------------------------------------------------------------------------------------


def iter_stdin(stream: IO[bytes], max_bytes: int, origin: str = "stdin") -> Iterator[Item]:
    """JSON Lines (first non-blank byte ``{`` on several lines) or a single JSON object or one wire text."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)  # type: ignore[arg-type]
    kind = _sniff(buffered)
    if kind == "json_or_lines":
        yield from iter_json_or_lines(buffered, origin, max_bytes)
    elif kind == "json":
        yield from iter_json_document(buffered, origin, max_bytes)
    else:
        yield from iter_text(buffered, origin, max_bytes)


def ingest_stdin(settings: Settings, stream: IO[bytes] | None = None, *,
                 producer: RawProducer | None = None) -> IngestSummary:
    """Send what arrives on stdin (JSON Lines or one wire text) to ``articles.raw``."""
    own = producer is None
    prod = producer or RawProducer(settings, source_kind="stdin")
    send = ItemSender(prod)
    try:
        with responsive_gil():
            for item in iter_stdin(stream or sys.stdin.buffer, settings.max_article_bytes):
                send(item)
        prod.flush()
        return prod.summary
    finally:
        if own:
            prod.close()

