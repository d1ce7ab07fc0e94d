"""Corpus articles replayed with unique ids: every line the bench sends is a corpus record under a new id.

The corpus is read from ``../shared/corpus`` (``BENCH_CORPUS``), never copied into the repo; the JSON Lines
files the bench hands to ``streams ingest`` live under the bench's run folder and go with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "reuters21578.jsonl"


def load_records(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Corpus records with a non-empty ``text`` (at most ``limit``)."""
    if not path.exists():
        raise FileNotFoundError(f"corpus not found: {path} (set BENCH_CORPUS to a JSON Lines corpus)")
    out: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if isinstance(rec, dict) and str(rec.get("text") or "").strip():
                out.append(rec)
                if limit is not None and len(out) >= limit:
                    break
    if not out:
        raise ValueError(f"no article with a text in {path}")
    return out


@dataclass
class Replay:
    """Hands out corpus records under unique ids ``<run>-<tag>-<n>``; wraps around the corpus when it runs out."""

    records: list[dict[str, Any]]
    run_id: str
    _next: int = 0
    _serial: int = field(default=0)

    def take(self, tag: str, n: int, *, start: int | None = None) -> list[bytes]:
        """``n`` JSON lines (bytes, newline-terminated) tagged ``tag``; ``start`` re-reads from a corpus index."""
        pos = self._next if start is None else start
        lines = []
        for _ in range(n):
            rec = dict(self.records[pos % len(self.records)])
            rec["id"] = f"{self.run_id}-{tag}-{self._serial}"
            self._serial += 1
            pos += 1
            lines.append(json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n")
        if start is None:
            self._next = pos
        return lines

    @property
    def position(self) -> int:
        return self._next

    def stream(self, tag: str) -> Iterator[bytes]:
        """An endless series of lines tagged ``tag`` (the paced producer's supply)."""
        while True:
            yield from self.take(tag, 1)


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(lines))
    return path
