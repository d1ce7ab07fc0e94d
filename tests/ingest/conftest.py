"""Fixtures for ingest tests: corpus records, feed documents built at test time, a local feed server.

Nothing from ../shared is copied into the repo: fixtures are generated from it when tests run.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from streams.core.settings import Settings

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.txt"
REUTERS = SHARED / "corpus" / "reuters21578.jsonl"
NEWS_SAMPLE = SHARED / "corpus" / "news_sample.jsonl"


def corpus_records(n: int, *, skip: int = 0, path: Path = REUTERS) -> list[dict[str, Any]]:
    """The first ``n`` records (after ``skip``) of a corpus file that have a non-empty text."""
    out: list[dict[str, Any]] = []
    with open(path, "rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            if not str(record.get("text", "")).strip():
                continue
            if skip:
                skip -= 1
                continue
            out.append(record)
            if len(out) == n:
                break
    return out


def rss_document(records: list[dict[str, Any]], *, base: str = "http://127.0.0.1/news/",
                 full_text: bool = True) -> bytes:
    """An RSS 2.0 feed (with content:encoded) of corpus records; GUIDs are the record ids."""
    items = []
    for r in records:
        paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in r["text"].split("\n    ") if p.strip())
        content = f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded>" if full_text else ""
        items.append(
            f"<item><title>{escape(r.get('title') or '')}</title>"
            f"<link>{base}{r['id'].replace(':', '/')}</link>"
            f"<guid isPermaLink=\"false\">{escape(r['id'])}</guid>"
            f"<pubDate>{formatdate(1_000_000_000 + int(hashlib.md5(r['id'].encode()).hexdigest()[:6], 16), usegmt=True)}</pubDate>"
            f"<description>{escape(r['text'][:120])}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>Test wire</title><link>http://127.0.0.1/</link><description>t</description>"
        + "".join(items) + "</channel></rss>"
    ).encode()


def atom_document(records: list[dict[str, Any]]) -> bytes:
    """An Atom 1.0 feed of corpus records (ids as tag: URIs, plain-text content)."""
    entries = "".join(
        f"<entry><id>tag:test.example,1987:{escape(r['id'])}</id><title>{escape(r.get('title') or '')}</title>"
        f"<updated>1987-02-26T15:01:01Z</updated><content type=\"text\">{escape(r['text'])}</content></entry>"
        for r in records
    )
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Atom wire</title><id>tag:test.example,1987:feed</id><updated>1987-02-26T15:01:01Z</updated>"
            + entries + "</feed>").encode()


def rdf_document(records: list[dict[str, Any]]) -> bytes:
    """An RSS 1.0 (RDF) feed of corpus records (no GUIDs: links identify items)."""
    items = "".join(
        f'<item rdf:about="http://127.0.0.1/rdf/{i}"><title>{escape(r.get("title") or "")}</title>'
        f"<link>http://127.0.0.1/rdf/{i}</link><description>{escape(r['text'])}</description></item>"
        for i, r in enumerate(records)
    )
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://127.0.0.1/rdf"><title>RDF wire</title>'
            "<link>http://127.0.0.1/rdf</link><description>d</description></channel>" + items + "</rdf:RDF>").encode()


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  b'<rss version="2.0"><channel><title>&lol3;</title><item><title>x</title>'
                  b"<description>&lol3;</description></item></channel></rss>")
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   b'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
                   b"<description>&xxe;</description></item></channel></rss>")


class FeedServer:
    """A stdlib HTTP server on 127.0.0.1 serving byte documents with ETag/Last-Modified support."""

    def __init__(self) -> None:
        self.routes: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if "redirect" in route:
                    self.send_response(302)
                    self.send_header("Location", route["redirect"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.get("status", 200) != 200:
                    self.send_error(route["status"])
                    return
                body: bytes = route["body"]
                if "trickle" in route:
                    self._trickle(body, route["trickle"], route.get("every_s", 0.2))
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                payload = gzip.compress(body) if route.get("gzip") else body
                self.send_response(200)
                self.send_header("Content-Type", route.get("content_type", "application/rss+xml"))
                self.send_header("ETag", etag)
                if route.get("gzip"):
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _trickle(self, body: bytes, where: str, every_s: float) -> None:
                """A slow server: one byte every ``every_s`` of the headers (``headers``) or the body."""
                head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode()
                slow, fast = (head + body, b"") if where == "headers" else (body, head)
                try:
                    self.wfile.write(fast)
                    for i in range(len(slow)):
                        self.wfile.write(slow[i:i + 1])
                        self.wfile.flush()
                        time.sleep(every_s)
                except OSError:  # the client gave up: what the test wants
                    pass
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes, **options: Any) -> str:
        self.routes[path] = {"body": body, **options}
        return self.url(path)


@pytest.fixture()
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def read_topic(settings: Settings, topic: str, *, timeout: float = 30.0) -> list[Any]:
    """Every record in ``topic`` (all partitions, from the beginning up to the current end)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap, group_id=None, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        out: list[Any] = []
        import time

        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in parts) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                out.extend(records)
        return out
    finally:
        consumer.close()
