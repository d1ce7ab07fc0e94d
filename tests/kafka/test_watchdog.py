"""CoordinatorWatch: when a group consumer without its coordinator is declared stuck (pure: no broker)."""

from __future__ import annotations

from typing import Any

from streams.kafka.watchdog import CoordinatorWatch, coordinator_unknown


class _Coordinator:
    def __init__(self, group_id: str | None = "g") -> None:
        self.group_id = group_id
        self.unknown = True

    def coordinator_unknown(self) -> bool:
        return self.unknown


class _Consumer:
    def __init__(self, coordinator: Any) -> None:
        self._coordinator = coordinator


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _watch(answers: list[bool], clock: _Clock, probes: list[str]) -> CoordinatorWatch:
    def probe(bootstrap: str, group: str) -> str | None:
        probes.append(f"{bootstrap} {group}")
        return None if answers[-1] else "its coordinator does not answer a new client either"

    return CoordinatorWatch("127.0.0.1:9", "g", 15.0, probe=probe, clock=clock)


def test_stuck_only_after_the_limit_and_only_while_a_new_client_finds_the_coordinator() -> None:
    clock, probes, answers = _Clock(), [], [False]
    watch = _watch(answers, clock, probes)
    consumer = _Consumer(_Coordinator())
    assert watch.stuck_for(consumer) is None
    clock.now += 20
    assert watch.stuck_for(consumer) is None and len(probes) == 1  # nobody finds it (cluster away, leaders not elected): not the client's fault
    answers.append(True)
    clock.now += 10
    assert watch.stuck_for(consumer) is None  # 10 s of others finding it (as far as we know)
    clock.now += 6
    assert watch.stuck_for(consumer) == 16.0 and probes[-1] == "127.0.0.1:9 g"
    consumer._coordinator.unknown = False
    assert watch.stuck_for(consumer) is None
    clock.now += 60
    assert watch.stuck_for(consumer) is None and len(probes) == 2  # found it: the count starts again


def test_the_probe_runs_at_most_every_third_of_the_limit() -> None:
    clock, probes, answers = _Clock(), [], [False]
    watch = _watch(answers, clock, probes)
    consumer = _Consumer(_Coordinator())
    watch.stuck_for(consumer)
    for _ in range(100):
        clock.now += 0.5
        watch.stuck_for(consumer)
    assert 2 <= len(probes) <= 1 + 50 / 5


def test_consumers_without_a_group_are_never_stuck() -> None:
    assert not coordinator_unknown(_Consumer(_Coordinator(group_id=None)))
    assert not coordinator_unknown(object())
    assert coordinator_unknown(_Consumer(_Coordinator()))
