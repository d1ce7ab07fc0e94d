"""Waiting for the Kafka cluster at start: every long-running command calls :func:`wait_for_kafka` first.

A service started while the broker is down (a host reboot brings them up in any order; a broker is
restarted) must not exit 1 and lose what it was asked to do: it says once, clearly, what it waits
for, then tries again with capped exponential back-off (:mod:`streams.core.retry`) until the
cluster answers a metadata request or it is asked to stop.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, TypeVar

from streams.core.errors import BrokerError
from streams.core.retry import Backoff
from streams.core.settings import Settings
from streams.kafka.clients import probe

log = logging.getLogger(__name__)

T = TypeVar("T")

#: first retry after this long, doubling up to the cap (a restarted broker answers within ~10 s)
WAIT_BASE_S = 0.5
WAIT_CAP_S = 5.0
#: while still waiting, a reminder this often (the first line says everything; these show it is alive)
REMIND_EVERY_S = 30.0


def cluster_answers(bootstrap: str) -> str | None:
    """None if ``bootstrap`` answers a metadata request with at least one broker, else why not."""
    def brokers_listed(client: Any) -> str | None:
        return None if client.describe_cluster().get("brokers") else "it answers, but lists no broker yet"

    return probe(bootstrap, "streams-wait", brokers_listed, "it does not answer yet")


def wait_for_kafka(
    settings: Settings,
    stop: threading.Event | None = None,
    *,
    what: str = "streams",
    probe: Callable[[str], str | None] = cluster_answers,
    backoff: Backoff | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Block until the cluster at ``settings.bootstrap`` answers; False if ``stop`` was set first.

    The first failed attempt logs one WARNING line ``waiting for Kafka at <bootstrap> ...`` naming
    the cause and the remedy; a reminder follows every REMIND_EVERY_S, and one line when it answers.
    """
    stop = stop if stop is not None else threading.Event()
    backoff = backoff if backoff is not None else Backoff(WAIT_BASE_S, WAIT_CAP_S)
    started = clock()
    reminded = started
    while not stop.is_set():
        why = probe(settings.bootstrap)
        if why is None:
            if backoff.attempt:
                log.warning("Kafka at %s answers after %.0f s; %s starts", settings.bootstrap, clock() - started, what)
            return True
        if not backoff.attempt:
            log.warning(
                "waiting for Kafka at %s (%s); %s starts once it answers, retrying with back-off up to %.0f s. "
                "Start the local broker with `streams kafka start`, or set STREAMS_KAFKA_BOOTSTRAP to a running "
                "cluster; Ctrl-C to give up", settings.bootstrap, why, what, WAIT_CAP_S)
        elif clock() - reminded >= REMIND_EVERY_S:
            reminded = clock()
            log.warning("still waiting for Kafka at %s after %.0f s (%s)", settings.bootstrap, reminded - started, why)
        stop.wait(backoff.next())
    return False


def when_kafka_answers(
    settings: Settings,
    action: Callable[[], T],
    stop: threading.Event | None = None,
    *,
    what: str = "streams",
    probe: Callable[[str], str | None] = cluster_answers,
    backoff: Backoff | None = None,
) -> tuple[bool, T | None]:
    """Wait for the cluster, then ``action()`` (e.g. create the topics); (True, its result).

    A BrokerError from ``action`` while the cluster does not answer (it went away between the wait
    and the action) means waiting again; with the cluster answering it is a real error and raised.
    (False, None) if ``stop`` was set while waiting.
    """
    while wait_for_kafka(settings, stop, what=what, probe=probe, backoff=backoff):
        try:
            return True, action()
        except BrokerError:
            if probe(settings.bootstrap) is None:
                raise
            log.warning("Kafka at %s went away while %s was starting; waiting for it again", settings.bootstrap, what)
    return False, None
