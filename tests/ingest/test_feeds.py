"""Feed parsing and fetching without a broker: formats, XML bombs, caps, conditional GET, redirects."""

from __future__ import annotations

import gzip

import pytest

from streams.core.errors import DecodeError, TooLargeError
from streams.core.retry import retry_delay
from streams.ingest.sources.feeds import (
    FeedRejected,
    FetchError,
    entry_body,
    entry_to_article,
    fetch_feed,
    make_client,
    parse_feed,
)
from tests.ingest.conftest import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    FeedServer,
    atom_document,
    corpus_records,
    rdf_document,
    rss_document,
)

MIB = 1 << 20


def test_rss_uses_full_text_from_content_encoded() -> None:
    records = corpus_records(4)
    parsed = parse_feed(rss_document(records))
    assert len(parsed.entries) == 4
    for entry, record in zip(parsed.entries, records):
        body = entry_body(entry)
        assert body is not None
        # the description holds only 120 characters; the full text comes from content:encoded
        assert len(body) > 150 and record["text"].split("\n")[0].strip()[:30] in body
        article = entry_to_article(entry, feed_url="http://127.0.0.1/rss", feed_title="Test wire", max_bytes=MIB)
        assert article.altids["guid"] == record["id"]
        assert article.headline == record["title"]
        assert article.versioncreated is not None and article.versioncreated.endswith("Z")


def test_atom_and_rdf_feeds() -> None:
    records = corpus_records(3)
    atom = parse_feed(atom_document(records))
    assert [entry_body(e) for e in atom.entries] == [r["text"] for r in records]
    rdf = parse_feed(rdf_document(records))
    assert len(rdf.entries) == 3 and rdf.entries[1].link == "http://127.0.0.1/rdf/1"


def test_entity_bombs_and_external_entities_are_refused() -> None:
    with pytest.raises(FeedRejected) as bomb:
        parse_feed(BILLION_LAUGHS)
    assert bomb.value.reason == "xml_forbidden"
    with pytest.raises(FeedRejected):
        parse_feed(EXTERNAL_ENTITY)


def test_not_a_feed() -> None:
    with pytest.raises(DecodeError):
        parse_feed(b"<html><body>hello</body></html> not a feed")


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    import random

    rng = random.Random(1)
    delays = [retry_delay(n, base=1.0, cap=60.0, rng=rng) for n in range(1, 10)]
    assert 0.5 <= delays[0] <= 1.0 and 4.0 <= delays[3] <= 8.0
    assert all(d <= 60.0 for d in delays) and delays[-1] >= 30.0


def test_conditional_get_and_caps(feed_server: FeedServer) -> None:
    body = rss_document(corpus_records(2))
    url = feed_server.serve("/rss", body)
    with make_client() as client:
        first = fetch_feed(client, url)
        assert first.body == body and first.etag
        again = fetch_feed(client, url, etag=first.etag)
        assert again.status == 304 and again.body is None
        assert feed_server.requests[-1][1].get("If-None-Match") == first.etag
        with pytest.raises(TooLargeError):
            fetch_feed(client, url, max_wire_bytes=100)


def test_gzip_bomb_stops_at_the_decoded_cap(feed_server: FeedServer) -> None:
    url = feed_server.serve("/bomb", b"<rss>" + b" " * (50 * MIB) + b"</rss>", gzip=True)
    with make_client() as client:
        with pytest.raises(TooLargeError) as info:
            fetch_feed(client, url, max_bytes=4 * MIB)
    assert "decodes to more than" in str(info.value)
    assert len(gzip.compress(b" " * (50 * MIB))) < 100_000  # it really was a bomb


