"""Topic administration on the configured Kafka cluster (kafka-python's admin client).

Topic names, partitions and configs all come from :mod:`streams.kafka.topics`; creation is idempotent.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import (
    KafkaConnectionError,
    KafkaError,
    NodeNotReadyError,
    NotControllerError,
    TopicAlreadyExistsError,
    UnknownBrokerIdError,
    UnknownTopicOrPartitionError,
)

from streams.core.errors import BrokerError
from streams.core.retry import Backoff, retry_call
from streams.core.settings import Settings
from streams.kafka import clients
from streams.kafka.clients import bootstrap_reachable
from streams.kafka.topics import ALL_TOPICS, TopicSpec

log = logging.getLogger(__name__)

ADMIN_TIMEOUT_MS = 30_000
#: a cluster that is still forming (or just lost its controller) names a controller its metadata does not
#: list yet, or refuses a request as not the controller: topic creation is tried again with a fresh client
#: for this long (0.25 s doubling up to 2 s between attempts) before it fails
CREATE_RETRY_S = 30.0
_FORMING = (UnknownBrokerIdError, NodeNotReadyError, NotControllerError, KafkaConnectionError)


@dataclass(frozen=True)
class TopicInfo:
    """A topic as the broker reports it."""

    name: str
    partitions: int
    replication: int
    config: dict[str, str]


def require_listener(settings: Settings) -> None:
    """BrokerError in a second, saying what to do, when nothing listens at ``settings.bootstrap``
    (instead of a client's 30 s of bootstrap retries and their log lines)."""
    if not bootstrap_reachable(settings.bootstrap):
        raise BrokerError(
            f"nothing listens at {settings.bootstrap}; start the local broker with `streams kafka start` "
            "or set STREAMS_KAFKA_BOOTSTRAP to a running cluster"
        )


@contextlib.contextmanager
def admin_client(settings: Settings) -> Iterator[KafkaAdminClient]:
    """A connected admin client for ``settings.bootstrap``; BrokerError if the cluster does not answer."""
    require_listener(settings)
    try:
        client = clients.admin_client(
            settings.bootstrap,
            client_id="streams-admin",
            request_timeout_ms=ADMIN_TIMEOUT_MS,
            bootstrap_timeout_ms=ADMIN_TIMEOUT_MS,
        )
    except KafkaError as exc:
        raise BrokerError(
            f"no Kafka broker answered at {settings.bootstrap} ({exc}); start the local one with "
            "`streams kafka start` or set STREAMS_KAFKA_BOOTSTRAP to a running cluster"
        ) from exc
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close()


def _new_topic(spec: TopicSpec, settings: Settings) -> NewTopic:
    return NewTopic(
        name=spec.name(settings),
        num_partitions=spec.partitions(settings),
        replication_factor=settings.topic_replication,
        topic_configs=_topic_configs(spec, settings.topic_replication),
    )


def _topic_configs(spec: TopicSpec, replication: int) -> dict[str, str]:
    configs = spec.config()
    if replication >= 3:
        # an acks=all write is acknowledged by two replicas at least: one broker may die, or be restarted, at any time
        configs["min.insync.replicas"] = "2"
    return configs


def create_topics(settings: Settings, specs: Iterable[TopicSpec] = ALL_TOPICS) -> list[str]:
    """Create the topics of ``specs`` that do not exist yet; return the names that were created.

    Existing topics are left alone (their partitions and configs are not changed). Waits until every
    requested topic has a leader for each partition, so producers can use them at once. A cluster that
    is still forming is given :data:`CREATE_RETRY_S` to settle.
    """
    created: list[str] = []
    retry_call(lambda: _create_missing(settings, specs, created), retriable=_forming, retry_for_s=CREATE_RETRY_S,
               backoff=Backoff(base=0.25, cap=2.0),
               on_retry=lambda exc, delay: log.info("the cluster is not ready to create topics (%s); trying again "
                                                    "in %.1fs", exc.__cause__ or exc, delay))
    for name in created:
        log.info("created topic %s", name)
    return created


def _forming(exc: Exception) -> bool:
    return isinstance(exc, BrokerError) and isinstance(exc.__cause__, _FORMING)


def _create_missing(settings: Settings, specs: Iterable[TopicSpec], created: list[str]) -> None:
    wanted = {spec.name(settings): spec for spec in specs}
    with admin_client(settings) as client:
        try:
            existing = set(client.list_topics())
        except KafkaError as exc:  # e.g. the node it asked is restarting: another attempt asks another
            raise BrokerError(f"could not list the topics on {settings.bootstrap}: {exc}") from exc
        missing = [spec for name, spec in wanted.items() if name not in existing]
        for spec in missing:
            name = spec.name(settings)
            try:
                client.create_topics([_new_topic(spec, settings)], timeout_ms=ADMIN_TIMEOUT_MS)
                created.append(name)
            except TopicAlreadyExistsError:
                log.debug("topic %s was created concurrently", name)
            except KafkaError as exc:
                raise BrokerError(f"could not create topic {name}: {exc}") from exc
        if wanted:
            try:
                client.wait_for_topics(list(wanted), timeout_ms=ADMIN_TIMEOUT_MS)
            except KafkaError as exc:
                raise BrokerError(f"topics not ready on {settings.bootstrap}: {exc}") from exc


def delete_topics(settings: Settings, names: Iterable[str]) -> list[str]:
    """Delete the named topics that exist; return the names that were deleted."""
    names = list(names)
    with admin_client(settings) as client:
        present = [n for n in names if n in set(client.list_topics())]
        if not present:
            return []
        try:
            client.delete_topics(present, timeout_ms=ADMIN_TIMEOUT_MS)
        except UnknownTopicOrPartitionError:
            pass
        except KafkaError as exc:
            raise BrokerError(f"could not delete topics {present}: {exc}") from exc
    return present


def list_topics(settings: Settings, prefix: str | None = None) -> list[str]:
    """Names of the non-internal topics on the cluster (only those starting with ``prefix`` if given)."""
    with admin_client(settings) as client:
        names = client.list_topics()
    return sorted(n for n in names if not n.startswith("__") and (prefix is None or n.startswith(prefix)))


def describe(settings: Settings, names: Iterable[str]) -> dict[str, TopicInfo]:
    """Partitions, replication and non-default configs of the named topics that exist."""
    names = list(names)
    with admin_client(settings) as client:
        present = set(client.list_topics())
        names = [n for n in names if n in present]
        if not names:
            return {}
        meta = {t["name"]: t for t in client.describe_topics(names)}
        resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
        configs = client.describe_configs(resources)
    topic_configs: dict[str, Any] = configs.get("topic", {}) if isinstance(configs, dict) else {}
    result: dict[str, TopicInfo] = {}
    for name in names:
        partitions = meta[name].get("partitions") or []
        replication = len(partitions[0].get("replica_nodes", [])) if partitions else 0
        raw = topic_configs.get(name, {})
        result[name] = TopicInfo(
            name=name,
            partitions=len(partitions),
            replication=replication,
            config={key: _config_value(value) for key, value in raw.items()},
        )
    return result


def _config_value(entry: Any) -> str:
    """The value of one describe_configs entry (a dict with ``value`` in kafka-python 3)."""
    if isinstance(entry, dict):
        return str(entry.get("value"))
    return str(entry)
