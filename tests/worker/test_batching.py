"""The agent's batching and acking (pure asyncio, no broker)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, AsyncIterator

from streams.worker.app import enrich_batches
from streams.worker.runner import ENRICH_BATCH
from streams.worker.batching import batches


async def _trickle(n: int, gap_s: float) -> AsyncIterator[int]:
    for i in range(n):
        await asyncio.sleep(gap_s)
        yield i


def test_a_slow_stream_still_comes_in_batches_and_a_fast_one_in_full_ones() -> None:
    async def collect(gap_s: float) -> list[list[int]]:
        return [b async for b in batches(_trickle(40, gap_s), 16, linger_s=0.15)]

    slow = asyncio.run(collect(0.02))  # 50 articles a second: a few per batch, not one by one
    assert [i for b in slow for i in b] == list(range(40))
    assert len(slow) <= 10 and max(len(b) for b in slow) >= 4
    fast = asyncio.run(collect(0.0))
    assert [len(b) for b in fast] == [16, 16, 8]


def test_items_that_waited_while_the_caller_worked_go_out_without_a_linger() -> None:
    """The linger counts from the first item's arrival: the child must not idle while work is queued."""
    linger_s = 2.0

    async def stream() -> AsyncIterator[int]:
        yield 0
        yield 1
        yield 2  # arrives while the caller works on [0, 1]
        await asyncio.Event().wait()  # a live stream does not end

    async def run() -> tuple[list[int], float]:
        gen = batches(stream(), 2, linger_s=linger_s)
        assert await gen.__anext__() == [0, 1]
        await asyncio.sleep(linger_s + 0.5)  # the caller enriches [0, 1]; item 2 waits in the read-ahead
        loop = asyncio.get_running_loop()
        asked = loop.time()
        second = await gen.__anext__()
        took = loop.time() - asked
        await gen.aclose()
        return second, took

    second, took = asyncio.run(run())
    assert second == [2]
    assert took < linger_s / 2, f"a batch of items that had waited {linger_s + 0.5:g}s lingered {took:.2f}s more"


def test_an_error_of_the_stream_reaches_the_caller() -> None:
    async def broken() -> AsyncIterator[int]:
        yield 1
        raise ConnectionError("gone")

    async def run() -> list[list[int]]:
        return [b async for b in batches(broken(), 4, linger_s=0.05)]

    try:
        asyncio.run(run())
    except ConnectionError:
        return
    raise AssertionError("the stream's error was swallowed")


class FakeStream:
    """The parts of a Faust stream the agent uses. ``take_events`` is Faust's contract (0.15.3): it acks
    the whole batch in a ``finally``, also when the body is cancelled; an agent built on it fails here."""

    def __init__(self, n: int) -> None:
        self.events_in = [SimpleNamespace(message=SimpleNamespace(offset=i)) for i in range(n)]
        self.acked: list[int] = []

    def noack(self) -> "FakeStream":
        return self

    async def events(self) -> AsyncIterator[Any]:
        for event in self.events_in:
            yield event
        await asyncio.Event().wait()  # a live stream does not end

    async def take_events(self, max_: int, within: float) -> AsyncIterator[list[Any]]:
        for start in range(0, len(self.events_in), max_):
            batch = self.events_in[start : start + max_]
            try:
                yield batch
            finally:
                for event in batch:
                    await self.ack(event)
        await asyncio.Event().wait()

    async def ack(self, event: Any) -> bool:
        self.acked.append(event.message.offset)
        return True


