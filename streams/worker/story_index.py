"""The story index: which earlier article a new one is a copy of, from its dedupe signature."""

from __future__ import annotations

import collections
import time
from typing import Any, Callable, MutableMapping

from streams.enrich.components.dedupe import THRESHOLD, sketch, sketch_similarity

#: how long an article stays in the index: syndicated copies of a story arrive within hours or days
DEFAULT_WINDOW_S = 7 * 24 * 3600.0


class DedupeIndex:
    """Stream state for story clustering, kept in a string-to-string mapping.

    Keys (all ``str``):

    * ``a:<article id>`` -> ``"<cluster_id>\\t<duplicate_of or empty>\\t<sketch>"`` (the answer given)
    * ``x:<exact hash>`` -> article id of the first article with that normalized body
    * ``b:<band key>`` -> article id of the first article that had that band

    The first article of a story starts a cluster whose id is its own article id; a later article
    whose exact hash matches, or whose sketch agrees with a band candidate's at ``threshold`` or
    more, joins the candidate's cluster and is marked ``duplicate_of`` the cluster's first article.

    The index forgets an article ``window_s`` seconds after it was clustered (its ``a:`` record and
    the ``x:``/``b:`` keys it owns), so memory stays bounded in a stream that runs for months; a copy
    arriving later than that starts a new cluster. ``window_s=None`` keeps everything.
    """

    def __init__(self, store: MutableMapping[str, str] | None = None, *, threshold: float = THRESHOLD,
                 window_s: float | None = DEFAULT_WINDOW_S, clock: Callable[[], float] = time.time) -> None:
        self.store: MutableMapping[str, str] = {} if store is None else store
        self.threshold = threshold
        self.window_s = window_s
        self.clock = clock
        # (clustered at, article id, keys it owns), oldest first; rebuilt from the store when None
        self._expiry: collections.deque[tuple[float, str, tuple[str, ...]]] | None = None

    def forget_order(self) -> None:
        """Drop the in-memory expiry order (e.g. when the table's partition moved); rebuilt on next use."""
        self._expiry = None

    def _rebuild_expiry(self) -> collections.deque[tuple[float, str, tuple[str, ...]]]:
        now = self.clock()
        stamps: dict[str, float] = {}
        owned: dict[str, list[str]] = {}
        for key, value in list(self.store.items()):
            if key.startswith("a:"):
                fields = value.split("\t")
                stamps[key[2:]] = float(fields[3]) if len(fields) > 3 else now  # older records: from now on
            elif key.startswith(("x:", "b:")):
                owned.setdefault(value, []).append(key)
        order = sorted((ts, aid, tuple(owned.get(aid, ()))) for aid, ts in stamps.items())
        return collections.deque(order)

    def expire(self, now: float | None = None) -> int:
        """Forget the articles clustered more than ``window_s`` ago; returns how many were forgotten."""
        if self.window_s is None:
            return 0
        if self._expiry is None:
            self._expiry = self._rebuild_expiry()
        horizon = (self.clock() if now is None else now) - self.window_s
        forgotten = 0
        while self._expiry and self._expiry[0][0] < horizon:
            _, article_id, keys = self._expiry.popleft()
            for key in keys:
                if self.store.get(key) == article_id:  # a key taken over since is not ours to delete
                    del self.store[key]
            if f"a:{article_id}" in self.store:
                del self.store[f"a:{article_id}"]
            forgotten += 1
        return forgotten

    def _record(self, article_id: str) -> tuple[str, str, str] | None:
        raw = self.store.get(f"a:{article_id}")
        if raw is None:
            return None
        cluster, dup, sk = raw.split("\t")[:3]
        return cluster, dup, sk

    def _answer(self, article_id: str, cluster: str, dup: str, similarity: float | None) -> dict[str, Any]:
        return {
            "cluster_id": cluster,
            "duplicate_of": dup or None,
            "is_duplicate": bool(dup),
            "similarity": similarity,
        }

    def assign(self, article_id: str, dedupe: dict[str, Any]) -> dict[str, Any]:
        """Cluster one article; returns ``{"cluster_id", "duplicate_of", "is_duplicate", "similarity"}``.

        ``dedupe`` is what :class:`DedupeSignature` put in ``ctx.dedupe``. Idempotent per article id.
        """
        now = self.clock()
        self.expire(now)
        known = self._record(article_id)
        if known is not None:
            return self._answer(article_id, known[0], known[1], None)
        exact_key = f"x:{dedupe['exact']}"
        own_sketch: str = dedupe.get("sketch") or sketch(dedupe["signature"])
        match_id: str | None = None
        similarity: float | None = None
        has_words = dedupe.get("shingles", 1) > 0  # a body of only symbols ("****") matches nothing
        first = self.store.get(exact_key) if has_words else None
        if first is not None and first != article_id and self._record(first) is not None:
            match_id, similarity = first, 1.0
        elif has_words:
            match_id, similarity = self._best_candidate(article_id, dedupe["bands"], own_sketch)
        if match_id is None:
            cluster, dup = article_id, ""
        else:
            m_cluster, m_dup, _ = self._record(match_id)  # type: ignore[misc]
            cluster, dup = m_cluster, (m_dup or match_id)
        # the answer is written last: a crash before it just recomputes the same answer on redelivery
        owned: list[str] = []
        if has_words:
            for key in (exact_key, *(f"b:{band}" for band in dedupe["bands"])):
                if self.store.setdefault(key, article_id) == article_id:
                    owned.append(key)
        self.store[f"a:{article_id}"] = f"{cluster}\t{dup}\t{own_sketch}\t{now:.0f}"
        if self._expiry is not None:
            self._expiry.append((now, article_id, tuple(owned)))
        return self._answer(article_id, cluster, dup, similarity)

    def _best_candidate(self, article_id: str, bands: list[str], own_sketch: str) -> tuple[str | None, float | None]:
        candidates: dict[str, int] = {}
        for band in bands:
            other = self.store.get(f"b:{band}")
            if other is not None and other != article_id:
                candidates[other] = candidates.get(other, 0) + 1
        best: tuple[float, str] | None = None
        for other in candidates:
            record = self._record(other)
            if record is None:
                continue
            sim = sketch_similarity(own_sketch, record[2])
            if sim >= self.threshold and (best is None or sim > best[0]):
                best = (sim, other)
        return (best[1], round(best[0], 3)) if best else (None, None)
