"""The read-only JSON API over a real archive on both backends (HTTP on 127.0.0.1)."""

from __future__ import annotations

import threading
from typing import Iterator

import httpx
import pytest

from streams.web.server import ConsoleServer as ArchiveServer
from streams.store.archive import Archive
from streams.store.backends import open_archive
from tests.store.articles import SAMPLE_ID, corpus


@pytest.fixture()
def served(database_url: str) -> Iterator[tuple[httpx.Client, Archive]]:
    """A client of the API over a read-only archive of 60 articles, and that archive."""
    with open_archive(database_url) as writer:
        writer.write(corpus(60))
    with open_archive(database_url, read_only=True) as archive:
        server = ArchiveServer(archive, "127.0.0.1", 0).start()
        try:
            with httpx.Client(base_url=server.url, timeout=10) as client:
                yield client, archive
        finally:
            server.stop()


@pytest.fixture()
def api(served: tuple[httpx.Client, Archive]) -> httpx.Client:
    return served[0]


def test_search_endpoints(api: httpx.Client) -> None:
    r = api.get("/articles", params={"q": "security guarantees", "entity": "Kaja Kallas", "speaker": "kaja kallas",
                                     "topic": "medtop:16000000", "source": "Ukrinform", "since": "2026-01-01"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["total"] == 1 and body["results"][0]["id"] == SAMPLE_ID and body["next_offset"] is None
    doc = api.get(f"/articles/{SAMPLE_ID}").json()
    assert doc["id"] == SAMPLE_ID and doc["article"]["source"] == "Ukrinform" and len(doc["quotes"]) == 13
    quotes = api.get("/quotes", params={"speaker": "Kaja Kallas", "limit": 4}).json()
    assert quotes["total"] == 13 and len(quotes["results"]) == 4 and quotes["next_offset"] == 4
    assert all(q["speaker"] == "Kaja Kallas" for q in quotes["results"])
    cluster = api.get("/clusters/cluster-sample").json()
    assert [a["id"] for a in cluster["results"]] == [SAMPLE_ID]
    health = api.get("/health").json()
    assert health["status"] == "ok" and health["articles"] == 60 and health["schema_version"] >= 1


def _walk(api: httpx.Client, **params: str) -> list[dict]:
    seen: list[dict] = []
    offset: int | None = 0
    while offset is not None:
        page = api.get("/articles", params={"limit": 25, "offset": offset, **params}).json()
        seen += page["results"]
        offset = page["next_offset"]
    return seen


def test_paging_walks_every_result_once(api: httpx.Client) -> None:
    every = [a["id"] for a in _walk(api, all_copies="true")]
    assert len(every) == len(set(every)) == 60
    stories = _walk(api)  # syndicated copies: one row per story, with its number of copies
    assert len({a["id"] for a in stories}) == len(stories) == len({a["cluster_id"] or a["id"] for a in stories})
    assert sum(a["copies"] for a in stories) == 60 and any(a["copies"] > 1 for a in stories)
    assert api.get("/articles", params={"all_copies": "perhaps"}).status_code == 400


def test_errors_are_clear_json(api: httpx.Client) -> None:
    assert api.get("/articles/no-such-id").status_code == 404
    assert api.get("/nowhere").status_code == 404
    bad = api.get("/articles", params={"limit": "many"})
    assert bad.status_code == 400 and "limit" in bad.json()["error"]
    assert api.get("/articles", params={"limit": 100000}).status_code == 400
    assert api.get("/articles", params={"since": "last tuesday"}).status_code == 400
    unknown = api.get("/articles", params={"author": "x"})
    assert unknown.status_code == 400 and "author" in unknown.json()["error"]
    assert api.get("/articles", params={"q": 'NEAR("(*'}).status_code == 200
    refused = api.post("/articles", json={"id": "x"})
    assert refused.status_code == 405 and refused.headers["allow"] == "GET"
    assert api.delete(f"/articles/{SAMPLE_ID}").status_code == 405
    assert api.get("/health").json()["articles"] == 60


@pytest.mark.parametrize("endpoint", ["/articles", "/quotes", "/clusters/cluster-sample"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("offset", "99999999999999999999"),  # past 64 bits: SQLite raised OverflowError, the connection dropped
        ("offset", "1000000001"),
        ("offset", "-1"),
        ("offset", "1e3"),
        ("offset", " 5"),
        ("offset", "1_0"),
        ("limit", "0"),
        ("limit", "501"),
        ("limit", "9" * 5000),  # longer than int() converts
    ],
)
def test_paging_parameters_out_of_range_get_400(api: httpx.Client, endpoint: str, name: str, value: str) -> None:
    r = api.get(endpoint, params={name: value})
    assert r.status_code == 400, r.text
    assert r.json()["error"].startswith(f"{name} must be a whole number from ")


def test_the_largest_offset_is_an_empty_page(api: httpx.Client) -> None:
    for endpoint in ("/articles", "/quotes", "/clusters/cluster-sample"):
        page = api.get(endpoint, params={"offset": 1_000_000_000}).json()
        assert page["results"] == [] and page["next_offset"] is None and page["offset"] == 1_000_000_000


def test_a_search_too_long_or_with_too_many_words_is_refused(api: httpx.Client) -> None:
    words = api.get("/articles", params={"q": " ".join(["security"] * 33)})
    assert words.status_code == 400 and words.json()["error"] == "q: has 33 words; at most 32 are searched, use fewer"
    long = api.get("/articles", params={"q": "guarantees" + "s" * 991})
    assert long.status_code == 400 and "at most 1000 characters" in long.json()["error"]
    fine = api.get("/articles", params={"q": " ".join(["security"] * 31 + ["guarantees"])})
    assert fine.status_code == 200 and fine.json()["total"] >= 1


def test_health_does_not_wait_behind_a_search(served: tuple[httpx.Client, Archive]) -> None:
    api, archive = served
    holding, release = threading.Event(), threading.Event()

    def long_search() -> None:  # what a costly search does: hold the archive's lock while it runs
        with archive._lock:
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=long_search, daemon=True)
    thread.start()
    try:
        assert holding.wait(10)
        health = api.get("/health", timeout=5)
        assert health.status_code == 200 and health.json()["articles"] == 60
        assert health.json()["schema_version"] == archive.schema_version
        with pytest.raises(httpx.ReadTimeout):  # a search does wait: the lock above is the real one
            api.get("/articles", timeout=1)
    finally:
        release.set()
        thread.join(10)


def test_an_article_as_ninjs(api: httpx.Client) -> None:
    from streams.core.model import EnrichedArticle  # noqa: PLC0415

    contract = api.get(f"/articles/{SAMPLE_ID}").json()
    doc = api.get(f"/articles/{SAMPLE_ID}", params={"format": "ninjs"}).json()
    assert doc["streams"]["article"]["id"] == SAMPLE_ID and doc["bodies"][0]["value"] == contract["article"]["body_text"]
    assert {"name": "Ukrinform", "role": "originator"} in doc["infosources"]
    assert EnrichedArticle.from_dict(doc).to_dict() == EnrichedArticle.from_dict(contract).to_dict()
    bad = api.get(f"/articles/{SAMPLE_ID}", params={"format": "xml"})
    assert bad.status_code == 400 and "format must be contract or ninjs" in bad.json()["error"]
