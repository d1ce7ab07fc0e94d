"""Story index snapshots: a restored index answers as the one it was taken from, and a restarting
worker replays only the log after the snapshot (no broker: the log is fed as fetches return it)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from streams.core.settings import load_settings
from streams.enrich.components.dedupe import FINGERPRINT_BYTES, fingerprint, signature_of
from streams.worker import story_snapshot
from streams.worker.fingerprints import FingerprintLog
from streams.worker.story_index import StoryIndex

STORIES = [
    "The central bank left its key interest rate unchanged on Thursday, citing stable inflation. " * 4,
    "Heavy rain flooded the valley overnight and closed two roads, the fire service said. " * 4,
    "The union called off the strike after the company raised its pay offer by two percent. " * 4,
]


def _log(n: int, seed: int = 1) -> list[tuple[str, float, bytes]]:
    """``n`` records (id, time, fingerprint) one second apart: unrelated stories, copies of a few
    real ones, bodies without words, and redeliveries."""
    rng = random.Random(seed)
    head = fingerprint(signature_of(STORIES[0]))[:2]
    copies = [fingerprint(signature_of(s)) for s in STORIES]
    wordless = fingerprint(signature_of("******"))
    out: list[tuple[str, float, bytes]] = []
    for k in range(n):
        roll = rng.random()
        if roll < 0.1:
            fp = copies[rng.randrange(len(copies))]
        elif roll < 0.13:
            fp = wordless
        elif roll < 0.16 and out:
            article_id, _, fp = out[rng.randrange(len(out))]  # a redelivery, later
            out.append((article_id, 1000.0 + k, fp))
            continue
        else:
            fp = head + rng.randbytes(FINGERPRINT_BYTES - 2)
        out.append((f"a-{k}", 1000.0 + k, fp))
    return out


@pytest.mark.parametrize("cut", [0, 1, 700, 2_345])
def test_a_restored_index_gives_every_later_answer_the_original_gives(cut: int, tmp_path: Path) -> None:
    # a window of 900 s over 3,000 records one second apart: rows are dropped, first articles retired,
    # and the band index merges its tail, before and after the cut
    records = _log(3_000)
    original = StoryIndex(window_s=900.0)
    for record in records[:cut]:
        original.apply(*record)
    path = tmp_path / "index.npz"
    story_snapshot.write(path, original.state(), cut, b"k", 7, b"v")
    snapshot = story_snapshot.read(path)
    assert snapshot is not None
    assert (snapshot.position, snapshot.last_key, snapshot.last_timestamp_ms, snapshot.last_value) == (cut, b"k", 7, b"v")
    restored = snapshot.index
    assert (restored.articles, restored.nbytes) == (original.articles, original.nbytes)
    later = [(original.apply(*r), restored.apply(*r)) for r in records[cut:]]
    assert [a for a, _ in later] == [b for _, b in later]
    assert sum(a.duplicate_of is not None for a, _ in later) > len(later) // 20  # copies found on both sides
    assert (restored.articles, restored.nbytes) == (original.articles, original.nbytes)
    for article_id, _, fp in records[-500:]:
        assert restored.lookup(article_id, fp) == original.lookup(article_id, fp)


def test_an_unreadable_snapshot_is_a_full_replay_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert story_snapshot.read(tmp_path / "none.npz") is None
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    assert story_snapshot.read(broken) is None
    assert "unreadable" in caplog.text and "replaying the whole fingerprint log" in caplog.text
    index = StoryIndex()
    for record in _log(50):
        index.apply(*record)
    state = index.state()
    state["ts"] = state["ts"][:3]  # arrays that do not fit together
    story_snapshot.write(tmp_path / "bad.npz", state, 50, b"", 0, b"")
    assert story_snapshot.read(tmp_path / "bad.npz") is None


def _record(offset: int, article_id: str, ts: float, fp: bytes) -> SimpleNamespace:
    return SimpleNamespace(offset=offset, key=article_id.encode(), value=fp, timestamp=int(ts * 1000))


class _Log:
    """The parts of AIOKafkaConsumer that the fingerprint log uses, over a fixed list of records."""

    def __init__(self, records: list[SimpleNamespace], start: int = 0) -> None:
        self.records, self.first, self.pos, self.fetched = records, start, 0, 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def assign(self, tps: list[Any]) -> None:
        pass

    def seek(self, tp: Any, offset: int) -> None:
        self.pos = offset

    async def beginning_offsets(self, tps: list[Any]) -> dict[Any, int]:
        return {tps[0]: self.first}

    async def end_offsets(self, tps: list[Any]) -> dict[Any, int]:
        return {tps[0]: len(self.records)}

    async def getmany(self, tp: Any, timeout_ms: int, max_records: int) -> dict[Any, list[SimpleNamespace]]:
        chunk = self.records[max(self.pos, self.first):self.pos + min(max_records, 400)]
        self.pos += len(chunk)
        self.fetched += len(chunk)
        if not chunk:  # the end of the log: a real fetch waits for more
            await asyncio.sleep(0.01)
        return {tp: chunk}


async def _no_send(*args: Any) -> Any:
    raise AssertionError("not used")


def test_a_restarting_worker_replays_only_the_log_after_the_snapshot(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    records = [_record(n, *r) for n, r in enumerate(_log(3_000))]
    first = FingerprintLog(settings, _no_send, snapshots=True)
    assert asyncio.run(first.catch_up(consumer=_Log(records[:2_000]))) == 2_000  # and writes a snapshot
    restarted, log = FingerprintLog(settings, _no_send, snapshots=True), _Log(records)
    assert asyncio.run(restarted.catch_up(consumer=log)) == 1_000
    assert log.fetched <= 1_000 + 1  # the tail, and the record before it to check the snapshot against
    full = FingerprintLog(settings, _no_send)  # no snapshot: the whole log
    assert asyncio.run(full.catch_up(consumer=_Log(records))) == 3_000
    assert restarted.position == full.position == 3_000
    for r in records[::7]:
        assert restarted.index.lookup(r.key.decode(), r.value) == full.index.lookup(r.key.decode(), r.value)


def test_a_snapshot_of_another_log_or_setting_is_not_used(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(home=tmp_path)
    records = [_record(n, *r) for n, r in enumerate(_log(600))]
    asyncio.run(FingerprintLog(settings, _no_send, snapshots=True).catch_up(consumer=_Log(records[:400])))
    # the topic made again: other records at the same offsets
    other = [_record(n, *r) for n, r in enumerate(_log(600, seed=2))]
    again = FingerprintLog(settings, _no_send, snapshots=True)
    assert asyncio.run(again.catch_up(consumer=_Log(other))) == 600
    assert "is another one: another topic" in caplog.text
    # a shorter log than the snapshot's position
    asyncio.run(FingerprintLog(settings, _no_send, snapshots=True).catch_up(consumer=_Log(records)))
    shorter = FingerprintLog(settings, _no_send, snapshots=True)
    assert asyncio.run(shorter.catch_up(consumer=_Log(records[:100]))) == 100
    assert "the log ends at 100" in caplog.text
    # another window
    narrow = FingerprintLog(settings.replace(dedupe_window_s=60.0), _no_send, snapshots=True)
    assert asyncio.run(narrow.catch_up(consumer=_Log(records))) == 600
    assert "taken with window" in caplog.text


def test_the_follower_keeps_the_snapshot_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(story_snapshot, "SNAPSHOT_EVERY_S", 0.0)
    settings = load_settings(home=tmp_path)
    records = [_record(n, *r) for n, r in enumerate(_log(900))]
    log = FingerprintLog(settings, _no_send, snapshots=True)

    async def follow_until_written() -> None:
        follower = asyncio.ensure_future(log._follow(_Log(records), "tp"))  # type: ignore[arg-type]
        path = story_snapshot.snapshot_path(settings, log.topic)
        for _ in range(500):
            snapshot = story_snapshot.read(path) if path.exists() else None
            if snapshot is not None and snapshot.position == len(records):
                break
            await asyncio.sleep(0.01)
        follower.cancel()
        with pytest.raises(asyncio.CancelledError):
            await follower

    asyncio.run(follow_until_written())
    snapshot = story_snapshot.read(story_snapshot.snapshot_path(settings, log.topic))
    assert snapshot is not None and snapshot.position == 900
    last = records[-1]
    assert (snapshot.last_key, snapshot.last_timestamp_ms, snapshot.last_value) == (last.key, last.timestamp, last.value)
    assert snapshot.index.articles == log.index.articles
