"""Syndicated copies (one dedupe cluster) are one story in search and quote results, on both backends."""

from __future__ import annotations

import dataclasses
import json

import pytest

from streams.cli.main import main
from streams.core.model import EnrichedArticle
from streams.store.archive import Archive, SearchQuery
from streams.store.backends import open_archive
from tests.store.articles import SAMPLE_ID, corpus, sample_article


def _copy(article_id: str, versioncreated: str, source: str) -> EnrichedArticle:
    """The sample as another outlet syndicated it: same story cluster, its own id, date and source."""
    ea = sample_article(versioncreated=versioncreated)
    ea.article = dataclasses.replace(ea.article, id=article_id, source=source)
    ea.dedupe = {**ea.dedupe, "duplicate_of": SAMPLE_ID}
    return ea


def _stories(archive: Archive) -> tuple[EnrichedArticle, list[EnrichedArticle]]:
    original = sample_article()
    copies = [_copy("copy-1", "2026-01-13T11:00:00Z", "Kyiv Post"), _copy("copy-2", "2026-01-13T12:00:00Z", "UNN")]
    others = [a for a in corpus(30) if a.id != SAMPLE_ID]
    archive.write([original, *copies, *others])
    return original, others


def test_a_search_lists_each_story_once_with_its_copies(archive: Archive) -> None:
    _stories(archive)
    for query in (SearchQuery(text="security guarantees", limit=100), SearchQuery(speaker="Kallas"),
                  SearchQuery(entity="Kaja Kallas")):
        page = archive.search(query)
        story = [r for r in page.results if r["cluster_id"] == "cluster-sample"]
        assert len(story) == 1 and story[0]["copies"] == 3, (query, story)
        assert page.total == len(page.results) or page.total > query.limit
        every = archive.search(dataclasses.replace(query, all_copies=True))
        assert {r["id"] for r in every.results if r["cluster_id"] == "cluster-sample"} == \
            {SAMPLE_ID, "copy-1", "copy-2"}
        assert every.total == page.total + 2
    newest = archive.search(SearchQuery(speaker="Kallas")).results[0]
    assert newest["id"] == "copy-2" and newest["headline"].startswith("Kallas")  # the newest copy stands for it


def test_copies_count_only_the_copies_that_match(archive: Archive) -> None:
    _stories(archive)
    [row] = archive.search(SearchQuery(source="UNN")).results
    assert row["id"] == "copy-2" and row["copies"] == 1


def test_paging_over_stories_shows_each_story_once(archive: Archive) -> None:
    _, others = _stories(archive)
    first = archive.search(SearchQuery(limit=500))
    pages = [archive.search(SearchQuery(limit=4, offset=o)).results for o in range(0, first.total, 4)]
    ids = [r["id"] for p in pages for r in p]
    assert ids == [r["id"] for r in first.results] and len(ids) == len(set(ids)) == first.total
    stories = {ea.dedupe.get("cluster_id") or ea.id for ea in others} | {"cluster-sample"}
    assert first.total == len(stories) and sum(r["copies"] for r in first.results) == len(others) + 3


def test_quotes_of_syndicated_copies_are_listed_once(archive: Archive) -> None:
    original, _ = _stories(archive)
    n = len([q for q in original.quotes if q.get("speaker") == "Kaja Kallas"])
    page = archive.quotes("Kallas", limit=500)
    assert page.total == len(page.results) == n  # not 3 x n
    assert {q["article_id"] for q in page.results} == {"copy-2"} and {q["copies"] for q in page.results} == {3}
    assert archive.quotes("Kallas", limit=500, all_copies=True).total == 3 * n
    assert archive.quotes(article_id="copy-1", limit=500).total == len(original.quotes)


def test_a_cluster_lists_every_copy(archive: Archive) -> None:
    _stories(archive)
    assert {r["id"] for r in archive.cluster("cluster-sample").results} == {SAMPLE_ID, "copy-1", "copy-2"}


def test_streams_search_collapses_copies_and_shows_every_one_on_request(database_url: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with open_archive(database_url) as archive:
        original, _ = _stories(archive)
    n = len([q for q in original.quotes if q.get("speaker") == "Kaja Kallas"])
    args = ["search", "--speaker", "Kallas", "--database-url", database_url]
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "1 articles" in table and "+2 copies" in table and "--all-copies lists them" in table
    assert "Kyiv Post" not in table
    assert main([*args, "--all-copies"]) == 0
    table = capsys.readouterr().out
    assert "3 articles" in table and "Kyiv Post" in table and "+2 copies" not in table and "--all-copies" not in table
    assert main([*args, "--quotes", "--limit", "500", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == n
    assert main([*args, "--quotes", "--limit", "500", "--format", "json", "--all-copies"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 3 * n


def _reference(archive: Archive, query: SearchQuery) -> list[tuple[str, int]]:
    """(id, copies) of a collapsed newest-first page, worked out from every matching copy."""
    every = archive.search(dataclasses.replace(query, all_copies=True, limit=500, offset=0)).results
    every.sort(key=lambda r: r["id"])
    every.sort(key=lambda r: r["published_at"], reverse=True)  # newest first, then id: the search's order
    first: dict[str, str] = {}
    copies: dict[str, int] = {}
    for r in every:
        story = r["cluster_id"] or r["id"]
        first.setdefault(story, r["id"])
        copies[story] = copies.get(story, 0) + 1
    return [(i, copies[s]) for s, i in first.items()][query.offset:query.offset + query.limit]


def test_newest_first_pages_read_from_the_newest_matches_agree_with_every_match(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stories(archive)
    archive.write([_copy(f"late-{n}", f"2026-01-14T0{n}:00:00Z", "UNN") for n in range(4)])  # 4 newest: one story
    monkeypatch.setattr("streams.store.stories.PREFIX_ROWS", 0)  # the first read is short: it must grow
    for broad in (0, 10**6):  # every filter walked along the publication time / every filter's matches sorted
        monkeypatch.setattr("streams.store.stories.BROAD", broad)
        for query in (SearchQuery(limit=1), SearchQuery(limit=3, offset=1), SearchQuery(limit=7, offset=5),
                      SearchQuery(source="UNN", limit=2), SearchQuery(speaker="Kallas", limit=1, offset=0),
                      SearchQuery(source="Reuters", limit=4, offset=2), SearchQuery(limit=5, offset=500)):
            got = [(r["id"], r["copies"]) for r in archive.search(query).results]
            assert got == _reference(archive, query), (broad, query)
    assert archive.search(SearchQuery(limit=1)).results[0]["copies"] == 7  # the sample, 2 copies and 4 late ones