class StuckLogic:
    """Finishes the first batch, then hangs while publishing the second (a slow broker) until cancelled."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.in_second = asyncio.Event()

    async def compute(self, messages: list[Any]) -> list[Any]:
        self.batches.append([m.offset for m in messages])
        return messages

    async def finish(self, computed: list[Any]) -> None:
        if computed[0].offset != 0:
            self.in_second.set()
            await asyncio.Event().wait()


class OverlapLogic:
    """The first batch's publishing can only end once the child has started on the second batch."""

    def __init__(self, hang_in_second_compute: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.second_started = asyncio.Event()
        self.hang = hang_in_second_compute

    async def compute(self, messages: list[Any]) -> list[Any]:
        self.batches.append([m.offset for m in messages])
        if len(self.batches) == 2:
            self.second_started.set()
            if self.hang:
                await asyncio.Event().wait()
        return messages

    async def finish(self, computed: list[Any]) -> None:
        if computed[0].offset == 0:
            await asyncio.wait_for(self.second_started.wait(), 10)


def test_a_cancelled_batch_is_not_acked() -> None:
    stream, logic = FakeStream(40), StuckLogic()

    _run_until(stream, logic, logic.in_second.wait)  # cancelled in the middle of the second batch
    first = logic.batches[0]
    assert first == list(range(len(first))) and len(logic.batches) == 2
    assert stream.acked == first  # the unfinished batch (and the read-ahead) stays unacked: redelivered


def _run_until(stream: FakeStream, logic: Any, ready: Any, generation: Any = None) -> None:
    """Run the agent loop until ``ready()`` completes, then cancel it (a rebalance or a shutdown)."""
    async def run() -> None:
        task = asyncio.ensure_future(enrich_batches(stream, logic, generation=generation))
        await asyncio.wait_for(ready(), 10)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(run())


def test_the_child_enriches_the_next_batch_while_the_previous_one_is_published() -> None:
    stream, logic = FakeStream(40), OverlapLogic()

    async def two_batches_acked() -> None:
        while len(stream.acked) < 40:
            await asyncio.sleep(0.01)

    _run_until(stream, logic, two_batches_acked)  # without the overlap the first batch's finish times out
    assert stream.acked == list(range(40)) and len(logic.batches) == 2


def test_a_batch_in_the_child_is_not_acked_when_cancelled_but_the_published_one_is() -> None:
    stream, logic = FakeStream(40), OverlapLogic(hang_in_second_compute=True)
    first_len: list[int] = []

    async def first_acked() -> None:
        await logic.second_started.wait()
        first_len.append(len(logic.batches[0]))
        while len(stream.acked) < first_len[0]:
            await asyncio.sleep(0.01)

    _run_until(stream, logic, first_acked)
    assert stream.acked == logic.batches[0] == list(range(first_len[0]))


class RecordingLogic:
    """Computes and finishes at once; remembers which offsets went to the child."""

    def __init__(self) -> None:
        self.computed: list[int] = []

    async def compute(self, messages: list[Any]) -> list[Any]:
        self.computed.extend(m.offset for m in messages)
        return messages

    async def finish(self, computed: list[Any]) -> None:
        return None


def test_events_fetched_before_a_rebalance_are_dropped_unacked_not_enriched() -> None:
    stream, logic = FakeStream(40), RecordingLogic()
    for event in stream.events_in:  # 0-19 fetched in generation 1, 20-39 after the rebalance (generation 2)
        event.message.generation_id = 1 if event.message.offset < 20 else 2

    async def second_half_acked() -> None:
        while len(stream.acked) < 20:
            await asyncio.sleep(0.01)

    _run_until(stream, logic, second_half_acked, generation=lambda: 2)
    assert logic.computed == stream.acked == list(range(20, 40))  # 0-19: re-read from the committed offset


class DeepOverlapLogic:
    """The first batch's publishing ends only once the child has started on the third batch; finishes are
    recorded in the order they start, and the first one takes longest."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.third_started = asyncio.Event()
        self.finished: list[int] = []

    async def compute(self, messages: list[Any]) -> list[Any]:
        self.batches.append([m.offset for m in messages])
        if len(self.batches) == 3:
            self.third_started.set()
        return messages

    async def finish(self, computed: list[Any]) -> None:
        if computed[0].offset == 0:
            await asyncio.wait_for(self.third_started.wait(), 10)
        self.finished.append(computed[0].offset)


def test_the_child_goes_on_with_a_third_batch_while_two_wait_to_be_confirmed_in_order() -> None:
    n = 2 * ENRICH_BATCH + 5
    stream, logic = FakeStream(n), DeepOverlapLogic()

    async def all_acked() -> None:
        while len(stream.acked) < n:
            await asyncio.sleep(0.01)

    _run_until(stream, logic, all_acked)  # with one batch behind the child, the first finish times out
    assert stream.acked == list(range(n)) and len(logic.batches) == 3
    assert logic.finished == [0, ENRICH_BATCH, 2 * ENRICH_BATCH]  # one after the other, in input order
