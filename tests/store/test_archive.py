"""The archive on both backends: idempotent newer-wins upserts, migrations, search, quotes, clusters."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from streams.core.errors import ConfigError, StorageError, ValidationError
from streams.core.model import EnrichedArticle
from streams.enrich.components.textspans import TextSpans
from streams.enrich.pipeline import Context
from streams.store.archive import Archive, SearchQuery
from streams.store.backends import backend_of, open_archive
from streams.store.rows import ARTICLE_COLUMNS, article_rows
from tests.store.articles import SAMPLE_ID, corpus, sample_article

N = 120


@pytest.fixture(scope="module")
def articles() -> list[EnrichedArticle]:
    return corpus(N)


def expected_counts(articles: list[EnrichedArticle]) -> dict[str, int]:
    rows = [article_rows(ea) for ea in articles]
    return {
        "articles": len(rows),
        "mentions": sum(len(r.mentions) for r in rows),
        "entities": sum(len(r.entities) for r in rows),
        "quotes": sum(len(r.quotes) for r in rows),
        "topics": sum(len(r.topics) for r in rows),
    }


def snapshot(archive: Archive) -> list[tuple]:
    return archive._execute("SELECT id, version, stored_at, enriched_at FROM articles ORDER BY id")


def test_write_is_idempotent(archive: Archive, articles: list[EnrichedArticle]) -> None:
    first = archive.write(articles)
    assert (first.written, first.unchanged) == (N, 0)
    assert archive.table_counts() == expected_counts(articles)
    before = snapshot(archive)
    again = archive.write(articles)
    assert (again.written, again.unchanged) == (0, N)
    assert archive.table_counts() == expected_counts(articles)
    assert snapshot(archive) == before  # not even rewritten


def test_newer_version_replaces_and_older_never_overwrites(archive: Archive) -> None:
    v1 = sample_article(version=1)
    v2 = sample_article(version=2, versioncreated="2026-01-13T09:00:00Z")  # newer version, earlier clock
    v2.article = dataclasses.replace(v2.article, headline="Kallas: guarantees must be tangible (updated)")
    v2.quotes = v2.quotes[:3]
    v2.topics = [{"code": "medtop:11000000", "label": "politics", "score": 0.9}]
    assert archive.write([v1]).written == 1
    assert archive.write([v2]).written == 1
    assert archive.write([v1]).written == 0  # older arrives late: ignored
    stored = archive.article(SAMPLE_ID)
    assert EnrichedArticle.from_dict(stored).to_dict() == v2.to_dict()  # the whole document round-trips
    assert stored["article"]["version"] == 2 and stored["article"]["headline"].endswith("(updated)")
    assert archive.table_counts()["quotes"] == 3 and archive.table_counts()["topics"] == 1
    assert archive.search(SearchQuery(topic="medtop:16000000")).total == 0  # old child rows are gone
    assert archive.search(SearchQuery(text="updated")).total == 1  # full-text index follows the update


def test_same_version_later_versioncreated_wins_in_any_order(archive: Archive) -> None:
    early = sample_article(versioncreated="2026-01-13T10:00:00Z")
    late = sample_article(versioncreated="2026-01-13T11:00:00+00:30")  # 10:30Z
    late.article = dataclasses.replace(late.article, headline="late headline")
    result = archive.write([late, early])  # both in one batch, newest first
    assert (result.received, result.written) == (2, 1)
    assert archive.write([early]).written == 0
    assert archive.article(SAMPLE_ID)["article"]["headline"] == "late headline"


def test_reopen_runs_no_migration_twice(database_url: str, articles: list[EnrichedArticle]) -> None:
    with open_archive(database_url) as a:
        a.write(articles[:5])
        version = a.current_schema_version()
        assert version == a.schema_version >= 1
    with open_archive(database_url) as b:
        assert b.current_schema_version() == version and b.count() == 5
        assert b._execute("SELECT count(*) FROM schema_migrations")[0][0] == version


def test_read_only_archive_refuses_writes(database_url: str, articles: list[EnrichedArticle]) -> None:
    open_archive(database_url).close()
    with open_archive(database_url, read_only=True) as ro:
        assert ro.count() == 0
        with pytest.raises(StorageError):
            ro.write(articles[:1])


def test_search_the_sample(archive: Archive, articles: list[EnrichedArticle]) -> None:
    archive.write(articles)

    def ids(**kw: object) -> list[str]:
        return [r["id"] for r in archive.search(SearchQuery(limit=100, **kw)).results]

    assert ids(text="security guarantees")[0] == SAMPLE_ID
    assert ids(text='"security guarantees" tangible') == [SAMPLE_ID]
    assert ids(entity="Kaja Kallas") == [SAMPLE_ID]
    assert ids(entity="kaja  KALLAS") == [SAMPLE_ID]
    assert ids(speaker="Kaja Kallas") == [SAMPLE_ID]
    assert SAMPLE_ID in ids(topic="medtop:16000000")
    assert SAMPLE_ID in ids(topic="Conflict, war and peace")
    assert ids(source="ukrinform") == [SAMPLE_ID] and ids(source="MENAFN") == [SAMPLE_ID]
    assert ids(text="security guarantees", entity="Kaja Kallas", speaker="Kaja Kallas", topic="medtop:16000000",
               source="Ukrinform", since=datetime(2026, 1, 13, tzinfo=timezone.utc),
               until=datetime(2026, 1, 14, tzinfo=timezone.utc)) == [SAMPLE_ID]
    assert SAMPLE_ID not in ids(until=datetime(2026, 1, 13, tzinfo=timezone.utc))
    assert SAMPLE_ID not in ids(entity="Boris Pistorius", speaker="Boris Pistorius")
    assert ids(entity="Pistoriu") == []  # names and mentions match whole, not by substring
    hit = archive.search(SearchQuery(text="security guarantees")).results[0]
    assert hit["score"] > 0 and "[" in hit["snippet"] and hit["headline"].startswith("Kallas")
    assert {t["code"] for t in hit["topics"]} == {"medtop:11000000", "medtop:16000000"}


def test_search_filters_and_paging_agree_with_the_data(archive: Archive, articles: list[EnrichedArticle]) -> None:
    archive.write(articles)
    reuters = [ea for ea in articles if ea.article.source == "Reuters"]
    page = archive.search(SearchQuery(source="reuters", limit=7, all_copies=True))
    assert page.total == len(reuters) > 7 and len(page.results) == 7
    assert archive.search(SearchQuery(source="reuters")).total == len({ea.dedupe.get("cluster_id") or ea.id
                                                                       for ea in reuters})
    pages = [archive.search(SearchQuery(source="reuters", limit=7, offset=o, all_copies=True)).results
             for o in range(0, page.total, 7)]
    seen = [r["id"] for p in pages for r in p]
    assert sorted(seen) == sorted(ea.id for ea in reuters)  # every match exactly once across pages
    published = [r["published_at"] for r in page.results]
    assert published == sorted(published, reverse=True)
    quoted = {ea.id for ea in articles for q in ea.quotes if q.get("speaker") == "Kaja Kallas"}
    assert {r["id"] for r in archive.search(SearchQuery(speaker="kaja kallas")).results} == quoted


HOSTILE = ['NEAR(a b', '"unterminated', 'OR', '*', "'; DROP TABLE articles; --", 'a:b', '(((', '-', '"', 'ünïcödé',
           '\\', 'kallas:*', '!!', '&|', "Kallas' OR '1'='1"]


def test_hostile_text_is_safe(archive: Archive) -> None:
    archive.write([sample_article()])
    for text in HOSTILE:
        archive.search(SearchQuery(text=text))  # raises on any parser or SQL error
    assert archive.count() == 1
    assert archive.search(SearchQuery(text="Kallas' OR '1'='1")).total == 1  # just words: kallas or 1 1


def test_quotes_by_speaker_and_cluster(archive: Archive, articles: list[EnrichedArticle]) -> None:
    archive.write(articles)
    sample = articles[0]
    page = archive.quotes("KAJA KALLAS", limit=5)
    assert page.total == len(sample.quotes) and len(page.results) == 5
    first = page.results[0]
    body = sample.article.body_text
    assert first["text"] == body[first["start"]:first["end"]].strip() and first["speaker"] == "Kaja Kallas"
    assert archive.cluster("cluster-sample").results[0]["id"] == SAMPLE_ID
    groups: dict[str, set[str]] = {}
    for ea in articles:
        if ea.dedupe.get("cluster_id"):
            groups.setdefault(ea.dedupe["cluster_id"], set()).add(ea.id)
    group, members = max(groups.items(), key=lambda kv: len(kv[1]))
    assert len(members) > 1
    assert {r["id"] for r in archive.cluster(group).results} == members


def test_paging_is_validated(archive: Archive) -> None:
    with pytest.raises(ValidationError):
        archive.search(SearchQuery(limit=0))
    with pytest.raises(ValidationError):
        archive.quotes("x", offset=-1)
    with pytest.raises(ValidationError, match="^offset: must be between 0 and 1000000000"):
        archive.quotes("x", offset=10**20)
    with pytest.raises(ValidationError, match="^offset: "):
        archive.cluster("x", offset=10**20)
    assert archive.search(SearchQuery(offset=10**9)).results == []


def test_search_cost_is_bounded(archive: Archive, articles: list[EnrichedArticle]) -> None:
    archive.write(articles)
    with pytest.raises(ValidationError, match="^q: has 400 words; at most 32"):
        archive.search(SearchQuery(text=" ".join("abcdefghij"[i % 10] for i in range(400))))
    with pytest.raises(ValidationError, match="^q: is 1001 characters long"):
        SearchQuery(text="x" * 1001)
    assert archive.search(SearchQuery(text='"security guarantees" ' + " ".join(["Kallas"] * 30))).total == 1


def test_health_reads_on_a_connection_of_its_own(archive: Archive, articles: list[EnrichedArticle]) -> None:
    archive.write(articles)
    with archive._lock:  # held by a search or a write in another thread
        assert archive.health() == {"backend": archive.backend, "schema_version": archive.schema_version,
                                    "articles": len(articles)}


def test_sqlite_syncs_every_commit(tmp_path: Path) -> None:
    # a commit whose Kafka offset is committed next must survive a power loss: WAL + synchronous=FULL
    with open_archive(f"sqlite:///{tmp_path}/a.db") as archive:
        assert archive._execute("PRAGMA journal_mode")[0][0] == "wal"
        assert archive._execute("PRAGMA synchronous")[0][0] == 2  # FULL (NORMAL is 1)


def test_sqlite_path_is_relative_to_cwd_and_parents_are_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_archive("sqlite:///var/deep/streams.db") as a:
        a.write([sample_article()])
    db = tmp_path / "var" / "deep" / "streams.db"
    assert db.is_file()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'kallas'").fetchone()[0] == 1


def test_bad_urls_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sqlite:///"):
        backend_of("mysql://x")
    with pytest.raises(ConfigError):
        open_archive("sqlite:///:memory:")
    with pytest.raises(StorageError, match="streams store"):
        open_archive(f"sqlite:///{tmp_path}/missing.db", read_only=True)
    assert not os.path.exists(tmp_path / "missing.db")


def test_an_archive_from_a_newer_streams_is_refused(database_url: str) -> None:
    with open_archive(database_url) as a:
        with a._tx():
            a._execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                       [a.schema_version + 1, "from the future", a._ts_param(datetime.now(timezone.utc))
                        if a.backend == "postgresql" else 0.0])
    with pytest.raises(StorageError, match="newer than this streams"):
        open_archive(database_url)


@pytest.mark.postgres
def test_postgres_connection_loss_is_transient_and_reconnects(postgres_url: str) -> None:
    import psycopg

    with open_archive(postgres_url) as a:
        a.write([sample_article(version=1)])
        pid = a._execute("SELECT pg_backend_pid()")[0][0]
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StorageError) as lost:
            a.write([sample_article(version=2)])
        assert lost.value.reason == "storage"  # retryable, not "storage_rejected"
        assert a.write([sample_article(version=2)]).written == 1  # reconnected
        assert a.article(SAMPLE_ID)["article"]["version"] == 2


def test_a_v1_archive_is_migrated_on_open(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An archive written by schema 1 (no mentions.text_norm) is upgraded, backfilled, and searchable."""
    from streams.store.backends import postgres, sqlite

    module, cls = (sqlite, sqlite.SQLiteArchive) if backend_of(database_url) == "sqlite" else (
        postgres, postgres.PostgresArchive)
    ea = sample_article()
    rows = article_rows(ea)
    with monkeypatch.context() as m:
        m.setattr(module, "MIGRATIONS", module.MIGRATIONS[:1])
        m.setattr(cls, "schema_version", 1)
        with open_archive(database_url) as v1:
            assert v1.current_schema_version() == 1
            with v1._tx():  # rows as schema 1 held them
                v1._upsert_articles(v1._bind(ARTICLE_COLUMNS, [v1._article_tuple(rows)]))
                v1._executemany("INSERT INTO entities (article_id, idx, name, name_norm, type, mention_count) "
                                "VALUES (?, ?, ?, ?, ?, ?)", rows.entities)
                v1._executemany("INSERT INTO mentions (article_id, entity_idx, idx, start_offset, end_offset, text) "
                                "VALUES (?, ?, ?, ?, ?, ?)", [m[:6] for m in rows.mentions])
    with open_archive(database_url) as v2:
        assert v2.current_schema_version() == v2.schema_version == module.MIGRATIONS[-1][0] >= 3
        assert v2._execute("SELECT count(*) FROM mentions WHERE text_norm IS NULL")[0][0] == 0
        assert [r["id"] for r in v2.search(SearchQuery(entity="kallas")).results] == [SAMPLE_ID]
        assert v2.write([ea]).written == 0  # the migrated row is recognised as the same version


