"""Bounded full-text ranking (ranking.py) on both backends: a broad search ranks its newest matches
only, and says so; a selective one is ranked exactly, every match."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from streams.core.errors import ValidationError
from streams.core.model import Article, EnrichedArticle
from streams.store.archive import Archive, SearchQuery
from streams.web.api import page_body

START = datetime(2026, 1, 13, 12, tzinfo=timezone.utc)


def _article(n: int, body: str, *, source: str = "Wire") -> EnrichedArticle:
    """Article ``n``, published ``n`` hours before START (a larger n is older), no cluster of its own."""
    when = (START - timedelta(hours=n)).isoformat().replace("+00:00", "Z")
    article = Article(id=f"rank-{n:02d}", body_text=body, headline=f"Report {n}", language="en",
                      versioncreated=when, source=source, version=1)
    return EnrichedArticle(article=article, language="en", entities=[], quotes=[], topics=[], keywords=[], dedupe={})


def _harbour_archive(archive: Archive) -> list[EnrichedArticle]:
    """30 articles naming the harbour once; the oldest one names it in every sentence (the best match
    overall); five more never name it."""
    articles = [_article(n, f"Ships waited outside the harbour on day {n}. Cranes were idle and trade slowed.")
                for n in range(29)]
    articles.append(_article(29, "The harbour reopened. The harbour master said the harbour was clear. "
                                 "Harbour fees fell and the harbour filled.", source="Old Gazette"))
    articles += [_article(30 + n, f"Farmers sold wheat on day {n}.") for n in range(5)]
    for ea in reversed(articles):  # stored as a wire delivers them, oldest first: "newest" is the same on
        archive.write([ea])  # both backends (SQLite: most recently stored, PostgreSQL: most recently published)
    return articles


def test_a_broad_search_ranks_only_its_newest_matches_and_says_so(archive: Archive) -> None:
    _harbour_archive(archive)
    every = archive.search(SearchQuery(text="harbour", rank_limit=None, limit=50))
    assert every.total == 30 and every.ranked is None and every.results[0]["id"] == "rank-29"  # best overall
    page = archive.search(SearchQuery(text="harbour", rank_limit=10, limit=4))
    assert page.ranked == 10 and page.total == 10  # the results are those of the newest 10 matches
    listed = [r["id"] for o in range(0, page.total, 4)
              for r in archive.search(SearchQuery(text="harbour", rank_limit=10, limit=4, offset=o)).results]
    assert sorted(listed) == [f"rank-{n:02d}" for n in range(10)]  # each once, none older
    scores = [r["score"] for r in archive.search(SearchQuery(text="harbour", rank_limit=10, limit=10)).results]
    assert scores == sorted(scores, reverse=True) and all(r["snippet"] for r in page.results)
    body = page_body(archive.search(SearchQuery(text="harbour", rank_limit=10, limit=4, offset=8)))
    assert body["next_offset"] is None and body["ranked"] == 10  # paging ends where the ranked results do


def test_a_selective_search_is_ranked_exactly(archive: Archive) -> None:
    _harbour_archive(archive)
    exact = archive.search(SearchQuery(text="harbour", rank_limit=None, limit=50))
    bounded = archive.search(SearchQuery(text="harbour", rank_limit=30, limit=50))  # 30 matches: all ranked
    assert bounded.ranked is None and bounded.results == exact.results
    # the bound applies to the whole search, not to its words alone: an old match of a narrow filter is found
    narrow = archive.search(SearchQuery(text="harbour", source="Old Gazette", rank_limit=3))
    assert narrow.ranked is None and [r["id"] for r in narrow.results] == ["rank-29"]
    # and a time range makes a broad search selective again
    older = archive.search(SearchQuery(text="harbour", until=START - timedelta(hours=26), rank_limit=10))
    assert older.ranked is None and older.results[0]["id"] == "rank-29" and older.total == 3


def test_rank_limit_is_validated() -> None:
    with pytest.raises(ValidationError, match="at least 1"):
        SearchQuery(text="harbour", rank_limit=0)
    assert dataclasses.replace(SearchQuery(text="x"), rank_limit=None).rank_limit is None
