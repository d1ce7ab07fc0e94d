"""The matcher's start-up when the broker is not ready: nothing is left open for the loop's next try (pure)."""

from __future__ import annotations

from typing import Any, Sequence

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError

from streams.alerts import matcher
from streams.core.settings import load_settings


class StuckReader:
    """A reader whose partitions are known but whose offsets lookup times out (a leader not elected yet)."""

    instances: list["StuckReader"] = []

    def __init__(self) -> None:
        self.closed = False
        StuckReader.instances.append(self)

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0, 1}

    def assign(self, partitions: Sequence[TopicPartition]) -> None:
        pass

    def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        pass

    def end_offsets(self, partitions: Sequence[TopicPartition], timeout_ms: int | None = None) -> dict[Any, int]:
        raise KafkaTimeoutError(f"Failed to get offsets by timestamps in {timeout_ms} ms (injected)")

    def close(self, autocommit: bool = True) -> None:
        self.closed = True


@pytest.fixture()
def stuck(monkeypatch: pytest.MonkeyPatch) -> list[StuckReader]:
    StuckReader.instances = []
    monkeypatch.setattr(matcher, "_reader", lambda settings, client_id: StuckReader())
    return StuckReader.instances


def test_a_rule_store_that_cannot_load_closes_its_reader(stuck: list[StuckReader]) -> None:
    with pytest.raises(KafkaTimeoutError):
        matcher.RuleStore(load_settings(topic_prefix="t-"))
    assert len(stuck) == 1 and stuck[0].closed


def test_a_failed_open_closes_what_it_opened_and_can_be_tried_again(monkeypatch: pytest.MonkeyPatch,
                                                                    stuck: list[StuckReader]) -> None:
    m = matcher.AlertMatcher(load_settings(topic_prefix="t-"))
    with pytest.raises(KafkaTimeoutError):
        m.open()
    assert stuck and all(r.closed for r in stuck) and m.rules is None and m.fired is None

    class Loaded(matcher.RuleStore):
        def catch_up(self, timeout_s: float = 0.0) -> int:
            return 0

    class Remembered(matcher.FiredKeys):
        def catch_up(self, timeout_s: float = 0.0) -> int:
            return 0

    monkeypatch.setattr(matcher, "RuleStore", Loaded)
    monkeypatch.setattr(matcher, "FiredKeys", Remembered)
    m.open()  # the broker is ready now: the loop's next try succeeds
    assert m.rules is not None and m.fired is not None
    m.close()
    assert all(r.closed for r in stuck)
