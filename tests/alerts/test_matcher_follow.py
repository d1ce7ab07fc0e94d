"""When the matcher reads its memory of fired alerts to its end (pure, no broker).

The rules before every batch (a rule written before an article applies to it); the memory at most every
FOLLOW_EVERY_S while batches follow each other, and always before a batch that does not go on where the
previous one ended (records that may have been evaluated before).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from streams.alerts import matcher
from streams.core.settings import load_settings
from streams.kafka.loop import Batch
from tests.alerts.test_memory import Reader


class Counted(Reader):
    """The test reader, counting the end-offsets lookups (one per catch-up) of the alerts topic's reader."""

    lookups = 0
    rule_lookups = 0

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id

    def end_offsets(self, partitions: Any, timeout_ms: int | None = None) -> dict[Any, int]:
        Counted.lookups += "rules" not in self.client_id
        Counted.rule_lookups += "rules" in self.client_id
        return super().end_offsets(partitions, timeout_ms)


@pytest.fixture()
def opened(monkeypatch: pytest.MonkeyPatch) -> Any:
    Counted.lookups = Counted.rule_lookups = 0
    monkeypatch.setattr(matcher, "_reader", lambda settings, client_id: Counted(client_id))
    m = matcher.AlertMatcher(load_settings(topic_prefix="t-"))
    m.open()
    yield m
    m.close()


def _records(partition: int, first: int, n: int) -> list[Any]:
    return [SimpleNamespace(topic="t-articles.enriched", partition=partition, offset=first + i, key=b"k",
                            value=b"{}") for i in range(n)]


def _handle(m: matcher.AlertMatcher, records: list[Any]) -> int:
    before = Counted.lookups
    m.handle(Batch(records, "alert", None))  # type: ignore[arg-type]
    return Counted.lookups - before


def test_batches_that_follow_each_other_read_the_memory_at_most_every_interval(opened: Any) -> None:
    assert _handle(opened, _records(0, 100, 3)) == 1  # the first batch
    assert _handle(opened, _records(0, 103, 2)) == 0  # goes on where the last ended, within the interval
    assert _handle(opened, _records(0, 105, 1) + _records(1, 7, 2)) == 1  # partition 1 is new: maybe redelivered
    assert _handle(opened, _records(0, 106, 1) + _records(1, 9, 1)) == 0
    assert _handle(opened, _records(2, 50, 1)) == 1  # partition 2 is new
    assert _handle(opened, _records(0, 107, 1)) == 0  # partition 0 goes on where its last batch ended
    opened._follow_at -= matcher.FOLLOW_EVERY_S
    assert _handle(opened, _records(0, 108, 1)) == 1  # the interval ran out


def test_the_rules_are_read_before_every_batch(opened: Any) -> None:
    before = Counted.rule_lookups
    for first in (100, 102, 104):
        _handle(opened, _records(0, first, 2))
    assert Counted.rule_lookups - before == 3


@pytest.mark.parametrize("first", [100, 104], ids=["rewound", "skipped ahead (another matcher had it)"])
def test_a_batch_that_does_not_go_on_where_the_last_ended_reads_them_first(opened: Any, first: int) -> None:
    assert _handle(opened, _records(0, 100, 2)) == 1
    assert _handle(opened, _records(0, first, 2)) == 1


def test_a_failed_catch_up_is_tried_again_before_the_next_batch(opened: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _handle(opened, _records(0, 100, 2)) == 1

    def away(timeout_s: float = 0.0) -> int:
        raise matcher.BrokerError("injected")

    monkeypatch.setattr(opened.fired, "catch_up", away)
    with pytest.raises(matcher.BrokerError):
        opened.handle(Batch(_records(0, 102, 1) + _records(1, 7, 1), "alert", None))  # type: ignore[arg-type]
    monkeypatch.undo()
    monkeypatch.setattr(matcher, "_reader", lambda settings, client_id: Counted(client_id))
    # the loop rewinds and polls again: even a batch that goes on from the last handled one reads them first
    assert _handle(opened, _records(0, 102, 1)) == 1
