"""Cutting a JSON Lines file into byte ranges for several sending processes (pure code, no broker)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from streams.ingest.sources.reading import iter_raw_lines
from streams.ingest.sources.sharded import _ByteRange, shard_bounds


def _lines_of_range(path: Path, start: int, end: int, first_line: int, max_bytes: int) -> list[tuple[str, bytes]]:
    with open(path, "rb") as handle:
        handle.seek(start)
        stream = io.BufferedReader(_ByteRange(handle, end - start))
        return [(where, line) for where, line, _ in iter_raw_lines(stream, "f", max_bytes, None, first_line)]


@pytest.fixture
def ragged_file(tmp_path: Path) -> Path:
    """Lines of very different lengths: short, blank, a 3 MiB one, and no newline at the very end."""
    rng = random.Random(7)
    lines = [b'{"n": %d, "pad": "%s"}' % (i, b"x" * rng.choice([0, 5, 300, 4000])) for i in range(400)]
    lines[37] = b""
    lines[120] = b'{"big": "' + b"y" * (3 << 20) + b'"}'
    path = tmp_path / "ragged.jsonl"
    path.write_bytes(b"\n".join(lines))
    return path


@pytest.mark.parametrize("shards", [1, 2, 3, 5, 8, 64])
def test_ranges_cover_the_file_cut_at_line_starts_with_right_line_numbers(ragged_file: Path, shards: int) -> None:
    data = ragged_file.read_bytes()
    ranges = shard_bounds(ragged_file, shards)
    assert 1 <= len(ranges) <= shards
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    for (start, end, first_line), nxt in zip(ranges, ranges[1:] + [None]):
        assert start < end
        assert start == 0 or data[start - 1:start] == b"\n"
        assert first_line == data[:start].count(b"\n") + 1
        if nxt is not None:
            assert nxt[0] == end


@pytest.mark.parametrize("shards", [2, 3, 7])
def test_reading_every_range_gives_the_whole_file_line_for_line(ragged_file: Path, shards: int) -> None:
    max_bytes = 1 << 20
    with open(ragged_file, "rb") as handle:
        whole = [(where, line) for where, line, _ in iter_raw_lines(handle, "f", max_bytes)]
    pieces = [pair for start, end, first in shard_bounds(ragged_file, shards)
              for pair in _lines_of_range(ragged_file, start, end, first, max_bytes)]
    assert pieces == whole
    assert len(whole) == 399  # the blank line is skipped; the 3 MiB line is reported (by its start)


def test_bulk_gc_freezes_and_raises_the_threshold_then_restores_both() -> None:
    import gc

    from streams.ingest.producer import BULK_GC_THRESHOLD, bulk_gc

    before_threshold, before_frozen = gc.get_threshold(), gc.get_freeze_count()
    with bulk_gc():
        assert gc.get_threshold()[0] == max(before_threshold[0], BULK_GC_THRESHOLD)
        assert gc.get_threshold()[1:] == before_threshold[1:]
        assert gc.get_freeze_count() > before_frozen
    assert gc.get_threshold() == before_threshold
    assert gc.get_freeze_count() == before_frozen == 0


def test_bulk_gc_restores_after_an_error() -> None:
    import gc

    from streams.ingest.producer import bulk_gc

    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError):
        with bulk_gc():
            raise RuntimeError("broken input")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
