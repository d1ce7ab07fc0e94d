"""The console's pages and event stream over HTTP (127.0.0.1), on a real SQLite archive."""

from __future__ import annotations

import re
import threading
import time

import httpx
import orjson
import pytest

from streams.store.archive import Archive, SearchQuery
from streams.web.server import ConsoleServer
from tests.store.articles import SAMPLE_ID, corpus
from tests.web.articles import HOSTILE_ID, hostile_article, sample_with_noise

PAGES = ["/console/", "/console/article/{id}", "/console/search?q=Markets", "/console/speaker?name={speaker}"]


def test_every_page_answers_html_with_the_security_headers(writer: Archive, client: httpx.Client) -> None:
    writer.write(corpus(30))
    for path in ("/console/", f"/console/article/{SAMPLE_ID}", "/console/search?speaker=Kaja+Kallas",
                 "/console/speaker?name=Kaja+Kallas"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert r.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert re.search(r"<h1[ >]", r.text) and '<main id="main"' in r.text
    assert client.get("/console/article/no-such-id").status_code == 404
    assert client.get("/console/speaker").status_code == 400
    refused = client.get("/console/search", params={"q": " ".join(["w"] * 33)})
    assert refused.status_code == 400 and "at most 32 are searched" in refused.text


def test_search_page_filters_pages_and_counts_facets(writer: Archive, client: httpx.Client) -> None:
    writer.write(corpus(60))
    page = client.get("/console/search", params={"speaker": "Kaja Kallas"}).text
    assert f'data-id="{SAMPLE_ID}"' in page and "1 result" in page
    speakers = re.search(r'data-facet="speaker">(.*?)</ul>', page, re.S).group(1)
    assert re.search(r"Kaja Kallas</a> <span class=\"count\">1<", speakers)
    everything = client.get("/console/search").text
    stories = writer.search(SearchQuery(limit=1)).total  # syndicated copies are one result
    assert 20 < stories < 60 and f"{stories} results" in everything and len(re.findall(r'<article class="item"', everything)) == 20
    more = re.search(r'rel="next" href="([^"]+)"', everything).group(1)
    assert "offset=20" in more
    second = client.get(more.replace("&amp;", "&")).text
    first_ids = set(re.findall(r'data-id="([^"]+)"', everything))
    assert first_ids.isdisjoint(re.findall(r'data-id="([^"]+)"', second))
    # a facet link keeps the query and adds its filter (the URL holds the whole search)
    topic = client.get("/console/search", params={"q": "security"}).text
    link = re.search(r'data-facet="topic">\s*<li><a href="([^"]+)"', topic).group(1).replace("&amp;", "&")
    assert "q=security" in link and "topic=medtop" in link


def test_the_article_page_shows_topics_cluster_quotes_and_raw_json_link(writer: Archive, client: httpx.Client) -> None:
    writer.write([sample_with_noise()])
    page = client.get(f"/console/article/{SAMPLE_ID}").text
    assert "conflict, war and peace" in page and "medtop:16000000" in page and "0.91" in page
    assert f'href="/articles/{SAMPLE_ID}"' in page and "cluster-sample" in page
    assert len(re.findall(r'<li class="quote-item"', page)) == 13
    assert len(re.findall(r'class="speaker-link" href="/console/speaker\?name=Kaja\+Kallas"', page)) == 13
    assert client.get(f"/articles/{SAMPLE_ID}").json()["id"] == SAMPLE_ID


def test_hostile_article_is_text_on_every_page(writer: Archive, client: httpx.Client) -> None:
    ea = hostile_article()
    writer.write([ea])
    speaker = ea.quotes[0]["speaker"]
    for path in ("/console/", f"/console/article/{HOSTILE_ID}", "/console/search?q=minister",
                 "/console/search?speaker=Mallory", "/console/speaker?" + httpx.QueryParams(name=speaker).__str__(),
                 "/console/trends?until=2026-01-14T12:00"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert HOSTILE_ID in r.text or "hostile-&lt;script&gt;-1" in r.text or "hostile-%3Cscript%3E-1" in r.text
        tags = re.findall(r"<[a-zA-Z][^>]*>", r.text)  # escaped text has no raw "<": these are real tags
        tags = [t for t in tags if not t.startswith('<svg class="spark"')]  # the trends page's own charts
        names = {re.match(r"<([a-zA-Z0-9]+)", t).group(1).lower() for t in tags}
        assert not names & {"img", "svg", "b", "textarea", "iframe"}, (path, names)
        assert [t for t in tags if t.startswith("<script")] in ([], ['<script src="/console/static/live.js">'])
        for tag in tags:
            assert not re.search(r"\son[a-z]+\s*=", re.sub(r'"[^"]*"', '""', tag)), (path, tag)
        hrefs = re.findall(r'href="([^"]*)"', r.text)
        assert hrefs and all(h.startswith("/") or h.startswith("#") for h in hrefs), (path, hrefs)
        assert "&lt;script&gt;window.__pwned" in r.text  # shown, as text


def test_the_event_stream_pushes_an_article_stored_after_connecting(writer: Archive, console: ConsoleServer) -> None:
    writer.write(corpus(5)[1:])
    events: list[dict] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.Client(base_url=console.url, timeout=20) as c, c.stream("GET", "/console/live/events") as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            kind = None
            for line in r.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                    ready.set() if kind == "ready" else None
                elif line.startswith("data: ") and kind == "article":
                    events.append(orjson.loads(line[6:]))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10)
    writer.write([sample_with_noise()])
    thread.join(15)
    assert [e["id"] for e in events] == [SAMPLE_ID]
    event = events[0]
    assert event["source"] == "Ukrinform" and {"name": "Kaja Kallas", "quotes": 13} in event["speakers"]
    assert "Kaja Kallas" in [e["name"] for e in event["entities"]] and event["topics"][0]["score"] == 0.91


def test_openapi_describes_the_json_api(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/articles", "/articles/{article_id}", "/quotes", "/clusters/{cluster_id}", "/health"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/articles"]["get"]["parameters"]}
    assert {"q", "entity", "speaker", "topic", "source", "since", "until", "limit", "offset"} <= names
    assert not any(p.startswith("/console") for p in spec["paths"])
    assert all(set(ops) == {"get"} for ops in spec["paths"].values())  # read-only: no write endpoint
    start = time.monotonic()
    assert client.post("/console/search").status_code == 405 and time.monotonic() - start < 5


