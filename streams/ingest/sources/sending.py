"""Sending items (:class:`~streams.ingest.sources.reading.Item`) through a :class:`RawProducer`.

Items travel in the form :func:`prepare` gives them (serialized article or ready dead letter), which is
also what parser processes hand back (:mod:`.parallel`, :mod:`.sharded`); :class:`ItemSender`
sends it, skipping duplicates; :class:`ByteProgress` is the progress bar over bytes read.
"""

from __future__ import annotations

from typing import Callable


from streams.core import metrics
from streams.core.model import DeadLetter
from streams.ingest.producer import RawProducer
from streams.ingest.sources.reading import Item

#: what a worker returns per line: ("ok", id, value, content type, origin) or ("bad", DeadLetter)
Prepared = tuple


def prepare(item: Item) -> Prepared:
    """An Item in the form a worker can hand back: serialized article, or a ready dead letter."""
    if item.article is not None:
        return ("ok", item.article.id, item.article.to_wire(), item.content_type, item.origin)
    assert item.error is not None
    return ("bad", DeadLetter.from_error("ingest", item.error, item.original, origin=item.origin))


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


class ByteProgress:
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
