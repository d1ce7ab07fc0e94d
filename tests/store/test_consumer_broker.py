"""``StoreConsumer`` end to end on the real Kafka broker, into each backend."""

from __future__ import annotations

import dataclasses
import threading
import time

import orjson
import pytest
from prometheus_client import REGISTRY

from streams.core.errors import StorageError
from streams.core.model import EnrichedArticle
from streams.core.settings import Settings
from streams.store.archive import Archive
from streams.store.backends import open_archive
from streams.store.consumer import StoreConsumer
from tests.store.articles import SAMPLE_ID, corpus, sample_article
from tests.store.kafka_io import dead_letters, produce
from tests.store.test_archive import expected_counts

N = 150


@pytest.fixture(scope="module")
def articles() -> list[EnrichedArticle]:
    return corpus(N)


def _store(settings: Settings, database_url: str, **kw: object) -> object:
    return StoreConsumer(settings.replace(database_url=database_url), batch_size=40).run(until_idle=2.0, **kw)


def _snapshot(database_url: str) -> tuple[dict[str, int], list[tuple]]:
    with open_archive(database_url) as a:
        return a.table_counts(), a._execute("SELECT id, version, stored_at FROM articles ORDER BY id")


def _stored(backend: str) -> float:
    return REGISTRY.get_sample_value("streams_articles_stored_total", {"backend": backend}) or 0.0


def test_n_produced_n_stored_and_redelivery_changes_nothing(
    kafka_settings: Settings, kafka_topics: dict[str, str], database_url: str, articles: list[EnrichedArticle]
) -> None:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    before = _stored(backend)
    produce(kafka_settings, articles)
    stats = _store(kafka_settings, database_url)
    assert (stats.consumed, stats.written, stats.dead_lettered) == (N, N, 0)
    counts, rows = _snapshot(database_url)
    assert counts == expected_counts(articles)
    assert _stored(backend) - before == N
    assert REGISTRY.get_sample_value("streams_last_processed_timestamp_seconds", {"stage": "store"}) > time.time() - 60
    assert REGISTRY.get_sample_value("streams_end_to_end_latency_seconds_count", {"path": "ingest_to_stored"}) >= N
    if backend == "sqlite":  # the store left planner statistics behind (PostgreSQL: autovacuum analyzes)
        with open_archive(database_url) as a:
            stat = dict(a._execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'articles'"))
        assert stat["articles_source"].split()[0] == str(N)

    # the whole topic again, read by a fresh consumer group: nothing changes, not even stored_at
    produce(kafka_settings, articles)
    again = StoreConsumer(kafka_settings.replace(database_url=database_url), group_id="replay-from-start").run(
        until_idle=2.0)
    assert (again.consumed, again.written, again.unchanged) == (2 * N, 0, 2 * N)
    assert _snapshot(database_url) == (counts, rows)


def test_older_version_never_overwrites_newer(
    kafka_settings: Settings, kafka_topics: dict[str, str], database_url: str
) -> None:
    v3 = sample_article(version=3)
    v3.article = dataclasses.replace(v3.article, headline="third version")
    v2 = sample_article(version=2)
    v1 = sample_article(version=1)
    produce(kafka_settings, [v3])
    _store(kafka_settings, database_url)
    produce(kafka_settings, [v1, v2])  # late, older versions
    stats = _store(kafka_settings, database_url)
    assert (stats.consumed, stats.written) == (2, 0)
    with open_archive(database_url) as a:
        doc = a.article(SAMPLE_ID)
        assert doc["article"]["version"] == 3 and doc["article"]["headline"] == "third version"
        assert a.count() == 1


def test_bad_records_become_dead_letters_and_good_ones_are_stored(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: object
) -> None:
    database_url = f"sqlite:///{tmp_path}/dl.db"
    broken_entities = sample_article().to_dict()
    broken_entities["entities"] = [{"type": "PERSON"}]  # no name
    broken_entities["article"]["id"] = "broken-entities"
    bad = [b"not json at all", b'{"article": {"id": "x"}}', b"\xff\xfe", orjson.dumps(broken_entities)]
    produce(kafka_settings, corpus(5), raw=[*bad, None])  # None: a tombstone, no value at all
    stats = _store(kafka_settings, database_url)
    assert (stats.consumed, stats.written, stats.dead_lettered) == (10, 5, 5)
    letters = dead_letters(kafka_settings, expect=5)
    assert len(letters) == 5
    assert sorted(d.original for d in letters) == sorted([*bad, b""])
    assert {d.stage for d in letters} == {"store"}
    reasons = {d.original: d.reason for d in letters}
    assert reasons[b"not json at all"] == "malformed_json" and reasons[bad[1]] == "empty_body"
    assert "entities[0].name" in next(d.message for d in letters if d.original == bad[3])
    assert all(d.source_topic == kafka_topics["enriched"] and d.source_offset is not None for d in letters)
    with open_archive(database_url) as a:
        assert a.count() == 5


def test_stop_event_ends_a_running_consumer(kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: object) -> None:
    stop = threading.Event()
    consumer = StoreConsumer(kafka_settings.replace(database_url=f"sqlite:///{tmp_path}/s.db"))
    runner = threading.Thread(target=consumer.run, kwargs={"stop_event": stop})
    runner.start()
    produce(kafka_settings, corpus(3))
    deadline = time.monotonic() + 60
    while consumer.stats.written < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    runner.join(timeout=30)
    assert not runner.is_alive() and consumer.stats.written == 3


class FlakyArchive:
    """A real archive whose first ``failures`` writes fail as if the database were down."""

    def __init__(self, inner: Archive, failures: int) -> None:
        self.inner, self.failures, self.attempts = inner, failures, 0
        self.backend = inner.backend

    def write_rows(self, rows: list, **kw: object) -> object:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise StorageError("database unavailable (injected)")
        return self.inner.write_rows(rows, **kw)

    def refresh_statistics(self) -> bool:
        return self.inner.refresh_statistics()

    def count(self) -> int:
        return self.inner.count()

    def close(self) -> None:
        self.inner.close()


def test_unavailable_database_is_retried_and_nothing_is_lost(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: object
) -> None:
    articles = corpus(20)
    produce(kafka_settings, articles)
    with open_archive(f"sqlite:///{tmp_path}/flaky.db") as real:
        flaky = FlakyArchive(real, failures=3)
        stats = StoreConsumer(kafka_settings, archive=flaky).run(until_idle=2.0)  # type: ignore[arg-type]
        assert flaky.attempts > 3 and stats.dead_lettered == 0
        assert real.count() == 20 and stats.written == 20


@pytest.mark.postgres
def test_a_record_postgres_rejects_is_dead_lettered_alone(
    kafka_settings: Settings, kafka_topics: dict[str, str], postgres_url: str
) -> None:
    good = corpus(6)
    poisoned = sample_article()
    poisoned.article = dataclasses.replace(poisoned.article, id="nul-in-body",
                                           body_text=poisoned.article.body_text.replace("Berlin", "Ber\x00lin"))
    produce(kafka_settings, [*good, poisoned])
    stats = _store(kafka_settings, postgres_url)
    assert (stats.written, stats.dead_lettered) == (6, 1)
    (letter,) = dead_letters(kafka_settings, expect=1)
    assert letter.reason == "storage_rejected" and letter.stage == "store"
    assert EnrichedArticle.from_json(letter.original).id == "nul-in-body"
    with open_archive(postgres_url) as a:
        assert a.count() == 6
