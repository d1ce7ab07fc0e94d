"""Ingest sources: files, drop folders, stdin, feeds and HTTP push, each a :class:`Source`.

Modules: :mod:`.reading` (files and streams → Items), :mod:`.sending` (Items → producer),
:mod:`.parallel` and :mod:`.sharded` (large JSON Lines files on several cores), and one module per
source: :mod:`.files`, :mod:`.dropfolder`, :mod:`.stdin`, :mod:`.feeds`, :mod:`.http_push`.
"""

from __future__ import annotations

from streams.ingest.sources.base import Source

__all__ = ["Source"]
