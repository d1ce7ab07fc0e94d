"""Shared fixtures: the real Kafka broker for ``broker`` tests.

* ``kafka_bootstrap`` (session): the bootstrap address of a running broker. With
  ``STREAMS_KAFKA_BOOTSTRAP`` set it only checks that cluster; otherwise it starts the managed local
  broker exactly as ``streams kafka start`` does (port ``STREAMS_KAFKA_PORT``, default 9092), or
  reuses the one that is up.
* ``kafka_settings`` (function): settings pointing at that broker with a unique topic prefix
  (``t-<8 hex>-``), so tests never see each other's messages.
* ``kafka_topics`` (function): creates every pipeline topic under that prefix; deleted afterwards.

Any test that uses one of these is marked ``broker`` automatically; pure tests never start a broker.

Several pytest sessions may share the local broker (parallel runs, other engineers). Each session
holds a lease file while it uses it; the last session to leave stops the broker, and only if a test
session started it (a broker started with ``streams kafka start`` is never stopped by tests).
Set ``STREAMS_TEST_KEEP_BROKER=1`` to leave it running for the next run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

import pytest

from streams.core.settings import Settings, load_settings
from streams.devtools import broker

BROKER_FIXTURES = frozenset({"kafka_bootstrap", "kafka_settings", "kafka_topics"})
TEST_OWNER = "pytest"
START_TIMEOUT_S = 300.0  # the first start downloads the jars

# several test sessions share this machine: each `streams up` a test starts takes free metrics ports, not
# the fixed ones (tests/cli/test_up_ports.py tests those)
os.environ.setdefault("STREAMS_UP_METRICS_PORT", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that (directly or through other fixtures) needs the broker as ``broker``."""
    for item in items:
        if BROKER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.broker)


def _say(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)


@pytest.fixture(scope="session")
def kafka_bootstrap(pytestconfig: pytest.Config) -> Iterator[str]:
    """Bootstrap address of a real, running Kafka broker for this test session."""
    settings = load_settings()
    if not settings.managed_broker:
        broker.start(settings, timeout=60.0)  # starts nothing: checks the external cluster answers
        yield settings.bootstrap
        return
    with broker.lease_lock(settings):
        lease = broker.take_lease(settings)
        if not broker.jars_ready(settings):
            _say(pytestconfig, f"\nstreams: downloading Kafka {settings.kafka_version} jars into {settings.home}")
        state = broker.start(settings, timeout=START_TIMEOUT_S, owner=TEST_OWNER)
    _say(pytestconfig, f"\nstreams: Kafka broker at {state.bootstrap} (started by {state.owner or 'someone else'})")
    try:
        yield settings.bootstrap
    finally:
        with broker.lease_lock(settings):
            lease.unlink(missing_ok=True)
            keep = os.environ.get("STREAMS_TEST_KEEP_BROKER", "") not in ("", "0")
            if not keep and not broker.live_leases(settings) and broker.status(settings).owner == TEST_OWNER:
                broker.stop(settings)


@pytest.fixture()
def kafka_settings(kafka_bootstrap: str) -> Settings:
    """Settings for a broker test: the session's broker and a topic prefix of its own."""
    return load_settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=f"t-{uuid.uuid4().hex[:8]}-")


@pytest.fixture()
def kafka_topics(kafka_settings: Settings) -> Iterator[dict[str, str]]:
    """Create every pipeline topic under the test's prefix; code name -> broker name. Deleted after."""
    from streams.kafka import admin
    from streams.kafka.topics import ALL_TOPICS

    admin.create_topics(kafka_settings, ALL_TOPICS)
    names = {spec.key: spec.name(kafka_settings) for spec in ALL_TOPICS}
    yield names
    with contextlib.suppress(Exception):  # cleanup only; a failed delete must not fail the test
        admin.delete_topics(kafka_settings, names.values())
