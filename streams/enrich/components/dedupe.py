"""Exact and near-duplicate detection: the signature component and the compact fingerprint.

* :class:`DedupeSignature` (registered as ``"dedupe"``) computes, per article, a normalized exact
  hash of the body and a MinHash signature of its word shingles, ignoring the noise spans that
  earlier components recorded in ``ctx.spans`` (header line, dateline, credit, inline related
  headline). It sets ``ctx.dedupe = {"exact", "bands", "sketch", "shingles"}``.
* :func:`fingerprint` packs that into :data:`FINGERPRINT_BYTES` bytes, what the story index
  (:mod:`streams.worker.story_index`) keeps per article: ``BANDS`` LSH band keys to find
  candidates and a sketch (the low ``SKETCH_BITS`` bits of every MinHash value) to verify them.

Why MinHash + banded LSH with a verification step: bands give candidate matches by exact key
lookups, and the sketch lets the index reject chance band collisions (templated earnings reports
share many shingles) by estimating Jaccard similarity against the candidate before merging. Eight
one-row bands (not 40 of three) keep the index small; the verification keeps them precise.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zlib
from typing import Any, Iterable, NamedTuple

import numpy as np

from streams.enrich.pipeline import Context
from streams.text.wire import HEADLINE_DERIVED

#: span kinds that are structure, not noise; every other span kind is cut out before hashing
STRUCTURE_KINDS: frozenset[str] = frozenset({"paragraph", "sentence", "title", "quote", HEADLINE_DERIVED})

NUM_PERM = 120  # MinHash permutations
#: LSH bands of ROWS rows each: P(candidate) = 1 - (1 - J)**8 -> 0.987 at J = 0.42, 0.996 at J = 0.5. One row
#: per band finds more pairs per index entry than many bands of several rows (40 x 3 before, ~5x the
#: memory); the extra chance candidates cost a vectorized comparison of sketches, not memory.
BANDS = 8
ROWS = 1
SHINGLE = 5  # words per shingle
SKETCH_BITS = 6  # bits of each MinHash value kept in the sketch for verification (90 bytes packed)
THRESHOLD = 0.42  # estimated Jaccard needed to call a candidate a near duplicate

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)
_rng = np.random.RandomState(20231024)  # fixed seed: signatures must be stable across processes
_A = _rng.randint(1, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

FINGERPRINT_VERSION = 1
_HEAD = struct.Struct(">BB")  # version, flags
_HAS_WORDS = 1
#: bytes of one packed fingerprint: version, flags, band keys (uint32), sketch
FINGERPRINT_BYTES = _HEAD.size + 4 * BANDS + NUM_PERM


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


def band_keys(signature: np.ndarray | list[int]) -> list[int]:
    """One 32-bit key per LSH band (the band's index is hashed in, so equal rows in two bands differ)."""
    sig = np.asarray(signature, dtype=np.uint64).astype("<u4")
    out: list[int] = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(rows.tobytes(), digest_size=4, person=band.to_bytes(2, "big")).digest()
        out.append(int.from_bytes(digest, "big"))
    return out


def sketch(signature: np.ndarray | list[int]) -> str:
    """The low ``SKETCH_BITS`` bits of every MinHash value, as hex (what the index keeps per article)."""
    low = np.asarray(signature, dtype=np.uint64) & np.uint64((1 << SKETCH_BITS) - 1)
    return low.astype(np.uint8).tobytes().hex()


def agreement_similarity(agree: np.ndarray | float) -> np.ndarray | float:
    """Estimated Jaccard from the share of sketch positions that agree (chance matches of the low bits
    corrected for)."""
    chance = 1.0 / (1 << SKETCH_BITS)
    return np.maximum(0.0, (agree - chance) / (1.0 - chance))


def sketch_similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two hex sketches."""
    if len(a) != len(b) or not a:
        return 0.0
    va = np.frombuffer(bytes.fromhex(a), dtype=np.uint8)
    vb = np.frombuffer(bytes.fromhex(b), dtype=np.uint8)
    return float(agreement_similarity(float(np.mean(va == vb))))


def signature_of(text: str, noise: Iterable[tuple[int, int]] = ()) -> dict[str, Any]:
    """Everything the index needs about one body text (see :class:`DedupeSignature`)."""
    words = normalized_words(clean_text(text, noise))
    sig = minhash(shingle_hashes(words))
    return {
        "exact": exact_hash(words),
        "bands": band_keys(sig),
        "sketch": sketch(sig),
        "shingles": max(0, len(words) - SHINGLE + 1) if len(words) >= SHINGLE else int(bool(words)),
    }


class Fingerprint(NamedTuple):
    """A parsed :func:`fingerprint`."""

    has_words: bool  # a body of only symbols ("****") matches nothing
    bands: np.ndarray  # uint32[BANDS]
    sketch: np.ndarray  # uint8[NUM_PERM]


def fingerprint(dedupe: dict[str, Any]) -> bytes:
    """``ctx.dedupe`` packed into :data:`FINGERPRINT_BYTES` bytes (raises ValueError if it is not one)."""
    bands, sk = dedupe["bands"], bytes.fromhex(dedupe["sketch"])
    if len(bands) != BANDS or len(sk) != NUM_PERM:
        raise ValueError(f"a dedupe signature has {BANDS} bands and a {NUM_PERM}-byte sketch")
    flags = _HAS_WORDS if dedupe.get("shingles", 1) > 0 else 0
    return _HEAD.pack(FINGERPRINT_VERSION, flags) + struct.pack(f">{BANDS}I", *bands) + sk


def parse_fingerprint(data: bytes) -> Fingerprint:
    """The parts of a :func:`fingerprint`; ValueError if ``data`` is not one of this version."""
    if len(data) != FINGERPRINT_BYTES or data[0] != FINGERPRINT_VERSION:
        raise ValueError(f"not a version-{FINGERPRINT_VERSION} dedupe fingerprint ({len(data)} bytes)")
    bands = np.frombuffer(data, dtype=">u4", count=BANDS, offset=_HEAD.size).astype(np.uint32)
    sk = np.frombuffer(data, dtype=np.uint8, count=NUM_PERM, offset=_HEAD.size + 4 * BANDS)
    return Fingerprint(bool(data[1] & _HAS_WORDS), bands, sk)


class DedupeSignature:
    """Enrichment component: exact hash + MinHash/LSH signature of the body, noise spans excluded."""

    name = "dedupe"
    requires: tuple[str, ...] = ("text",)
    provides: tuple[str, ...] = ("dedupe",)
    english_only = False  # shingles work for any language with word separators

    def __call__(self, ctx: Context) -> None:
        noise = [(s["start"], s["end"]) for s in ctx.spans if s.get("kind") not in STRUCTURE_KINDS]
        ctx.dedupe = signature_of(ctx.text, noise)
