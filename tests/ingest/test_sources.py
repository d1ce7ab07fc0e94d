"""Every ingest source is a ``Source``: run with a producer until its input ends or it is stopped. No broker."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import orjson

from streams.core.settings import Secret, load_settings
from streams.ingest.producer import IngestSummary
from streams.ingest.sources import Source
from streams.ingest.sources.dropfolder import DropFolderSource
from streams.ingest.sources.feeds import FeedSource
from streams.ingest.sources.files import FileSource
from streams.ingest.sources.http_push import HttpPushSource
from streams.ingest.sources.stdin import StdinSource


class _Producer:
    """Records what the sources hand over, as a RawProducer that got an ack for everything."""

    source_kind = "test"

    def __init__(self) -> None:
        self.summary = IngestSummary()
        self.sent: list[str] = []
        self.dead: list[Any] = []

    def send_serialized(self, article_id: str, value: bytes, **_: Any) -> None:
        self.sent.append(article_id)

    def send_dead_letter(self, letter: Any, **_: Any) -> None:
        self.dead.append(letter)

    def flush(self, timeout: float | None = None) -> bool:
        return True


def _lines(n: int) -> bytes:
    return b"".join(orjson.dumps({"id": f"urn:t:{i}", "text": f"Story {i}."}) + b"\n" for i in range(n))


def test_every_source_is_a_source(tmp_path: Path) -> None:
    settings = load_settings({})
    sources = [FileSource(settings, [tmp_path]), StdinSource(settings), DropFolderSource(settings, tmp_path),
               FeedSource(settings, ["http://127.0.0.1/feed"]), HttpPushSource(settings, port=0)]
    assert all(isinstance(source, Source) for source in sources)


def test_finite_sources_send_their_input_and_return(tmp_path: Path) -> None:
    settings = load_settings({})
    (tmp_path / "a.jsonl").write_bytes(_lines(3) + b"{broken\n")
    producer = _Producer()
    FileSource(settings, [tmp_path], workers=0).run(producer, lambda: False)  # type: ignore[arg-type]
    StdinSource(settings, io.BytesIO(_lines(2))).run(producer, lambda: False)  # type: ignore[arg-type]
    assert len(producer.sent) == 5 and [d.reason for d in producer.dead] == ["malformed_json"]


def test_drop_folder_source_runs_until_stopped(tmp_path: Path) -> None:
    settings = load_settings({})
    (tmp_path / "a.jsonl").write_bytes(_lines(2))
    producer, stop = _Producer(), threading.Event()
    source = DropFolderSource(settings, tmp_path, interval_s=0.05, min_age_s=0.0,
                              on_file=lambda path, summary: stop.set())
    runner = threading.Thread(target=source.run, args=(producer, stop.is_set))
    runner.start()
    runner.join(10)
    assert not runner.is_alive()
    assert len(producer.sent) == 2 and (tmp_path / "done" / "a.jsonl").is_file()


def test_http_push_source_serves_until_stopped() -> None:
    settings = load_settings({}).replace(api_key=Secret("s3cret"))
    source, stop = HttpPushSource(settings, port=0, poll_s=0.05), threading.Event()
    runner = threading.Thread(target=source.run, args=(_Producer(), stop.is_set))
    runner.start()
    try:
        for _ in range(200):
            if source.bound_port:
                break
            threading.Event().wait(0.05)
        assert source.bound_port
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive() and source.bound_port is None
