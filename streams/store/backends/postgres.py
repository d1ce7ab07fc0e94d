"""The production archive: PostgreSQL through psycopg 3.

Full text is a stored generated ``tsvector`` (headline weighted A, body B, English configuration)
with a GIN index, queried with ``websearch_to_tsquery`` so whatever a user types is parsed by the
server's own forgiving parser. The enriched article itself, keywords and quote segments are JSONB.
Writers of the same article ids are serialized with transaction-scoped advisory locks taken in a
fixed order, so two consumers (e.g. during a group rebalance) cannot interleave one id's rows.
"""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Sequence, Union

import orjson
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from streams.core.errors import DatabaseUnavailable, StorageError
from streams.store.archive import Archive
from streams.store.rows import ARTICLE_COLUMNS, JSON_COLUMNS, norm

#: arbitrary constant: the advisory lock that serializes concurrent migrations
_MIGRATION_LOCK = 0x57_52_45_41_4D_53  # "STREAMS"
_TIMESTAMP_COLUMNS = frozenset({"published_at", "stored_at"})
TS_CONFIG = "english"

def _backfill_mention_norms(conn: psycopg.Connection[Any]) -> None:
    rows = conn.execute("SELECT text, article_id, entity_idx, idx FROM mentions").fetchall()
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE mentions SET text_norm = %s WHERE article_id = %s AND entity_idx = %s AND idx = %s",
            [(norm(text), *key) for text, *key in rows],
        )


Step = Union[str, Callable[[psycopg.Connection[Any]], None]]

