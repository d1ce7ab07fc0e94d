"""The Trends page over HTTP, on a real SQLite archive written by Archive.write."""

from __future__ import annotations

import re

import httpx

from streams.store.archive import Archive
from tests.store.test_trends import write_trend_articles


def test_trends_page_charts_the_period_and_links_to_search(writer: Archive, client: httpx.Client) -> None:
    write_trend_articles(writer)
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