def test_entity_matches_a_mention_not_a_substring(archive: Archive) -> None:
    archive.write([sample_article()])
    assert archive.search(SearchQuery(entity="Kallas")).total == 1  # a mention of Kaja Kallas
    assert archive.search(SearchQuery(entity="Kalla")).total == 0


def test_search_and_quote_rows_show_the_derived_headline_of_wire_text(archive: Archive) -> None:
    ea = sample_article()
    ea.article = dataclasses.replace(ea.article, headline=None)
    ctx = Context(article=ea.article, text=ea.article.body_text)
    TextSpans()(ctx)
    ea.spans, ea.provenance = ctx.spans, ctx.provenance
    archive.write([ea])
    hit = archive.search(SearchQuery(text="security guarantees")).results[0]
    assert hit["headline"].startswith("This was stated by EU High Representative") and hit["headline_derived"]
    assert "MENAFN" not in hit["headline"]
    quote = archive.quotes("Kaja Kallas", limit=1).results[0]
    assert quote["headline"] == hit["headline"] and quote["headline_derived"] is True
    stored = archive.article(SAMPLE_ID)
    assert stored is not None and stored["article"]["headline"] is None  # the headline as received


def test_a_received_headline_is_not_marked_derived(archive: Archive) -> None:
    archive.write([sample_article()])
    hit = archive.search(SearchQuery(text="security guarantees")).results[0]
    assert hit["headline"].startswith("Kallas:") and "headline_derived" not in hit


