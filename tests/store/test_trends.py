"""The archive's trend reads (counts over time per entity / topic, busiest stories), on both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from streams.core.model import EnrichedArticle
from streams.store.archive import Archive
from tests.store.articles import sample_article, reuters_articles

DAY_END = datetime(2026, 1, 13, 18, 0, tzinfo=timezone.utc)
DAY_START = DAY_END - timedelta(days=1)


def _copy(ea: EnrichedArticle, article_id: str, when: str, *, cluster: str | None = None,
          source: str | None = None) -> EnrichedArticle:
    article = replace(ea.article, id=article_id, versioncreated=when, source=source or ea.article.source)
    dedupe = {**(ea.dedupe or {}), "cluster_id": cluster} if cluster else dict(ea.dedupe or {})
    return replace(ea, article=article, dedupe=dedupe)


def write_trend_articles(writer: Archive) -> None:
    """Three copies of the sample story in the day (10:05, 10:40 and 12:10), an unrelated Reuters story at
    11:30 and one copy of the sample the day before the period."""
    sample = sample_article()
    other = next(reuters_articles(1))
    writer.write([
        _copy(sample, "kallas-1", "2026-01-13T10:05:00Z", cluster="cluster-sample"),
        _copy(sample, "kallas-2", "2026-01-13T10:40:00Z", cluster="cluster-sample", source="MENAFN"),
        _copy(sample, "kallas-3", "2026-01-13T12:10:00Z", cluster="cluster-sample", source="Reuters"),
        _copy(other, "reuters-1", "2026-01-13T11:30:00Z"),
        _copy(sample, "kallas-old", "2026-01-11T10:00:00Z", cluster="cluster-old"),
    ])


def test_trend_counts_articles_per_bucket_for_the_busiest_entities_and_topics(archive: Archive) -> None:
    write_trend_articles(archive)
    series = archive.trend("entity", DAY_START, timedelta(hours=1), 24, top=50)
    kallas = next(s for s in series if s["name"] == "Kaja Kallas")
    hour = {h: i for i, h in enumerate(range(18, 42))}  # bucket of each hour after 18:00 the day before
    expected = [0] * 24
    expected[hour[34]], expected[hour[36]] = 2, 1  # 10:00-11:00 twice, 12:00-13:00 once (the 11th not counted)
    assert kallas["counts"] == expected and kallas["total"] == 3
    assert series[0]["total"] >= kallas["total"] and len(archive.trend("entity", DAY_START, timedelta(hours=1), 24)) == 6
    topics = archive.trend("topic", DAY_START, timedelta(hours=1), 24, top=50)
    conflict = next(s for s in topics if s["key"] == "medtop:16000000")
    assert conflict["name"] == "conflict, war and peace" and conflict["counts"] == expected
    economy = next(s for s in topics if s["key"] == "medtop:04000000")  # the Reuters story's topic
    assert economy["total"] == 1 and economy["counts"][hour[35]] == 1
    asked = archive.trend("topic", DAY_START, timedelta(hours=1), 24, names=["politics"])
    assert [(s["key"], s["total"]) for s in asked] == [("medtop:11000000", 3)]
    by_name = archive.trend("entity", DAY_START, timedelta(hours=1), 24, names=["kaja kallas"])
    assert [s["total"] for s in by_name] == [3]
    assert archive.trend("entity", DAY_START - timedelta(days=5), timedelta(hours=1), 24) == []


def test_busiest_stories_rank_clusters_by_their_articles_in_the_period(archive: Archive) -> None:
    write_trend_articles(archive)
    stories = archive.busiest_stories(DAY_START, DAY_END)
    assert [(s["story"], s["articles"], s["sources"]) for s in stories] == [("cluster-sample", 3, 3), ("reuters-1", 1, 1)]
    first = stories[0]
    assert first["id"] == "kallas-1" and first["headline"].startswith("Kallas: security guarantees")
    assert first["first"] == "2026-01-13T10:05:00Z" and first["last"] == "2026-01-13T12:10:00Z"
    assert archive.newest_published() == "2026-01-13T12:10:00Z"


