"""What every ingest source is: something run with a producer until its input ends or it is stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Protocol, runtime_checkable

if TYPE_CHECKING:
    from streams.ingest.producer import RawProducer


@runtime_checkable
class Source(Protocol):
    """An input of articles for ``articles.raw``.

    :meth:`run` reads the input and sends each article through ``producer`` (bad items become dead
    letters; counts go to ``producer.summary``) until the input ends or ``stop()`` returns True.
    Finite sources (files, stdin) return when their input ends and need not look at ``stop``;
    unbounded ones (drop folder, followed feeds, HTTP push) run until ``stop()`` is True. The
    caller owns the producer: it flushes and closes it after ``run`` returns.

    The sources, each a thin adapter over the module's own functions:
    :class:`~streams.ingest.sources.files.FileSource`,
    :class:`~streams.ingest.sources.stdin.StdinSource`,
    :class:`~streams.ingest.sources.dropfolder.DropFolderSource`,
    :class:`~streams.ingest.sources.feeds.FeedSource`,
    :class:`~streams.ingest.sources.http_push.HttpPushSource`.
    """

    def run(self, producer: RawProducer, stop: Callable[[], bool]) -> None:
        """Send the input through ``producer`` until it ends or ``stop()`` returns True."""
        ...
