"""The matcher's memory of what fired stays small and bounded however many alerts go by (pure, no broker).

A 1-hour soak (2 alerts an article, 25 articles/s) saw the matcher grow 18.9 %: every alert key was kept
as a string for the topic's 7-day retention (~170 bytes a key with its throttle time stamp).
"""

from __future__ import annotations

import bisect
import gc
import time
import tracemalloc
from types import SimpleNamespace
from typing import Any, Sequence

import pytest
from kafka import TopicPartition

from streams.alerts import matcher, memory
from streams.alerts.memory import BUCKET_S, KeyMemory
from streams.alerts.pacing import MAX_PER_WINDOW, Pacing
from streams.alerts.rules import Rule
from streams.core import allocator
from streams.core.settings import load_settings

T0 = 1_768_298_400.0
KEYS = 100_000


class Reader:
    """A reader of the alerts topic with one (empty) partition: nothing is read from a broker."""

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def assign(self, partitions: Sequence[TopicPartition]) -> None:
        pass

    def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        pass

    def end_offsets(self, partitions: Sequence[TopicPartition], timeout_ms: int | None = None) -> dict[Any, int]:
        return {tp: 0 for tp in partitions}

    def position(self, tp: TopicPartition) -> int:
        return 0

    def close(self, autocommit: bool = True) -> None:
        pass


@pytest.fixture()
def fired(monkeypatch: pytest.MonkeyPatch) -> matcher.FiredKeys:
    monkeypatch.setattr(matcher, "_reader", lambda settings, client_id: Reader())
    return matcher.FiredKeys(load_settings(topic_prefix="t-"), load=False)


def _record(i: int, at: float) -> Any:
    rule = "bench-en" if i % 2 else "bench-person"  # two rules, one story per article: the bench's alerts
    value = b'{"rule_id": "%s", "article_id": "soak-%d"}' % (rule.encode(), i // 2)
    return SimpleNamespace(key=f"{rule}:soak-run-{i // 2}".encode(), value=value, timestamp=int(at * 1000))


def test_a_fired_key_costs_a_few_bytes(fired: matcher.FiredKeys) -> None:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        start = time.time() - KEYS / 50  # the last half hour: well within the topic's retention
        for i in range(KEYS):
            fired.apply(_record(i, start + i / 50))
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(fired) == KEYS
    assert "bench-en:soak-run-0" in fired and f"bench-person:soak-run-{KEYS // 2 - 1}" in fired
    assert all(f"{rule}:soak-run-{i}" in fired for i in range(0, KEYS // 2, 997) for rule in ("bench-en", "bench-person"))
    assert f"bench-en:soak-run-{KEYS}" not in fired and "bench-en:" not in fired
    assert grown / KEYS < 40, f"{grown / KEYS:.0f} bytes a key"  # was 170; 12 in the arrays, the tail on top


def test_the_memory_holds_at_most_max_keys_the_newest(fired: matcher.FiredKeys,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "MAX_KEYS", 10_000)
    fired = matcher.FiredKeys(load_settings(topic_prefix="t-"), load=False)
    sizes = []
    start = time.time() - KEYS
    for i in range(KEYS):
        fired.apply(_record(i, start + i))
        sizes.append(len(fired))
    assert max(sizes) <= 10_000 + memory.TAIL_KEYS
    assert f"bench-person:soak-run-{KEYS // 2 - 1}" in fired  # the newest are kept
    assert "bench-person:soak-run-0" not in fired  # the oldest went first
    assert fired._fired.evicted >= KEYS - 10_000 - memory.TAIL_KEYS


def test_keys_older_than_the_horizon_are_forgotten() -> None:
    now = [T0]
    keys = KeyMemory(3600.0, tail_keys=100, clock=lambda: now[0])
    for i in range(2 * BUCKET_S):  # one a second from T0, the start of a bucket
        assert keys.add(f"r:{i}", T0 + i)
    assert not keys.add("r:5", T0 + 2000)  # known: an alert fires once
    now[0] = T0 + 3600 + BUCKET_S - 1  # the first bucket is not wholly older than an hour yet
    assert keys.forget_old() == 0 and len(keys) == 2 * BUCKET_S
    now[0] = T0 + 3600 + BUCKET_S + 1  # now it is
    assert keys.forget_old() == BUCKET_S
    assert len(keys) == BUCKET_S and f"r:{BUCKET_S - 1}" not in keys
    assert all(f"r:{i}" in keys for i in range(BUCKET_S, 2 * BUCKET_S))
    assert keys.add(f"r:{BUCKET_S - 1}", now[0])  # a restart would not have known it either


def test_throttle_history_keeps_only_what_a_throttle_can_ask_for() -> None:
    pacing = Pacing()
    times = [T0 + i * 0.5 for i in range(KEYS)]  # 14 hours of two alerts a second, one rule, out of order a little
    for i, at in enumerate(times):
        pacing.observe(f"busy:c{i}", at if i % 10 else at - 3, b'{"rule_id": "busy"}')
    assert len(pacing._rules["busy"].sent) <= MAX_PER_WINDOW
    all_sent = sorted(at if i % 10 else at - 3 for i, at in enumerate(times))
    end = times[-1] + 1
    for limit, window in [(MAX_PER_WINDOW, "1h"), (1000, "1d"), (5, "1m"), (600, "5m"), (601, "5m")]:
        rule = Rule(id="busy", name="busy", text=("a",), throttle=f"{limit}/{window}")
        width = rule.throttle_limit[1]
        recent = len(all_sent) - bisect.bisect_right(all_sent, end - width)
        expected = "throttled" if recent >= limit else "now"
        assert pacing.decide(rule, end) == expected, (limit, window)


def test_digest_bookkeeping_is_forgotten_after_two_days() -> None:
    from streams.alerts.pacing import Digest, digest_key

    pacing = Pacing()
    for n in range(50):
        at = T0 + n * 900
        digest = Digest(key=digest_key("desk", at), rule_id="desk", rule_name="desk", window_start="a",
                        window_end="b", webhook=None, count=100, alerts=[],
                        covers=[f"desk:c{n}-{i}" for i in range(100)])
        pacing.observe(digest.key, at + 902, digest.to_json())
    assert len(pacing._rules["desk"].digested) == 5000
    pacing.prune(T0 + 2 * 86_400 + 30 * 900 + 902)  # the digests of windows 0-29 are older than two days
    assert len(pacing._rules["desk"].digested) == 20 * 100 and len(pacing._digests) == 20


def test_the_matcher_gives_free_memory_back_once_loaded_then_every_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    # reading the alerts topic at start left 11-13 MB of the matcher's heap free but held
    calls: list[int] = []
    monkeypatch.setattr(allocator, "release_free_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(matcher, "_reader", lambda settings, client_id: Reader())
    m = matcher.AlertMatcher(load_settings(topic_prefix="t-"))
    m.open()
    try:
        assert len(calls) == 1
        m._release_memory()
        assert len(calls) == 1  # not again within the minute
        m._release_at -= allocator.RELEASE_MEMORY_EVERY_S
        m._release_memory()
        assert len(calls) == 2
    finally:
        m.close()
