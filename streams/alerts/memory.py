"""The alert matcher's memory of fired keys, in about 12 bytes a key. Pure code.

:class:`~streams.alerts.matcher.FiredKeys` remembers every ``rule_id:cluster_id`` key on the
``alerts`` topic, for as long as the topic keeps it (7 days). Kept as a ``dict`` of strings that
cost ~190 bytes a key: at the bench's 50 alerts/s the matcher grew ~9 MiB an hour (18.9 % in a
1-hour soak) and would have reached ~5 GiB at the end of the retention. Here a key is a 64-bit hash
and the second it fired (uint32), in two sorted numpy arrays, plus a small dict of the newest keys
that is merged into them when full; a merge also forgets the keys older than the horizon, and, past
``max_keys``, the oldest ones (logged: a copy of such a story could alert again).

A hash collision would take a (rule, story) pair that never fired for one that did (one alert not
sent): with a million keys held, the chance for a new key is about 1 in 10^13.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Callable

import numpy as np

log = logging.getLogger(__name__)

#: keys held at most: 2 million is 24 MB, 7 days of 3.3 alerts/s or 11 hours of the bench's 50/s. Beyond
#: it the oldest keys are forgotten first: the copies of a story come within hours, rarely days later
MAX_KEYS = 2_000_000
#: newest keys kept in a dict (~100 bytes each) until they are merged into the arrays: small, so the
#: merges' saw-tooth stays under 1 MB, and large enough that a merge (a copy of the arrays) is rare
TAIL_KEYS = 8192
#: keys forgotten early (past ``max_keys``) are logged at most this often
EVICTION_LOG_EVERY_S = 3600.0


def key_hash(key: str) -> int:
    """A stable 64-bit hash of an alert key."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


class KeyMemory:
    """A set of string keys, each with the time it was added, that forgets keys older than ``horizon_s``.

    ``horizon_s=None`` forgets by age never; ``max_keys`` (default :data:`MAX_KEYS`) always holds;
    ``clock`` gives the time the horizon is counted back from (tests move it).
    """

    def __init__(self, horizon_s: float | None, *, max_keys: int | None = None, tail_keys: int = TAIL_KEYS,
                 clock: Callable[[], float] = time.time) -> None:
        self.horizon_s = horizon_s
        self.max_keys = MAX_KEYS if max_keys is None else max_keys
        self.tail_keys = max(1, tail_keys)
        self.clock = clock
        self.evicted = 0  # keys forgotten before the horizon to stay within max_keys
        self._hashes = np.empty(0, dtype=np.uint64)  # sorted
        self._times = np.empty(0, dtype=np.uint32)  # whole seconds, aligned with _hashes
        self._tail: dict[int, int] = {}  # hash -> whole seconds, not merged yet
        self._evictions_logged_at = float("-inf")

    def __len__(self) -> int:
        return len(self._hashes) + len(self._tail)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._has(key_hash(key))

    def _has(self, h: int) -> bool:
        if h in self._tail:
            return True
        hashes = self._hashes
        at = int(hashes.searchsorted(np.uint64(h)))
        return at < hashes.size and int(hashes[at]) == h

    @property
    def nbytes(self) -> int:
        """Bytes held, roughly: the arrays and the tail dict."""
        return self._hashes.nbytes + self._times.nbytes + 100 * len(self._tail)

    def add(self, key: str, when: float) -> bool:
        """Remember ``key`` as added at ``when`` (seconds); False if it was known already."""
        h = key_hash(key)
        if self._has(h):
            return False
        self._tail[h] = max(0, min(int(when), 0xFFFFFFFF))
        if len(self._tail) >= self.tail_keys:
            self._merge()
        return True

    def forget_old(self) -> int:
        """Merge the tail and forget the keys older than the horizon now; returns how many were forgotten."""
        return self._merge()

    def _merge(self) -> int:
        before = len(self)
        hashes, times = self._hashes, self._times
        if self._tail:
            tail_h = np.fromiter(self._tail.keys(), dtype=np.uint64, count=len(self._tail))
            tail_t = np.fromiter(self._tail.values(), dtype=np.uint32, count=len(self._tail))
            order = np.argsort(tail_h)
            at = np.searchsorted(hashes, tail_h[order])
            hashes, times = np.insert(hashes, at, tail_h[order]), np.insert(times, at, tail_t[order])
            self._tail = {}
        if self.horizon_s is not None and len(times):
            horizon = self.clock() - self.horizon_s
            if int(times.min()) < horizon:
                keep = times >= horizon
                hashes, times = hashes[keep], times[keep]
        excess = len(hashes) - self.max_keys
        if excess > 0:
            keep = np.ones(len(hashes), dtype=bool)
            keep[np.argpartition(times, excess - 1)[:excess]] = False  # the oldest
            hashes, times = hashes[keep], times[keep]
            self._evicted(excess)
        self._hashes, self._times = hashes, times
        return before - len(self)

    def _evicted(self, count: int) -> None:
        self.evicted += count
        now = time.monotonic()
        if now - self._evictions_logged_at >= EVICTION_LOG_EVERY_S:
            self._evictions_logged_at = now
            log.warning("alert memory full (%d keys): %d key(s) forgotten before the topic's retention so far; "
                        "a late copy of such a story could alert again", self.max_keys, self.evicted)
