"""The archive: the storage consumer of ``articles.enriched`` and its search (SQLite or PostgreSQL).

Python API (used by ``streams up``)::

    from streams.store import StoreConsumer, open_archive, SearchQuery
    StoreConsumer(settings).run(until_idle=5.0, stop_event=event)
    with open_archive(settings.database_url) as archive:
        archive.search(SearchQuery(text="security guarantees", entity="Kaja Kallas")), archive.count()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streams.store.archive import Archive, Page, SearchQuery, WriteResult
from streams.store.backends import backend_of, open_archive

if TYPE_CHECKING:
    from streams.store.consumer import StoreConsumer

__all__ = ["Archive", "Page", "SearchQuery", "StoreConsumer", "WriteResult", "backend_of", "open_archive"]


def __getattr__(name: str) -> Any:
    # the consumer pulls in kafka-python; load it only when asked for
    if name == "StoreConsumer":
        from streams.store.consumer import StoreConsumer

        return StoreConsumer
    raise AttributeError(name)
