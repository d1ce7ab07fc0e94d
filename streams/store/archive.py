"""The archive interface shared by both backends, and :func:`open_archive` that picks one by URL.

Writes are idempotent upserts keyed by article id: of two versions of an article the archive keeps
the one with the larger ``(version, versioncreated, enriched_at)``; an older or equal one changes
nothing, so re-delivering a topic is harmless. A batch is one transaction: the ids are locked, the
stored keys read, the winners' child rows (entities, mentions, quotes, topics) replaced and their
article rows upserted (with the same "only if newer" guard in SQL, as a second line of defence).

The SQL here is written once with ``?`` placeholders; the PostgreSQL backend rewrites them to
``%s``. Every value from a user travels as a bound parameter, never as SQL text.
"""

from __future__ import annotations

import logging
import math
import threading
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

from streams.core.errors import ValidationError
from streams.core.model import EnrichedArticle, headline_of
from streams.store import ranking, stories
from streams.store.rows import (
    ARTICLE_COLUMNS,
    ENTITY_COLUMNS,
    MENTION_COLUMNS,
    QUOTE_COLUMNS,
    TOPIC_COLUMNS,
    ArticleRows,
    article_rows,
    norm,
    order_key,
)
from streams.store.trends import TrendReads
from streams.store.views import ConsoleReads

log = logging.getLogger(__name__)

MAX_PAGE = 500
#: far beyond any archive's row count, and far inside the 64-bit integers both databases bind
#: (a larger OFFSET made SQLite raise OverflowError and the API drop the connection)
MAX_OFFSET = 1_000_000_000
#: a search's cost grows with its terms (each one an FTS/tsquery lookup and merge): 1,000 terms took
#: 9-11 s on SQLite while holding the archive. A person's query is a handful of words; 32 and 1,000
#: characters leave room for long phrases and pasted headlines while keeping one search cheap
MAX_QUERY_TERMS = 32
MAX_QUERY_CHARS = 1_000
CHILD_TABLES: tuple[str, ...] = ("mentions", "entities", "quotes", "topics")


@dataclass(frozen=True)
class SearchQuery:
    """What ``streams search`` and ``GET /articles`` can ask for; every filter is optional (AND)."""

    text: str | None = None  # full text, websearch syntax: words, "phrases", or, -exclusions
    entity: str | None = None  # entity name or a mention of it, e.g. "Kallas" (case-insensitive)
    speaker: str | None = None  # resolved quote speaker (case-insensitive)
    topic: str | None = None  # IPTC code (medtop:...) or topic label
    source: str | None = None  # original source or provider (case-insensitive)
    cluster_id: str | None = None  # dedupe story cluster
    language: str | None = None
    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    all_copies: bool = False  # every syndicated copy; default one row per story (stories.py), with ``copies``
    limit: int = 20
    offset: int = 0
    #: count matches only up to this many (``total`` is then at most count_limit + 1: "more than");
    #: None counts them all. Counting 100,000 matches of a broad filter is most of a search's time
    count_limit: int | None = None
    #: with ``text``, score only the newest this-many matches when there are more (ranking.py); None
    #: scores every match (its cost grows with the archive)
    rank_limit: int | None = ranking.RANK_LIMIT

    def __post_init__(self) -> None:
        check_paging(self.limit, self.offset)
        if self.rank_limit is not None and self.rank_limit < 1:
            raise ValidationError("must be at least 1 (or None: rank every match)", field="rank_limit")
        if self.text is not None:
            check_search_text(self.text)
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=timezone.utc))


