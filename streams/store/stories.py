"""Syndicated copies as one story: the SQL that collapses search and quote results by story cluster.

A story is an article's dedupe cluster (``cluster_id``), or the article alone when it has none. Collapsed,
a search lists each story once, at the place of its best-ranked matching copy, with ``copies`` (how many
of the story's articles match); quotes are listed from that one copy only. Both backends run the same SQL
(window functions: SQLite 3.25+, PostgreSQL).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

STORY = "COALESCE(a.cluster_id, a.id)"
#: rows of the first prefix read by :func:`newest_first` beyond two per story asked for (copies of
#: one story are rarely more than a few; each further read takes four times as many)
PREFIX_ROWS = 64
#: a filter matching more than this many rows per row a page reads is walked along the publication
#: time (stopping at the page) instead of sorting all its matches. SQLite keeps no value frequencies
#: (no STAT4): ``source=Reuters`` (97 % of 100,000 articles) was read from its index and sorted,
#: 270-440 ms even after ANALYZE; walked by date it stops after a few hundred rows
BROAD = 20

Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
In = Callable[[str, Sequence[Any]], tuple[str, list[Any]]]


def ranked_matches(joins: str, where_sql: str, score: str, *, ranked: bool) -> str:
    """Every matching article: id, score, published_at, its rank among its story's matches (in the search's
    order) and the story's number of matches."""
    order = "score DESC, published_at DESC, id" if ranked else "published_at DESC, id"
    matches = (f"SELECT a.id AS id, {score} AS score, {STORY} AS story, a.published_at AS published_at "
               f"FROM articles a {joins}{where_sql}")
    return (
        f"SELECT id, score, published_at, ROW_NUMBER() OVER (PARTITION BY story ORDER BY {order}) AS story_rank, "
        f"COUNT(*) OVER (PARTITION BY story) AS copies FROM ({matches}) s"
    )


def search_sql(columns: str, joins: str, where_sql: str, score: str, *, ranked: bool, every_copy: bool) -> str:
    """The page of a search: ``columns`` of ``articles a``, then ``m.score`` and ``m.copies``; one row per
    story unless ``every_copy``; by score when ``ranked``, else newest first. Parameters: the join's and the
    where's, then LIMIT and OFFSET."""
    order = "m.score DESC, m.published_at DESC, a.id" if ranked else "m.published_at DESC, a.id"
    keep = "" if every_copy else " WHERE m.story_rank = 1"
    return (
        f"SELECT {columns}, m.score, m.copies FROM ({ranked_matches(joins, where_sql, score, ranked=ranked)}) m "
        f"JOIN articles a ON a.id = m.id{keep} ORDER BY {order} LIMIT ? OFFSET ?"
    )


def count_sql(joins: str, where_sql: str, *, every_copy: bool) -> str:
    """How many rows :func:`search_sql` has in all (articles, or stories)."""
    what = "count(*)" if every_copy else f"count(DISTINCT {STORY})"
    return f"SELECT {what} FROM articles a {joins}{where_sql}"


def quoted_copies(quote_cond: str, among: str = "") -> str:
    """Articles with a quote matching ``quote_cond`` (over ``quotes q``), ranked within their story (newest
    first) with the story's count of such articles. ``among``: a condition on ``articles a`` narrowing the
    articles probed to those that can match (without one every article is probed: seconds at 100,000).
    Parameters: ``among``'s, then ``quote_cond``'s."""
    narrow = f"{among} AND " if among else ""
    return (
        f"SELECT a.id AS article_id, ROW_NUMBER() OVER (PARTITION BY {STORY} ORDER BY a.published_at DESC, a.id) "
        f"AS story_rank, COUNT(*) OVER (PARTITION BY {STORY}) AS copies FROM articles a "
        f"WHERE {narrow}EXISTS (SELECT 1 FROM quotes q WHERE q.article_id = a.id AND {quote_cond})"
    )


def newest_first(execute: Execute, in_: In, columns: str, joins: str, where_sql: str, params: list[Any], *,
                 offset: int, limit: int, by_date: str = "articles a") -> list[tuple[Any, ...]]:
    """The rows of :func:`search_sql` for a collapsed listing newest first (no text to rank), read from
    the newest matches only: a story stands at its newest copy, so the page is decided by the shortest
    prefix of matches (newest first) holding ``offset + limit`` stories. Window functions over every
    match sorted all of them by story on each page (a second and more over 100,000 articles); the
    prefix is read in growing steps, and ``copies`` counted for the page's stories alone. ``by_date``:
    ``articles a`` read along the publication-time index (SQLite: INDEXED BY), for filters too broad
    to sort their matches (see :data:`BROAD`)."""
    need, size = offset + limit, PREFIX_ROWS + 2 * (offset + limit)
    table = "articles a"
    if where_sql and int(execute(f"SELECT count(*) FROM (SELECT 1 FROM articles a {joins}{where_sql} "
                                 f"LIMIT {BROAD * size + 1}) b", params)[0][0]) > BROAD * size:
        table = by_date
    while True:
        rows = execute(f"SELECT a.id, {STORY} FROM {table} {joins}{where_sql} "
                       "ORDER BY a.published_at DESC, a.id LIMIT ?", params + [size])
        first: dict[str, str] = {}
        for article_id, story in rows:
            first.setdefault(story, article_id)
        if len(first) >= need or len(rows) < size:
            break
        size *= 4
    page = list(first.items())[offset:need]
    if not page:
        return []
    keys = [story for story, _ in page]
    (cluster_cond, cluster_params), (id_cond, id_params) = in_("a.cluster_id", keys), in_("a.id", keys)
    glue = " AND " if where_sql else " WHERE "
    copies = dict(execute(f"SELECT {STORY}, count(*) FROM articles a {joins}{where_sql}{glue}({cluster_cond} OR "
                          f"{id_cond}) GROUP BY {STORY}", params + cluster_params + id_params))
    ids_cond, ids_params = in_("a.id", [article_id for _, article_id in page])
    found = {r[0]: r for r in execute(f"SELECT {columns} FROM articles a WHERE {ids_cond}", ids_params)}
    return [(*found[article_id], None, int(copies.get(story, 1))) for story, article_id in page]
