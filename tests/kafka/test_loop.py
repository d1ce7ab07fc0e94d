"""The batch consumer loop with a fake consumer and producer (pure: no broker)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError, KafkaConnectionError

from streams.core.errors import DecodeError, StorageError
from streams.core.model import DeadLetter
from streams.core.settings import load_settings
from streams.kafka import clients, loop
from streams.kafka.loop import Batch, BatchLoop, BatchResult, LoopSpec, Output

TOPIC = "t-articles.enriched"


@dataclass(frozen=True)
class Rec:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class FakeConsumer:
    """Partitions of one topic in memory; positions, seeks and commits as kafka-python does them."""

    def __init__(self, values: dict[int, list[bytes]], events: list[str], *, assigned: bool = True,
                 on_poll: Callable[[int], None] | None = None) -> None:
        self.records = {TopicPartition(TOPIC, p): [Rec(TOPIC, p, i, f"k{p}-{i}".encode(), v) for i, v in enumerate(vs)]
                        for p, vs in values.items()}
        self.positions = {tp: 0 for tp in self.records}
        self.assigned = set(self.records) if assigned else set()
        self.committed: dict[TopicPartition, int] = {}
        self.events = events
        self.polls = 0
        self.on_poll = on_poll
        self.closed = False

    def poll(self, timeout_ms: int = 0, max_records: int = 500) -> dict[TopicPartition, list[Rec]]:
        self.polls += 1
        if self.on_poll is not None:
            self.on_poll(self.polls)
        out: dict[TopicPartition, list[Rec]] = {}
        for tp in sorted(self.assigned, key=lambda t: t.partition):
            take = self.records[tp][self.positions[tp]:self.positions[tp] + max_records - sum(map(len, out.values()))]
            if take:
                out[tp] = take
                self.positions[tp] += len(take)
        return out

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.events.append(f"seek {tp.partition}@{offset}")
        self.positions[tp] = offset

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def end_offsets(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: len(self.records[tp]) for tp in tps}

    def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.events.append("commit " + " ".join(f"{tp.partition}@{m.offset}" for tp, m in sorted(
            offsets.items(), key=lambda kv: kv[0].partition)))
        self.committed.update({tp: m.offset for tp, m in offsets.items()})

    def close(self, autocommit: bool = True) -> None:
        assert autocommit is False  # the loop commits explicitly, never on close
        self.closed = True


class FakeFuture:
    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.is_done = True

    def get(self, timeout: float | None = None) -> None:
        if self.error is not None:
            raise self.error


class FakeProducer:
    """Acknowledges every send, except the first ``fail`` ones (not acknowledged: a timeout)."""

    def __init__(self, events: list[str], fail: int = 0) -> None:
        self.events, self.fail = events, fail
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []
        self.closed = False

    def send(self, topic: str, key: bytes | None = None, value: bytes | None = None) -> FakeFuture:
        self.events.append(f"send {topic}")
        if self.fail > 0:
            self.fail -= 1
            return FakeFuture(KafkaTimeoutError("not acknowledged (injected)"))
        self.sent.append((topic, key, value))
        return FakeFuture(None)

    def flush(self, timeout: float | None = None) -> None:
        self.events.append("flush")

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class Sink:
    """Records whose value is b"bad" become dead letters; the others produce one output each."""

    def __init__(self, events: list[str], *, fail_first: int = 0,
                 stop_after: int | None = None) -> None:
        self.events, self.fail_first, self.stop_after = events, fail_first, stop_after
        self.batches: list[list[tuple[int, int]]] = []
        self.done: list[int] = []
        self.acked: list[bytes] = []

    def open(self) -> None:
        self.events.append("open")

    def handle(self, batch: Batch) -> BatchResult:
        self.batches.append([(r.partition, r.offset) for r in batch.records])
        self.events.append(f"handle {len(batch.records)}")
        if self.fail_first > 0:
            self.fail_first -= 1
            raise StorageError("database unavailable (injected)")
        handled, dead, out = 0, [], []
        for record in batch.records:
            if self.stop_after is not None and handled == self.stop_after:
                batch.stop.set()
                break
            if record.value == b"bad":
                dead.append(batch.dead_letter(DecodeError("not an article", reason="malformed_json"), record))
            else:
                out.append(Output("t-out", record.key, record.value.upper(),
                                  lambda v=record.value: self.acked.append(v)))
            handled += 1
        return BatchResult(dead_letters=dead, produced=out, handled=handled,
                           on_done=lambda: self.done.append(handled))

    def close(self) -> None:
        self.events.append("close")


def make_loop(consumer: FakeConsumer, producer: FakeProducer, sink: Sink, *, group: str | None = "g",
              batch_size: int = 10, on_retry: Callable[[], None] | None = None,
              commit_every_s: float = 0.0) -> BatchLoop:
    spec = LoopSpec(stage="store", topic=TOPIC, group_id=group, client_id="test", batch_size=batch_size,
                    commit_every_s=commit_every_s)
    return BatchLoop(load_settings(topic_prefix="t-"), spec, sink, on_retry=on_retry,  # type: ignore[arg-type]
                     connect_consumer=lambda: consumer, connect_producer=lambda: producer)  # type: ignore[arg-type,return-value]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "RETRY_BASE_S", 0.01)
    monkeypatch.setattr(loop, "RETRY_CAP_S", 0.02)


def test_commits_only_after_the_batch_was_handled_and_its_outputs_acknowledged() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a", b"bad", b"c"], 1: [b"d"]}, events)
    producer = FakeProducer(events)
    sink = Sink(events)
    stats = make_loop(consumer, producer, sink).run(until_idle=0.0)

    assert events == ["open", "handle 4", "send t-out", "send t-out", "send t-out", "send t-dead-letters", "flush",
                      "commit 0@3 1@1", "close"]
    assert consumer.committed == {TopicPartition(TOPIC, 0): 3, TopicPartition(TOPIC, 1): 1}
    assert sink.acked == [b"a", b"c", b"d"] and sink.done == [4]
    assert (stats.batches, stats.records, stats.dead_letters, stats.retries) == (1, 4, 1, 0)
    assert consumer.closed and producer.closed
    (letter,) = [DeadLetter.from_json(v) for t, _, v in producer.sent if t == "t-dead-letters"]
    assert (letter.stage, letter.reason, letter.original) == ("store", "malformed_json", b"bad")
    assert (letter.source_topic, letter.source_partition, letter.source_offset, letter.source_key) == (
        TOPIC, 0, 1, b"k0-1")


def test_commit_every_commits_finished_batches_together_when_the_poll_comes_back_empty() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a", b"b", b"c"], 1: [b"d", b"e"]}, events)
    sink = Sink(events)
    stats = make_loop(consumer, FakeProducer(events), sink, batch_size=2, commit_every_s=60.0).run(until_idle=0.0)

    handles = [i for i, e in enumerate(events) if e.startswith("handle")]
    commits = [(i, e) for i, e in enumerate(events) if e.startswith("commit")]
    assert len(handles) == 3 and sink.done == [2, 2, 1]
    assert commits == [(commits[0][0], "commit 0@3 1@2")]  # one commit, after the last batch's outputs
    assert commits[0][0] > max(i for i, e in enumerate(events) if e == "flush")
    assert consumer.committed == {TopicPartition(TOPIC, 0): 3, TopicPartition(TOPIC, 1): 2}
    assert stats.batches == 3 and stats.records == 5


def test_commit_every_commits_once_the_oldest_finished_batch_waited_that_long(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a", b"b", b"c", b"d", b"e"]}, events)
    clock = [100.0]

    def tick(_polls: int) -> None:
        clock[0] += 0.4  # each poll: 0.4 s later

    consumer.on_poll = tick
    monkeypatch.setattr(loop.time, "monotonic", lambda: clock[0])
    make_loop(consumer, FakeProducer(events), Sink(events), batch_size=1, commit_every_s=1.0).run(until_idle=0.0)

    # one-record batches finish 0.4 s apart: the fourth is the first 1 s or more after the oldest uncommitted
    # one (1.2 s); the fifth is committed by the empty poll after it
    assert [e for e in events if e.startswith("commit")] == ["commit 0@4", "commit 0@5"]


def test_commit_every_still_commits_what_was_finished_when_stopped() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a", b"b", b"c"], 1: [b"d"]}, events)
    stop = threading.Event()
    make_loop(consumer, FakeProducer(events), Sink(events, stop_after=2), commit_every_s=60.0).run(stop)

    assert consumer.committed == {TopicPartition(TOPIC, 0): 2}
    assert events.index("commit 0@2") < events.index("close")


def test_commit_every_commits_nothing_of_a_batch_whose_outputs_were_never_acknowledged() -> None:
    events: list[str] = []
    stop = threading.Event()
    consumer = FakeConsumer({0: [b"a", b"b"]}, events)

    class Refusing(FakeProducer):
        def send(self, topic: str, key: bytes | None = None, value: bytes | None = None) -> FakeFuture:
            stop.set()
            return FakeFuture(KafkaTimeoutError("not acknowledged (injected)"))

    make_loop(consumer, Refusing(events), Sink(events), commit_every_s=60.0).run(stop)
    assert consumer.committed == {} and not any(e.startswith("commit") for e in events)


def test_unacknowledged_outputs_are_sent_again_before_the_commit_and_the_batch_is_not_handled_twice() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a", b"bad"]}, events)
    producer = FakeProducer(events, fail=2)  # the first round is refused entirely
    retries: list[int] = []
    sink = Sink(events)
    stats = make_loop(consumer, producer, sink, on_retry=lambda: retries.append(1)).run(until_idle=0.0)

    assert events == ["open", "handle 2", "send t-out", "send t-dead-letters", "flush",
                      "send t-out", "send t-dead-letters", "flush", "commit 0@2", "close"]
    assert [t for t, _, _ in producer.sent] == ["t-out", "t-dead-letters"]  # each once, once acknowledged
    assert sink.acked == [b"a"] and len(sink.batches) == 1
    assert stats.retries == 1 and retries == [1] and stats.dead_letters == 1


def test_a_failing_handler_rewinds_the_batch_and_retries_it() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a", b"b"], 1: [b"c"]}, events)
    retries: list[int] = []
    sink = Sink(events, fail_first=2)
    stats = make_loop(consumer, FakeProducer(events), sink, on_retry=lambda: retries.append(1)).run(until_idle=0.0)

    assert sink.batches == [[(0, 0), (0, 1), (1, 0)]] * 3  # the same records every time
    assert events[:5] == ["open", "handle 3", "seek 0@0", "seek 1@0", "handle 3"]
    assert [e for e in events if e.startswith("commit")] == ["commit 0@2 1@1"]
    assert events.index("commit 0@2 1@1") > events.index("send t-out")  # after the third, successful, handle
    assert (stats.retries, stats.batches, len(retries)) == (2, 1, 2)
    assert sink.done == [3]


def test_stopped_part_way_commits_what_was_handled_and_rewinds_the_rest() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a", b"b", b"c"], 1: [b"d"]}, events)
    sink = Sink(events, stop_after=2)
    stop = threading.Event()
    make_loop(consumer, FakeProducer(events), sink).run(stop)

    assert stop.is_set()
    assert consumer.committed == {TopicPartition(TOPIC, 0): 2}
    assert "seek 0@2" in events and "seek 1@0" in events
    assert events.index("seek 0@2") > events.index("commit 0@2")
    assert sink.done == [2]


def test_stopped_while_outputs_are_refused_commits_nothing() -> None:
    events: list[str] = []
    stop = threading.Event()
    consumer = FakeConsumer({0: [b"a", b"b"]}, events)

    class Refusing(FakeProducer):
        def send(self, topic: str, key: bytes | None = None, value: bytes | None = None) -> FakeFuture:
            stop.set()  # e.g. SIGTERM while the broker is away
            return FakeFuture(KafkaTimeoutError("not acknowledged (injected)"))

    sink = Sink(events)
    stats = make_loop(consumer, Refusing(events), sink).run(stop)
    assert consumer.committed == {} and "seek 0@0" in events
    assert sink.done == [] and stats.batches == 0


def test_handled_zero_commits_nothing_and_rewinds() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a"]}, events)
    stop = threading.Event()

    class Stopping(Sink):
        def handle(self, batch: Batch) -> BatchResult:
            batch.stop.set()  # e.g. stopped while the database was unavailable
            return BatchResult(handled=0)

    make_loop(consumer, FakeProducer(events), Stopping(events)).run(stop)
    assert consumer.committed == {} and "seek 0@0" in events and not any(e.startswith("send") for e in events)


def test_without_a_group_nothing_is_committed() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a"]}, events)
    sink = Sink(events)
    stats = make_loop(consumer, FakeProducer(events), sink, group=None).run(until_idle=0.0)
    assert consumer.committed == {} and sink.done == [1] and stats.batches == 1


def test_batches_are_at_most_batch_size() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"x"] * 7}, events)
    sink = Sink(events)
    make_loop(consumer, FakeProducer(events), sink, batch_size=3).run(until_idle=0.0)
    assert [len(b) for b in sink.batches] == [3, 3, 1]
    assert [e for e in events if e.startswith("commit")] == ["commit 0@3", "commit 0@6", "commit 0@7"]


def test_until_idle_waits_while_not_drained() -> None:
    events: list[str] = []
    stop = threading.Event()
    consumer = FakeConsumer({0: [b"a"]}, events, on_poll=lambda n: stop.set() if n >= 20 else None)
    consumer.assigned = set()  # assigned, but nothing fetched yet: positions stay behind the end
    consumer.assignment = lambda: {TopicPartition(TOPIC, 0)}  # type: ignore[method-assign]
    make_loop(consumer, FakeProducer(events), Sink(events)).run(stop, until_idle=0.0)
    assert consumer.polls == 20  # not drained: idle alone does not end the loop; the stop event did


def test_until_idle_gives_up_without_partitions_after_the_grace(monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a"]}, events, assigned=False)
    monkeypatch.setattr(clients, "NO_ASSIGNMENT_GRACE_S", 0.0)
    with caplog.at_level(logging.WARNING, logger="streams.kafka.loop"):
        stats = make_loop(consumer, FakeProducer(events), Sink(events)).run(until_idle=0.0)
    assert stats.batches == 0 and events == ["open", "close"]
    assert "no partitions of t-articles.enriched assigned" in caplog.text


def test_no_assignment_is_waited_for_during_the_grace() -> None:
    events: list[str] = []
    stop = threading.Event()
    consumer = FakeConsumer({0: [b"a"]}, events, assigned=False, on_poll=lambda n: stop.set() if n >= 5 else None)
    make_loop(consumer, FakeProducer(events), Sink(events)).run(stop, until_idle=0.0)
    assert consumer.polls == 5  # 60 s of grace: a rebalance may still hand us partitions


def test_a_failing_setup_still_closes_everything() -> None:
    events: list[str] = []

    class Broken(Sink):
        def open(self) -> None:
            raise StorageError("no database")

    consumer = FakeConsumer({0: [b"a"]}, events)
    with pytest.raises(StorageError):
        make_loop(consumer, FakeProducer(events), Broken(events)).run(until_idle=0.0)
    assert events == ["close"]


def test_an_open_that_meets_a_broker_not_ready_is_tried_again_and_then_consumes() -> None:
    # a leader not elected yet after a restart: the sink's start-up reads time out although the broker answers
    events: list[str] = []
    retries: list[int] = []

    class NotReadyTwice(Sink):
        def open(self) -> None:
            events.append("open")
            if events.count("open") <= 2:
                raise KafkaTimeoutError("Failed to get offsets by timestamps in 10000 ms (injected)")

    consumer = FakeConsumer({0: [b"a"]}, events)
    sink = NotReadyTwice(events)
    stats = make_loop(consumer, FakeProducer(events), sink, on_retry=lambda: retries.append(1)).run(until_idle=0.0)
    assert events[:4] == ["open", "open", "open", "handle 1"]
    assert consumer.committed == {TopicPartition(TOPIC, 0): 1}
    assert stats.retries == 2 and len(retries) == 2


def test_a_consumer_that_cannot_connect_yet_is_connected_again_without_opening_the_sink_twice() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a"]}, events)
    attempts: list[int] = []

    def connect() -> FakeConsumer:
        attempts.append(1)
        if len(attempts) == 1:
            raise KafkaConnectionError("injected")
        return consumer

    spec = LoopSpec(stage="store", topic=TOPIC, group_id="g", client_id="test", batch_size=10)
    BatchLoop(load_settings(topic_prefix="t-"), spec, Sink(events), connect_consumer=connect,  # type: ignore[arg-type]
              connect_producer=lambda: FakeProducer(events)).run(until_idle=0.0)  # type: ignore[arg-type,return-value]
    assert len(attempts) == 2 and events.count("open") == 1 and consumer.committed == {TopicPartition(TOPIC, 0): 1}


def test_stopped_while_the_sink_cannot_open_returns_without_consuming() -> None:
    events: list[str] = []
    stop = threading.Event()

    class NeverReady(Sink):
        def open(self) -> None:
            events.append("open")
            stop.set()
            raise KafkaTimeoutError("injected")

    consumer = FakeConsumer({0: [b"a"]}, events)
    make_loop(consumer, FakeProducer(events), NeverReady(events)).run(stop)
    assert events == ["open", "close"] and consumer.polls == 0


class TimedSink(Sink):
    """A sink with timed work: between batches, ``idle()`` returns outputs (the first call fails)."""

    def __init__(self, events: list[str]) -> None:
        super().__init__(events)
        self.idle_calls = 0
        self.idle_acked: list[int] = []

    def idle(self) -> list[Output]:
        self.idle_calls += 1
        if self.idle_calls == 1:
            raise StorageError("timed work failed (injected)")
        call = self.idle_calls
        return [Output("t-timed", b"k", f"idle {call}".encode(), lambda: self.idle_acked.append(call))]


def test_idle_work_of_a_sink_is_produced_between_batches_and_commits_nothing() -> None:
    events: list[str] = []
    consumer = FakeConsumer({0: [b"a"]}, events)
    producer = FakeProducer(events)
    sink = TimedSink(events)
    stop = threading.Event()
    consumer.on_poll = lambda n: stop.set() if n >= 6 else None
    make_loop(consumer, producer, sink).run(stop)
    timed = [value for topic, _, value in producer.sent if topic == "t-timed"]
    assert sink.idle_calls >= 2 and timed and timed[0] == b"idle 2"  # a failure is tried again at the next poll
    assert sink.idle_acked == [int(v.split()[1]) for v in timed]
    assert [e for e in events if e.startswith("commit")] == ["commit 0@1"]  # only the record's batch commits


def test_a_poll_that_fails_while_the_broker_is_away_is_retried_and_no_polled_record_is_skipped() -> None:
    from kafka.errors import KafkaConnectionError

    events: list[str] = []

    def broker_away(poll: int) -> None:
        if poll in (2, 3):  # the second poll of the first batch, and the next one: the broker is gone
            raise KafkaConnectionError("111 ECONNREFUSED")

    consumer = FakeConsumer({0: [b"a", b"b", b"c"], 1: [b"d", b"e"]}, events, on_poll=broker_away)
    original = consumer.poll
    consumer.poll = lambda timeout_ms=0, max_records=500: original(timeout_ms, min(max_records, 2))  # type: ignore[method-assign]
    retries: list[int] = []
    sink = Sink(events)
    stats = make_loop(consumer, FakeProducer(events), sink, on_retry=lambda: retries.append(1)).run(until_idle=0.0)

    handled = [rec for batch in sink.batches for rec in batch]
    assert sorted(handled) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]  # the records of the cut-short poll too
    assert consumer.committed == {TopicPartition(TOPIC, 0): 3, TopicPartition(TOPIC, 1): 2}
    assert retries and stats.records == 5


def test_on_written_gets_the_partition_and_offset_the_broker_acknowledged() -> None:
    events: list[str] = []
    written: list[tuple[int, int]] = []

    class Placed(FakeFuture):
        def __init__(self, offset: int) -> None:
            super().__init__(None)
            self.offset = offset

        def get(self, timeout: float | None = None) -> Any:
            return type("Metadata", (), {"partition": 3, "offset": self.offset})()

    class Placing(FakeProducer):
        def send(self, topic: str, key: bytes | None = None, value: bytes | None = None) -> FakeFuture:
            super().send(topic, key, value)
            return Placed(10 + len(self.sent))

    class Writing(Sink):
        def handle(self, batch: Batch) -> BatchResult:
            return BatchResult(produced=[Output("t-out", r.key, r.value, None, lambda p, o: written.append((p, o)))
                                         for r in batch.records])

    make_loop(FakeConsumer({0: [b"a", b"b"]}, events), Placing(events), Writing(events)).run(until_idle=0.0)
    assert written == [(3, 11), (3, 12)]
