"""The chaos run's pure parts: its input, its schedule, its progress rule and its verdict line."""

from __future__ import annotations

import random

import orjson

from streams.devtools.chaos.articles import make_input
from streams.devtools.chaos.observe import moved_on
from streams.devtools.chaos.run import ChaosConfig, ChaosResult, ChaosRun


def test_input_is_seeded_and_has_one_percent_poison_of_every_kind() -> None:
    first, again = make_input(1200, seed=3), make_input(1200, seed=3)
    assert first.lines == again.lines and first.lines != make_input(1200, seed=4).lines
    assert len(first.good_ids) == len(set(first.good_ids)) == 1200
    ingest_poison = len(first.lines) - 1200
    assert ingest_poison == 12  # 1 %
    assert set(first.injected) == {"malformed_json", "empty_body", "invalid", "too_large", "undecodable"}
    assert first.poison == ingest_poison + len(first.raw_poison)
    good = [orjson.loads(line) for line in first.lines if line.startswith(b'{"id":"chaos-')]
    assert [g["id"] for g in good] == first.good_ids


def test_a_partition_counts_as_recovered_once_committed_past_the_kill_or_drained() -> None:
    at_kill = ({0: 10, 1: 5}, {0: 20, 1: 5})
    assert not moved_on(at_kill, ({0: 10, 1: 5}, {0: 20, 1: 6}))  # 0 stuck, 1 has new work
    assert not moved_on(at_kill, ({0: 11, 1: 5}, {0: 20, 1: 6}))
    assert moved_on(at_kill, ({0: 11, 1: 6}, {0: 20, 1: 6}))
    assert moved_on(at_kill, ({0: 20, 1: 5}, {0: 20, 1: 5}))  # nothing left to do


def test_the_schedule_has_every_fault_and_the_verdict_line_its_exact_words() -> None:
    run = ChaosRun.__new__(ChaosRun)
    run.cfg = ChaosConfig(worker_kills=3, broker_restarts=2, chunks=4)
    run.rng = random.Random(1)
    events = run._schedule()
    assert events.count("ingest") == 4 and events.count("worker") == 3 and events.count("broker") == 2
    assert {"store", "matcher", "deliver", "down-start"} <= set(events) and events[0] == "ingest"
    assert "database" not in events  # a SQLite archive has no server to crash
    run.cfg = ChaosConfig(worker_kills=3, broker_restarts=2, chunks=4, database="postgresql", database_restarts=1)
    assert run._schedule().count("database") == 1
    result = ChaosResult(articles=5, poison=2, dead_lettered=2)
    result.faults["worker"].extend([3.25, 7.5])
    assert result.last_line() == ("chaos: articles 5 lost 0 duplicate_rows 0 duplicate_webhook_effects 0 poison 2 "
                                  "dead_lettered 2 orphans 0 worst_worker_recovery_s 7.5")


def test_an_explicit_fault_order_replays_one_fault_per_gap_and_unknown_faults_are_refused() -> None:
    import pytest

    from streams.devtools.chaos.__main__ import _fault_list

    run = ChaosRun.__new__(ChaosRun)
    run.cfg = ChaosConfig(chunks=4, faults=("worker", "broker", "worker"))
    run.rng = random.Random(1)
    assert run._schedule() == ["ingest", "worker", "ingest", "broker", "ingest", "worker", "ingest"]
    assert _fault_list(" broker, worker ") == ("broker", "worker")
    with pytest.raises(Exception, match="unknown fault"):
        _fault_list("broker,meteor")


def test_a_worker_is_killed_only_once_the_group_has_stayed_whole_for_longer_than_a_session(monkeypatch) -> None:
    # a member loaded back after a broker restart counts until its session lapses: "stable with 2" for
    # a moment is not two live workers
    import time

    from streams.devtools.chaos import run as chaos_run

    monkeypatch.setattr(chaos_run, "GROUP_STABLE_FOR_S", 1.2)
    answers = iter([2, 2, -1, 1])
    seen: list[float] = []

    class Progress:
        def stable_members(self) -> int:
            seen.append(time.monotonic())
            return next(answers, 2)

    run = ChaosRun.__new__(ChaosRun)
    run.cfg, run.procs = ChaosConfig(workers=2), {}
    started = time.monotonic()
    run._wait_group_ready(Progress())  # type: ignore[arg-type]
    dip_over = seen[4]  # the first answer after the dip (-1, then 1 member)
    assert time.monotonic() - dip_over >= 1.2 - 0.5 and time.monotonic() - started >= 1.2 + 1.5