def check_paging(limit: int, offset: int) -> None:
    """``ValidationError`` naming the parameter unless 1 <= limit <= MAX_PAGE and 0 <= offset <= MAX_OFFSET."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"must be between 1 and {MAX_PAGE}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise ValidationError(f"must be between 0 and {MAX_OFFSET}", field="offset")


def check_search_text(text: str) -> None:
    """``ValidationError`` when a full-text query is too long or has too many words to stay cheap."""
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError(f"is {len(text)} characters long; at most {MAX_QUERY_CHARS} characters are searched",
                              field="q")
    terms = len(text.split())  # words of phrases count one by one: each is a lookup
    if terms > MAX_QUERY_TERMS:
        raise ValidationError(f"has {terms} words; at most {MAX_QUERY_TERMS} are searched, use fewer", field="q")


@dataclass
class Page:
    """One page of results and the total number of matches."""

    total: int
    limit: int
    offset: int
    results: list[dict[str, Any]] = field(default_factory=list)
    #: set when a text search matched more articles than this and only the newest this-many were
    #: ranked (``total`` and the results are theirs); None: every match was ranked
    ranked: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WriteResult:
    """What one :meth:`Archive.write` did."""

    received: int  # articles in the batch
    written: int  # articles inserted or replaced by a newer version
    unchanged: int  # already stored at the same or a newer version

    @property
    def stale(self) -> int:
        return self.unchanged


def parse_time(value: str) -> datetime:
    """A ``--since``/``--until`` value: ISO 8601 date or date-time (naive = UTC)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an ISO 8601 date or date-time (e.g. 2026-01-13)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def speaker_condition(speaker: str) -> tuple[str, list[Any]]:
    """SQL over quotes ``q`` for a speaker asked for as ``--entity`` matches entities: the resolved
    name, a surname ("Kallas" for "Kaja Kallas"), or words naming the speaker's entity in the
    article (its mentions), all case-insensitive."""
    key = norm(speaker) or ""
    surname = "% " + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    sql = ("(q.speaker_norm = ? OR q.speaker_norm LIKE ? ESCAPE '\\'"
           " OR EXISTS (SELECT 1 FROM entities e JOIN mentions m ON m.article_id = e.article_id"
           " AND m.entity_idx = e.idx WHERE e.article_id = q.article_id AND e.name_norm = q.speaker_norm"
           " AND m.text_norm = ?))")
    return sql, [key, surname, key]


def speaker_articles(speaker: str) -> tuple[str, list[Any]]:
    """SQL selecting the ids of articles quoting ``speaker`` as :func:`speaker_condition` matches
    quotes, written as a union of index lookups (the name, a surname, a mention of the speaker)."""
    key = norm(speaker) or ""
    surname = "% " + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    sql = ("SELECT article_id FROM quotes WHERE speaker_norm = ?"
           " UNION SELECT article_id FROM quotes WHERE speaker_norm LIKE ? ESCAPE '\\'"
           " UNION SELECT q.article_id FROM mentions m JOIN entities e ON e.article_id = m.article_id"
           " AND e.idx = m.entity_idx JOIN quotes q ON q.article_id = e.article_id AND q.speaker_norm = e.name_norm"
           " WHERE m.text_norm = ?")
    return sql, [key, surname, key]