#: (version, description, steps: SQL or a function of the connection); append only, never edit a released step
MIGRATIONS: tuple[tuple[int, str, tuple[Step, ...]], ...] = (
    (
        1,
        "articles, entities, mentions, quotes, topics, tsvector + GIN",
        (
            f"""CREATE TABLE articles (
                id TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                versioncreated TEXT,
                vc_ts DOUBLE PRECISION,
                enriched_ts DOUBLE PRECISION,
                published_at TIMESTAMPTZ NOT NULL,
                firstcreated TEXT,
                received_at TEXT,
                enriched_at TEXT,
                stored_at TIMESTAMPTZ NOT NULL,
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
                keywords JSONB NOT NULL DEFAULT '[]',
                doc JSONB NOT NULL,
                tsv TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('{TS_CONFIG}', coalesce(headline, '')), 'A')
                    || setweight(to_tsvector('{TS_CONFIG}', body_text), 'B')
                ) STORED
            )""",
            "CREATE INDEX articles_tsv ON articles USING GIN (tsv)",
            "CREATE INDEX articles_published ON articles (published_at)",
            "CREATE INDEX articles_source ON articles (source_norm)",
            "CREATE INDEX articles_provider ON articles (provider_norm)",
            "CREATE INDEX articles_cluster ON articles (cluster_id) WHERE cluster_id IS NOT NULL",
            """CREATE TABLE entities (
                article_id TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, name_norm TEXT NOT NULL,
                type TEXT, mention_count INTEGER NOT NULL, PRIMARY KEY (article_id, idx)
            )""",
            "CREATE INDEX entities_name ON entities (name_norm)",
            """CREATE TABLE mentions (
                article_id TEXT NOT NULL, entity_idx INTEGER NOT NULL, idx INTEGER NOT NULL,
                start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, text TEXT,
                PRIMARY KEY (article_id, entity_idx, idx)
            )""",
            """CREATE TABLE quotes (
                article_id TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL,
                start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, segments JSONB NOT NULL,
                text TEXT, speaker TEXT, speaker_norm TEXT, speaker_start INTEGER, speaker_end INTEGER,
                speaker_text TEXT, cue TEXT, PRIMARY KEY (article_id, idx)
            )""",
            "CREATE INDEX quotes_speaker ON quotes (speaker_norm) WHERE speaker_norm IS NOT NULL",
            """CREATE TABLE topics (
                article_id TEXT NOT NULL, code TEXT NOT NULL, label TEXT, label_norm TEXT,
                score DOUBLE PRECISION, PRIMARY KEY (article_id, code)
            )""",
            "CREATE INDEX topics_code ON topics (code)",
            "CREATE INDEX topics_label ON topics (label_norm)",
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


def _jsonb_dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def _lock_key(article_id: str) -> int:
    """A stable signed 64-bit advisory-lock key for an article id."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


#: what libpq says while a server is down, starting, recovering from a crash or shutting down
_UNAVAILABLE = ("connection refused", "starting up", "recovery mode", "shutting down", "timeout expired",
                "no such file or directory", "server closed the connection", "terminating connection")


def _unavailable(exc: psycopg.Error) -> bool:
    """The server is not there (yet): not a wrong URL, password or database name."""
    return isinstance(exc, psycopg.OperationalError) and any(s in str(exc).lower() for s in _UNAVAILABLE)


def _is_transient(exc: psycopg.Error) -> bool:
    """Server or connection trouble worth retrying (as opposed to a record the server rejects)."""
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) or getattr(
        exc, "sqlstate", None
    ) in {"40001", "40P01"}  # serialization failure, deadlock


class PostgresArchive(Archive):
    """The archive in a PostgreSQL database."""

    backend = "postgresql"
    schema_version = MIGRATIONS[-1][0]
    adapted_columns = JSON_COLUMNS | _TIMESTAMP_COLUMNS

    def __init__(self, database_url: str, *, read_only: bool = False, connect_timeout_s: int = 10) -> None:
        super().__init__()
        self.url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.read_only = read_only
        self.connect_timeout_s = connect_timeout_s
        self._conn: psycopg.Connection[Any] | None = None
        self._probe_conn: psycopg.Connection[Any] | None = None
        self._connect()
        if not read_only:
            self._migrate()
        self._check_schema()

    def __repr__(self) -> str:
        return f"PostgresArchive({self._safe_url()!r})"

    def _safe_url(self) -> str:
        info = psycopg.conninfo.conninfo_to_dict(self.url)
        return f"postgresql://{info.get('user', '')}@{info.get('host', '')}:{info.get('port', 5432)}/{info.get('dbname', '')}"

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout_s)
            if self.read_only:
                conn.execute("SET default_transaction_read_only = on")
        except psycopg.Error as exc:
            error = DatabaseUnavailable if _unavailable(exc) else StorageError
            raise error(f"cannot connect to PostgreSQL at {self._safe_url()}: {exc}") from exc
        self._conn = conn
        return conn

    @property
    def conn(self) -> psycopg.Connection[Any]:
        """The live connection, reconnecting after the server went away."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            return self._connect()
        return self._conn

    # -- migrations -------------------------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                row = self.conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
                current = row[0] if row else 0
                for version, description, statements in MIGRATIONS:
                    if version <= current:
                        continue
                    for step in statements:
                        if callable(step):
                            step(self.conn)
                        else:
                            self.conn.execute(step)  # type: ignore[arg-type]  # fixed DDL, no user input
                    self.conn.execute(
                        "INSERT INTO schema_migrations (version, description) VALUES (%s, %s)", (version, description)
                    )
        except psycopg.Error as exc:
            raise StorageError(f"migrating the archive at {self._safe_url()} failed: {exc}") from exc

    def _check_schema(self) -> None:
        found = self.current_schema_version()
        if found > self.schema_version:
            raise StorageError(
                f"{self._safe_url()} has schema version {found}, newer than this streams ({self.schema_version})"
            )
        if found < self.schema_version:
            raise StorageError(f"{self._safe_url()} has schema version {found}; open it once read-write to migrate")

    # -- hooks ------------------------------------------------------------------------------------
    def _error(self, exc: psycopg.Error) -> StorageError:
        if _is_transient(exc):
            return StorageError(f"PostgreSQL at {self._safe_url()} unavailable: {exc}")
        return StorageError(f"PostgreSQL rejected the write: {exc}", reason="storage_rejected")

    @contextmanager
    def _tx(self) -> Iterator[None]:
        try:
            with self.conn.transaction():
                yield
        except psycopg.Error as exc:
            raise self._error(exc) from exc

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            cur = self.conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description is not None else []
        except psycopg.Error as exc:
            raise self._error(exc) from exc

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.executemany(sql.replace("?", "%s"), rows)  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise self._error(exc) from exc

    def _insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        # COPY: the server's bulk path, several times faster than INSERT for child rows
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        try:
            with self.conn.cursor() as cur, cur.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:
            raise self._error(exc) from exc

    def _upsert_articles(self, rows: Sequence[Sequence[Any]]) -> None:
        # COPY into a transaction-scoped staging table, then one INSERT ... ON CONFLICT from it
        self._execute(
            "CREATE TEMP TABLE IF NOT EXISTS articles_incoming "
            "(LIKE articles INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        self._insert_rows("articles_incoming", ARTICLE_COLUMNS, rows)
        self._execute(self._upsert_sql(from_table="articles_incoming"))

    def _lock_ids(self, ids: Sequence[str]) -> None:
        keys = sorted({_lock_key(i) for i in ids})
        self._execute("SELECT pg_advisory_xact_lock(k) FROM unnest(?::bigint[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
                      [keys])

    def _in(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} = ANY(?)", [list(values)]

    def _adapt(self, column: str, value: Any) -> Any:
        if column in JSON_COLUMNS:
            return Jsonb(value, dumps=_jsonb_dumps)
        if column in _TIMESTAMP_COLUMNS and value is not None:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        return value  # text with NUL is refused by the server (DataError → storage_rejected)

    def _ts_param(self, value: datetime) -> Any:
        return value

    def _ts_out(self, value: Any) -> str | None:
        if value is None:
            return None
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

    def _json_out(self, value: Any) -> Any:
        return value  # psycopg loads JSONB already

    def _text_search(self, text: str) -> tuple[str, list[Any], str, list[Any], str, str] | None:
        if not text.strip():
            return None
        return (
            f"CROSS JOIN websearch_to_tsquery('{TS_CONFIG}', ?) AS tq",
            [text],
            "a.tsv @@ tq",
            [],
            "ts_rank_cd(a.tsv, tq)",
            f"ts_headline('{TS_CONFIG}', a.body_text, tq, 'StartSel=[, StopSel=], MaxWords=30, MinWords=10')",
        )

    def _probe(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            conn = self._probe_conn
            if conn is None or conn.closed or conn.broken:
                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout_s)
                conn.execute("SET default_transaction_read_only = on")
                self._probe_conn = conn
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]  # fixed SQL, no user input
        except psycopg.Error as exc:
            raise self._error(exc) from exc

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and not self._conn.closed:
                self._conn.close()
        with self._probe_lock:
            if self._probe_conn is not None and not self._probe_conn.closed:
                self._probe_conn.close()


def wait_for(database_url: str, timeout_s: float = 30.0) -> None:
    """Block until PostgreSQL at ``database_url`` accepts connections (StorageError on timeout)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            psycopg.connect(database_url, connect_timeout=2).close()
            return
        except psycopg.Error as exc:
            if time.monotonic() > deadline:
                raise StorageError(f"PostgreSQL not reachable within {timeout_s:.0f}s: {exc}") from exc
            time.sleep(0.5)
