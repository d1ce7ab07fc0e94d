"""The read-only JSON API over a real archive on both backends (HTTP on 127.0.0.1)."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from streams.store.api import ArchiveServer
from streams.store.backends import open_archive
from tests.store.articles import SAMPLE_ID, corpus


@pytest.fixture()
def api(database_url: str) -> Iterator[httpx.Client]:
    with open_archive(database_url) as writer:
        writer.write(corpus(60))
    with open_archive(database_url, read_only=True) as archive:
        server = ArchiveServer(archive, "127.0.0.1", 0).start()
        try:
            with httpx.Client(base_url=server.url, timeout=10) as client:
                yield client
        finally:
            server.stop()


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


def test_paging_walks_every_result_once(api: httpx.Client) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = api.get("/articles", params={"limit": 25, "offset": offset}).json()
        seen += [a["id"] for a in page["results"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == 60


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
