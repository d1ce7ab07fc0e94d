"""Bounded full-text ranking: a text search scores at most the newest ``rank_limit`` of its matches.

Both backends score every row they rank (SQLite's bm25 and PostgreSQL's ts_rank_cd read each match's
term positions) and sort them all before LIMIT: a common word ("bank", 10,000+ of 100,000 articles)
took 358 ms for a page of 20, growing with the archive. With a bound, a search's cost stays flat:

* a selective search (at most ``rank_limit`` matches) is ranked exactly as before, every match;
* a broad one ranks its newest ``rank_limit`` matches and lists the best of those; its ``total``
  counts the results among them and ``Page.ranked`` says the cut was made, so a front end can say
  "best of the newest N" and the paging stays consistent (no empty pages past ``total``). Wire news is read newest first; an older match of a common word is one narrowing away
  (a time range, a source, another word), which makes the search selective again.

"Newest" is each backend's cheapest recency order (``Archive.newest_keys``): SQLite's most recently
stored (the FTS5 index walks its row ids backwards for free and takes a row-id range), PostgreSQL's most
recently published. A first query finds the match just past the newest ``rank_limit`` without scoring
any; the search then keeps the matches newer than it, a range the text index applies while it scans.
"""

from __future__ import annotations

from typing import Sequence

#: a text search scores at most this many of its matches (the newest); fewer matches: all are ranked.
#: Each ranked match costs a read of its article row and a bm25 (SQLite): 2,000 took 60-90 ms of a
#: page under load on the 2-core machine, 1,000 half that. Still 50 pages of 20 results
RANK_LIMIT = 1_000


def oldest_kept_sql(joins: str, where_sql: str, keys: Sequence[str], limit: int) -> str:
    """The ``keys`` of the match just past the newest ``limit`` (no row: ``limit`` or fewer match).
    ``keys`` order the matches newest first (each descending). Parameters: the join's and the where's."""
    order = ", ".join(f"{k} DESC" for k in keys)
    return f"SELECT {', '.join(keys)} FROM articles a {joins}{where_sql} ORDER BY {order} LIMIT 1 OFFSET {int(limit)}"


def newer_than(keys: Sequence[str]) -> str:
    """A WHERE term keeping the matches newer than the row :func:`oldest_kept_sql` found (its values
    are the parameters): a range, which the text index itself can apply."""
    if len(keys) == 1:
        return f"{keys[0]} > ?"
    return f"({', '.join(keys)}) > ({', '.join('?' for _ in keys)})"
