"""The Alerts page without a broker: read-only by default; with STREAMS_CONSOLE_TOKEN its write actions
need the token (no token, a wrong one, another site: refused; the right one: done). Testing a rule runs
on the real SQLite archive; writing a rule needs Kafka (test_alerts_page_broker.py)."""

from __future__ import annotations

import re
import socket
from typing import Iterator

import httpx
import pytest

from streams.core.settings import Settings, load_settings
from streams.store.archive import Archive
from streams.store.backends import open_archive
from streams.web.server import ConsoleServer
from tests.store.articles import SAMPLE_ID, corpus
from tests.web.articles import HOSTILE_ID, hostile_article

TOKEN = "s3cret-console-token"
RULE = "name: Kallas quoted\nwhen: {speaker: Kaja Kallas}\n"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def settings() -> Settings:
    """A console token, and a Kafka address where nothing listens (this file runs without a broker)."""
    return load_settings(console_token=TOKEN, kafka_bootstrap=f"127.0.0.1:{_closed_port()}")


@pytest.fixture()
def operator(database_url: str, settings: Settings) -> Iterator[httpx.Client]:
    """A client of a console whose operator enabled the write actions."""
    with open_archive(database_url, read_only=True) as archive:
        server = ConsoleServer(archive, "127.0.0.1", 0, settings=settings).start()
        try:
            with httpx.Client(base_url=server.url, timeout=20) as c:
                yield c
        finally:
            server.stop()


def test_without_a_token_setting_the_page_is_read_only(writer: Archive, client: httpx.Client) -> None:
    writer.write(corpus(5))
    page = client.get("/console/alerts")
    assert page.status_code == 200 and "<h1>Alerts</h1>" in page.text
    assert 'method="post"' not in page.text and "STREAMS_CONSOLE_TOKEN" in page.text
    for path in ("/console/alerts/rules", "/console/alerts/rules/disable", "/console/alerts/test"):
        refused = client.post(path, data={"rule": RULE, "token": TOKEN, "rule_id": "x"})
        assert refused.status_code == 404 and "STREAMS_CONSOLE_TOKEN" in refused.text, path
        assert "would have fired" not in refused.text


def test_a_write_needs_the_right_token(writer: Archive, operator: httpx.Client) -> None:
    writer.write(corpus(20))
    page = operator.get("/console/alerts").text
    assert 'method="post"' in page and 'type="password"' in page and TOKEN not in page  # typed, never served
    assert "no Kafka broker answers" in page  # the rest of the page still renders
    for data, headers in (({"rule": RULE}, {}), ({"rule": RULE, "token": "wrong"}, {}),
                          ({"rule": RULE, "token": TOKEN[:-1]}, {}), ({"rule": RULE}, {"X-Streams-Token": "nope"}),
                          ({"rule": RULE, "token": TOKEN}, {"Origin": "http://evil.example"}),
                          ({"rule": RULE, "token": TOKEN}, {"Sec-Fetch-Site": "cross-site", "Origin": "null"})):
        refused = operator.post("/console/alerts/test", data=data, headers=headers)
        assert refused.status_code == 403 and "would have fired" not in refused.text, (data, headers)
    assert operator.get("/console/alerts/test").status_code == 405  # POST only
    done = operator.post("/console/alerts/test", data={"rule": RULE, "token": TOKEN, "articles": "100"})
    assert done.status_code == 200, done.text[:500]
    assert "Would have fired 1 alert;" in done.text and "Nothing was written" in done.text
    assert f'href="/console/article/{SAMPLE_ID}"' in done.text and "speaker &#39;Kaja Kallas&#39;" in done.text
    by_header = operator.post("/console/alerts/test", data={"rule": RULE}, headers={"X-Streams-Token": TOKEN})
    assert by_header.status_code == 200 and "Would have fired 1 alert;" in by_header.text
    # adding needs Kafka: with the right token the refusal is the broker's, and says so
    add = operator.post("/console/alerts/rules", data={"rule": RULE, "token": TOKEN})
    assert add.status_code == 503 and "was not written" in add.text


def test_a_bad_rule_or_form_is_refused_with_what_to_fix(operator: httpx.Client) -> None:
    bad = operator.post("/console/alerts/test", data={"rule": "name: x\nwhen: {topc: sport}\n", "token": TOKEN})
    assert bad.status_code == 400 and "rule[0].when" in bad.text and "topc" in bad.text
    empty = operator.post("/console/alerts/test", data={"rule": " ", "token": TOKEN})
    assert empty.status_code == 400 and "Rule field" in empty.text
    many = operator.post("/console/alerts/test", data={"rule": RULE, "token": TOKEN, "articles": "999999"})
    assert many.status_code == 400
    big = operator.post("/console/alerts/test", content=b"rule=" + b"x" * 300_000,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413
    assert operator.post("/console/alerts/test", json={"rule": RULE, "token": TOKEN}).status_code == 415


def test_a_rule_test_shows_a_hostile_article_as_text(writer: Archive, operator: httpx.Client) -> None:
    writer.write([hostile_article()])
    r = operator.post("/console/alerts/test", data={"rule": "name: minister\nwhen: {text: minister}\n",
                                                    "token": TOKEN})
    assert r.status_code == 200 and "Would have fired 1 alert;" in r.text
    assert "&lt;script&gt;window.__pwned" in r.text
    tags = re.findall(r"<[a-zA-Z][^>]*>", r.text)
    assert not {re.match(r"<([a-zA-Z0-9]+)", t).group(1).lower() for t in tags} & {"img", "b", "iframe"}
    assert not [t for t in tags if t.startswith("<script") or t.startswith("<svg")]
    for tag in tags:
        assert not re.search(r"\son[a-z]+\s*=", re.sub(r'"[^"]*"', '""', tag)), tag
    assert "hostile-%3Cscript%3E-1" in r.text and HOSTILE_ID not in r.text
