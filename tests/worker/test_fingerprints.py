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

    async def scenario() -> tuple[float, float]:
        follower = asyncio.ensure_future(log._follow(OneFetch(), "tp"))  # type: ignore[arg-type]
        started, worst = asyncio.get_running_loop().time(), 0.0
        while log.position < len(records):
            before = asyncio.get_running_loop().time()
            await asyncio.sleep(0)
            worst = max(worst, asyncio.get_running_loop().time() - before)
        took = asyncio.get_running_loop().time() - started
        follower.cancel()
        with pytest.raises(asyncio.CancelledError):
            await follower
        return worst, took

    worst, took = asyncio.run(scenario())
    assert log.index.articles == 5_000
    assert worst < took / 5, f"the loop was held {worst:.3f} s of the replay's {took:.3f} s in one go"