def test_redirect_loop_is_limited(feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = {"redirect": "/b"}
    feed_server.routes["/b"] = {"redirect": "/a"}
    with make_client() as client:
        with pytest.raises(FetchError):
            fetch_feed(client, feed_server.url("/a"))
    assert 3 <= len(feed_server.requests) <= 8


def test_http_error_is_a_fetch_error(feed_server: FeedServer) -> None:
    feed_server.routes["/gone"] = {"status": 500, "body": b""}
    with make_client() as client:
        with pytest.raises(FetchError):
            fetch_feed(client, feed_server.url("/gone"))


def test_rss_ttl_slows_that_feed_down_only() -> None:
    from streams.ingest.sources.feeds import FeedPoller, FeedState

    state = FeedState("http://127.0.0.1/rss", interval_s=60.0)
    FeedPoller._apply_ttl(state, parse_feed(rss_document(corpus_records(1)).replace(b"<channel>", b"<channel><ttl>30</ttl>")))
    assert state.interval_s == 1800.0
    other = FeedState("http://127.0.0.1/other", interval_s=60.0)
    FeedPoller._apply_ttl(other, parse_feed(rss_document(corpus_records(1))))
    assert other.interval_s == 60.0


def test_fetch_linked_page_text_with_trafilatura(feed_server: FeedServer) -> None:
    pytest.importorskip("trafilatura")
    from html import escape

    from streams.ingest.sources.feeds import fetch_linked_text

    record = corpus_records(1, skip=3)[0]
    paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in record["text"].split("\n    ") if p.strip())
    page = (f"<html><head><title>{escape(record['title'])}</title></head><body><nav><a href='/'>Home</a> | "
            f"<a href='/markets'>Markets</a></nav><article><h1>{escape(record['title'])}</h1>{paragraphs}</article>"
            "<footer>Copyright 1987. All rights reserved.</footer></body></html>").encode()
    url = feed_server.serve("/story", page, content_type="text/html; charset=utf-8")
    with make_client() as client:
        text = fetch_linked_text(url, client)
    assert text is not None
    first_words = " ".join(record["text"].split()[:8])
    assert first_words in " ".join(text.split())
    assert "Markets" not in text and "All rights reserved" not in text


def test_http_404_names_the_status(feed_server: FeedServer) -> None:
    with make_client() as client:
        with pytest.raises(FetchError) as info:
            fetch_feed(client, feed_server.url("/nothing-here"))
    assert str(info.value) == f"{feed_server.url('/nothing-here')}: HTTP 404 Not Found"


def test_unknown_host_says_so() -> None:
    url = "http://feed.streams-test.invalid/rss"  # .invalid never resolves (RFC 6761)
    with make_client() as client:
        with pytest.raises(FetchError) as info:
            fetch_feed(client, url)
    assert str(info.value).startswith(f"{url}: unknown host 'feed.streams-test.invalid'")


@pytest.mark.parametrize("doc", [
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>Truncated</title>",
    b"<rss version='2.0'><channel><title>t</title>\x00\x01 <<garbage>> &&",
])
def test_malformed_xml_without_items_is_not_an_empty_feed(doc: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        parse_feed(doc)
    assert info.value.reason == "not_a_feed" and "malformed XML" in str(info.value)


def test_a_well_formed_empty_feed_is_fine() -> None:
    parsed = parse_feed(b"<rss version='2.0'><channel><title>quiet day</title></channel></rss>")
    assert parsed.entries == []


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_trickling_server_is_cut_off_at_the_fetch_deadline(feed_server: FeedServer, where: str) -> None:
    import time

    # one byte every 0.2 s: each read is quick, so only a total deadline stops it (else ~2 minutes)
    url = feed_server.serve("/slow", rss_document(corpus_records(2)), trickle=where, every_s=0.2)
    started = time.monotonic()
    with make_client() as client:
        with pytest.raises(FetchError) as info:
            fetch_feed(client, url, deadline_s=1.5)
    elapsed = time.monotonic() - started
    assert "no complete answer within 1.5 s" in str(info.value)
    assert 1.4 <= elapsed < 6.0  # not the ~2 minutes the whole answer would take
