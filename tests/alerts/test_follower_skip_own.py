"""The alert memory's reader steps over the alerts this matcher wrote itself, and only those (pure: no broker)."""

from __future__ import annotations

from kafka import TopicPartition

from streams.alerts.matcher import FiredKeys

TOPIC = "t-alerts"


class FakeReader:
    def __init__(self, positions: dict[int, int]) -> None:
        self.positions = {TopicPartition(TOPIC, p): o for p, o in positions.items()}
        self.seeks: list[tuple[int, int]] = []

    def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp.partition, offset))
        self.positions[tp] = offset


def follower(reader: FakeReader) -> FiredKeys:
    fired = FiredKeys.__new__(FiredKeys)  # no broker: only the reader's positions matter here
    fired.topic, fired._consumer, fired._own = TOPIC, reader, {}  # type: ignore[assignment]
    fired._partitions = sorted(reader.positions, key=lambda tp: tp.partition)
    return fired


def test_steps_over_its_own_records_at_the_head_and_stops_at_anyone_elses() -> None:
    reader = FakeReader({0: 5, 1: 3, 2: 0})
    fired = follower(reader)
    for partition, offset in [(0, 5), (0, 6), (0, 8), (1, 4), (2, 0), (2, 1)]:
        fired.written(partition, offset)
    ends = {TopicPartition(TOPIC, 0): 9, TopicPartition(TOPIC, 1): 5, TopicPartition(TOPIC, 2): 2}

    fired._skip_own(ends)

    # partition 0: 5 and 6 are its own, 7 is another matcher's (read as usual, and 8 with it)
    # partition 1: 3 is someone else's, so nothing is skipped; partition 2: all its own, nothing to fetch
    assert reader.seeks == [(0, 7), (2, 2)]
    assert fired._own == {0: {8}, 1: {4}, 2: set()}


def test_never_steps_past_the_end_offsets_of_the_catch_up() -> None:
    reader = FakeReader({0: 0})
    fired = follower(reader)
    fired.written(0, 0)
    fired.written(0, 1)
    fired._skip_own({TopicPartition(TOPIC, 0): 1})
    assert reader.seeks == [(0, 1)] and fired._own == {0: {1}}
