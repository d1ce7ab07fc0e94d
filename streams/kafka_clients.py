"""kafka-python clients with the project's safe defaults, and the small consumer-loop helpers that
every batch consumer (storage, alert matcher, alert delivery) shares."""

from __future__ import annotations

from typing import Any, Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from streams.errors import BrokerError
from streams.settings import Settings

#: with --until-idle, a consumer that never got partitions gives up this long after being idle
NO_ASSIGNMENT_GRACE_S = 60.0


def reliable_producer(settings: Settings, *, max_request_size: int, **options: Any) -> KafkaProducer:
    """A producer that loses nothing it acknowledged and writes no duplicates on retry."""
    try:
        return KafkaProducer(
            bootstrap_servers=settings.bootstrap,
            acks="all",  # acknowledged only once every in-sync replica has the record
            enable_idempotence=True,  # a retried send is never written twice, order kept per partition
            linger_ms=5,
            max_request_size=max_request_size,
            **options,
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at {settings.bootstrap}: {exc}") from exc


def drained(consumer: KafkaConsumer) -> bool:
    """True when partitions are assigned and the consumer's position is at the end of every one."""
    assigned = consumer.assignment()
    if not assigned:
        return False
    ends = consumer.end_offsets(list(assigned))
    return all(consumer.position(tp) >= ends[tp] for tp in assigned)


def idle_done(consumer: KafkaConsumer, idle_s: float, until_idle: float) -> bool:
    """With ``--until-idle``: stop once idle that long and drained (or never given partitions)."""
    if idle_s < until_idle:
        return False
    return drained(consumer) or (idle_s >= until_idle + NO_ASSIGNMENT_GRACE_S and not consumer.assignment())


def rewind(consumer: KafkaConsumer, records: Sequence[Any]) -> None:
    """Seek back to the first of ``records`` on each partition still assigned, to process them again."""
    first: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        first[tp] = min(first.get(tp, record.offset), record.offset)
    assigned = consumer.assignment()
    for tp, offset in first.items():
        if tp in assigned:
            consumer.seek(tp, offset)


def close_clients(consumer: KafkaConsumer | None, producer: KafkaProducer | None = None) -> None:
    """Close a consumer without committing (the loops commit explicitly, after their writes) and a
    producer after flushing what it holds."""
    if consumer is not None:
        consumer.close(autocommit=False)
    if producer is not None:
        producer.close(timeout=10)