def test_people_page_ranks_who_is_quoted_most_in_the_period(writer: Archive, client: httpx.Client) -> None:
    writer.write(corpus(40))
    page = client.get("/console/people", params={"window": "hour"}).text
    rows = re.findall(r'<tr><td><a href="([^"]+)">([^<]+)</a></td><td>(\d+)</td><td>(\d+)</td></tr>', page)
    assert rows[0][1:] == ("Kaja Kallas", "13", "1") and rows[0][0] == "/console/speaker?name=Kaja+Kallas"
    assert [int(r[2]) for r in rows] == sorted((int(r[2]) for r in rows), reverse=True)
    on_topic = client.get("/console/people", params={"window": "day", "topic": "conflict, war and peace"}).text
    assert re.findall(r'">([^<]+)</a></td><td>\d+', on_topic) == ["Kaja Kallas"]
    assert "Nobody quoted" in client.get("/console/people", params={"topic": "medtop:99999999"}).text
    assert client.get("/console/people", params={"window": "year"}).status_code == 400


def test_search_pages_on_past_the_count_while_pages_are_full(
    writer: Archive, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("streams.web.pages.COUNT_LIMIT", 10)  # counted no further than 10 ("more than 10")
    writer.write(corpus(80))
    stories = writer.search(SearchQuery(limit=1)).total
    assert 40 < stories < 60
    first = client.get("/console/search").text
    assert "More than 10 results" in first and 'rel="next"' in first
    second = client.get("/console/search", params={"offset": 20}).text
    assert "More than 10 results · 21–40" in second and 'rel="next"' in second  # past the count, still paging
    ids = set(re.findall(r'data-id="([^"]+)"', first)) | set(re.findall(r'data-id="([^"]+)"', second))
    assert len(ids) == 40
    last = client.get("/console/search", params={"offset": 40}).text
    assert len(re.findall(r'<article class="item"', last)) == stories - 40 and 'rel="next"' not in last


def test_a_broad_text_search_says_it_ranked_only_the_newest(
    writer: Archive, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from streams.web import pages

    asked = pages.search_query
    monkeypatch.setattr(pages, "search_query", lambda values, **kw: replace(asked(values, **kw), rank_limit=5))
    writer.write(corpus(30))
    broad = client.get("/console/search", params={"q": "the"}).text
    assert "best of the newest 5" in broad and len(re.findall(r'<article class="item"', broad)) <= 5
    narrow = client.get("/console/search", params={"q": "security guarantees"}).text
    assert 'id="ranked"' not in narrow and f'data-id="{SAMPLE_ID}"' in narrow
