"""The matcher's rule and alert readers recover from a reader that stopped working.

After a whole-cluster restart (3-node chaos run, reproduced on a local cluster) the matcher's
group-less readers kept failing ``end_offsets`` ("Failed to get offsets by timestamps in 30000 ms")
for minutes while new clients were served at once: every batch was consumed again and again, and no
alert was produced. A catch-up after a failed one now reads with a new consumer.
"""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from streams.alerts.matcher import FiredKeys, RuleStore, put_rule
from streams.alerts.rules import Rule
from streams.core.settings import Settings

from .kafka_io import produce

pytestmark = [pytest.mark.broker]


def _break(follower: Any) -> None:
    """The follower's consumer fails every offset lookup from now on, as kafka-python's did."""

    def end_offsets(*_: Any, **__: Any) -> dict[Any, int]:
        raise KafkaTimeoutError("injected: Failed to get offsets by timestamps in 30000 ms")

    follower._consumer.end_offsets = end_offsets


def test_a_rule_reader_that_failed_reads_again_with_a_new_consumer(kafka_settings: Settings,
                                                                   kafka_topics: dict[str, str]) -> None:
    put_rule(kafka_settings, Rule(id="first", name="First", text=("Princeville",)))
    store = RuleStore(kafka_settings)
    try:
        assert [r.id for r in store.rules()] == ["first"]
        _break(store)
        with pytest.raises(KafkaTimeoutError):
            store.catch_up()
        put_rule(kafka_settings, Rule(id="second", name="Second", text=("Greenland",)))
        store.catch_up()  # the broken consumer again: the same error, for as long as the process lives
        assert [r.id for r in store.rules()] == ["first", "second"]
    finally:
        store.close()


def test_the_alert_memory_reread_with_a_new_consumer_keeps_every_key_once(kafka_settings: Settings,
                                                                          kafka_topics: dict[str, str]) -> None:
    produce(kafka_settings, kafka_topics["alerts"], [(b"r:1", b"{}"), (b"r:2", b"{}")])
    fired = FiredKeys(kafka_settings)
    try:
        assert len(fired) == 2
        _break(fired)
        with pytest.raises(KafkaTimeoutError):
            fired.catch_up()
        produce(kafka_settings, kafka_topics["alerts"], [(b"r:3", b"{}")])
        fired.catch_up()
        assert len(fired) == 3 and all(f"r:{n}" in fired for n in (1, 2, 3))
    finally:
        fired.close()
