"""When ``streams store`` refreshes the archive's query-planner statistics (``Archive.refresh_statistics``).

At start, whenever the archive has doubled since the last refresh (a first bulk load is refreshed at
1,000, 2,000, 4,000... articles, so its searches are planned well from early on), at least every
EVERY_S while articles arrive (the mix of sources and words drifts), and at the end. Each refresh
is bounded (SQLite reads at most ``ANALYSIS_LIMIT`` rows per index) and runs between batches, after a
batch was committed: never inside a write.
"""

from __future__ import annotations

import time
from typing import Callable

#: no refresh for fewer new articles than this: statistics of a small archive hardly change its plans
MIN_WRITES = 1_000
#: a steady stream that never doubles the archive still gets fresh statistics this often
EVERY_S = 3_600.0


class StatisticsSchedule:
    """Counts the articles written since the last refresh and says when the next one is due."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, min_writes: int = MIN_WRITES,
                 every_s: float = EVERY_S) -> None:
        self._clock = clock
        self.min_writes = min_writes
        self.every_s = every_s
        self.written = 0  # articles written since the last refresh
        self.size = 0  # articles in the archive at the last refresh
        self._last = clock()

    def wrote(self, articles: int) -> None:
        self.written += articles

    def due(self) -> bool:
        """True once the archive doubled (and at least ``min_writes`` arrived), or ``every_s`` passed
        with anything new."""
        if self.written >= max(self.min_writes, self.size):
            return True
        return self.written > 0 and self._clock() - self._last >= self.every_s

    def refreshed(self, size: int) -> None:
        """A refresh ran on an archive of ``size`` articles."""
        self.written, self.size, self._last = 0, size, self._clock()
