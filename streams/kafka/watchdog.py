"""Noticing a kafka-python group consumer that has lost its group coordinator for good.

After a whole-cluster restart (3-node chaos run: every node kill -9ed, then started again), the
alert matcher's consumer never found its group coordinator again: 9 minutes in kafka-python 3.0's
``ensure_coordinator_ready`` at 100 % CPU while the store and the workers, on the same cluster, went
on. Such a consumer cannot be talked out of it, but a new one finds the coordinator at once. The
batch loop (:mod:`streams.kafka.loop`) therefore asks :class:`CoordinatorWatch` after every poll;
once the coordinator has been unknown for ``stuck_after_s`` *while a fresh client finds it*
(:func:`coordinator_answers`), the loop closes the consumer and connects a new one. (That the
cluster merely answers is not enough: while a restarted cluster still elects the leaders of
``__consumer_offsets`` nobody finds the coordinator, and a new consumer would not either.) Nothing is lost by that: offsets are committed only after a batch's outputs,
so the new member resumes from the last commit.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from streams.kafka.clients import probe

#: a group consumer without a coordinator for this long, while the cluster answers, is replaced. A
#: healthy one finds it within a second of the cluster answering; a node restart moves the offsets
#: partitions' leaders within the brokers' 6 s session.
STUCK_AFTER_S = 15.0


def coordinator_unknown(consumer: Any) -> bool:
    """True for a group consumer that does not know its group coordinator (False without a group).

    kafka-python has no public call for it; ``_coordinator.coordinator_unknown()`` is what its own
    ``poll`` asks before anything else.
    """
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is None or getattr(coordinator, "group_id", None) is None:
        return False
    try:
        return bool(coordinator.coordinator_unknown())
    except Exception:  # noqa: BLE001 - a closing client: not our call to make here
        return False


def coordinator_answers(bootstrap: str, group: str) -> str | None:
    """None if a new client at ``bootstrap`` finds the coordinator of ``group`` and it describes the group."""
    def describe(client: Any) -> None:
        client.describe_groups([group])  # FindCoordinator, then DescribeGroups on it; errors are raised

    return probe(bootstrap, "streams-watch", describe, "its coordinator does not answer a new client either")


class CoordinatorWatch:
    """Says when a group consumer has been without its coordinator too long while a new client finds it.

    ``probe(bootstrap, group)`` returns None when a new client finds the group's coordinator (else why
    not); it runs at most once every third of ``stuck_after_s``, once the coordinator has been unknown
    that long. A consumer is stuck once its coordinator has been unknown for ``stuck_after_s`` and the
    probes have found it for the last two thirds of that (a cluster that just came back is given time).
    """

    def __init__(self, bootstrap: str, group: str, stuck_after_s: float = STUCK_AFTER_S, *,
                 probe: Callable[[str, str], str | None] = coordinator_answers,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bootstrap, self.group = bootstrap, group
        self.stuck_after_s = stuck_after_s
        self._probe = probe
        self._clock = clock
        self._lost_at: float | None = None  # since when this consumer has not known its coordinator
        self._found_since: float | None = None  # since when new clients have found it (probes in a row)
        self._probed_at = float("-inf")

    def reset(self) -> None:
        """Start over (a new consumer)."""
        self._lost_at = None
        self._found_since = None
        self._probed_at = float("-inf")

    def stuck_for(self, consumer: Any) -> float | None:
        """Seconds the coordinator has been unknown, once that is over the limit and new clients have found it
        for two thirds of the limit (probed every third); else None."""
        if not coordinator_unknown(consumer):
            self.reset()
            return None
        now = self._clock()
        if self._lost_at is None:
            self._lost_at = now
        third = self.stuck_after_s / 3
        if now - self._lost_at < third or now - self._probed_at < third:
            return None
        self._probed_at = now
        if self._probe(self.bootstrap, self.group) is not None:
            self._found_since = None  # nobody finds it (cluster away, leaders not elected): not this client's fault
            return None
        if self._found_since is None:
            self._found_since = now
        if now - self._lost_at < self.stuck_after_s or now - self._found_since < 2 * third:
            return None
        return now - self._lost_at
