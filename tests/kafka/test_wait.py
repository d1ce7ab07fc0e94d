"""wait_for_kafka (no broker: the probe is given): one clear line, back-off, a stop ends the wait."""

from __future__ import annotations

import logging
import threading

import pytest

from streams.core.retry import Backoff
from streams.core.settings import load_settings
from streams.kafka.wait import wait_for_kafka


def test_waits_with_one_clear_line_until_the_cluster_answers(caplog: pytest.LogCaptureFixture) -> None:
    answers = iter(["nothing listens there", "nothing listens there", None])
    backoff = Backoff(0.001, 0.002)
    with caplog.at_level(logging.WARNING, logger="streams.kafka.wait"):
        assert wait_for_kafka(load_settings(kafka_port=1), what="ingest", probe=lambda _: next(answers),
                              backoff=backoff)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and backoff.attempt == 2
    assert lines[0].startswith("waiting for Kafka at 127.0.0.1:1 (nothing listens there); ingest starts")
    assert "streams kafka start" in lines[0] and "STREAMS_KAFKA_BOOTSTRAP" in lines[0]
    assert lines[1].startswith("Kafka at 127.0.0.1:1 answers after")


def test_a_stop_ends_the_wait_and_an_answering_cluster_is_not_waited_for(caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()

    def down(_: str) -> str:
        stop.set()  # as SIGTERM would, while the broker is still down
        return "nothing listens there"

    assert not wait_for_kafka(load_settings(kafka_port=1), stop, probe=down, backoff=Backoff(0.001, 0.002))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="streams.kafka.wait"):
        assert wait_for_kafka(load_settings(kafka_port=1), probe=lambda _: None)
    assert caplog.records == []


def test_a_worker_that_failed_while_kafka_is_gone_starts_again_and_only_then() -> None:
    from streams.cli.commands.worker import kafka_went_away

    down, up = (lambda _: "nothing listens there"), (lambda _: None)
    assert kafka_went_away(SystemExit(1), "127.0.0.1:1", probe=down)
    assert not kafka_went_away(SystemExit(1), "127.0.0.1:1", probe=up)  # another failure: exit as it is
    assert not kafka_went_away(SystemExit(0), "127.0.0.1:1", probe=down)  # a clean stop stays a stop


def test_a_broker_that_goes_away_between_the_wait_and_the_topic_creation_is_waited_for_again() -> None:
    from streams.core.errors import BrokerError
    from streams.kafka.wait import when_kafka_answers

    answers = iter([None, "nothing listens there", "nothing listens there", None, None])
    calls = []

    def create() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise BrokerError("no Kafka broker answered")  # it died right after the wait
        return "created"

    assert when_kafka_answers(load_settings(kafka_port=1), create, probe=lambda _: next(answers),
                              backoff=Backoff(0.001, 0.002)) == (True, "created")
    assert len(calls) == 2

    def broken() -> None:
        raise BrokerError("could not create topic x: policy violation")

    with pytest.raises(BrokerError, match="policy"):  # the cluster answers: a real error, not waited for
        when_kafka_answers(load_settings(kafka_port=1), broken, probe=lambda _: None)
