"""The Trends page and the archive's trend reads, on a real SQLite archive written by Archive.write."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx

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


def _archive(writer: Archive) -> None:
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


def test_trend_counts_articles_per_bucket_for_the_busiest_entities_and_topics(writer: Archive) -> None:
    _archive(writer)
    series = writer.trend("entity", DAY_START, timedelta(hours=1), 24, top=50)
    kallas = next(s for s in series if s["name"] == "Kaja Kallas")
    hour = {h: i for i, h in enumerate(range(18, 42))}  # bucket of each hour after 18:00 the day before
    expected = [0] * 24
    expected[hour[34]], expected[hour[36]] = 2, 1  # 10:00-11:00 twice, 12:00-13:00 once (the 11th not counted)
    assert kallas["counts"] == expected and kallas["total"] == 3
    assert series[0]["total"] >= kallas["total"] and len(writer.trend("entity", DAY_START, timedelta(hours=1), 24)) == 6
    topics = writer.trend("topic", DAY_START, timedelta(hours=1), 24, top=50)
    conflict = next(s for s in topics if s["key"] == "medtop:16000000")
    assert conflict["name"] == "conflict, war and peace" and conflict["counts"] == expected
    economy = next(s for s in topics if s["key"] == "medtop:04000000")  # the Reuters story's topic
    assert economy["total"] == 1 and economy["counts"][hour[35]] == 1
    asked = writer.trend("topic", DAY_START, timedelta(hours=1), 24, names=["politics"])
    assert [(s["key"], s["total"]) for s in asked] == [("medtop:11000000", 3)]
    by_name = writer.trend("entity", DAY_START, timedelta(hours=1), 24, names=["kaja kallas"])
    assert [s["total"] for s in by_name] == [3]
    assert writer.trend("entity", DAY_START - timedelta(days=5), timedelta(hours=1), 24) == []


def test_busiest_stories_rank_clusters_by_their_articles_in_the_period(writer: Archive) -> None:
    _archive(writer)
    stories = writer.busiest_stories(DAY_START, DAY_END)
    assert [(s["story"], s["articles"], s["sources"]) for s in stories] == [("cluster-sample", 3, 3), ("reuters-1", 1, 1)]
    first = stories[0]
    assert first["id"] == "kallas-1" and first["headline"].startswith("Kallas: security guarantees")
    assert first["first"] == "2026-01-13T10:05:00Z" and first["last"] == "2026-01-13T12:10:00Z"
    assert writer.newest_published() == "2026-01-13T12:10:00Z"


def test_trends_page_charts_the_period_and_links_to_search(writer: Archive, client: httpx.Client) -> None:
    _archive(writer)
    page = client.get("/console/trends", params={"period": "day", "until": "2026-01-13T18:00"})
    assert page.status_code == 200, page.text[:300]
    row = re.search(r'<tr data-key="kaja kallas">(.*?)</tr>', page.text, re.S).group(1)
    assert ">3</td>" in row and "<svg" in row
    assert "<title>2 articles, 13 Jan 10:00 to 13 Jan 11:00 UTC</title>" in row
    assert len(re.findall(r"<rect ", row)) == 24
    assert 'href="/console/search?entity=Kaja+Kallas&amp;since=2026-01-12T18%3A00%3A00%2B00%3A00' in row
    stories = re.search(r'<ol class="stories" id="stories">(.*?)</ol>', page.text, re.S).group(1)
    assert stories.index("Kallas: security guarantees") < stories.index("/console/article/reuters-1")
    assert "3 articles</a> from 3 sources" in stories
    week = client.get("/console/trends", params={"period": "week", "until": "2026-01-13T18:00"}).text
    assert len(re.findall(r"<rect ", re.search(r'data-key="kaja kallas">(.*?)</tr>', week, re.S).group(1))) == 28
    only = client.get("/console/trends", params={"until": "2026-01-13T18:00", "topic": "politics"}).text
    assert re.findall(r'<tr data-key="(medtop:[0-9]+)">', only) == ["medtop:11000000"]
    now = client.get("/console/trends").text  # nothing published in the last day: a link to the newest
    assert 'id="empty-period"' in now and "until=2026-01-13T12%3A10%3A00Z" in now
    assert client.get("/console/trends", params={"period": "year"}).status_code == 400
    assert client.get("/console/trends", params={"until": "yesterday"}).status_code == 400
