"""stdin → articles on ``articles.raw``: :func:`ingest_stdin` and its :class:`StdinSource`."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from typing import IO, Callable, Iterator

from streams.core.settings import Settings
from streams.ingest.producer import IngestSummary, RawProducer, responsive_gil
from streams.ingest.sources.reading import Item, iter_json_document, iter_json_or_lines, iter_text, sniff
from streams.ingest.sources.sending import ItemSender


def iter_stdin(stream: IO[bytes], max_bytes: int, origin: str = "stdin") -> Iterator[Item]:
    """JSON Lines (first non-blank byte ``{`` on several lines) or a single JSON object or one wire text."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)  # type: ignore[arg-type]
    kind = sniff(buffered)
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


@dataclass(frozen=True)
class StdinSource:
    """stdin (or another byte stream) as a :class:`~streams.ingest.sources.base.Source`: :func:`ingest_stdin`.

    Finite: ``run`` returns at the end of the stream; it does not look at ``stop``.
    """

    settings: Settings
    stream: IO[bytes] | None = None  # None: this process's stdin

    def run(self, producer: RawProducer, stop: Callable[[], bool]) -> None:
        """Send what arrives on the stream through ``producer``."""
        ingest_stdin(self.settings, self.stream, producer=producer)