def test_speaker_matches_like_entity_surname_and_mentions(archive: Archive) -> None:
    archive.write(corpus(40))
    full = archive.quotes("Kaja Kallas", limit=500)
    assert full.total > 0
    for asked in ("Kallas", "kallas", "  KALLAS "):
        assert archive.quotes(asked, limit=500).total == full.total, asked
        hits = archive.search(SearchQuery(speaker=asked)).results
        assert [h["id"] for h in hits] == [h["id"] for h in archive.search(SearchQuery(speaker="Kaja Kallas")).results]
        assert SAMPLE_ID in [h["id"] for h in hits]
    for not_a_name in ("Kaja", "las", "%", "_allas", "Kallas%"):
        assert archive.quotes(not_a_name).total == 0, not_a_name
        assert archive.search(SearchQuery(speaker=not_a_name)).total == 0, not_a_name


def test_count_limit_caps_the_total_and_still_pages(archive: Archive) -> None:
    archive.write(corpus(60))
    assert archive.search(SearchQuery(all_copies=True, limit=5)).total == 60
    capped = archive.search(SearchQuery(all_copies=True, limit=5, offset=10, count_limit=20))
    assert capped.total == 21 and len(capped.results) == 5  # "more than 20"
    beyond = archive.search(SearchQuery(all_copies=True, limit=5, offset=40, count_limit=20))
    assert beyond.total == 21 and len(beyond.results) == 5  # rows past the count are still served
    exact = archive.search(SearchQuery(all_copies=True, limit=5, offset=40, count_limit=100))
    assert exact.total == 60 and len(exact.results) == 5


