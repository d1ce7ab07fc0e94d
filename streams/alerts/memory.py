"""The alert matcher's memory of fired keys, in about 12 bytes a key. Pure code.

:class:`~streams.alerts.matcher.FiredKeys` remembers every ``rule_id:cluster_id`` key on the
``alerts`` topic, for as long as the topic keeps it (7 days). Kept as a ``dict`` of strings, a key
cost ~140 bytes (170 with the throttle's time stamp, :mod:`streams.alerts.pacing`): the matcher
grew linearly in a soak (18.9 % in an hour), and a week of 50 alerts/s would have held ~4 GiB.
Here a key is a 64-bit hash and the second it fired (uint32), in two aligned arrays sorted by hash
(:mod:`array`: numpy would add 15 MB to the matcher's start), plus a small dict of the newest keys
that is merged into them when full; a merge also forgets, once an eighth of the keys can go, those
of the 10-minute buckets wholly older than the horizon, and, past ``max_keys``, the oldest buckets
(logged: a copy of such a story could alert again).

A hash collision would take a (rule, story) pair that never fired for one that did (one alert not
sent): with a million keys held, the chance for a new key is about 1 in 10^13.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
from array import array
from bisect import bisect_left
from typing import Callable

log = logging.getLogger(__name__)

#: keys held at most: 2 million is 24 MB, 7 days of 3.3 alerts/s or 11 hours of the bench's 50/s. Beyond
#: it the oldest keys are forgotten first: the copies of a story come within hours, rarely days later.
#: A merge copies the arrays: 2.2 million keys added at 50/s took 9.4 us of CPU an add, 0.6 s for the
#: costliest (a forgetting pass), and the process peaked at 101 MiB of RSS
MAX_KEYS = 2_000_000
#: newest keys kept in a dict (~100 bytes each) until they are merged into the arrays: small, so the
#: merges' saw-tooth stays under 1 MB, and large enough that a merge (a copy of the arrays) is rare
TAIL_KEYS = 8192
#: keys are forgotten by whole buckets of this many seconds (of the time they fired): counting keys per
#: bucket tells when any is old enough, and how many to drop past ``max_keys``, without a scan
BUCKET_S = 600
#: keys forgotten early (past ``max_keys``) are logged at most this often
EVICTION_LOG_EVERY_S = 3600.0


def key_hash(key: str) -> int:
    """A stable 64-bit hash of an alert key."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


class KeyMemory:
    """A set of string keys, each with the time it was added, that forgets keys older than ``horizon_s``.

    ``horizon_s=None`` forgets by age never; ``max_keys`` (default :data:`MAX_KEYS`) holds at every merge.
    Keys are forgotten by whole :data:`BUCKET_S` buckets wholly older than the horizon, once an eighth of
    the keys can go (so some are kept longer); ``clock`` gives the time the horizon is counted back from.
    """

    def __init__(self, horizon_s: float | None, *, max_keys: int | None = None, tail_keys: int = TAIL_KEYS,
                 clock: Callable[[], float] = time.time) -> None:
        self.horizon_s = horizon_s
        self.max_keys = MAX_KEYS if max_keys is None else max_keys
        self.tail_keys = max(1, tail_keys)
        self.clock = clock
        self.evicted = 0  # keys forgotten before the horizon to stay within max_keys
        self._hashes = array("Q")  # sorted
        self._times = array("I")  # whole seconds, aligned with _hashes
        self._tail: dict[int, int] = {}  # hash -> whole seconds, not merged yet
        self._buckets: dict[int, int] = {}  # bucket (seconds // BUCKET_S) -> keys held from it
        self._evictions_logged_at = float("-inf")

    def __len__(self) -> int:
        return len(self._hashes) + len(self._tail)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._has(key_hash(key))

    def _has(self, h: int) -> bool:
        if h in self._tail:
            return True
        at = bisect_left(self._hashes, h)
        return at < len(self._hashes) and self._hashes[at] == h

    @property
    def nbytes(self) -> int:
        """Bytes held, roughly: the arrays, the tail dict and the bucket counts."""
        arrays = self._hashes.itemsize * len(self._hashes) + self._times.itemsize * len(self._times)
        return arrays + 100 * (len(self._tail) + len(self._buckets))

    def add(self, key: str, when: float) -> bool:
        """Remember ``key`` as added at ``when`` (seconds); False if it was known already."""
        h = key_hash(key)
        if self._has(h):
            return False
        t = max(0, min(int(when), 0xFFFFFFFF))
        self._tail[h] = t
        self._buckets[t // BUCKET_S] = self._buckets.get(t // BUCKET_S, 0) + 1
        if len(self._tail) >= self.tail_keys:
            self._merge()
        return True

    def forget_old(self) -> int:
        """Merge the tail and forget the keys older than the horizon, if an eighth of them or more are;
        returns how many were forgotten."""
        return self._merge()

    def _merge(self) -> int:
        before = len(self)
        if self._tail:
            self._insert(sorted(self._tail.items()))
            self._tail = {}
        first = self._first_bucket_kept()
        if first is not None:
            keep = bytes(map(first.__le__, (t // BUCKET_S for t in self._times)))  # 1 byte a key, for a moment
            self._hashes = array("Q", itertools.compress(self._hashes, keep))
            self._times = array("I", itertools.compress(self._times, keep))
            self._buckets = {b: n for b, n in self._buckets.items() if b >= first}
        return before - len(self)

    def _insert(self, items: list[tuple[int, int]]) -> None:
        """Merge ``(hash, time)`` pairs sorted by hash (none held yet) into the arrays."""
        old_h, old_t = self._hashes, self._times
        hashes, times = array("Q"), array("I")
        done = 0
        for h, t in items:
            at = bisect_left(old_h, h, done)
            hashes.extend(old_h[done:at])
            times.extend(old_t[done:at])
            hashes.append(h)
            times.append(t)
            done = at
        hashes.extend(old_h[done:])
        times.extend(old_t[done:])
        self._hashes, self._times = hashes, times

    def _first_bucket_kept(self) -> int | None:
        """The oldest bucket to keep, or None when every key stays.

        Forgetting is a pass over every key (~1 s for 2 million), so it waits until an eighth of them can
        go: expired ones, or, past ``max_keys``, the oldest down to seven eighths of it.
        """
        buckets = sorted(self._buckets)
        first = None
        if self.horizon_s is not None and buckets:
            horizon = int((self.clock() - self.horizon_s) // BUCKET_S)  # the bucket holding the horizon stays
            expired = sum(self._buckets[b] for b in buckets if b < horizon)
            if expired and expired * 8 >= len(self._hashes):
                first = horizon
        held = len(self._hashes) - sum(self._buckets[b] for b in buckets if first is not None and b < first)
        if held > self.max_keys:
            evicted = 0
            for bucket in buckets:
                if first is not None and bucket < first:
                    continue
                evicted += self._buckets[bucket]
                first = bucket + 1
                if held - evicted <= self.max_keys * 7 // 8:
                    break
            self._evicted(evicted)
        return first

    def _evicted(self, count: int) -> None:
        self.evicted += count
        now = time.monotonic()
        if now - self._evictions_logged_at >= EVICTION_LOG_EVERY_S:
            self._evictions_logged_at = now
            log.warning("alert memory full (%d keys): %d key(s) forgotten before the topic's retention so far; "
                        "a late copy of such a story could alert again", self.max_keys, self.evicted)
