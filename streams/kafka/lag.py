"""Consumer lag, in messages and in seconds, measured from outside the consumer group.

:class:`LagMonitor` is a background thread. Every ``interval`` seconds it asks the broker for the
group's committed offsets and the topics' end offsets, and sets

* ``streams_consumer_lag_messages{group,topic}``: sum over partitions of ``end - committed``;
* ``streams_consumer_lag_seconds{group,topic}``: age of the oldest unconsumed message, i.e. ``now``
  minus the timestamp of the message at the committed offset, over the partitions that lag.

Lag in seconds costs one fetch per lagging partition (the record at the committed offset), never a
scan. A partition the group has never committed counts from the log start: that is what a consumer
with ``auto.offset.reset=earliest`` (Faust's default) will have to read.

Run it stand-alone as a tiny exporter::

    python -m streams.kafka.lag --watch streams=articles.raw --watch streams-store=articles.enriched
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from streams.core.errors import BrokerError, ConfigError
from streams.core.metrics import CONSUMER_LAG_MESSAGES, CONSUMER_LAG_SECONDS
from streams.core.retry import Backoff, retry_call
from streams.core.settings import Settings
from streams.kafka.clients import admin_client, consumer

log = logging.getLogger(__name__)

#: how long one measurement may wait for the records that date the oldest unconsumed messages
FETCH_TIMEOUT_S = 5.0
#: bounds on connecting, so that an unreachable broker never blocks the thread (or stop()) for long
CLIENT_LIMITS = {"bootstrap_timeout_ms": 5_000, "reconnect_backoff_max_ms": 2_000}
#: retriable Kafka errors (no group coordinator yet on a fresh broker, a leader moving) are retried
#: this long, with jittered back-off from RETRY_BASE_S doubling up to RETRY_CAP_S, before one is raised
RETRY_FOR_S = 30.0
RETRY_BASE_S = 0.25
RETRY_CAP_S = 2.0


def _limits(client: type) -> dict[str, int]:
    """The connection bounds this kafka-python version understands (2.x lacks bootstrap_timeout_ms)."""
    known = getattr(client, "DEFAULT_CONFIG", {})
    return {k: v for k, v in CLIENT_LIMITS.items() if k in known}


@dataclass(frozen=True)
class PartitionLag:
    """Lag of one partition: offsets, and the timestamp (ms) of the oldest unconsumed record."""

    partition: TopicPartition
    committed: int
    end: int
    oldest_timestamp_ms: int | None = None

    @property
    def messages(self) -> int:
        return max(0, self.end - self.committed)


@dataclass(frozen=True)
class TopicLag:
    """Lag of a consumer group on one topic."""

    group: str
    topic: str
    messages: int
    seconds: float
    partitions: tuple[PartitionLag, ...]


def retriable(exc: Exception) -> bool:
    """A Kafka error worth trying again: kafka-python marks them ``retriable`` (no coordinator yet, ...)."""
    return isinstance(exc, KafkaError) and bool(exc.retriable)


def _retrying(what: str, group: str) -> Callable[[Exception, float], None]:
    def log_retry(exc: Exception, delay: float) -> None:
        log.info("%s of group %s: %s; retrying in %.1fs", what, group, exc, delay)

    return log_retry


def committed_offsets(admin: KafkaAdminClient, group: str, *, retry_for_s: float = RETRY_FOR_S,
                      wait: Callable[[float], object] = time.sleep) -> dict[TopicPartition, int]:
    """Committed offset per partition of ``group`` (partitions without a commit are absent).

    Retriable Kafka errors (``CoordinatorNotAvailableError`` while a fresh broker is still creating
    ``__consumer_offsets``, ``NotCoordinatorError``, ...) are retried with back-off for ``retry_for_s``
    seconds, then raised; ``wait(delay)`` returning true (``event.wait``) gives up at once.
    """

    def fetch() -> dict[TopicPartition, int]:
        if hasattr(admin, "list_group_offsets"):  # kafka-python >= 3
            raw = admin.list_group_offsets({group: None}).get(group, {})
        else:  # kafka-python 2.x
            raw = admin.list_consumer_group_offsets(group)
        return {tp: meta.offset for tp, meta in raw.items() if meta is not None and meta.offset >= 0}

    return retry_call(fetch, retriable=retriable, retry_for_s=retry_for_s, backoff=Backoff(RETRY_BASE_S, RETRY_CAP_S),
                      wait=wait, on_retry=_retrying("committed offsets", group))


def partition_lags(
    committed: Mapping[TopicPartition, int],
    beginning: Mapping[TopicPartition, int],
    end: Mapping[TopicPartition, int],
) -> list[PartitionLag]:
    """Combine offsets into per-partition lag (pure).

    A missing commit counts from the log start; a commit below the log start (records deleted by
    retention) is clamped to it, since those records can no longer be consumed.
    """
    lags = []
    for tp in sorted(end, key=lambda t: (t.topic, t.partition)):
        start = beginning.get(tp, 0)
        position = max(committed.get(tp, start), start)
        lags.append(PartitionLag(tp, position, end[tp]))
    return lags


def summarize(group: str, topic: str, lags: Sequence[PartitionLag], now_s: float) -> TopicLag:
    """Total lag in messages and the age in seconds of the oldest unconsumed record (pure)."""
    stamps = [p.oldest_timestamp_ms for p in lags if p.messages > 0 and p.oldest_timestamp_ms is not None]
    seconds = max(0.0, now_s - min(stamps) / 1000.0) if stamps else 0.0
    return TopicLag(group, topic, sum(p.messages for p in lags), seconds, tuple(lags))


class LagMonitor(threading.Thread):
    """Background thread that measures a consumer group's lag on some topics and sets the gauges.

    Errors (broker away, topic missing) are logged and the previous values kept; the thread never
    dies of them. Stop it with :meth:`stop`.
    """

    def __init__(self, settings: Settings, group: str, topics: Iterable[str], interval: float = 15.0) -> None:
        super().__init__(name=f"lag-monitor-{group}", daemon=True)
        self.settings = settings
        self.group = group
        self.topics = tuple(topics)
        self.interval = interval
        self.last: dict[str, TopicLag] = {}
        self.measured = threading.Event()  # set after the first successful measurement
        self._stop_event = threading.Event()
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                try:
                    self.measure()
                except Exception as exc:  # keep measuring: a broker outage is what lag is for
                    log.warning("consumer lag of group %s not measured: %s", self.group, exc)
                    self._close_clients()
                self._stop_event.wait(self.interval)
        finally:
            self._close_clients()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to end and wait for it."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)

    # -- measuring --------------------------------------------------------------------------------
    def measure(self) -> dict[str, TopicLag]:
        """Measure once, set the gauges, and return the lag per topic.

        Retriable Kafka errors are retried for ``RETRY_FOR_S`` seconds (or until :meth:`stop`), each
        time with new clients: the admin client never forgets a group coordinator that moved.
        """

        def attempt() -> dict[str, TopicLag]:
            try:
                return self._measure_once()
            except Exception as exc:
                if retriable(exc):
                    self._close_clients()
                raise

        return retry_call(attempt, retriable=retriable, retry_for_s=RETRY_FOR_S,
                          backoff=Backoff(RETRY_BASE_S, RETRY_CAP_S), wait=self._stop_event.wait,
                          on_retry=_retrying("consumer lag", self.group))

    def _measure_once(self) -> dict[str, TopicLag]:
        admin, consumer = self._clients()
        committed = committed_offsets(admin, self.group, retry_for_s=0.0)  # measure() retries, with new clients
        result: dict[str, TopicLag] = {}
        for topic in self.topics:
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                log.debug("topic %s does not exist (yet); no lag for it", topic)
                continue
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            lags = partition_lags(committed, consumer.beginning_offsets(tps), consumer.end_offsets(tps))
            lags = self._date_oldest(consumer, lags)
            lag = summarize(self.group, topic, lags, time.time())
            CONSUMER_LAG_MESSAGES.labels(group=self.group, topic=topic).set(lag.messages)
            CONSUMER_LAG_SECONDS.labels(group=self.group, topic=topic).set(lag.seconds)
            result[topic] = lag
        self.last = result
        self.measured.set()
        return result

    def _date_oldest(self, consumer: KafkaConsumer, lags: list[PartitionLag]) -> list[PartitionLag]:
        """Fetch the one record at the committed offset of every lagging partition for its timestamp."""
        lagging = [p for p in lags if p.messages > 0]
        if not lagging:
            return lags
        consumer.assign([p.partition for p in lagging])
        for p in lagging:
            consumer.seek(p.partition, p.committed)
        stamps: dict[TopicPartition, int] = {}
        deadline = time.monotonic() + FETCH_TIMEOUT_S
        while len(stamps) < len(lagging) and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=200, max_records=len(lagging)).items():
                if records and tp not in stamps:
                    stamps[tp] = records[0].timestamp
                    consumer.pause(tp)  # one record per partition is enough
        consumer.assign([])
        return [PartitionLag(p.partition, p.committed, p.end, stamps.get(p.partition)) for p in lags]

    def _clients(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None or self._consumer is None:
            try:
                self._admin = admin_client(self.settings.bootstrap, client_id=f"streams-lag-{self.group}",
                                           **_limits(KafkaAdminClient))
                # no group: it never joins or commits for the group it watches
                self._consumer = consumer(self.settings, client_id=f"streams-lag-{self.group}",
                                          max_partition_fetch_bytes=64 * 1024, **_limits(KafkaConsumer))
            except Exception as exc:
                self._close_clients()
                raise BrokerError(f"cannot reach Kafka at {self.settings.bootstrap}: {exc}") from exc
        return self._admin, self._consumer

    def _close_clients(self) -> None:
        for client in (self._consumer, self._admin):
            if client is not None:
                try:
                    client.close()
                except Exception:  # closing a broken client must not hide the original error
                    log.debug("closing a Kafka client failed", exc_info=True)
        self._admin = self._consumer = None


def parse_watch(spec: str) -> tuple[str, list[str]]:
    """``GROUP=TOPIC[,TOPIC...]`` -> (group, topics); raises ConfigError when malformed."""
    group, sep, topics = spec.partition("=")
    names = [t.strip() for t in topics.split(",") if t.strip()]
    if not sep or not group.strip() or not names:
        raise ConfigError(f"--watch {spec!r}: expected GROUP=TOPIC[,TOPIC...], e.g. streams=articles.raw")
    return group.strip(), names


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone lag exporter: measure consumer groups' lag and serve it on ``/metrics``."""
    from streams.core.metrics import serve_metrics
    from streams.core.settings import load_settings
    from streams.kafka.topics import RAW, worker_group

    settings = load_settings()
    default = f"{worker_group(settings)}={RAW.name(settings)}"
    parser = argparse.ArgumentParser(prog="python -m streams.kafka.lag", description=main.__doc__)
    parser.add_argument(
        "--watch",
        action="append",
        metavar="GROUP=TOPIC[,TOPIC]",
        help=f"consumer group and the topics it reads, repeatable (default: {default}, the enrich workers)",
    )
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between measurements")
    args = parser.parse_args(argv)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        watches = [parse_watch(w) for w in (args.watch or [default])]
    except ConfigError as exc:
        parser.error(str(exc))
    port = serve_metrics(settings.metrics_port, settings.metrics_host)
    print(f"consumer lag on http://{settings.metrics_host}:{port}/metrics", flush=True)
    monitors = [LagMonitor(settings, group, topics, args.interval) for group, topics in watches]
    for monitor in monitors:
        monitor.start()
    try:
        while any(m.is_alive() for m in monitors):
            time.sleep(1.0)
    except KeyboardInterrupt:
        for monitor in monitors:
            monitor.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
