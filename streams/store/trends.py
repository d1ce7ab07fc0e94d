"""Reads of the archive for the console's Trends page: counts over time per entity and per topic, and the
busiest stories (most copies) of a period.

A mixin of :class:`~streams.store.archive.Archive`, like :mod:`streams.store.views`. Every read is bounded:
one window of publication time (found through the ``published_at`` index), at most :data:`MAX_BUCKETS`
buckets, the top few names. Rows are bucketed in Python against edges of the backend's own timestamp type,
so both backends run the same SQL.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta
from typing import Any, Sequence

from streams.store.hooks import ArchiveHooks
from streams.store.rows import norm

#: entities or topics charted when none is asked for
TREND_TOP = 6
#: buckets of one chart
MAX_BUCKETS = 48
#: names charted at once when asked for
MAX_NAMES = 8
STORIES_TOP = 10
#: the busiest names of a period are ranked over at most this many of its newest articles
TOP_SAMPLE = 2_000

#: what a trend counts: its table, the key it groups by, the name shown, and what breaks a tie in articles
#: (an entity mentioned more often, a topic scored higher, ranks first)
_KINDS = {
    "entity": ("entities", "x.name_norm", "max(x.name)", "sum(x.mention_count)"),
    "topic": ("topics", "x.code", "max(x.label)", "sum(x.score)"),
}


class TrendReads(ArchiveHooks):
    """Trend reads; the hooks (``_execute``, ``_in``, ``_ts_*``, ``_lock``) are the archive's."""

    def trend(self, kind: str, start: datetime, width: timedelta, buckets: int, *,
              names: Sequence[str] = (), top: int = TREND_TOP) -> list[dict[str, Any]]:
        """Articles per bucket for each entity (``kind="entity"``) or IPTC topic (``"topic"``) published in
        ``buckets`` buckets of ``width`` from ``start``: the ``top`` most frequent of the window, or the
        ``names`` asked for (entity names, topic codes or labels). Each series: ``key``, ``name``, ``total``,
        ``counts`` (one per bucket); the busiest first (most articles, then most mentions or the highest
        topic scores), or in the order asked."""
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {', '.join(_KINDS)}")
        if not 0 < buckets <= MAX_BUCKETS:
            raise ValueError(f"1 to {MAX_BUCKETS} buckets")
        edges = [self._ts_param(start + width * i) for i in range(buckets + 1)]
        with self._lock:
            keys = self._wanted(kind, names[:MAX_NAMES]) if names else self._top(kind, edges[0], edges[-1], top)
            if not keys:
                return []
            rows = self._bucket_counts(kind, edges, keys)
        by_key = {r[0]: [int(c or 0) for c in r[1:]] for r in rows}
        series = []
        for key, name in keys:
            counts = by_key.get(key, [0] * buckets)
            series.append({"key": key, "name": name, "total": sum(counts), "counts": counts})
        return series

    def _top(self, kind: str, first: Any, last: Any, top: int) -> list[tuple[str, str]]:
        """The busiest keys among the window's newest TOP_SAMPLE articles (a busy week holds tens of thousands:
        ranking every name of all of them costs most of a second; the bars then count the whole window)."""
        table, key, name, weight = _KINDS[kind]
        # CROSS JOIN: SQLite keeps this order (the window's articles by the published_at index, then their
        # rows by primary key) instead of walking a busy name's index over the whole archive
        rows = self._execute(
            f"SELECT {key}, {name}, count(DISTINCT a.id) AS n FROM (SELECT id FROM articles WHERE published_at >= ? "
            f"AND published_at < ? ORDER BY published_at DESC LIMIT ?) a CROSS JOIN {table} x "
            f"WHERE x.article_id = a.id GROUP BY {key} ORDER BY n DESC, {weight} DESC, {key} LIMIT ?",
            [first, last, TOP_SAMPLE, top])
        return [(r[0], r[1]) for r in rows]

    def _wanted(self, kind: str, names: Sequence[str]) -> list[tuple[str, str]]:
        """The keys of the names asked for: an entity by its name, a topic by its code or its label."""
        wanted = list(dict.fromkeys(" ".join(n.split()) for n in names if n.strip()))
        if kind == "entity":
            return [(norm(n) or n, n) for n in wanted]
        out: dict[str, str] = {}
        for name in wanted:  # the OR can use both topic indexes; the first row names the code
            rows = self._execute("SELECT code, label FROM topics WHERE code = ? OR label_norm = ? LIMIT 1",
                                 [name, norm(name)])
            code, label = rows[0] if rows else (name, name)
            out.setdefault(code, label or code)
        return list(out.items())

    def _bucket_counts(self, kind: str, edges: Sequence[Any], keys: Sequence[tuple[str, str]]) -> list[tuple[Any, ...]]:
        """Per key: its articles in each bucket between consecutive ``edges`` (an article once per key).

        The rows come back unbucketed and are bucketed here by bisection: one comparison per bucket and row
        in SQL (a ``CASE`` per bucket) cost most of a second on a busy week."""
        table, key, _, _ = _KINDS[kind]
        cond, params = self._in(key, [k for k, _ in keys])
        sql = (f"SELECT {key}, a.id, a.published_at FROM articles a CROSS JOIN {table} x WHERE x.article_id = a.id "
               f"AND a.published_at >= ? AND a.published_at < ? AND {cond}")
        counts: dict[str, list[int]] = {}
        seen: set[tuple[str, str]] = set()  # an entity name may be listed twice on an article (two types)
        for k, article_id, published in self._execute(sql, [edges[0], edges[-1]] + params):
            if (k, article_id) in seen:
                continue
            seen.add((k, article_id))
            i = bisect.bisect_right(edges, published) - 1
            if 0 <= i < len(edges) - 1:
                counts.setdefault(k, [0] * (len(edges) - 1))[i] += 1
        return [(k, *c) for k, c in counts.items()]

    def newest_published(self) -> str | None:
        """When the newest archived article was published (ISO 8601, UTC), or None when there is none."""
        with self._lock:
            rows = self._execute("SELECT max(published_at) FROM articles")
        return self._ts_out(rows[0][0]) if rows else None

    def busiest_stories(self, since: datetime, until: datetime, *, limit: int = STORIES_TOP) -> list[dict[str, Any]]:
        """The stories (dedupe clusters; an article alone is its own) with the most articles published in
        [since, until): ``story``, ``articles``, ``sources``, ``first``/``last`` published, and the
        ``id``, ``headline`` and ``source`` of its first article in the period."""
        window = [self._ts_param(since), self._ts_param(until)]
        with self._lock:
            rows = self._execute(
                "SELECT COALESCE(cluster_id, id) AS story, count(*) AS n, "
                "count(DISTINCT COALESCE(source_norm, provider_norm)), min(published_at), max(published_at) "
                "FROM articles WHERE published_at >= ? AND published_at < ? "
                "GROUP BY COALESCE(cluster_id, id) ORDER BY n DESC, max(published_at) DESC LIMIT ?", window + [limit])
            if not rows:
                return []
            stories = [r[0] for r in rows]
            clusters, cparams = self._in("cluster_id", stories)
            ids, iparams = self._in("id", stories)
            firsts: dict[str, tuple[Any, ...]] = {}
            for r in self._execute(
                f"SELECT id, headline, source, provider, COALESCE(cluster_id, id) FROM articles "
                f"WHERE ({clusters} OR {ids}) AND published_at >= ? AND published_at < ? ORDER BY published_at, id",
                cparams + iparams + window,
            ):
                firsts.setdefault(r[4], r)
            out = []
            for story, n, sources, first, last in rows:
                head = firsts.get(story)
                out.append({"story": story, "articles": int(n), "sources": int(sources),
                            "first": self._ts_out(first), "last": self._ts_out(last),
                            "id": head[0] if head else story, "headline": head[1] if head else None,
                            "source": (head[2] or head[3]) if head else None})
            self._derived_headlines(out, "id")
        return out
