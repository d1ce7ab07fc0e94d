"""Exponential back-off with a cap (and jitter where many clients retry at once), and a bounded retry.

Every loop of the project that waits before trying again takes its delays from here:
:func:`retry_delay` for the n-th attempt, :class:`Backoff` for a sequence of attempts (``next()``
after a failure, ``reset()`` after a success), :func:`retry_call` to retry one call for a while.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

T = TypeVar("T")

#: 2**62 times any base exceeds every cap; a larger exponent would overflow the float conversion
_MAX_EXPONENT = 62


def retry_delay(attempt: int, base: float = 0.5, cap: float = 30.0, *, jitter: bool = True,
                rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based).

    ``d = min(cap, base * 2**(attempt-1))``; with ``jitter`` the delay is uniform in ``[d/2, d]``
    (half fixed, half random), so clients that failed together do not retry together.
    """
    d = min(cap, base * (2 ** min(_MAX_EXPONENT, max(0, attempt - 1))))
    return (rng or random).uniform(d / 2, d) if jitter else d


@dataclass
class Backoff:
    """The delays of one retry sequence: ``next()`` after each failure, ``reset()`` after a success."""

    base: float = 0.5
    cap: float = 30.0
    jitter: bool = True
    rng: random.Random | None = None
    attempt: int = 0  # failures since the last reset

    def next(self) -> float:
        """Count one more failure and return how long to wait before the next attempt."""
        self.attempt += 1
        return retry_delay(self.attempt, self.base, self.cap, jitter=self.jitter, rng=self.rng)

    def reset(self) -> None:
        """Start over at ``base`` (call after a success)."""
        self.attempt = 0


def retry_call(
    fn: Callable[[], T],
    *,
    retriable: Callable[[Exception], bool],
    retry_for_s: float,
    backoff: Backoff | None = None,
    wait: Callable[[float], object] = time.sleep,
    on_retry: Callable[[Exception, float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Return ``fn()``, calling it again after errors that ``retriable`` accepts, for ``retry_for_s`` seconds.

    The last error is raised when it is not retriable, once ``retry_for_s`` has passed, or when
    ``wait(delay)`` returns true: pass ``event.wait`` to give up as soon as ``event`` is set.
    ``on_retry(error, delay)`` is called before each wait (e.g. to log).
    """
    backoff = backoff if backoff is not None else Backoff()
    deadline = clock() + retry_for_s
    while True:
        try:
            return fn()
        except Exception as exc:
            if not retriable(exc) or clock() >= deadline:
                raise
            delay = backoff.next()
            if on_retry is not None:
                on_retry(exc, delay)
            if wait(delay):
                raise
