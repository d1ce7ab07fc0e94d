"""The fingerprint log's follower on the real broker: a fetch the broker holds on an idle log is answered
as soon as a record lands, so the follower's long fetch wait costs no latency (only idle requests)."""

from __future__ import annotations

import asyncio
import time

import pytest
from kafka import KafkaProducer

from streams.core.settings import Settings
from streams.enrich.components.dedupe import fingerprint, signature_of
from streams.kafka import topics
from streams.worker import fingerprints
from streams.worker.fingerprints import FingerprintLog

pytestmark = pytest.mark.broker

#: the fetch wait of this test: long, so that a record applied only when the wait ran out is plain to see
HELD_MS = 8_000
STORY = "The central bank left its key interest rate unchanged on Thursday, citing stable inflation. " * 4


async def _no_send(*args: object) -> object:
    raise AssertionError("the follower sends nothing")


def test_an_idle_follower_applies_a_new_record_long_before_its_fetch_wait_runs_out(
    kafka_settings: Settings, kafka_topics: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fingerprints, "FOLLOW_FETCH_WAIT_MS", HELD_MS)
    log = FingerprintLog(kafka_settings, _no_send)
    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap, acks="all")

    def append() -> None:
        producer.send(topics.FINGERPRINTS.name(kafka_settings), key=b"a", value=fingerprint(signature_of(STORY)),
                      partition=fingerprints.PARTITION).get(timeout=30)

    async def scenario() -> float:
        follower = asyncio.ensure_future(log.run())
        try:
            await asyncio.sleep(3.0)  # connected, at the end of the empty log, its fetch held by the broker
            assert log.position == 0
            started = time.monotonic()
            await asyncio.get_running_loop().run_in_executor(None, append)
            while log.position < 1 and time.monotonic() - started < 2 * HELD_MS / 1000:
                await asyncio.sleep(0.01)
            return time.monotonic() - started
        finally:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)

    try:
        took = asyncio.run(scenario())
    finally:
        producer.close()
    assert log.position == 1 and log.index.articles == 1
    assert took < HELD_MS / 1000 / 2, f"applied {took:.2f} s after the append: the held fetch was not answered"
