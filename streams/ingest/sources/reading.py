"""Reading input files and streams into items (:class:`Item`): an article ready to send, or why not.

Formats, by file name (``.gz`` is decompressed first, with a cap against gzip bombs):

- ``.txt``/``.text``/``.wire``: one wire text per file, ``body_text`` exactly as received;
- ``.json``: one ninjs (1.x/2.x) or article object, or an array of them;
- ``.jsonl``/``.ndjson``: JSON Lines, one article per line (also the ``../shared/corpus`` format);
- anything else is sniffed: ``{``/``[`` → JSON (or JSON Lines when it has several object lines),
  otherwise wire text.

Every bad item (undecodable, malformed JSON, empty, over the size limit) becomes an Item with its
error and original bytes, to be dead-lettered; reading goes on. Nothing here talks to Kafka.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

import orjson

from streams.core.errors import (
    ConfigError,
    DecodeError,
    StreamsError,
    TooLargeError,
    ValidationError,
)
from streams.core.model import Article
from streams.ingest.formats import (
    JSON_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    article_from_record,
    article_from_text,
    parse_json,
)
from streams.ingest.producer import DEAD_LETTER_MAX_ORIGINAL

TEXT_SUFFIXES = frozenset({".txt", ".text", ".wire"})
JSON_SUFFIXES = frozenset({".json", ".ninjs"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".jsonlines"})
#: files ending so are still being written (downloads, editors): skipped in folders
PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".swp")
#: a drop folder's processed files, and those that failed; never read again when a folder is expanded
DONE_DIR = "done"
FAILED_DIR = "failed"
READ_BUFFER = 4 * 1024 * 1024
#: a .gz member may decode to at most this many times the limit of one article (whole-file formats)
#: or this many bytes in total (JSON Lines) before it is called a bomb
MAX_DECOMPRESSED_TOTAL = 2 * 1024 * 1024 * 1024


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
        yield raw_line_item(where, line, too_large, max_bytes)


def raw_line_item(where: str, line: bytes, too_large: str | None, max_bytes: int) -> Item:
    """One :func:`iter_raw_lines` tuple → Item: a line over the limit is a TooLargeError item (its start kept)."""
    if too_large is not None:
        return _bad(TooLargeError(too_large), line, where, JSON_CONTENT_TYPE)
    return line_item(where, line, max_bytes)


def sniff(stream: IO[bytes]) -> str:
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
                kind = sniff(stream)
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
        on_bytes(file_size(path))


def file_size(path: Path) -> int:
    """Size of ``path`` in bytes; 0 if it cannot be read."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files named, and the files under folders named (sorted; hidden files, ``done/``, ``failed/`` skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in (DONE_DIR, FAILED_DIR))
                out.extend(Path(root) / f for f in sorted(files) if is_wanted(f))
        elif p.exists():
            out.append(p)
        else:
            raise ConfigError(f"{p}: no such file or folder")
    return out


def is_wanted(name: str) -> bool:
    """False for hidden files and files still being written (``.part``, ``.tmp``, ...)."""
    return not name.startswith(".") and not name.endswith(PARTIAL_SUFFIXES)
