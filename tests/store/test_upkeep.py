"""The archive's query-planner statistics: refreshed by the store at start, as the archive grows and
at the end (upkeep.py); SQLite's sqlite_stat1 is filled, bounded by PRAGMA analysis_limit."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from streams.core.settings import load_settings
from streams.kafka.loop import Batch
from streams.store.archive import Archive, SearchQuery
from streams.store.backends import open_archive
from streams.store.consumer import StoreConsumer
from streams.store.upkeep import StatisticsSchedule
from tests.store.articles import corpus


def _stat_rows(archive: Archive) -> dict[str, str]:
    return {f"{t}.{i}": stat for t, i, stat in archive._execute("SELECT tbl, idx, stat FROM sqlite_stat1")}


def test_the_schedule_refreshes_as_the_archive_doubles_and_hourly() -> None:
    now = [0.0]
    schedule = StatisticsSchedule(lambda: now[0], min_writes=100, every_s=3600)
    assert not schedule.due()
    schedule.wrote(99)
    assert not schedule.due()
    schedule.wrote(1)
    assert schedule.due()  # an empty archive got its first 100
    schedule.refreshed(100)
    schedule.wrote(99)
    assert not schedule.due()
    schedule.wrote(1)
    assert schedule.due()  # doubled
    schedule.refreshed(10_000)
    schedule.wrote(500)
    now[0] = 3599.0
    assert not schedule.due()
    now[0] = 3600.0
    assert schedule.due()  # an hour with new articles
    schedule.refreshed(10_500)
    now[0] = 9000.0
    assert not schedule.due()  # nothing new: nothing to learn


def test_refresh_fills_sqlite_stat1_and_serve_plans_with_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    with open_archive(url) as archive:
        archive.write(corpus(60))
        assert not archive._execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert archive.refresh_statistics()
        stats = _stat_rows(archive)
        assert stats["articles.articles_source"].split()[0] == "60"  # rows in the table, then rows per value
        assert {"articles.articles_published", "entities.entities_name", "quotes.quotes_speaker"} <= set(stats)
        with open_archive(url, read_only=True) as reader:
            assert not reader.refresh_statistics()  # a reader never writes
            assert reader.search(SearchQuery(source="Reuters")).total > 0


def test_the_store_leaves_statistics_after_it_ran(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    with open_archive(url) as archive:
        consumer = StoreConsumer(load_settings(database_url=url), archive=archive)
        consumer.statistics.min_writes = 10
        consumer.open()  # at start: an empty archive, no article to count yet
        assert "articles.articles_source" not in _stat_rows(archive)
        records = [SimpleNamespace(value=ea.to_json(), topic="t", partition=0, offset=i, key=None, headers=[])
                   for i, ea in enumerate(corpus(40))]
        result = consumer.handle(Batch(records=records, stage="store", stop=threading.Event()))
        assert result.on_done is not None
        result.on_done()  # after the commit: 40 articles into an empty archive, due
        assert _stat_rows(archive)["articles.articles_source"].split()[0] == "40"
        assert consumer.statistics.size == 40 and consumer.statistics.written == 0
        more = [SimpleNamespace(value=ea.to_json(), topic="t", partition=0, offset=40 + i, key=None, headers=[])
                for i, ea in enumerate(corpus(60)[40:])]
        consumer.handle(Batch(records=more, stage="store", stop=threading.Event())).on_done()
        assert consumer.statistics.written == 20  # 40 -> 60: not doubled yet
        consumer.close()  # at the end: what arrived since the last refresh
        assert _stat_rows(archive)["articles.articles_source"].split()[0] == "60"
