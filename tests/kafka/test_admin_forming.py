"""Topic creation on a cluster that is still forming (no broker needed: the admin client is a fake)."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import pytest
from kafka.errors import KafkaConnectionError, UnknownBrokerIdError, UnknownTopicOrPartitionError

from streams.core.errors import BrokerError
from streams.core.settings import Settings
from streams.kafka import admin, topics


class FormingCluster:
    """Names a controller its metadata does not list for the first ``unready`` create requests."""

    def __init__(self, unready: int, error: Exception | None = None, unlisted: int = 0) -> None:
        self.unready = unready
        self.error = error or UnknownBrokerIdError(3)
        self.unlisted = unlisted  # list requests that fail first: the node asked is down
        self.topics: set[str] = set()
        self.clients = 0

    @contextlib.contextmanager
    def client(self, settings: Settings) -> Iterator[Any]:
        self.clients += 1
        yield self

    def list_topics(self) -> list[str]:
        if self.unlisted > 0:
            self.unlisted -= 1
            raise KafkaConnectionError("111 ECONNREFUSED")
        return sorted(self.topics)

    def create_topics(self, new: list[Any], timeout_ms: int) -> None:
        if self.unready > 0:
            self.unready -= 1
            raise self.error
        self.topics.update(t.name for t in new)

    def wait_for_topics(self, names: list[str], timeout_ms: int) -> None:
        assert set(names) <= self.topics


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin, "CREATE_RETRY_S", 5.0)
    monkeypatch.setattr("streams.core.retry.time.sleep", lambda s: None)


def test_a_controller_the_metadata_does_not_list_yet_is_waited_for(monkeypatch: pytest.MonkeyPatch,
                                                                    no_wait: None) -> None:
    cluster = FormingCluster(unready=2)
    monkeypatch.setattr(admin, "admin_client", cluster.client)
    settings = Settings(topic_prefix="t-")
    created = admin.create_topics(settings, [topics.RAW])
    assert created == [topics.RAW.name(settings)] and cluster.clients == 3  # a fresh client per attempt


def test_other_errors_fail_at_once(monkeypatch: pytest.MonkeyPatch, no_wait: None) -> None:
    cluster = FormingCluster(unready=1, error=UnknownTopicOrPartitionError())
    monkeypatch.setattr(admin, "admin_client", cluster.client)
    with pytest.raises(BrokerError, match="could not create topic"):
        admin.create_topics(Settings(topic_prefix="t-"), [topics.RAW])
    assert cluster.clients == 1


def test_a_node_that_refuses_the_topic_listing_is_a_forming_cluster(monkeypatch: pytest.MonkeyPatch,
                                                                     no_wait: None) -> None:
    # 3-node chaos run: an ingest started while node 1 restarted asked it for the topics and exited 1
    cluster = FormingCluster(unready=0, unlisted=2)
    monkeypatch.setattr(admin, "admin_client", cluster.client)
    settings = Settings(topic_prefix="t-")
    assert admin.create_topics(settings, [topics.RAW]) == [topics.RAW.name(settings)]
    assert cluster.clients == 3