class Archive(ConsoleReads, TrendReads, ABC):
    """The searchable archive. Thread-safe: one connection, calls serialized by a lock."""

    backend: str = "?"
    #: target schema version; migrations up to it run on open
    schema_version: int = 0
    #: a text search's matches newest first (each descending; ranking.py): the cheapest recency order
    newest_keys: tuple[str, ...] = ("a.published_at", "a.id")
    #: ``articles a`` read in publication order, for broad filters (stories.newest_first)
    by_date: str = "articles a"
    #: columns whose values :meth:`_adapt` converts before binding
    adapted_columns: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._probe_lock = threading.Lock()  # health reads: their own connection and lock

    # -- backend hooks ----------------------------------------------------------------------------
    @abstractmethod
    def _tx(self) -> Any:
        """Context manager: one write transaction (commit on success, rollback on error)."""

    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; rows if it returns any."""

    @abstractmethod
    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def _lock_ids(self, ids: Sequence[str]) -> None:
        """Serialize writers of the same ids until the end of the transaction."""

    @abstractmethod
    def _in(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """SQL ``column IN (values)`` and its parameters."""

    @abstractmethod
    def _adapt(self, column: str, value: Any) -> Any:
        """A row value as the driver should bind it (JSON, timestamps)."""

    @abstractmethod
    def _ts_param(self, value: datetime) -> Any: ...

    @abstractmethod
    def _ts_out(self, value: Any) -> str | None: ...

    @abstractmethod
    def _text_search(self, text: str) -> tuple[str, list[Any], str, list[Any], str, str] | None:
        """(FROM-clause join, its params, WHERE condition, its params, score expr, snippet expr).

        None when ``text`` has nothing searchable (only exclusions or punctuation).
        """

    @abstractmethod
    def _json_out(self, value: Any) -> Any: ...

    @abstractmethod
    def _probe(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a read on a connection kept for :meth:`health` (opened on first use, under ``_probe_lock``)."""

    @abstractmethod
    def close(self) -> None: ...

    # -- writing ----------------------------------------------------------------------------------
    def write(self, batch: Sequence[EnrichedArticle]) -> WriteResult:
        """Upsert a batch in one transaction; raises ValidationError before touching the database."""
        newest: dict[str, ArticleRows] = {}
        for ea in batch:
            rows = article_rows(ea)
            kept = newest.get(rows.id)
            if kept is None or rows.order_key > kept.order_key:
                newest[rows.id] = rows
        return self.write_rows(list(newest.values()), received=len(batch))

    def write_rows(self, rows: Sequence[ArticleRows], *, received: int | None = None) -> WriteResult:
        """Upsert pre-flattened rows (ids must be unique) in one transaction."""
        received = len(rows) if received is None else received
        if not rows:
            return WriteResult(received, 0, received)
        ids = sorted(r.id for r in rows)
        with self._lock, self._tx():
            self._lock_ids(ids)
            stored = self._stored_keys(ids)
            winners = [r for r in rows if r.id not in stored or r.order_key > stored[r.id]]
            if winners:
                self._replace(winners)
        return WriteResult(received, len(winners), received - len(winners))

    def _stored_keys(self, ids: Sequence[str]) -> dict[str, tuple[int, float, float]]:
        keys: dict[str, tuple[int, float, float]] = {}
        for chunk in _chunks(ids, 500):
            cond, params = self._in("id", chunk)
            for id_, version, vc_ts, enriched_ts in self._execute(
                f"SELECT id, version, vc_ts, enriched_ts FROM articles WHERE {cond}", params
            ):
                keys[id_] = order_key(version, vc_ts, enriched_ts)
        return keys

    def _replace(self, winners: Sequence[ArticleRows]) -> None:
        win_ids = [w.id for w in winners]
        for table in CHILD_TABLES:
            for chunk in _chunks(win_ids, 500):
                cond, params = self._in("article_id", chunk)
                self._execute(f"DELETE FROM {table} WHERE {cond}", params)
        self._upsert_articles(self._bind(ARTICLE_COLUMNS, [self._article_tuple(w) for w in winners]))
        for table, columns, attr in (
            ("entities", ENTITY_COLUMNS, "entities"),
            ("mentions", MENTION_COLUMNS, "mentions"),
            ("quotes", QUOTE_COLUMNS, "quotes"),
            ("topics", TOPIC_COLUMNS, "topics"),
        ):
            values = [row for w in winners for row in getattr(w, attr)]
            if values:
                self._insert_rows(table, columns, self._bind(columns, values))

    def _upsert_articles(self, rows: Sequence[Sequence[Any]]) -> None:
        """Insert or (only if newer) update article rows; bound values in ARTICLE_COLUMNS order."""
        self._executemany(self._upsert_sql(), rows)

    def _insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Plain inserts of child rows (their article's old rows were deleted in this transaction)."""
        self._executemany(_insert_sql(table, columns), rows)

    @staticmethod
    def _article_tuple(rows: ArticleRows) -> tuple[Any, ...]:
        return tuple(rows.article[c] for c in ARTICLE_COLUMNS)

    def _bind(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """Rows as the driver binds them: only the columns that need it go through :meth:`_adapt`."""
        special = [(i, c) for i, c in enumerate(columns) if c in self.adapted_columns]
        if not special:
            return rows
        out = []
        for row in rows:
            values = list(row)
            for i, c in special:
                values[i] = self._adapt(c, values[i])
            out.append(values)
        return out

    def _upsert_sql(self, from_table: str | None = None) -> str:
        """The guarded upsert of article rows: from bound VALUES, or from a staging table."""
        cols = ", ".join(ARTICLE_COLUMNS)
        marks = ", ".join("?" for _ in ARTICLE_COLUMNS)
        source = f"SELECT {cols} FROM {from_table}" if from_table else f"VALUES ({marks})"
        updates = ", ".join(f"{c} = excluded.{c}" for c in ARTICLE_COLUMNS if c != "id")
        newer = (
            "(excluded.version, COALESCE(excluded.vc_ts, -1e15), COALESCE(excluded.enriched_ts, -1e15)) > "
            "(articles.version, COALESCE(articles.vc_ts, -1e15), COALESCE(articles.enriched_ts, -1e15))"
        )
        return f"INSERT INTO articles ({cols}) {source} ON CONFLICT (id) DO UPDATE SET {updates} WHERE {newer}"

    # -- reading ----------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of articles stored."""
        with self._lock:
            return int(self._execute("SELECT count(*) FROM articles")[0][0])

    def count_ids(self, ids: Sequence[str]) -> int:
        """How many of ``ids`` are stored (each counted once)."""
        unique, found = sorted(set(ids)), 0
        with self._lock:
            for i in range(0, len(unique), 500):
                cond, params = self._in("id", unique[i:i + 500])
                found += int(self._execute(f"SELECT count(*) FROM articles WHERE {cond}", params)[0][0])
        return found

    def table_counts(self) -> dict[str, int]:
        """Rows per table (articles and every child table)."""
        with self._lock:
            return {t: int(self._execute(f"SELECT count(*) FROM {t}")[0][0]) for t in ("articles", *CHILD_TABLES)}

    def current_schema_version(self) -> int:
        with self._lock:
            return int(self._execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0])

    def refresh_statistics(self) -> bool:
        """Refresh what the query planner knows of the data (bounded cost); True when something ran.
        Here nothing: PostgreSQL's autovacuum analyzes each table as it changes."""
        return False

    def health(self) -> dict[str, Any]:
        """Backend, schema version and article count, read on a connection of its own.

        Searches, writes and every other read serialize on the archive's lock; health never takes
        it, so a long search cannot make the archive look dead to a probe.
        """
        with self._probe_lock:
            version = int(self._probe("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0])
            articles = int(self._probe("SELECT count(*) FROM articles")[0][0])
        return {"backend": self.backend, "schema_version": version, "articles": articles}

    def search(self, query: SearchQuery) -> Page:
        """Articles matching every given filter; by relevance with text, else newest first. Syndicated copies
        (one dedupe cluster) are one row, with ``copies``, unless ``query.all_copies``."""
        joins, join_params, where, where_params = "", list[Any](), list[str](), list[Any]()
        score, snippet = "NULL", "NULL"
        if query.text:
            fts = self._text_search(query.text)
            if fts is None:  # nothing searchable in the text (only exclusions or punctuation)
                return Page(total=0, limit=query.limit, offset=query.offset)
            joins, join_params, cond, cond_params, score, snippet = fts
            text_cond = (cond, list(cond_params))
            where.append(cond)
            where_params += cond_params
        # entities and speakers are selective: id sets built once from their indexes (a per-article
        # EXISTS probed every article: 1-2 s on 100,000 articles, benchmarks/bench_console.py)
        if query.entity:  # the entity's name, or the words that name it somewhere in the text
            where.append("a.id IN (SELECT article_id FROM entities WHERE name_norm = ?"
                         " UNION SELECT article_id FROM mentions WHERE text_norm = ?)")
            where_params += [norm(query.entity)] * 2
        if query.speaker:
            sql, sql_params = speaker_articles(query.speaker)
            where.append(f"a.id IN ({sql})")
            where_params += sql_params
        if query.topic:  # a few topics cover most articles: probed per article along the date order
            where.append(
                "EXISTS (SELECT 1 FROM topics t WHERE t.article_id = a.id AND (t.code = ? OR t.label_norm = ?))"
            )
            where_params += [query.topic.strip(), norm(query.topic)]
        if query.source:
            where.append("(a.source_norm = ? OR a.provider_norm = ?)")
            where_params += [norm(query.source)] * 2
        if query.cluster_id:
            where.append("a.cluster_id = ?")
            where_params.append(query.cluster_id)
        if query.language:
            where.append("a.language = ?")
            where_params.append(query.language)
        if query.since:
            where.append("a.published_at >= ?")
            where_params.append(self._ts_param(query.since))
        if query.until:
            where.append("a.published_at < ?")
            where_params.append(self._ts_param(query.until))
        where_sql = (" WHERE " + " AND ".join(where)) if where else ""
        params = join_params + where_params
        text_only = bool(query.text) and len(where) == 1
        past = self._rank_bound(query, joins, where_sql, params, text_only=text_only)
        if past is not None:  # a broad text search: score only its newest matches
            where_sql += " AND " + ranking.newer_than(self.newest_keys)
            params = params + list(past)
            text_cond = (f"{text_cond[0]} AND {ranking.newer_than(self.newest_keys)}", text_cond[1] + list(past))
        ranked = None if past is None else query.rank_limit
        columns = ("a.id, a.headline, a.published_at, a.versioncreated, a.version, a.source, a.provider, "
                   "a.language, a.cluster_id, a.duplicate_of, a.uri")
        sql = stories.search_sql(columns, joins, where_sql, score, ranked=bool(query.text),
                                 every_copy=query.all_copies)
        with self._lock:
            counted = stories.count_sql(joins, where_sql, every_copy=query.all_copies)
            if query.count_limit is not None:  # the console's pages: count no further than they show
                what = "1" if query.all_copies else f"DISTINCT {stories.STORY}"
                counted = (f"SELECT count(*) FROM (SELECT {what} FROM articles a {joins}{where_sql} "
                           f"LIMIT {int(query.count_limit) + 1}) c")
            total = int(self._execute(counted, params)[0][0])
            capped = query.count_limit is not None and total > query.count_limit
            if not (capped or total > query.offset):
                rows = []
            elif query.text or query.all_copies:
                rows = self._execute(sql, params + [query.limit, query.offset])
            else:  # newest first, one row per story: from the newest matches only
                rows = stories.newest_first(self._execute, self._in, columns, joins, where_sql, params,
                                            offset=query.offset, limit=query.limit, by_date=self.by_date)
            results = [self._article_summary(r) for r in rows]
            if query.text and results:
                self._snippets(results, joins, join_params, *text_cond, snippet)
            self._attach_topics(results)
            self._derived_headlines(results, "id")
        return Page(total=total, limit=query.limit, offset=query.offset, results=results, ranked=ranked)

    def _rank_bound(self, query: SearchQuery, joins: str, where_sql: str, params: list[Any], *,
                    text_only: bool) -> tuple[Any, ...] | None:
        """The :attr:`newest_keys` of the match just past the newest ``query.rank_limit`` of a text search;
        None when it has no more matches than that (or no text, or no limit)."""
        if not query.text or query.rank_limit is None:
            return None
        sql = self._text_only_past(query.rank_limit) if text_only else None
        if sql is None:
            sql = ranking.oldest_kept_sql(joins, where_sql, self.newest_keys, query.rank_limit)
        with self._lock:
            rows = self._execute(sql, params)
        return tuple(rows[0]) if rows else None

    def _text_only_past(self, limit: int) -> str | None:
        """SQL of :meth:`_rank_bound` for a search by text alone from the text index only, or None."""
        return None

    def _snippets(self, results: list[dict[str, Any]], joins: str, join_params: list[Any], cond: str,
                  cond_params: list[Any], snippet: str) -> None:
        """The text search's snippet of each result (read for the page only: highlighting is costly)."""
        in_sql, in_params = self._in("a.id", [r["id"] for r in results])
        found = dict(self._execute(f"SELECT a.id, {snippet} FROM articles a {joins} WHERE {cond} AND {in_sql}",
                                   join_params + cond_params + in_params))
        for r in results:
            r["snippet"] = found.get(r["id"])

    def _article_summary(self, r: tuple[Any, ...]) -> dict[str, Any]:
        score = r[11]
        return {
            "id": r[0],
            "headline": r[1],
            "published_at": self._ts_out(r[2]),
            "versioncreated": r[3],
            "version": r[4],
            "source": r[5],
            "provider": r[6],
            "language": r[7],
            "cluster_id": r[8],
            "duplicate_of": r[9],
            "uri": r[10],
            "score": None if score is None or not math.isfinite(float(score)) else round(float(score), 6),
            "snippet": None,
            "copies": int(r[12]),  # this story's matching copies (1: no syndicated copy matched)
        }

    def _attach_topics(self, results: list[dict[str, Any]]) -> None:
        if not results:
            return
        by_id = {r["id"]: r for r in results}
        for r in results:
            r["topics"] = []
        cond, params = self._in("article_id", list(by_id))
        for article_id, code, label, score in self._execute(
            f"SELECT article_id, code, label, score FROM topics WHERE {cond} ORDER BY score DESC, code", params
        ):
            by_id[article_id]["topics"].append({"code": code, "label": label, "score": score})

    def _derived_headlines(self, results: list[dict[str, Any]], id_key: str) -> None:
        """Fill a missing ``headline`` with the one derived from the lead (``provenance["headline"]``)
        and mark it ``headline_derived``; the stored ``headline`` column stays as received."""
        missing = {r[id_key] for r in results if not r.get("headline")}
        if not missing:
            return
        cond, params = self._in("id", sorted(missing))
        derived = {}
        for article_id, doc in self._execute(f"SELECT id, doc FROM articles WHERE {cond}", params):
            derived[article_id] = headline_of(None, (self._json_out(doc) or {}).get("provenance"))
        for r in results:
            if not r.get("headline") and derived.get(r[id_key]):
                r["headline"], r["headline_derived"] = derived[r[id_key]], True

    def quotes(self, speaker: str | None = None, *, article_id: str | None = None, limit: int = 20,
               offset: int = 0, all_copies: bool = False) -> Page:
        """Quotes, newest article first; by resolved speaker (case-insensitive) and/or article. Of syndicated
        copies (one dedupe cluster) only the newest copy's quotes are listed, with ``copies``, unless
        ``all_copies``."""
        check_paging(limit, offset)
        where, params, among, among_params = [], [], [], []
        if speaker:
            cond, cond_params = speaker_condition(speaker)
            where.append(cond)
            params += cond_params
            among_sql, among_sql_params = speaker_articles(speaker)  # the speaker's articles from the indexes
            among.append(f"a.id IN ({among_sql})")
            among_params += among_sql_params
        if article_id:
            where.append("q.article_id = ?")
            params.append(article_id)
            among.append("a.id = ?")
            among_params.append(article_id)
        quote_cond = " AND ".join(where) or "1 = 1"
        keep = "" if all_copies else " AND c.story_rank = 1"
        copies_sql = stories.quoted_copies(quote_cond, " AND ".join(among))
        from_sql = (f"FROM quotes q JOIN articles a ON a.id = q.article_id JOIN ({copies_sql}) c "
                    f"ON c.article_id = q.article_id{keep} WHERE {quote_cond}")
        params = among_params + params + params
        with self._lock:
            total = int(self._execute(f"SELECT count(*) {from_sql}", params)[0][0])
            rows = self._execute(
                "SELECT q.article_id, q.idx, q.kind, q.text, q.speaker, q.speaker_text, q.cue, q.start_offset, "
                f"q.end_offset, q.segments, a.headline, a.published_at, a.source, c.copies {from_sql} "
                "ORDER BY a.published_at DESC, q.article_id, q.idx LIMIT ? OFFSET ?",
                params + [limit, offset],
            )
        results = [
            {
                "article_id": r[0],
                "index": r[1],
                "kind": r[2],
                "text": r[3],
                "speaker": r[4],
                "speaker_text": r[5],
                "cue": r[6],
                "start": r[7],
                "end": r[8],
                "segments": self._json_out(r[9]),
                "headline": r[10],
                "published_at": self._ts_out(r[11]),
                "source": r[12],
                "copies": int(r[13]),
            }
            for r in rows
        ]
        with self._lock:
            self._derived_headlines(results, "article_id")
        return Page(total=total, limit=limit, offset=offset, results=results)

    def cluster(self, cluster_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        """Articles of one dedupe story cluster, newest first."""
        return self.search(SearchQuery(cluster_id=cluster_id, all_copies=True, limit=limit, offset=offset))

    def article(self, article_id: str) -> dict[str, Any] | None:
        """The stored enriched article (as produced to the topic), or None."""
        with self._lock:
            rows = self._execute("SELECT doc, body_text FROM articles WHERE id = ?", [article_id])
        if not rows:
            return None
        doc = self._json_out(rows[0][0])
        doc["article"]["body_text"] = rows[0][1]  # the body is stored once, in its own column
        return doc

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
