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


def test_stuck_once_over_the_limit_while_new_clients_find_the_coordinator() -> None:
    clock, probes, answers = _Clock(), [], [True]
    watch = _watch(answers, clock, probes)
    consumer = _Consumer(_Coordinator())
    results = []
    for _ in range(4):
        results.append(watch.stuck_for(consumer))
        clock.now += 5
    assert results == [None, None, None, 15.0] and probes[-1] == "127.0.0.1:9 g"  # probed at 5, 10, 15 s


def test_not_stuck_while_nobody_finds_the_coordinator_and_given_time_once_they_do() -> None:
    clock, probes, answers = _Clock(), [], [False]
    watch = _watch(answers, clock, probes)
    consumer = _Consumer(_Coordinator())
    for _ in range(7):  # 30 s of a cluster that is away or still electing its leaders
        assert watch.stuck_for(consumer) is None
        clock.now += 5
    answers.append(True)
    assert watch.stuck_for(consumer) is None  # new clients find it from now (35 s) on: 10 s more
    clock.now += 5
    assert watch.stuck_for(consumer) is None
    clock.now += 5
    assert watch.stuck_for(consumer) == 45.0
    consumer._coordinator.unknown = False
    assert watch.stuck_for(consumer) is None
    consumer._coordinator.unknown = True
    clock.now += 60
    assert watch.stuck_for(consumer) is None  # found it meanwhile: the count starts again


def test_the_probe_runs_at_most_every_third_of_the_limit() -> None:
    clock, probes, answers = _Clock(), [], [False]
    watch = _watch(answers, clock, probes)
    consumer = _Consumer(_Coordinator())
    for _ in range(100):
        watch.stuck_for(consumer)
        clock.now += 0.5
    assert 8 <= len(probes) <= 10  # 50 s: at 5, 10, ... 45 s


def test_consumers_without_a_group_are_never_stuck() -> None:
    assert not coordinator_unknown(_Consumer(_Coordinator(group_id=None)))
    assert not coordinator_unknown(object())
    assert coordinator_unknown(_Consumer(_Coordinator()))
