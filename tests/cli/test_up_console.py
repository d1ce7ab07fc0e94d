"""`streams up` starts the console as a `streams serve` child (no broker needed for this part)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from streams.cli.commands.up import Stack, _start_console, console_port
from streams.core.settings import load_settings
from streams.store.backends import open_archive
from tests.store.articles import SAMPLE_ID, corpus


def test_the_console_child_serves_the_archive_at_the_url_it_reports(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'archive.db'}")
    stack = Stack(settings)
    try:
        url = _start_console(stack, 0)  # before the store consumer ran: up creates the archive first
        assert url is not None and url.startswith("http://127.0.0.1:") and url.endswith("/console/")
        with open_archive(settings.database_url) as writer:
            writer.write(corpus(3))
        deadline = time.monotonic() + 60
        while True:
            assert stack.children[0].proc.poll() is None, (tmp_path / "home" / "logs" / "console.log").read_text()
            try:
                page = httpx.get(url, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the console did not answer within 60 s"
                time.sleep(0.3)
        assert page.status_code == 200 and f'data-id="{SAMPLE_ID}"' in page.text
        assert httpx.get(url.replace("/console/", "/health"), timeout=5).json()["articles"] == 3
    finally:
        stack.stop()
    assert all(c.proc.poll() is not None for c in stack.children)


def test_the_console_port_falls_back_to_a_free_one_when_the_default_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        settings = load_settings(http_host="127.0.0.1", http_port=busy)
        port = console_port(settings, None)
        assert port != busy and port > 0
    assert console_port(settings, 8123) == 8123
