"""Exact and near-duplicate detection: a pure signature component and a pure stream index.

Two parts, so that the stream layer owns the state and this module owns the logic:

* :class:`DedupeSignature` (registered as ``"dedupe"``) computes, per article, a normalized exact
  hash of the body and a MinHash signature of its word shingles, ignoring the noise spans that
  earlier components recorded in ``ctx.spans`` (header line, dateline, credit, inline related
  headline). It sets ``ctx.dedupe = {"exact", "signature", "bands", "sketch", "shingles"}``.
* :class:`DedupeIndex` assigns ``cluster_id`` / ``duplicate_of`` / ``is_duplicate`` to an
  article id given those values. All its state lives in a ``MutableMapping[str, str]`` (a dict in
  tests, a Faust ``GlobalTable`` in the stream): keys are exact hashes, LSH band hashes and article
  ids; values are short strings. Asking again about an article id returns the stored answer, so
  re-delivery under at-least-once gives the same result.

Why MinHash + banded LSH with a verification step: bands give candidate matches by exact key
lookups (the only operation a key-value changelog table does well), and the small per-article
sketch lets the index reject chance band collisions (templated earnings reports share many
shingles) by estimating Jaccard similarity against the candidate before merging.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from typing import Any, Iterable

import numpy as np

from streams.enrich.pipeline import Context
from streams.text.wire import HEADLINE_DERIVED

#: span kinds that are structure, not noise; every other span kind is cut out before hashing
STRUCTURE_KINDS: frozenset[str] = frozenset({"paragraph", "sentence", "title", "quote", HEADLINE_DERIVED})

NUM_PERM = 120  # MinHash permutations
BANDS = 40  # LSH bands of ROWS rows each: P(candidate) = 1 - (1 - J**3)**40 -> 0.995 at J = 0.5
ROWS = 3
SHINGLE = 5  # words per shingle
SKETCH_BITS = 16  # bits of each MinHash value kept in the stored sketch for verification
THRESHOLD = 0.42  # estimated Jaccard needed to call a candidate a near duplicate

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)
_rng = np.random.RandomState(20231024)  # fixed seed: signatures must be stable across processes
_A = _rng.randint(1, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def clean_text(text: str, noise: Iterable[tuple[int, int]] = ()) -> str:
    """The text with the noise spans cut out (replaced by a space)."""
    spans = sorted((max(0, s), min(len(text), e)) for s, e in noise if e > s)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        if start > pos:
            parts.append(text[pos:start])
        pos = max(pos, end)
        parts.append(" ")
    parts.append(text[pos:])
    return "".join(parts)


def normalized_words(text: str) -> list[str]:
    """Lower-cased alphanumeric words after Unicode NFKC folding (punctuation and spacing ignored)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def exact_hash(words: list[str]) -> str:
    """A 128-bit hex digest of the normalized word sequence."""
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=16).hexdigest()


def shingle_hashes(words: list[str], size: int = SHINGLE) -> np.ndarray:
    """Stable 32-bit hashes (CRC-32) of the distinct word ``size``-grams; short texts give one shingle."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    if len(words) < size:
        grams = {" ".join(words)}
    else:
        grams = {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}
    return np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint64, count=len(grams))


def minhash(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` 32-bit values) of a set of shingle hashes."""
    if hashes.size == 0:
        return np.full(NUM_PERM, _MAX32, dtype=np.uint64)
    # (a*x + b) mod p, truncated to 32 bits; uint64 wrap-around is deterministic and harmless here
    values = (np.outer(hashes, _A) + _B) % _MERSENNE & _MAX32
    return values.min(axis=0)


def band_keys(signature: np.ndarray | list[int]) -> list[str]:
    """One short hash per LSH band (band index included, so equal rows in different bands differ)."""
    sig = np.asarray(signature, dtype=np.uint64)
    out: list[str] = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(rows.tobytes(), digest_size=8, person=band.to_bytes(2, "big")).hexdigest()
        out.append(f"{band:02d}{digest}")
    return out


def sketch(signature: np.ndarray | list[int]) -> str:
    """The low ``SKETCH_BITS`` bits of every MinHash value, as hex (what the index stores per article)."""
    low = np.asarray(signature, dtype=np.uint64) & np.uint64((1 << SKETCH_BITS) - 1)
    return low.astype(">u2").tobytes().hex()


def sketch_similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two sketches (corrected for chance matches of the low bits)."""
    if len(a) != len(b) or not a:
        return 0.0
    va = np.frombuffer(bytes.fromhex(a), dtype=">u2")
    vb = np.frombuffer(bytes.fromhex(b), dtype=">u2")
    agree = float(np.mean(va == vb))
    chance = 1.0 / (1 << SKETCH_BITS)
    return max(0.0, (agree - chance) / (1.0 - chance))


def signature_of(text: str, noise: Iterable[tuple[int, int]] = ()) -> dict[str, Any]:
    """Everything the index needs about one body text (see :class:`DedupeSignature`)."""
    words = normalized_words(clean_text(text, noise))
    sig = minhash(shingle_hashes(words))
    return {
        "exact": exact_hash(words),
        "signature": [int(v) for v in sig],
        "bands": band_keys(sig),
        "sketch": sketch(sig),
        "shingles": max(0, len(words) - SHINGLE + 1) if len(words) >= SHINGLE else int(bool(words)),
    }


class DedupeSignature:
    """Enrichment component: exact hash + MinHash/LSH signature of the body, noise spans excluded."""

    name = "dedupe"
    requires: tuple[str, ...] = ("text",)
    provides: tuple[str, ...] = ("dedupe",)
    english_only = False  # shingles work for any language with word separators

    def __call__(self, ctx: Context) -> None:
        noise = [(s["start"], s["end"]) for s in ctx.spans if s.get("kind") not in STRUCTURE_KINDS]
        ctx.dedupe = signature_of(ctx.text, noise)
