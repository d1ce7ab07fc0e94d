"""The fingerprint log's follower and waiting, without a broker (records are fed as a fetch returns them)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from streams.core import metrics
from streams.core.errors import BrokerError
from streams.core.settings import load_settings
from streams.enrich.components.dedupe import FINGERPRINT_BYTES, fingerprint, signature_of
from streams.worker.fingerprints import FingerprintLog

STORY = "The central bank left its key interest rate unchanged on Thursday, citing stable inflation. " * 4


def _record(offset: int, key: bytes | None, value: bytes) -> SimpleNamespace:
    return SimpleNamespace(offset=offset, key=key, value=value, timestamp=1_700_000_000_000 + offset)


async def _no_send(*args: Any) -> Any:
    raise AssertionError("not used")


def test_every_reader_skips_the_same_bad_records_and_keeps_its_place(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    fp = fingerprint(signature_of(STORY))
    records = [_record(0, b"a", fp), _record(1, None, fp), _record(2, b"b", b"\x01 not a fingerprint"),
               _record(3, b"c", fp)]
    logs = [FingerprintLog(settings, _no_send) for _ in range(2)]
    logs[0].apply(records)
    for record in records:  # another reader, one record per fetch, with a repeated fetch
        logs[1].apply([record, record])
    for log in logs:
        assert log.position == 4 and log.index.articles == 2
        assert log.index.lookup("c", fp).duplicate_of == "a"  # type: ignore[union-attr]
    assert metrics.DEDUPE_STATE_ARTICLES._value.get() == 2  # type: ignore[attr-defined]
    assert metrics.DEDUPE_STATE_BYTES._value.get() == logs[1].index.nbytes > 0  # type: ignore[attr-defined]


def test_assign_answers_once_the_log_has_applied_its_records(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    fp = fingerprint(signature_of(STORY))
    log: FingerprintLog
    appended: list[bytes] = []

    async def send(topic: str, key: bytes, value: bytes, partition: int) -> asyncio.Future[Any]:
        offset = len(appended)
        appended.append(key)
        ack: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        ack.set_result(SimpleNamespace(offset=offset))
        # the follower sees the record a little later, as from a fetch
        asyncio.get_running_loop().call_later(0.05, log.apply, [_record(offset, key, value)])
        asyncio.get_running_loop().call_later(0.06, lambda: asyncio.ensure_future(log._notify()))
        return ack

    log = FingerprintLog(settings, send)

    async def run() -> list[Any]:
        first = await log.assign([("a", fp)])
        second = await log.assign([("b", fp), ("a", fp)])  # a copy, and a redelivery of the first
        return first + second

    answers = asyncio.run(run())
    assert [a.cluster_id for a in answers] == ["a", "a", "a"]
    assert [a.duplicate_of for a in answers] == [None, "a", None]
    assert appended == [b"a", b"b", b"a"] and log.position == 3 and log.index.articles == 2


def test_a_log_that_does_not_move_is_a_broker_error(tmp_path: Path) -> None:
    log = FingerprintLog(load_settings(home=tmp_path), _no_send)
    with pytest.raises(BrokerError, match="did not reach offset 3"):
        asyncio.run(log.reach(3, timeout_s=0.2))


def test_a_replayed_fetch_is_applied_in_slices_that_leave_the_event_loop_free(tmp_path: Path) -> None:
    # one 5,000-record fetch applied in one go held the loop for its whole duration: a restarted worker
    # replaying the log then missed a rebalance's deadline and was left out of the group
    settings = load_settings(home=tmp_path)
    head = fingerprint(signature_of(STORY))[:2]  # version and flags; random bands: 5,000 distinct stories
    records = [_record(n, f"a-{n}".encode(), head + random.Random(n).randbytes(FINGERPRINT_BYTES - 2))
               for n in range(5_000)]
    log = FingerprintLog(settings, _no_send)

    class OneFetch:
        async def getmany(self, tp: Any, timeout_ms: int, max_records: int) -> dict[Any, list[Any]]:
            if log.position == 0:
                return {tp: records}
            await asyncio.sleep(3600)
            return {}

    async def scenario() -> set[int]:
        follower = asyncio.ensure_future(log._follow(OneFetch(), "tp"))  # type: ignore[arg-type]
        seen: set[int] = set()  # positions the other tasks of the loop saw between two of its turns
        while log.position < len(records):
            await asyncio.sleep(0)
            seen.add(log.position)
        follower.cancel()
        with pytest.raises(asyncio.CancelledError):
            await follower
        return seen

    seen = asyncio.run(scenario())
    assert log.index.articles == 5_000
    part_way = sorted(p for p in seen if 0 < p < len(records))
    # counted in turns of the loop, not in seconds: a timed bound failed whenever the machine was busy
    assert len(part_way) >= 5, f"the replay of 5,000 records gave the loop a turn only at positions {part_way}"


class _FakeLogConsumer:
    """The parts of AIOKafkaConsumer that catch_up uses, over a fixed log (``fail_at``: raise at that offset)."""

    def __init__(self, records: list[SimpleNamespace], fail_at: int | None = None) -> None:
        self.records, self.fail_at, self.pos, self.stopped = records, fail_at, 0, False

    async def start(self) -> None:
        pass

    def assign(self, tps: list[Any]) -> None:
        self.tp = tps[0]

    def seek(self, tp: Any, offset: int) -> None:
        self.pos = offset

    async def end_offsets(self, tps: list[Any]) -> dict[Any, int]:
        return {tps[0]: len(self.records)}

    async def getmany(self, tp: Any, timeout_ms: int, max_records: int) -> dict[Any, list[SimpleNamespace]]:
        if self.fail_at is not None and self.pos >= self.fail_at:
            raise ConnectionError("the broker went away")
        chunk = self.records[self.pos:self.pos + min(max_records, 3)]
        self.pos += len(chunk)
        return {tp: chunk}

    async def stop(self) -> None:
        self.stopped = True


def test_a_starting_worker_replays_the_log_before_joining_and_the_follower_goes_on_from_there(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    stories = [STORY, "Heavy rain flooded the valley overnight and closed two roads. " * 4]
    records = [_record(i, f"a{i}".encode(), fingerprint(signature_of(stories[i % 2]))) for i in range(10)]
    log = FingerprintLog(settings, _no_send)
    consumer = _FakeLogConsumer(records)
    assert asyncio.run(log.catch_up(consumer=consumer)) == 10
    assert log.position == 10 and log.index.articles == 10 and consumer.stopped
    assert log.index.lookup("a3", records[3].value).cluster_id == "a1"  # the same answers as a live follower
    broken = FingerprintLog(settings, _no_send)
    assert asyncio.run(broken.catch_up(consumer=_FakeLogConsumer(records, fail_at=6))) == 6  # best effort
    assert broken.position == 6  # the follower seeks here and replays the rest
