"""Syndicated copies as one story: the SQL that collapses search and quote results by story cluster.

A story is an article's dedupe cluster (``cluster_id``), or the article alone when it has none. Collapsed,
a search lists each story once, at the place of its best-ranked matching copy, with ``copies`` (how many
of the story's articles match); quotes are listed from that one copy only. Both backends run the same SQL
(window functions: SQLite 3.25+, PostgreSQL).
"""

from __future__ import annotations

STORY = "COALESCE(a.cluster_id, a.id)"


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


def quoted_copies(quote_cond: str) -> str:
    """Articles with a quote matching ``quote_cond`` (over ``quotes q``), ranked within their story (newest
    first) with the story's count of such articles. Parameters: ``quote_cond``'s."""
    return (
        f"SELECT a.id AS article_id, ROW_NUMBER() OVER (PARTITION BY {STORY} ORDER BY a.published_at DESC, a.id) "
        f"AS story_rank, COUNT(*) OVER (PARTITION BY {STORY}) AS copies FROM articles a "
        f"WHERE EXISTS (SELECT 1 FROM quotes q WHERE q.article_id = a.id AND {quote_cond})"
    )
