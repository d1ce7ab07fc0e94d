"""Broken feeds against the real broker: a one-shot run fails loudly, --follow dead-letters once per failure."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.core.model import DeadLetter
from streams.core.settings import Settings
from streams.ingest import RawProducer
from streams.ingest.seen import SeenStore
from streams.ingest.sources.feeds import FeedPoller, FeedState
from streams.kafka import topics
from tests.ingest.conftest import FeedServer, corpus_records, read_topic, rss_document

MIB = 1 << 20
GARBAGE = b"<?xml version='1.0'?><rss version='2.0'><channel><title>cut off</title>"


def _dead_letters(settings: Settings) -> list[DeadLetter]:
    return [DeadLetter.from_json(r.value) for r in read_topic(settings, topics.DEAD_LETTERS.name(settings))]


def test_one_shot_ingest_of_broken_feeds_exits_1_naming_each_feed_and_cause(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer, tmp_path: Path
) -> None:
    good = feed_server.serve("/good", rss_document(corpus_records(2)))
    missing = feed_server.url("/missing")
    garbage = feed_server.serve("/garbage", GARBAGE)
    unknown = "http://news.streams-test.invalid/rss"
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": kafka_settings.bootstrap,
           "STREAMS_TOPIC_PREFIX": kafka_settings.topic_prefix, "STREAMS_HOME": str(tmp_path / "home"),
           "STREAMS_METRICS_PORT": "-1"}
    args = [sys.executable, "-m", "streams.cli.main", "ingest", "--no-create-topics"]
    for url in (good, missing, unknown, garbage):
        args += ["--feed", url]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    err = result.stderr
    assert "3 of 4 feed(s) could not be read" in err
    assert f"feed {missing}: HTTP 404 Not Found" in err
    assert f"feed {unknown}: unknown host 'news.streams-test.invalid'" in err
    assert f"feed {garbage}: the feed is malformed XML with no readable item" in err
    assert "next try in" not in err and "ok, 0 new" not in err
    assert "ingest: sent 2," in err  # the good feed was still sent and summarised
    assert [d.origin for d in _dead_letters(kafka_settings)] == [garbage]


def test_follow_dead_letters_a_broken_feed_once_per_distinct_failure_and_keeps_logging(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = feed_server.serve("/broken", GARBAGE)
    state = FeedState(url, interval_s=0.05)
    caplog.set_level(logging.WARNING, logger="streams.ingest.sources.feeds")
    with RawProducer(kafka_settings, source_kind="feed") as producer:
        seen = SeenStore(kafka_settings, producer)
        poller = FeedPoller(producer, seen, MIB)

        def follow_for(seconds: float) -> None:
            state.next_due = 0.0
            deadline = time.monotonic() + seconds
            poller.follow([state], stop=lambda: time.monotonic() > deadline)

        follow_for(1.5)
        first_polls = state.polls
        feed_server.serve("/broken", GARBAGE.replace(b"cut off", b"cut elsewhere"))  # a different failure
        follow_for(1.0)
        feed_server.serve("/broken", rss_document(corpus_records(1)))  # healthy again ...
        follow_for(0.3)
        feed_server.serve("/broken", GARBAGE)  # ... and broken again: a new incident
        follow_for(0.3)
        producer.flush()
        seen.close()
    assert first_polls >= 3 and state.polls >= first_polls + 3
    letters = _dead_letters(kafka_settings)
    assert [d.reason for d in letters] == ["not_a_feed"] * 3 and {d.origin for d in letters} == {url}
    failures = [r for r in caplog.records if r.getMessage().startswith(f"feed {url}: the feed is malformed XML")]
    assert len(failures) >= first_polls + 1  # every failed poll is logged
    assert sum("dead-lettered already" in r.getMessage() for r in failures) >= first_polls - 1


def test_a_failed_one_shot_feed_does_not_stop_the_drop_folder(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer, tmp_path: Path
) -> None:
    import signal

    from tests.ingest.conftest import SAMPLE

    drop = tmp_path / "drop"
    drop.mkdir()
    missing = feed_server.url("/missing")
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": kafka_settings.bootstrap,
           "STREAMS_TOPIC_PREFIX": kafka_settings.topic_prefix, "STREAMS_HOME": str(tmp_path / "home"),
           "STREAMS_METRICS_PORT": "-1"}
    proc = subprocess.Popen([sys.executable, "-m", "streams.cli.main", "ingest", "--no-create-topics", "--watch",
                             str(drop), "--feed", missing], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not any(r[0] == "/missing" for r in feed_server.requests) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # the feed has failed by now; the folder must still be followed
        (drop / "story.txt").write_bytes(SAMPLE.read_bytes())
        while not (drop / "done" / "story.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (drop / "done" / "story.txt").exists() and proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err[-3000:]
    assert f"feed {missing}: HTTP 404 Not Found" in err and "ingest: sent 1," in err


def test_one_run_over_a_euc_kr_feed_a_headline_only_feed_and_a_plain_feed_sends_all_three(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer, tmp_path: Path
) -> None:
    from streams.core.model import Article  # noqa: PLC0415
    from tests.ingest.test_feed_charsets import KOREAN_TEXT, KOREAN_TITLE, rss  # noqa: PLC0415

    korean = feed_server.serve("/ko", rss(KOREAN_TITLE, KOREAN_TEXT, "euc-kr", channel_lang="ko"))
    headline_only = feed_server.serve("/breaking", rss("Parliament dissolved, election in May", None, "utf-8"))
    plain = feed_server.serve("/plain", rss_document(corpus_records(1)))
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": kafka_settings.bootstrap,
           "STREAMS_TOPIC_PREFIX": kafka_settings.topic_prefix, "STREAMS_HOME": str(tmp_path / "home"),
           "STREAMS_METRICS_PORT": "-1"}
    args = [sys.executable, "-m", "streams.cli.main", "ingest", "--no-create-topics",
            "--feed", korean, "--feed", headline_only, "--feed", plain]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    articles = [Article.from_json(r.value) for r in read_topic(kafka_settings, topics.RAW.name(kafka_settings))]
    assert len(articles) == 3
    by_feed = {a.altids["feed"]: a for a in articles}
    assert by_feed[korean].body_text == KOREAN_TEXT and by_feed[korean].headline == KOREAN_TITLE
    assert by_feed[korean].language == "ko"
    assert by_feed[headline_only].profile == "headline-only"
    assert by_feed[headline_only].body_text == "Parliament dissolved, election in May"
    assert by_feed[plain].profile is None
    assert _dead_letters(kafka_settings) == []


def test_a_feed_that_breaks_the_parser_does_not_stop_the_others(
    kafka_settings: Settings, kafka_topics: dict[str, str], feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import streams.ingest.sources.feeds as feeds  # noqa: PLC0415

    real_parse = feeds.parse_feed

    def parse(raw: bytes, **kwargs: object) -> object:
        if b"explode" in raw:
            raise RuntimeError("a parser bug")
        return real_parse(raw, **kwargs)

    monkeypatch.setattr(feeds, "parse_feed", parse)
    bad = FeedState(feed_server.serve("/explode", b"<rss version='2.0'><channel><title>explode</title></channel></rss>"),
                    interval_s=0.05)
    good = FeedState(feed_server.serve("/good", rss_document(corpus_records(2))), interval_s=0.05)
    with RawProducer(kafka_settings, source_kind="feed") as producer:
        seen = SeenStore(kafka_settings, producer)
        poller = FeedPoller(producer, seen, MIB)
        deadline = time.monotonic() + 1.0
        poller.follow([bad, good], stop=lambda: time.monotonic() > deadline)
        producer.flush()
        seen.close()
    assert bad.polls >= 2 and good.polls >= 2  # the follower kept polling both
    assert "RuntimeError: a parser bug" in (bad.last_error or "")
    assert len(read_topic(kafka_settings, topics.RAW.name(kafka_settings))) == 2
    [letter] = _dead_letters(kafka_settings)  # dead-lettered once, not on every poll
    assert letter.reason == "not_a_feed"