def test_console_reads_on_both_backends(archive: Archive) -> None:
    from datetime import datetime, timedelta, timezone

    archive.write(corpus(30))
    newest = archive.stored_since(None, limit=5)
    assert len(newest) == 5 and [a["stored_at"] for a in newest] == sorted((a["stored_at"] for a in newest), reverse=True)
    sample = next(a for a in archive.stored_since(None, limit=30) if a["id"] == SAMPLE_ID)
    assert {"name": "Kaja Kallas", "quotes": 13} in sample["speakers"] and sample["topics"][0]["score"] == 0.91
    before = datetime.now(timezone.utc)
    archive.write([sample_article(version=2)])
    assert [a["id"] for a in archive.stored_since(before, limit=50)] == [SAMPLE_ID]
    facets = archive.facet_counts([a["id"] for a in archive.search(SearchQuery(all_copies=True, limit=30)).results])
    assert {"value": "Kaja Kallas", "count": 1} in facets["speaker"]
    assert facets["topic"][0]["count"] == 29 and facets["topic"][0]["value"] == "medtop:04000000"
    top = archive.top_speakers(before - timedelta(hours=1))
    assert top[0] == {"speaker": "Kaja Kallas", "quotes": 13, "articles": 1}
    assert [s["speaker"] for s in archive.top_speakers(before - timedelta(hours=1), topic="Conflict, war and peace")] \
        == ["Kaja Kallas"]
    assert archive.top_speakers(datetime.now(timezone.utc) + timedelta(hours=1)) == []
