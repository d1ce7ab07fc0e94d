"""Ingest against the real broker: counts in = counts out, nothing twice, bad input → dead letters."""

from __future__ import annotations

import gzip
import io
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import orjson
import pytest

from streams.core.model import Article, DeadLetter
from streams.core.settings import Settings
from streams.ingest import RawProducer, ingest_paths, ingest_stdin, watch_folder
from streams.ingest.seen import SeenStore
from streams.ingest.sources.feeds import FeedPoller, FeedState
from streams.ingest.sources.http_push import PushServer
from streams.kafka import topics
from tests.ingest.conftest import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    SAMPLE,
    FeedServer,
    atom_document,
    corpus_records,
    read_topic,
    rss_document,
)

MIB = 1 << 20


def raw_articles(settings: Settings) -> list[Article]:
    return [Article.from_json(r.value) for r in read_topic(settings, topics.RAW.name(settings))]


def dead_letters(settings: Settings) -> list[DeadLetter]:
    return [DeadLetter.from_json(r.value) for r in read_topic(settings, topics.DEAD_LETTERS.name(settings))]


def test_jsonl_file_n_in_n_out_and_remembered_rerun_sends_nothing(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> None:
    records = corpus_records(200)
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    summary = ingest_paths(kafka_settings, [path], remember=True)
    assert (summary.sent, summary.dead_lettered, summary.duplicates) == (200, 0, 0)
    out = read_topic(kafka_settings, kafka_topics["raw"])
    assert sorted(r.key.decode() for r in out) == sorted(r["id"] for r in records)
    headers = dict(out[0].headers)
    assert headers["source"] == b"file" and headers["content-type"] == b"application/json"
    assert b"ingest-time" in dict(out[0].headers) or "ingest-time" in headers
    again = ingest_paths(kafka_settings, [path], remember=True)
    assert (again.sent, again.duplicates) == (0, 200)
    assert len(read_topic(kafka_settings, kafka_topics["raw"])) == 200


def test_sample_article_ingests_with_provenance(kafka_settings: Settings, kafka_topics: dict[str, str]) -> None:
    summary = ingest_paths(kafka_settings, [SAMPLE])
    assert summary.sent == 1
    (article,) = raw_articles(kafka_settings)
    assert article.versioncreated == "2026-01-13"
    assert (article.provider, article.source) == ("MENAFN", "Ukrinform")
    assert article.body_text == SAMPLE.read_text(encoding="utf-8")


def test_bad_files_become_dead_letters_by_reason(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> None:
    good = [orjson.dumps(r) for r in corpus_records(3)]
    (tmp_path / "mixed.jsonl").write_bytes(b"\n".join(
        [good[0], b"{broken", b'{"text": "  "}', good[1], b'{"text": "' + b"z" * (MIB + 5) + b'"}', good[2]]) + b"\n")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 story".encode("latin-1"))  # decoded as cp1252, sent
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe" * 20)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"B" * (32 * MIB)))
    summary = ingest_paths(kafka_settings, [tmp_path])
    assert summary.sent == 4
    [latin1] = [a for a in raw_articles(kafka_settings) if a.altids.get("encoding")]
    assert latin1.body_text == "Caf\xe9 story" and latin1.altids["encoding"] == "cp1252"
    expected = {"malformed_json": 1, "empty_body": 2, "too_large": 2, "undecodable": 1}
    assert summary.reasons == expected
    letters = dead_letters(kafka_settings)
    assert Counter(dl.reason for dl in letters) == expected
    assert all(dl.stage == "ingest" and dl.message for dl in letters)
    broken = next(dl for dl in letters if dl.reason == "malformed_json")
    assert broken.original == b"{broken" and broken.origin and broken.origin.endswith("mixed.jsonl:2")


def test_feed_n_items_then_nothing_new_and_restart_sends_nothing_twice(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer
) -> None:
    records = corpus_records(30)
    rss = feed_server.serve("/rss", rss_document(records[:20]))
    atom = feed_server.serve("/atom", atom_document(records[20:]))
    with RawProducer(kafka_settings, source_kind="feed") as producer:
        seen = SeenStore(kafka_settings, producer)
        poller = FeedPoller(producer, seen, kafka_settings.max_article_bytes)
        states = [FeedState(rss, interval_s=0.1), FeedState(atom, interval_s=0.1)]
        results = [poller.poll(s) for s in states]
        assert [r.new for r in results] == [20, 10]
        producer.flush()
        again = [poller.poll(s) for s in states]  # server answers 304 Not Modified
        assert [r.status for r in again] == ["not_modified", "not_modified"]
        states[0].etag = None  # a server without validators: the seen memory must stop re-sending
        third = poller.poll(states[0])
        assert (third.new, third.duplicates) == (0, 20)
        producer.flush()
        seen.close()
    assert len(raw_articles(kafka_settings)) == 30
    # a restarted ingester (new producer, new memory read from the topic) sends nothing twice
    feed_server.serve("/rss", rss_document(records[:25]))  # five new items appear
    with RawProducer(kafka_settings, source_kind="feed") as producer:
        seen = SeenStore(kafka_settings, producer)
        assert len(seen) == 30
        poller = FeedPoller(producer, seen, kafka_settings.max_article_bytes)
        result = poller.poll(FeedState(rss))
        assert (result.new, result.duplicates) == (5, 20)
        producer.flush()
        seen.close()
    articles = raw_articles(kafka_settings)
    assert len(articles) == 35 and len({a.id for a in articles}) == 35


def test_two_ingesters_share_the_memory(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer
) -> None:
    url = feed_server.serve("/rss", rss_document(corpus_records(10)))
    with RawProducer(kafka_settings, source_kind="feed") as p1, RawProducer(kafka_settings, source_kind="feed") as p2:
        s1, s2 = SeenStore(kafka_settings, p1), SeenStore(kafka_settings, p2)
        assert FeedPoller(p1, s1, MIB).poll(FeedState(url)).new == 10
        p1.flush()
        time.sleep(0.5)
        second = FeedPoller(p2, s2, MIB).poll(FeedState(url))  # refreshes its memory before sending
        assert (second.new, second.duplicates) == (0, 10)
        s1.close()
        s2.close()
    assert len(raw_articles(kafka_settings)) == 10


def test_bad_feeds_are_dead_lettered_and_polling_goes_on(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer
) -> None:
    bomb = feed_server.serve("/lol", BILLION_LAUGHS)
    xxe = feed_server.serve("/xxe", EXTERNAL_ENTITY)
    gz = feed_server.serve("/gz", b"<rss>" + b" " * (40 * MIB) + b"</rss>", gzip=True)
    empty_item = feed_server.serve("/empty", rss_document(corpus_records(2))
                                   .replace(b"</channel>", b"<item><guid>e1</guid></item></channel>"))
    with RawProducer(kafka_settings, source_kind="feed") as producer:
        seen = SeenStore(kafka_settings, producer)
        poller = FeedPoller(producer, seen, MIB)
        results = {u: poller.poll(FeedState(u)) for u in (bomb, xxe, gz, empty_item)}
        producer.flush()
        seen.close()
    assert [results[u].status for u in (bomb, xxe, gz)] == ["rejected"] * 3
    assert results[empty_item].new == 2 and results[empty_item].dead_lettered == 1
    assert Counter(dl.reason for dl in dead_letters(kafka_settings)) == {"xml_forbidden": 2, "too_large": 1,
                                                                        "empty_body": 1}
    assert len(raw_articles(kafka_settings)) == 2


def test_http_push_status_codes(kafka_settings: Settings, kafka_topics: dict[str, str]) -> None:
    from streams.core.settings import Secret

    settings = kafka_settings.replace(api_key=Secret("s3cret"))
    with RawProducer(settings, source_kind="http") as producer:
        server = PushServer(settings, producer, port=0)
        port = server.start()
        url = f"http://127.0.0.1:{port}/articles"
        auth = {"Authorization": "Bearer s3cret"}
        try:
            ok = httpx.post(url, content=SAMPLE.read_bytes(), headers={**auth, "Content-Type": "text/plain"})
            assert ok.status_code == 202, ok.text
            record = corpus_records(1)[0]
            ok2 = httpx.post(url, json=record, headers={"X-API-Key": "s3cret"})
            assert ok2.status_code == 202 and ok2.json()["id"] == record["id"]
            assert httpx.post(url, json=record).status_code == 401
            assert httpx.post(url, json=record, headers={"Authorization": "Bearer wrong"}).status_code == 401
            bad = httpx.post(url, content=b"{oops", headers={**auth, "Content-Type": "application/json"})
            assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]
            empty = httpx.post(url, json={"headline": "x"}, headers=auth)
            assert empty.status_code == 400 and empty.json()["reason"] == "empty_body"
            big = httpx.post(url, content=b"x" * (MIB + 1), headers={**auth, "Content-Type": "text/plain"})
            assert big.status_code == 413
            assert httpx.post(url, content=b"x", headers={**auth, "Content-Type": "image/png"}).status_code == 415
            bomb = gzip.compress(b" " * (64 * MIB))  # small on the wire, 64 MiB decoded
            gz = httpx.post(url, content=bomb, headers={**auth, "Content-Type": "text/plain", "Content-Encoding": "gzip"})
            assert len(bomb) < 100_000 and gz.status_code == 413
        finally:
            server.stop()
    articles = raw_articles(settings)
    assert sorted(a.id for a in articles) == sorted([ok.json()["id"], record["id"]])
    assert Counter(dl.reason for dl in dead_letters(settings)) == {"malformed_json": 1, "empty_body": 1}


def _chunked_post(port: int, chunks: list[bytes], *, pause_s: float = 0.3, finish: bool = True) -> tuple[int, bytes]:
    """POST ``chunks`` as a chunked body, one socket write per chunk with a pause between, as a slow
    client does; returns (status, body) of the answer."""
    head = ("POST /articles HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer s3cret\r\n"
            "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head.encode())
        for chunk in chunks:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            time.sleep(pause_s)
        if finish:
            sock.sendall(b"0\r\n\r\n")
        answer = b""
        while part := sock.recv(65536):
            answer += part
    head_bytes, _, body = answer.partition(b"\r\n\r\n")
    return int(head_bytes.split(b" ", 2)[1]), body


def test_http_push_reads_a_chunked_body_whole_or_refuses_it(
    kafka_settings: Settings, kafka_topics: dict[str, str]
) -> None:
    from streams.core.settings import Secret

    limit = 16_000
    settings = kafka_settings.replace(api_key=Secret("s3cret"), max_article_bytes=limit)
    text = SAMPLE.read_bytes()
    thirds = [text[: len(text) // 3], text[len(text) // 3 : 2 * len(text) // 3], text[2 * len(text) // 3 :]]
    with RawProducer(settings, source_kind="http") as producer:
        server = PushServer(settings, producer, port=0, body_timeout_s=1.5)
        port = server.start()
        try:
            status, body = _chunked_post(port, thirds)
            assert status == 202, body
            accepted = orjson.loads(body)["id"]
            over, over_body = _chunked_post(port, [b"x" * 9_000, b"y" * 9_000])
            assert over == 413 and orjson.loads(over_body)["reason"] == "too_large"
            started = time.monotonic()
            stalled, stalled_body = _chunked_post(port, [thirds[0]], pause_s=0, finish=False)
            assert stalled == 408 and orjson.loads(stalled_body)["reason"] == "body_timeout"
            assert 1.0 < time.monotonic() - started < 10
        finally:
            server.stop()
    articles = raw_articles(settings)
    assert [a.id for a in articles] == [accepted]
    assert articles[0].body_text == text.decode("utf-8")  # every chunk, not only the first


def test_drop_folder_moves_files_after_ack(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    stop = threading.Event()
    files_done: list[str] = []
    thread = threading.Thread(target=watch_folder, args=(kafka_settings, drop), daemon=True,
                              kwargs={"interval_s": 0.2, "min_age_s": 0.2, "stop": stop.is_set,
                                      "on_file": lambda p, s: files_done.append(p.name)})
    thread.start()
    try:
        records = corpus_records(12)
        (drop / "a.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in records[:10]))
        (drop / "b.txt").write_bytes(SAMPLE.read_bytes())
        (drop / "c.json").write_bytes(orjson.dumps(records[10:]))
        deadline = time.monotonic() + 60
        while len(files_done) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(30)
    assert sorted(files_done) == ["a.jsonl", "b.txt", "c.json"]
    assert sorted(p.name for p in (drop / "done").iterdir()) == ["a.jsonl", "b.txt", "c.json"]
    assert not [p for p in drop.iterdir() if p.is_file()]
    assert len(raw_articles(kafka_settings)) == 13


def test_stdin_json_lines(kafka_settings: Settings, kafka_topics: dict[str, str]) -> None:
    records = corpus_records(5)
    stream = io.BytesIO(b"\n".join(orjson.dumps(r) for r in records) + b"\nnot json\n")
    summary = ingest_stdin(kafka_settings, stream)
    assert (summary.sent, summary.dead_lettered) == (5, 1)
    assert sorted(a.id for a in raw_articles(kafka_settings)) == sorted(r["id"] for r in records)


def _big_jsonl(tmp_path: Path, records: list[dict]) -> tuple[Path, dict[str, int]]:
    """The records one per line, with a malformed line, an empty story and a blank line among them;
    and the line number of each good record's id."""
    lines = [orjson.dumps(r) for r in records]
    lines.insert(50, b'{"id": "broken", "text": ')
    lines.insert(120, orjson.dumps({"id": "empty-1", "text": "   "}))
    lines.insert(200, b"")
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    line_of = {orjson.loads(line)["id"]: i + 1 for i, line in enumerate(lines) if line.startswith(b'{"id"')
               and line.endswith(b"}")}
    return path, line_of


def test_large_jsonl_sent_by_several_processes_n_in_n_out(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streams.ingest.sources import files

    monkeypatch.setattr(files, "PARALLEL_MIN_BYTES", 0)  # the sharded path without writing 8 MiB
    records = corpus_records(300)
    path, line_of = _big_jsonl(tmp_path, records)
    summary = ingest_paths(kafka_settings, [path], workers=3, keep_ids=True)
    assert (summary.sent, summary.dead_lettered, summary.duplicates) == (300, 2, 0)
    assert summary.reasons == {"malformed_json": 1, "empty_body": 1}
    assert sorted(summary.ids) == sorted(r["id"] for r in records)
    articles = raw_articles(kafka_settings)
    assert sorted(a.id for a in articles) == sorted(r["id"] for r in records)
    # the same origins as the one-process path: file:line of the record, whichever process sent it
    assert all(a.altids["file"] == f"{path}:{line_of[a.id]}" for a in articles)
    letters = dead_letters(kafka_settings)
    assert sorted(d.reason for d in letters) == ["empty_body", "malformed_json"]
    assert any(d.original == b'{"id": "broken", "text": ' for d in letters)


def test_sharded_ingest_reports_progress_for_every_byte(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> None:
    from streams.ingest.producer import IngestSummary
    from streams.ingest.sources.sharded import ingest_file_sharded

    path, _ = _big_jsonl(tmp_path, corpus_records(120))
    advanced: list[int] = []
    summary = IngestSummary()
    ingest_file_sharded(kafka_settings, path, summary, workers=2, advance=advanced.append)
    assert sum(advanced) == path.stat().st_size
    assert (summary.sent, summary.dead_lettered) == (120, 2)


def test_one_sharded_sender_serves_several_files(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> None:
    from streams.ingest.producer import IngestSummary
    from streams.ingest.sources.sharded import ShardedSender

    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    first_dir.mkdir()
    second_dir.mkdir()
    first, _ = _big_jsonl(first_dir, corpus_records(60))
    second, _ = _big_jsonl(second_dir, corpus_records(70, skip=60))
    summary = IngestSummary(keep_ids=True)
    with ShardedSender(kafka_settings, 3) as sender:  # connected once, then two files
        for path in (first, second):
            advanced: list[int] = []
            sender.send_file(path, summary, advanced.append)
            assert sum(advanced) == path.stat().st_size  # the progress counter starts again per file
    assert (summary.sent, summary.dead_lettered) == (130, 4)
    assert len(set(summary.ids)) == 130 and len(raw_articles(kafka_settings)) == 130


def test_large_jsonl_with_remember_is_parsed_in_workers_and_sent_once(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streams.ingest.sources import files

    monkeypatch.setattr(files, "PARALLEL_MIN_BYTES", 0)
    records = corpus_records(150)
    path, _ = _big_jsonl(tmp_path, records)
    first = ingest_paths(kafka_settings, [path], remember=True, workers=1)
    assert (first.sent, first.dead_lettered) == (150, 2)
    again = ingest_paths(kafka_settings, [path], remember=True, workers=1)
    assert (again.sent, again.duplicates) == (0, 150)
    assert len(raw_articles(kafka_settings)) == 150


@pytest.mark.slow
@pytest.mark.killer
def test_broker_outage_waits_and_loses_nothing(tmp_path: Path) -> None:
    """A second, private broker is stopped while records are in flight and started again: all arrive."""
    from streams.core.settings import load_settings
    from streams.devtools import broker
    from streams.ingest.formats import article_from_record
    from streams.kafka import admin
    from tests.devtools.conftest import free_port_pair

    settings = load_settings(kafka_bootstrap="", kafka_port=free_port_pair(), kafka_controller_port=0,
                             topic_prefix="outage-")
    records = corpus_records(40)
    try:
        broker.start(settings, timeout=120)
        admin.create_topics(settings, [topics.RAW, topics.DEAD_LETTERS])
        with RawProducer(settings, source_kind="file", max_pending=10) as producer:
            first = [producer.send(article_from_record(r, namespace="json")) for r in records[:20]]
            assert producer.flush(timeout=60)
            broker.stop(settings, timeout=60)
            during: list = []
            sender = threading.Thread(target=lambda: during.extend(
                producer.send(article_from_record(r, namespace="json")) for r in records[20:]), daemon=True)
            sender.start()
            time.sleep(3)
            # waiting, not dropped: memory is bounded, so the sender blocks once 10 records are pending
            assert producer.pending == 10 and sender.is_alive()
            broker.start(settings, timeout=120)
            sender.join(180)
            assert not sender.is_alive()
            assert producer.flush(timeout=180)
            assert all(f.result() is True for f in first + during)
        keys = [r.key.decode() for r in read_topic(settings, topics.RAW.name(settings))]
        assert sorted(set(keys)) == sorted(r["id"] for r in records)
    finally:
        broker.stop(settings, timeout=30)
        import shutil

        shutil.rmtree(broker.broker_dir(settings), ignore_errors=True)


@pytest.mark.slow
@pytest.mark.killer
def test_broker_outage_bulk_path_waits_and_loses_nothing() -> None:
    """Bulk sends (no future, no callback: file ingest) during an outage: bounded, then all arrive, counted once."""
    from streams.core.settings import load_settings
    from streams.devtools import broker
    from streams.ingest.formats import article_from_record
    from streams.kafka import admin
    from tests.devtools.conftest import free_port_pair

    settings = load_settings(kafka_bootstrap="", kafka_port=free_port_pair(), kafka_controller_port=0,
                             topic_prefix="outage-bulk-")
    articles = [article_from_record(r, namespace="json") for r in corpus_records(40)]

    def send_bulk(batch: list) -> None:
        for a in batch:
            assert producer.send_serialized(a.id, a.to_json(), future=False) is None

    try:
        broker.start(settings, timeout=120)
        admin.create_topics(settings, [topics.RAW, topics.DEAD_LETTERS])
        with RawProducer(settings, source_kind="file", max_pending=10) as producer:
            send_bulk(articles[:20])
            assert producer.flush(timeout=60) and producer.summary.sent == 20
            broker.stop(settings, timeout=60)
            sender = threading.Thread(target=send_bulk, args=(articles[20:],), daemon=True)
            sender.start()
            time.sleep(3)
            assert sender.is_alive() and 10 <= producer.pending <= 11  # blocked at the bound, nothing dropped
            assert producer.summary.sent == 20  # nothing counted before it is acknowledged
            broker.start(settings, timeout=120)
            sender.join(180)
            assert not sender.is_alive()
            assert producer.flush(timeout=180) and producer.pending == 0
            assert producer.summary.sent == 40
        keys = [r.key.decode() for r in read_topic(settings, topics.RAW.name(settings))]
        assert sorted(set(keys)) == sorted(a.id for a in articles)
    finally:
        broker.stop(settings, timeout=30)
        import shutil

        shutil.rmtree(broker.broker_dir(settings), ignore_errors=True)


def test_follow_polls_each_feed_on_its_schedule_and_backs_off_on_failure(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer
) -> None:
    good = feed_server.serve("/rss", rss_document(corpus_records(6)))
    feed_server.routes["/down"] = {"status": 503, "body": b""}
    bad = feed_server.url("/down")
    states = [FeedState(good, interval_s=0.3), FeedState(bad, interval_s=0.3)]
    deadline = time.monotonic() + 4.0
    with RawProducer(kafka_settings, source_kind="feed") as producer:
        seen = SeenStore(kafka_settings, producer)
        FeedPoller(producer, seen, MIB).follow(states, stop=lambda: time.monotonic() > deadline)
        producer.flush()
        seen.close()
    assert states[0].polls >= 5 and states[0].failures == 0
    # 503s back off exponentially from the interval: far fewer polls than the healthy feed
    assert 1 <= states[1].polls < states[0].polls and states[1].failures == states[1].polls
    assert len(raw_articles(kafka_settings)) == 6


def test_seen_memory_forgets_items_older_than_its_span(kafka_settings: Settings, kafka_topics: dict[str, str]) -> None:
    from streams.kafka.topics import SEEN_MEMORY_DAYS

    with RawProducer(kafka_settings, source_kind="feed") as producer:
        seen = SeenStore(kafka_settings, producer)
        try:
            seen.mark("feed\x1fguid:old", "a-old")
            seen.mark("feed\x1fguid:new", "a-new")
            producer.flush()
            now = time.time()
            seen._seen["feed\x1fguid:old"] = now - (SEEN_MEMORY_DAYS + 1) * 86400  # as if written long ago
            assert seen.prune(now) == 1
            assert not seen.is_seen("feed\x1fguid:old") and seen.is_seen("feed\x1fguid:new")
            assert seen.prune(now) == 0
        finally:
            seen.close()
    reloaded_producer = RawProducer(kafka_settings, source_kind="feed")
    try:
        reloaded = SeenStore(kafka_settings, reloaded_producer)  # a restart reads the topic: both are recent there
        assert reloaded.is_seen("feed\x1fguid:new") and len(reloaded) == 2
        reloaded.close()
    finally:
        reloaded_producer.close()
