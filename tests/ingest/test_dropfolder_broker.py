"""The drop folder against the real broker: good files to done/, failed ones to failed/ with why."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson

from streams.core.settings import Settings
from streams.ingest import watch_folder
from tests.ingest.conftest import SAMPLE, corpus_records


def _watch_until(settings: Settings, drop: Path, expected: int) -> list[str]:
    stop = threading.Event()
    files_done: list[str] = []
    thread = threading.Thread(target=watch_folder, args=(settings, drop), daemon=True,
                              kwargs={"interval_s": 0.2, "min_age_s": 0.2, "stop": stop.is_set,
                                      "on_file": lambda p, s: files_done.append(p.name)})
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(files_done) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(30)
    return files_done


def test_failed_files_go_to_failed_with_an_error_file_and_good_ones_to_done(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    good, other = (orjson.dumps(r) for r in corpus_records(2))
    (drop / "good.txt").write_bytes(SAMPLE.read_bytes())
    (drop / "partly.jsonl").write_bytes(good + b"\n{oops\n")  # one good article: done/, the bad line dead-lettered
    (drop / "all-bad.jsonl").write_bytes(b'{"id": "a", "text": \n{"id": "b"}\n')
    (drop / "empty.txt").write_bytes(b"  \n")
    (drop / "broken.jsonl.gz").write_bytes(b"this is not gzip data" + other)  # unreadable
    (drop / "huge.txt").write_bytes(b"x" * (kafka_settings.max_article_bytes + 1))  # refused as a whole
    names = sorted(p.name for p in drop.iterdir())
    assert sorted(_watch_until(kafka_settings, drop, len(names))) == names
    assert sorted(p.name for p in (drop / "done").iterdir()) == ["good.txt", "partly.jsonl"]
    failed = drop / "failed"
    assert sorted(p.name for p in failed.iterdir()) == sorted(
        f"{n}{suffix}" for n in ("all-bad.jsonl", "empty.txt", "broken.jsonl.gz", "huge.txt")
        for suffix in ("", ".error.txt"))
    assert not [p for p in drop.iterdir() if p.is_file()]
    all_bad = (failed / "all-bad.jsonl.error.txt").read_text()
    assert all_bad.startswith("all-bad.jsonl: not ingested") and "2 item(s) refused" in all_bad
    assert f"{drop / 'all-bad.jsonl'}:1: " in all_bad and "(malformed_json)" in all_bad
    assert f"{drop / 'all-bad.jsonl'}:2: " in all_bad and "(empty_body)" in all_bad
    assert "(empty_body)" in (failed / "empty.txt.error.txt").read_text()
    assert "broken gzip data" in (failed / "broken.jsonl.gz.error.txt").read_text()
    assert "(too_large)" in (failed / "huge.txt.error.txt").read_text()
    assert (failed / "huge.txt").stat().st_size == kafka_settings.max_article_bytes + 1  # moved, not rewritten
