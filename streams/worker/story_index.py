"""The story index: which earlier article a new one is a copy of, from compact fingerprints.

Pure code. The worker feeds it every record of the fingerprint log (``articles.fingerprints``, one
compact record per article, docs/topics.md) in log order, so every process that reads the log
computes the same answers: the log's order decides which copy came first, whichever worker
enriched it. :meth:`StoryIndex.apply` takes one record and returns the article's answer.

State per article, in numpy arrays (no Python object per article): the sketch packed in 90 bytes,
its time, a 32-bit hash of its id, its story's first article (or, for a first article, where its id
is kept), and one index entry per band key (8 x 8 bytes): about 170 bytes plus the ids of the
first copies (:attr:`StoryIndex.nbytes`; 185 bytes an article on the news corpora). Articles older
than the window are dropped in bulk.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping, NamedTuple

import numpy as np

from streams.enrich.components.dedupe import (
    NUM_PERM,
    SKETCH_BITS,
    THRESHOLD,
    agreement_similarity,
    fingerprint,
    parse_fingerprint,
)

#: how long an article stays in the index: syndicated copies of a story arrive within hours or days
DEFAULT_WINDOW_S = 7 * 24 * 3600.0
#: smallest unsorted tail of a key index; it grows with the index so merging stays amortized O(log n)
TAIL_MIN = 4096
_FIRST = 1 << 31  # in _ref: the row starts a story, and the rest is where its id is kept
_PACKED = NUM_PERM * SKETCH_BITS // 8  # 4 values of 6 bits in 3 bytes


class Answer(NamedTuple):
    """The story of one article: its cluster (the id of the story's first article) and, for a copy,
    that first article and the estimated similarity to the copy it matched."""

    cluster_id: str
    duplicate_of: str | None
    similarity: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"cluster_id": self.cluster_id, "duplicate_of": self.duplicate_of,
                "is_duplicate": self.duplicate_of is not None, "similarity": self.similarity}


def id_hash(article_id: str) -> int:
    """A stable 32-bit hash of an article id: with the fingerprint, it recognizes a redelivered article."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=4).digest(), "big")


def pack_sketch(sketch: np.ndarray) -> np.ndarray:
    """6-bit sketch values, four in three bytes."""
    v = sketch.astype(np.uint32).reshape(-1, 4)
    x = (v[:, 0] << 18) | (v[:, 1] << 12) | (v[:, 2] << 6) | v[:, 3]
    return np.stack([(x >> 16) & 255, (x >> 8) & 255, x & 255], axis=1).astype(np.uint8).reshape(-1)


def packed_agreement(packed: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Share of equal sketch values between each row of ``packed`` and ``own`` (both packed)."""
    x = (packed ^ own).reshape(len(packed), -1, 3).astype(np.uint32)
    word = (x[:, :, 0] << 16) | (x[:, :, 1] << 8) | x[:, :, 2]
    equal = sum(((word >> shift) & 63) == 0 for shift in (18, 12, 6, 0))
    return equal.sum(axis=1) / NUM_PERM


def _packed_id(article_id: str) -> bytes:
    """How an id is kept among others: a 2-byte length, then its UTF-8 (at most 65,535 bytes)."""
    data = article_id.encode("utf-8")[:0xFFFF]
    return len(data).to_bytes(2, "big") + data


def _id_at(data: bytes | bytearray, at: int) -> tuple[str, int]:
    """The id packed at ``at`` in ``data`` and where the next one starts."""
    end = at + 2 + int.from_bytes(data[at : at + 2], "big")
    return data[at + 2 : end].decode("utf-8"), end


def _pack_ids(ids: Any) -> bytes:
    return b"".join(_packed_id(article_id) for article_id in ids)


def _unpack_ids(data: bytes) -> list[str]:
    ids, at = [], 0
    while at < len(data):
        article_id, at = _id_at(data, at)
        ids.append(article_id)
    return ids


class KeyIndex:
    """Key -> slot numbers for many keys: a sorted main part and a small unsorted tail merged into it."""

    def __init__(self, key_dtype: Any) -> None:
        self.keys = np.empty(0, dtype=key_dtype)
        self.slots = np.empty(0, dtype=np.uint32)
        self._tail_keys = np.empty(TAIL_MIN, dtype=key_dtype)
        self._tail_slots = np.empty(TAIL_MIN, dtype=np.uint32)
        self._n = 0

    def add(self, keys: np.ndarray, slot: int, live_from: int) -> None:
        """Add ``keys`` for ``slot``; a merge drops the entries of slots below ``live_from``."""
        if self._n + len(keys) > len(self._tail_keys):
            self._merge(live_from)
        self._tail_keys[self._n : self._n + len(keys)] = keys
        self._tail_slots[self._n : self._n + len(keys)] = slot
        self._n += len(keys)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Slots holding any of ``keys`` (a slot may repeat)."""
        lo = np.searchsorted(self.keys, keys, "left")
        hi = np.searchsorted(self.keys, keys, "right")
        parts = [self.slots[a:b] for a, b in zip(lo.tolist(), hi.tolist()) if b > a]
        if self._n:
            parts.append(self._tail_slots[: self._n][np.isin(self._tail_keys[: self._n], keys)])
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint32)

    def _merge(self, live_from: int) -> None:
        keys = np.concatenate([self.keys, self._tail_keys[: self._n]])
        slots = np.concatenate([self.slots, self._tail_slots[: self._n]])
        keep = slots >= live_from
        keys, slots = keys[keep], slots[keep]
        order = np.argsort(keys, kind="stable")
        self.keys, self.slots = keys[order], slots[order]
        size = max(TAIL_MIN, len(self.keys) // 16)
        self._tail_keys = np.empty(size, dtype=self.keys.dtype)
        self._tail_slots = np.empty(size, dtype=np.uint32)
        self._n = 0

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.slots.nbytes + self._tail_keys.nbytes + self._tail_slots.nbytes

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        """Copies of every array, tail capacity included, so a restored index merges when this one would."""
        return {f"{prefix}keys": self.keys.copy(), f"{prefix}slots": self.slots.copy(),
                f"{prefix}tail_keys": self._tail_keys.copy(), f"{prefix}tail_slots": self._tail_slots.copy(),
                f"{prefix}n": np.array([self._n], dtype=np.int64)}

    @classmethod
    def from_state(cls, state: Mapping[str, np.ndarray], prefix: str) -> "KeyIndex":
        index = cls(state[f"{prefix}keys"].dtype)
        index.keys, index.slots = state[f"{prefix}keys"], state[f"{prefix}slots"]
        index._tail_keys, index._tail_slots = state[f"{prefix}tail_keys"], state[f"{prefix}tail_slots"]
        index._n = int(state[f"{prefix}n"][0])
        if not (len(index.keys) == len(index.slots) and len(index._tail_keys) == len(index._tail_slots)
                and 0 <= index._n <= len(index._tail_keys)):
            raise ValueError("inconsistent key index arrays")
        return index


class StoryIndex:
    """Story clusters from fingerprints applied in log order; the same records give the same answers.

    The first article of a story starts a cluster named by its own id. A later article joins the
    cluster of the candidate (an article sharing a band key) whose sketch agrees best with its own,
    at estimated Jaccard ``threshold`` or more (ties: the earlier article), and is then
    ``duplicate_of`` the cluster's first article. An article seen before (same id hash, same
    fingerprint) gets its first answer again: a redelivery, or a replay of the log. Only articles
    within ``window_s`` of the newest record's time count; older ones are dropped in bulk, so memory
    follows the window. ``window_s=None`` keeps everything.
    """

    def __init__(self, *, threshold: float = THRESHOLD, window_s: float | None = DEFAULT_WINDOW_S) -> None:
        self.threshold = threshold
        self.window_s = window_s
        self._now = 0  # the newest record time applied, whole seconds
        self._base = 0  # slot number of row 0
        self._rows = 0
        self._sketch = np.empty((0, _PACKED), dtype=np.uint8)
        self._ts = np.empty(0, dtype=np.uint32)
        self._idh = np.empty(0, dtype=np.uint32)
        self._ref = np.empty(0, dtype=np.uint32)  # the story's first slot, or _FIRST | offset of the id
        self._ids = bytearray()  # ids of first articles: 2-byte length + UTF-8
        self._retired: dict[int, str] = {}  # ids of dropped first articles whose stories live on
        self._wordless: dict[int, int] = {}  # id hash -> slot of bodies without words (no band keys)
        self._bands = KeyIndex(np.uint32)

    # -- state size ------------------------------------------------------------------------------
    @property
    def articles(self) -> int:
        """Articles held (within the window, plus any not dropped yet)."""
        return self._rows

    @property
    def nbytes(self) -> int:
        """Bytes of the index's arrays (capacity included), ids and small dicts."""
        arrays = self._sketch.nbytes + self._ts.nbytes + self._idh.nbytes + self._ref.nbytes
        dicts = sum(len(v) + 100 for v in self._retired.values()) + 100 * len(self._wordless)
        return arrays + len(self._ids) + dicts + self._bands.nbytes

    # -- snapshots -------------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """The whole index as named arrays (copies, capacity included): :meth:`from_state` of them gives
        an index whose every later answer, merge and drop is this one's. Taking it copies ~200 bytes an
        article (tens of milliseconds for a week of a busy feed); writing it can then happen elsewhere."""
        retired = sorted(self._retired.items())
        wordless = sorted(self._wordless.items())
        return {
            "scalars": np.array([self._now, self._base, self._rows], dtype=np.int64),
            "settings": np.array([self.threshold, -1.0 if self.window_s is None else self.window_s]),
            "sketch": self._sketch.copy(), "ts": self._ts.copy(), "idh": self._idh.copy(),
            "ref": self._ref.copy(), "ids": np.frombuffer(bytes(self._ids), dtype=np.uint8),
            "retired_slots": np.array([k for k, _ in retired], dtype=np.int64),
            "retired_ids": np.frombuffer(_pack_ids(v for _, v in retired), dtype=np.uint8),
            "wordless": np.array(wordless, dtype=np.int64).reshape(-1, 2),
            **self._bands.state("bands_"),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, np.ndarray]) -> "StoryIndex":
        """The index :meth:`state` described. Raises ValueError (or KeyError) for arrays that do not fit."""
        threshold, window = (float(x) for x in state["settings"])
        index = cls(threshold=threshold, window_s=None if window < 0 else window)
        index._now, index._base, index._rows = (int(x) for x in state["scalars"])
        index._sketch, index._ts, index._idh, index._ref = (state[k] for k in ("sketch", "ts", "idh", "ref"))
        index._ids = bytearray(state["ids"].tobytes())
        slots = state["retired_slots"].tolist()
        names = _unpack_ids(state["retired_ids"].tobytes())
        index._retired = dict(zip(slots, names, strict=True))
        index._wordless = {int(h): int(s) for h, s in state["wordless"].tolist()}
        index._bands = KeyIndex.from_state(state, "bands_")
        capacity = len(index._ts)
        if not (0 <= index._rows <= capacity and index._sketch.shape == (capacity, _PACKED)
                and len(index._idh) == len(index._ref) == capacity):
            raise ValueError("inconsistent story index arrays")
        return index

    # -- applying records ------------------------------------------------------------------------
    def apply(self, article_id: str, ts: float, fingerprint: bytes) -> Answer:
        """Cluster the article of one log record (``ts``: the record's time in seconds).

        Raises ValueError if ``fingerprint`` is not one (the caller skips such a record).
        """
        fp = parse_fingerprint(fingerprint)
        self._now = max(self._now, int(ts))
        horizon = self._horizon()
        idh = id_hash(article_id)
        own = pack_sketch(fp.sketch)
        candidates = np.unique(self._live(self._bands.find(fp.bands), horizon)) if fp.has_words else None
        known = self._known(idh, candidates, own, horizon)
        if known is not None:
            return self._answer_of(known)
        match, similarity = self._best_match(candidates, own) if candidates is not None else (None, None)
        slot = self._base + self._rows
        head = slot if match is None else self._head_of(match)
        self._append(own, int(ts), idh, head, article_id if match is None else None)
        if fp.has_words:
            self._bands.add(fp.bands, slot, self._base)
        else:
            self._wordless.setdefault(idh, slot)
        self._expire(horizon)
        if match is None:
            return Answer(article_id, None, None)
        first = self._id_of(head)
        return Answer(first, first, round(similarity, 3) if similarity is not None else None)

    def assign(self, article_id: str, dedupe: dict[str, Any], ts: float | None = None) -> dict[str, Any]:
        """:meth:`apply` for a ``ctx.dedupe`` signature at time ``ts`` (default: the newest time seen),
        as a dict: ``{"cluster_id", "duplicate_of", "is_duplicate", "similarity"}``."""
        return self.apply(article_id, self._now if ts is None else ts, fingerprint(dedupe)).to_dict()

    def lookup(self, article_id: str, fingerprint: bytes) -> Answer | None:
        """The answer ``article_id`` got, if the index holds it (same id, same fingerprint); changes nothing."""
        fp = parse_fingerprint(fingerprint)
        horizon = self._horizon()
        own = pack_sketch(fp.sketch)
        candidates = np.unique(self._live(self._bands.find(fp.bands), horizon)) if fp.has_words else None
        known = self._known(id_hash(article_id), candidates, own, horizon)
        return None if known is None else self._answer_of(known)

    def _horizon(self) -> int:
        return -1 if self.window_s is None else self._now - int(self.window_s)

    def _live(self, slots: np.ndarray, horizon: int) -> np.ndarray:
        slots = slots[slots >= self._base]
        return slots[self._ts[slots - self._base].astype(np.int64) >= horizon]

    def _known(self, idh: int, candidates: np.ndarray | None, own: np.ndarray, horizon: int) -> int | None:
        if candidates is None:
            slot = self._wordless.get(idh)
            alive = slot is not None and slot >= self._base and int(self._ts[slot - self._base]) >= horizon
            return slot if alive else None
        rows = candidates - self._base
        same = candidates[(self._idh[rows] == idh) & (self._sketch[rows] == own).all(axis=1)]
        return int(same.min()) if same.size else None

    def _best_match(self, candidates: np.ndarray, own: np.ndarray) -> tuple[int | None, float | None]:
        if not candidates.size:
            return None, None
        sims = agreement_similarity(packed_agreement(self._sketch[candidates - self._base], own))
        best = int(np.argmax(sims))  # the first maximum: candidates are sorted, so the earlier article
        return (int(candidates[best]), float(sims[best])) if sims[best] >= self.threshold else (None, None)

    def _head_of(self, slot: int) -> int:
        ref = int(self._ref[slot - self._base])
        return slot if ref & _FIRST else ref

    def _answer_of(self, slot: int) -> Answer:
        head = self._head_of(slot)
        first = self._id_of(head)
        return Answer(first, None if head == slot else first, None)

    def _id_of(self, head: int) -> str:
        if head < self._base:
            return self._retired[head]
        return _id_at(self._ids, int(self._ref[head - self._base]) & ~_FIRST)[0]

    def _append(self, packed: np.ndarray, ts: int, idh: int, head: int, first_id: str | None) -> None:
        if self._rows == len(self._ts):
            self._resize(max(1024, self._rows + self._rows // 8))  # little slack: memory is the point
        row = self._rows
        self._sketch[row] = packed
        self._ts[row] = ts
        self._idh[row] = idh
        if first_id is None:
            self._ref[row] = head
        else:
            self._ref[row] = _FIRST | len(self._ids)
            self._ids += _packed_id(first_id)
        self._rows += 1

    def _resize(self, capacity: int) -> None:
        rows = self._rows
        sketch = np.empty((capacity, _PACKED), dtype=np.uint8)
        sketch[:rows] = self._sketch[:rows]
        self._sketch = sketch
        self._ts = np.resize(self._ts[:rows], capacity)
        self._idh = np.resize(self._idh[:rows], capacity)
        self._ref = np.resize(self._ref[:rows], capacity)

    def _expire(self, horizon: int) -> None:
        """Drop the oldest rows once a quarter of them are out of the window (records come in time order,
        so expired rows are a prefix; one out of order just waits, with the rows after it, for a later drop)."""
        if self._rows < 1024 or int(self._ts[0]) >= horizon:
            return
        ts = self._ts[: self._rows].astype(np.int64)
        old = int(np.searchsorted(ts, horizon))  # binary search: right when the times are in order
        if old * 4 < self._rows:
            return
        late = np.flatnonzero(ts[:old] >= horizon)
        old = int(late[0]) if late.size else old
        self._drop(old)

    def _drop(self, old: int) -> None:
        keep = slice(old, self._rows)
        new_base = self._base + old
        refs = self._ref[keep]
        heads = np.unique(refs[(refs & _FIRST) == 0])
        retired = {int(h): self._id_of(int(h)) for h in heads[heads < new_base]}
        ids = bytearray()
        new_refs = refs.copy()
        for i in np.flatnonzero(refs & _FIRST).tolist():
            at = int(refs[i]) & ~_FIRST
            size = int.from_bytes(self._ids[at : at + 2], "big")
            new_refs[i] = _FIRST | len(ids)
            ids += self._ids[at : at + 2 + size]
        self._sketch = self._sketch[keep].copy()
        self._ts, self._idh = self._ts[keep].copy(), self._idh[keep].copy()
        self._ref, self._ids, self._retired = new_refs, ids, retired
        self._wordless = {h: s for h, s in self._wordless.items() if s >= new_base}
        self._base = new_base
        self._rows -= old
