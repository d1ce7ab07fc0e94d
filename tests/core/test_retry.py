"""The retry helper: delays, the Backoff sequence, and a bounded retry of one call (pure)."""

from __future__ import annotations

import random

import pytest

from streams.core.retry import Backoff, retry_call, retry_delay


def test_delays_double_from_base_up_to_the_cap() -> None:
    assert [retry_delay(n, 0.5, 30.0, jitter=False) for n in range(1, 10)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert retry_delay(0, 1.0, 10.0, jitter=False) == 1.0  # attempt 0 or below: the base
    assert retry_delay(100_000, 0.5, 30.0, jitter=False) == 30.0  # never overflows


def test_jitter_stays_between_half_and_all_of_the_delay() -> None:
    rng = random.Random(7)
    for n in range(1, 12):
        d = retry_delay(n, 0.5, 30.0, jitter=False)
        for _ in range(50):
            assert d / 2 <= retry_delay(n, 0.5, 30.0, rng=rng) <= d
    # seeded: the same draws as random.uniform(d/2, d), the formula every caller used before
    a, b = random.Random(3), random.Random(3)
    assert [retry_delay(n, 1.0, 60.0, rng=a) for n in range(1, 8)] == [
        b.uniform(min(60.0, 2.0 ** (n - 1)) / 2, min(60.0, 2.0 ** (n - 1))) for n in range(1, 8)]


def test_backoff_sequence_and_reset() -> None:
    backoff = Backoff(0.5, 4.0, jitter=False)
    assert [backoff.next() for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.attempt == 5
    backoff.reset()
    assert backoff.next() == 0.5
    jittered = Backoff(1.0, 10.0, rng=random.Random(1))
    assert all(0.5 * min(10.0, 2.0 ** i) <= jittered.next() <= min(10.0, 2.0 ** i) for i in range(6))


class Flaky:
    """Fails ``failures`` times with ``error``, then returns "ok"."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def test_retry_call_retries_what_is_retriable_with_the_backoff_delays() -> None:
    waits: list[float] = []
    seen: list[tuple[str, float]] = []
    fn = Flaky(3, TimeoutError("busy"))
    result = retry_call(fn, retriable=lambda e: isinstance(e, TimeoutError), retry_for_s=60.0,
                        backoff=Backoff(0.5, 30.0, jitter=False), wait=waits.append,
                        on_retry=lambda e, d: seen.append((str(e), d)))
    assert result == "ok" and fn.calls == 4
    assert waits == [0.5, 1.0, 2.0] and seen == [("busy", 0.5), ("busy", 1.0), ("busy", 2.0)]


def test_retry_call_raises_at_once_what_is_not_retriable() -> None:
    fn = Flaky(1, ValueError("bad"))
    with pytest.raises(ValueError):
        retry_call(fn, retriable=lambda e: isinstance(e, TimeoutError), retry_for_s=60.0, wait=lambda _: None)
    assert fn.calls == 1


def test_retry_call_gives_up_after_the_time_bound() -> None:
    now = [0.0]

    def wait(delay: float) -> None:
        now[0] += delay

    fn = Flaky(1_000, TimeoutError("down"))
    with pytest.raises(TimeoutError):
        retry_call(fn, retriable=lambda e: True, retry_for_s=10.0, backoff=Backoff(1.0, 4.0, jitter=False),
                   wait=wait, clock=lambda: now[0])
    # waited 1 + 2 + 4 + 4 = 11 s > 10 s: the fifth failure is raised
    assert fn.calls == 5


def test_retry_call_stops_when_wait_says_so() -> None:
    fn = Flaky(5, TimeoutError("down"))
    with pytest.raises(TimeoutError):
        retry_call(fn, retriable=lambda e: True, retry_for_s=60.0, wait=lambda _: True)  # e.g. stop_event.wait
    assert fn.calls == 1
