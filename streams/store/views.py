"""Reads of the archive for the web console: the live feed (articles in the order they were stored),
facet counts over a set of search results, and who is quoted most.

A mixin of :class:`~streams.store.archive.Archive`: the SQL stays in the store package, on the
archive's own connection and lock, written once with ``?`` placeholders like the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from streams.store.hooks import ArchiveHooks
from streams.store.rows import norm

#: entities and speakers shown with each live article
LIVE_PEOPLE = 5
#: values per facet
FACET_TOP = 8
#: "who is quoted most" counts over at most this many of the period's newest articles
PEOPLE_ARTICLES = 2_000
#: a topic on at most this many articles is looked up from its index rather than probed per article
RARE_TOPIC = 20_000


class ConsoleReads(ArchiveHooks):
    """Console reads; the hooks (``_execute``, ``_in``, ``_ts_*``, ``_lock``) are the archive's."""

    def stored_since(self, after: datetime | None, *, limit: int = 50) -> list[dict[str, Any]]:
        """Articles stored after ``after``, oldest first (or the newest ``limit`` when ``after`` is None,
        newest first), each with ``stored_at``, its top entities, speakers and topics."""
        cols = ("SELECT id, headline, published_at, stored_at, source, provider, language, cluster_id, "
                "duplicate_of FROM articles")
        with self._lock:
            if after is None:
                rows = self._execute(f"{cols} ORDER BY stored_at DESC, id LIMIT ?", [limit])
            else:
                rows = self._execute(f"{cols} WHERE stored_at > ? ORDER BY stored_at, id LIMIT ?",
                                     [self._ts_param(after), limit])
            results = [
                {"id": r[0], "headline": r[1], "published_at": self._ts_out(r[2]), "stored_at": self._ts_out(r[3]),
                 "source": r[4], "provider": r[5], "language": r[6], "cluster_id": r[7], "duplicate_of": r[8]}
                for r in rows
            ]
            self._attach_topics(results)
            self._attach_people(results)
            self._derived_headlines(results, "id")
        return results

    def _attach_people(self, results: list[dict[str, Any]]) -> None:
        if not results:
            return
        by_id = {r["id"]: r for r in results}
        for r in results:
            r["entities"], r["speakers"] = [], []
        cond, params = self._in("article_id", list(by_id))
        for article_id, name, kind in self._execute(
            f"SELECT article_id, name, type FROM entities WHERE {cond} ORDER BY mention_count DESC, idx", params
        ):
            if len(by_id[article_id]["entities"]) < LIVE_PEOPLE:
                by_id[article_id]["entities"].append({"name": name, "type": kind})
        for article_id, speaker, n in self._execute(
            f"SELECT article_id, speaker, count(*) FROM quotes WHERE {cond} AND speaker IS NOT NULL "
            "GROUP BY article_id, speaker ORDER BY count(*) DESC, speaker", params
        ):
            if len(by_id[article_id]["speakers"]) < LIVE_PEOPLE:
                by_id[article_id]["speakers"].append({"name": speaker, "quotes": int(n)})

    def facet_counts(self, article_ids: Sequence[str], *, top: int = FACET_TOP) -> dict[str, list[dict[str, Any]]]:
        """How many of ``article_ids`` name each entity, quote each speaker, carry each topic and come
        from each source: the ``top`` values of each, most articles first."""
        if not article_ids:
            return {"entity": [], "speaker": [], "topic": [], "source": []}
        cond, params = self._in("article_id", list(article_ids))
        id_cond, id_params = self._in("id", list(article_ids))
        queries = {
            "entity": (f"SELECT name, count(DISTINCT article_id) AS n FROM entities WHERE {cond} "
                       "GROUP BY name ORDER BY n DESC, name LIMIT ?", params),
            "speaker": (f"SELECT speaker, count(DISTINCT article_id) AS n FROM quotes WHERE {cond} "
                        "AND speaker IS NOT NULL GROUP BY speaker ORDER BY n DESC, speaker LIMIT ?", params),
            "topic": (f"SELECT code, max(label), count(*) AS n FROM topics WHERE {cond} "
                      "GROUP BY code ORDER BY n DESC, code LIMIT ?", params),
            "source": (f"SELECT source, count(*) AS n FROM articles WHERE {id_cond} AND source IS NOT NULL "
                       "GROUP BY source ORDER BY n DESC, source LIMIT ?", id_params),
        }
        out: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for facet, (sql, values) in queries.items():
                rows = self._execute(sql, values + [top])
                if facet == "topic":
                    out[facet] = [{"value": r[0], "label": r[1], "count": int(r[2])} for r in rows]
                else:
                    out[facet] = [{"value": r[0], "count": int(r[1])} for r in rows]
        return out

    def top_speakers(self, since: datetime, *, topic: str | None = None, limit: int = 20,
                     max_articles: int = PEOPLE_ARTICLES) -> list[dict[str, Any]]:
        """Who was quoted most in the newest ``max_articles`` articles stored since ``since`` (optionally
        on an IPTC ``topic``, code or label): speaker, quotes, articles; most quotes first. The bound
        keeps one page's cost flat however busy the period was."""
        inner, params = "stored_at >= ?", [self._ts_param(since)]
        if topic:
            wanted = [topic.strip(), norm(topic)]
            with self._lock:  # each count from one index, and only up to the threshold
                tagged = sum(int(self._execute(f"SELECT count(*) FROM (SELECT 1 FROM topics WHERE {column} = ? "
                                               f"LIMIT {RARE_TOPIC + 1}) c", [value])[0][0])
                             for column, value in zip(("code", "label_norm"), wanted))
            # a rare topic: its few articles from the topic indexes; a common one: probed along the
            # newest articles, which soon fill the bound (either way round costs seconds at 100k)
            inner += (" AND id IN (SELECT article_id FROM topics WHERE code = ? OR label_norm = ?)"
                      if tagged <= RARE_TOPIC else
                      " AND EXISTS (SELECT 1 FROM topics t WHERE t.article_id = id AND (t.code = ? OR t.label_norm = ?))")
            params += wanted
        sql = ("SELECT q.speaker, count(*) AS n, count(DISTINCT q.article_id) FROM quotes q WHERE q.article_id IN "
               f"(SELECT id FROM articles WHERE {inner} ORDER BY stored_at DESC LIMIT ?) AND q.speaker IS NOT NULL "
               "GROUP BY q.speaker ORDER BY n DESC, q.speaker LIMIT ?")
        with self._lock:
            rows = self._execute(sql, params + [max_articles, limit])
        return [{"speaker": r[0], "quotes": int(r[1]), "articles": int(r[2])} for r in rows]
