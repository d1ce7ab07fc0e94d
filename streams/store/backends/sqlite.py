"""The embedded archive: SQLite in WAL mode with an FTS5 index over headline and body.

``sqlite:///var/streams.db`` is a path relative to the working directory (``sqlite:////abs/path``
is absolute); parent directories are created. The FTS5 table is an external-content index of
``articles`` kept in step by triggers, so the text is stored once. Writers take the database
write lock up front (``BEGIN IMMEDIATE``), which makes the read-compare-write of an upsert
batch atomic across processes.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, Union
from urllib.parse import unquote

import orjson

from streams.core.errors import ConfigError, StorageError
from streams.store.archive import Archive
from streams.store.backends.fts import to_fts5
from streams.store.rows import JSON_COLUMNS, dumps, norm


def _backfill_mention_norms(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT text, article_id, entity_idx, idx FROM mentions").fetchall()
    conn.executemany(
        "UPDATE mentions SET text_norm = ? WHERE article_id = ? AND entity_idx = ? AND idx = ?",
        [(norm(text), *key) for text, *key in rows],
    )


Step = Union[str, Callable[[sqlite3.Connection], None]]

#: (version, description, steps: SQL or a function of the connection); append only, never edit a released step
MIGRATIONS: tuple[tuple[int, str, tuple[Step, ...]], ...] = (
    (
        1,
        "articles, entities, mentions, quotes, topics, FTS5 index",
        (
            """CREATE TABLE articles (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                version INTEGER NOT NULL,
                versioncreated TEXT,
                vc_ts REAL,
                enriched_ts REAL,
                published_at REAL NOT NULL,
                firstcreated TEXT,
                received_at TEXT,
                enriched_at TEXT,
                stored_at REAL NOT NULL,
                headline TEXT,
                body_text TEXT NOT NULL,
                language TEXT,
                uri TEXT,
                byline TEXT,
                located TEXT,
                provider TEXT,
                provider_norm TEXT,
                source TEXT,
                source_norm TEXT,
                cluster_id TEXT,
                duplicate_of TEXT,
                keywords TEXT NOT NULL DEFAULT '[]',
                doc TEXT NOT NULL
            )""",
            "CREATE INDEX articles_published ON articles (published_at)",
            "CREATE INDEX articles_source ON articles (source_norm)",
            "CREATE INDEX articles_provider ON articles (provider_norm)",
            "CREATE INDEX articles_cluster ON articles (cluster_id) WHERE cluster_id IS NOT NULL",
            """CREATE TABLE entities (
                article_id TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, name_norm TEXT NOT NULL,
                type TEXT, mention_count INTEGER NOT NULL, PRIMARY KEY (article_id, idx)
            ) WITHOUT ROWID""",
            "CREATE INDEX entities_name ON entities (name_norm)",
            """CREATE TABLE mentions (
                article_id TEXT NOT NULL, entity_idx INTEGER NOT NULL, idx INTEGER NOT NULL,
                start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, text TEXT,
                PRIMARY KEY (article_id, entity_idx, idx)
            ) WITHOUT ROWID""",
            """CREATE TABLE quotes (
                article_id TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL,
                start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, segments TEXT NOT NULL,
                text TEXT, speaker TEXT, speaker_norm TEXT, speaker_start INTEGER, speaker_end INTEGER,
                speaker_text TEXT, cue TEXT, PRIMARY KEY (article_id, idx)
            ) WITHOUT ROWID""",
            "CREATE INDEX quotes_speaker ON quotes (speaker_norm) WHERE speaker_norm IS NOT NULL",
            """CREATE TABLE topics (
                article_id TEXT NOT NULL, code TEXT NOT NULL, label TEXT, label_norm TEXT, score REAL,
                PRIMARY KEY (article_id, code)
            ) WITHOUT ROWID""",
            "CREATE INDEX topics_code ON topics (code)",
            "CREATE INDEX topics_label ON topics (label_norm)",
            """CREATE VIRTUAL TABLE articles_fts USING fts5(
                headline, body_text, content='articles', content_rowid='seq',
                tokenize='porter unicode61 remove_diacritics 2'
            )""",
            """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
                INSERT INTO articles_fts (rowid, headline, body_text) VALUES (new.seq, new.headline, new.body_text);
            END""",
            """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
                INSERT INTO articles_fts (articles_fts, rowid, headline, body_text)
                VALUES ('delete', old.seq, old.headline, old.body_text);
            END""",
            """CREATE TRIGGER articles_fts_update AFTER UPDATE OF headline, body_text ON articles BEGIN
                INSERT INTO articles_fts (articles_fts, rowid, headline, body_text)
                VALUES ('delete', old.seq, old.headline, old.body_text);
                INSERT INTO articles_fts (rowid, headline, body_text) VALUES (new.seq, new.headline, new.body_text);
            END""",
        ),
    ),
    (
        2,
        "mention surface forms searchable as entities (mentions.text_norm)",
        (
            "ALTER TABLE mentions ADD COLUMN text_norm TEXT",
            _backfill_mention_norms,
            "CREATE INDEX mentions_text ON mentions (text_norm)",
        ),
    ),
    (
        3,
        "articles in the order they were stored, for the console's live feed",
        ("CREATE INDEX articles_stored ON articles (stored_at)",),
    ),
    (
        4,
        "a period's articles and their stories without reading the rows, for the console's trends",
        ("CREATE INDEX articles_published_story ON articles (published_at, id, cluster_id, source_norm, provider_norm)",),
    ),
)


#: rows ANALYZE reads per index (PRAGMA analysis_limit): enough for the planner's choices (which index,
#: whether to sort) at a cost that stays in milliseconds however large the archive grows
ANALYSIS_LIMIT = 1_000


def sqlite_path(database_url: str) -> Path:
    """The file of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL."""
    prefix = "sqlite:///"
    if not database_url.lower().startswith(prefix):
        raise ConfigError(f"{database_url!r}: a SQLite URL looks like sqlite:///var/streams.db")
    path = unquote(database_url[len(prefix):].split("?", 1)[0])
    if not path or path == ":memory:":
        raise ConfigError(f"{database_url!r}: give a file path; the archive must outlive the process")
    return Path(path)


class SQLiteArchive(Archive):
    """The archive in one SQLite file (WAL, FTS5)."""

    backend = "sqlite"
    schema_version = MIGRATIONS[-1][0]
    adapted_columns = JSON_COLUMNS
    #: most recently stored first: the FTS5 index's own order (it walks and ranges its row ids for free)
    newest_keys = ("articles_fts.rowid",)
    #: without value frequencies the planner reads a broad filter from its index and sorts every match
    by_date = "articles a INDEXED BY articles_published"

    def __init__(self, database_url: str, *, read_only: bool = False, busy_timeout_s: float = 30.0) -> None:
        super().__init__()
        self.path = sqlite_path(database_url)
        self.read_only = read_only
        self.busy_timeout_s = busy_timeout_s
        self._probe_conn: sqlite3.Connection | None = None
        try:
            if read_only:
                if not self.path.exists():
                    raise StorageError(f"no archive at {self.path}; run `streams store` first")
                self._conn = sqlite3.connect(
                    f"file:{self.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False,
                    timeout=busy_timeout_s,
                )
                # 64 MiB, as the writer: a search reads thousands of article rows and FTS pages, which the
                # default 2 MiB kept re-reading from the OS (streams serve answers from this connection)
                self._conn.execute("PRAGMA cache_size=-65536")
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_s
                )
                self._conn.execute("PRAGMA journal_mode=WAL")
                # FULL: every commit is on disk before it returns. With NORMAL (WAL) a power loss can roll
                # back the last commits, whose Kafka offsets `streams store` has already committed: lost.
                # Cost: one fsync of the WAL per batch (docs/operate.md, benchmarks/bench_store.py)
                self._conn.execute("PRAGMA synchronous=FULL")
                self._conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: index inserts stay in memory
                self._migrate()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open SQLite archive {self.path}: {exc}") from exc
        self._check_schema()

    def __repr__(self) -> str:
        return f"SQLiteArchive({str(self.path)!r})"

    # -- migrations -------------------------------------------------------------------------------
    def _migrate(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at REAL NOT NULL)"
            )
            current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
            for version, description, statements in MIGRATIONS:
                if version <= current:
                    continue
                for step in statements:
                    if callable(step):
                        step(conn)
                    else:
                        conn.execute(step)
                conn.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    (version, description, time.time()),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _check_schema(self) -> None:
        try:
            found = self.current_schema_version()
        except StorageError as exc:
            raise StorageError(f"{self.path} is not a streams archive ({exc})") from exc
        if found > self.schema_version:
            raise StorageError(
                f"{self.path} has schema version {found}, newer than this streams ({self.schema_version}); upgrade"
            )
        if found < self.schema_version:
            raise StorageError(f"{self.path} has schema version {found}; open it once read-write to migrate")

    # -- hooks ------------------------------------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[None]:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageError(f"SQLite archive {self.path} is not writable now: {exc}") from exc
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._conn.execute("ROLLBACK")
            raise StorageError(f"commit to {self.path} failed: {exc}") from exc

    def _error(self, exc: sqlite3.Error) -> StorageError:
        if isinstance(exc, sqlite3.OperationalError):  # locked, busy, disk I/O: worth retrying
            return StorageError(f"SQLite archive {self.path} unavailable: {exc}")
        return StorageError(f"SQLite archive {self.path} rejected the write: {exc}", reason="storage_rejected")

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def _lock_ids(self, ids: Sequence[str]) -> None:
        pass  # BEGIN IMMEDIATE already holds the single database write lock

    def _in(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} IN ({', '.join('?' for _ in values)})", list(values)

    def _adapt(self, column: str, value: Any) -> Any:
        return dumps(value) if column in JSON_COLUMNS else value

    def _ts_param(self, value: datetime) -> Any:
        return value.timestamp()

    def _ts_out(self, value: Any) -> str | None:
        if value is None:
            return None
        return datetime.fromtimestamp(float(value), tz=timezone.utc).isoformat().replace("+00:00", "Z")

    def _json_out(self, value: Any) -> Any:
        return None if value is None else orjson.loads(value)

    def _text_search(self, text: str) -> tuple[str, list[Any], str, list[Any], str, str] | None:
        match = to_fts5(text)
        if match is None:
            return None
        return (
            "JOIN articles_fts ON articles_fts.rowid = a.seq",
            [],
            "articles_fts MATCH ?",
            [match],
            "-bm25(articles_fts, 2.0, 1.0)",
            "snippet(articles_fts, 1, '[', ']', '…', 16)",
        )

    def refresh_statistics(self) -> bool:
        """ANALYZE every table for the query planner, reading at most ANALYSIS_LIMIT rows per index.

        Without statistics SQLite guesses, and guesses wrong on skewed data: ``source=Reuters`` (97 % of
        the articles) took 690 ms instead of 1 ms. An explicit ANALYZE, not only ``PRAGMA optimize``:
        before SQLite 3.46 optimize looks only at tables this connection queried, and the store's
        connection mostly writes. Other connections (``streams serve``) see the new statistics at
        their next statement (ANALYZE changes the schema cookie).
        """
        if self.read_only:
            return False
        with self._lock:
            self._execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            self._execute("ANALYZE")
            self._execute("PRAGMA optimize")  # what else it finds worth doing (SQLite's own list)
        return True

    def _text_only_past(self, limit: int) -> str | None:
        # the index alone, walked backwards: no article row read (2,000 of them took 40-90 ms under load)
        return f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET {int(limit)}"

    def _probe(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            if self._probe_conn is None:  # WAL: a reader of its own never waits for the main connection
                self._probe_conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                                   check_same_thread=False, timeout=self.busy_timeout_s)
            return self._probe_conn.execute(sql).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        with self._probe_lock:
            if self._probe_conn is not None:
                self._probe_conn.close()
                self._probe_conn = None
