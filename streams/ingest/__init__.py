"""Ingestion: producers from files, drop folders, stdin, feeds and HTTP push into ``articles.raw``.

Python API used by other commands (e.g. ``streams up``):

- :func:`ingest_paths` — send files/folders, wait for the broker's acks, get an :class:`IngestSummary`;
- :func:`watch_folder` — follow a drop folder;
- :class:`RawProducer` — the never-drop producer (acks=all, idempotent, zstd).
"""

from __future__ import annotations

from streams.ingest.producer import IngestSummary, RawProducer
from streams.ingest.sources.dropfolder import watch_folder
from streams.ingest.sources.files import ingest_paths
from streams.ingest.sources.stdin import ingest_stdin

__all__ = ["IngestSummary", "RawProducer", "ingest_paths", "ingest_stdin", "watch_folder"]
