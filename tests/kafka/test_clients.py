"""The Python Kafka clients the project uses, on the real broker: kafka-python (admin, producer,
consumer groups) and aiokafka (faust-streaming's client), including a minimal Faust app that
declares its own internal topics (the broker does not auto-create topics).

Run the same tests on another Kafka version with e.g. ``STREAMS_KAFKA_VERSION=4.1.1
STREAMS_KAFKA_PORT=29392 pytest tests/kafka`` (see docs/kafka-compat.md).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.core.settings import Settings
from streams.kafka import admin

pytestmark = pytest.mark.broker

N = 200


def test_kafka_python_producer_and_consumer_group(kafka_settings: Settings, kafka_topics: dict[str, str]) -> None:
    topic = kafka_topics["raw"]
    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap, acks="all", enable_idempotence=True)
    try:
        for i in range(N):
            producer.send(topic, key=f"k{i % 17}".encode(), value=f"article {i}".encode())
        producer.flush(timeout=30)
    finally:
        producer.close()
    group = f"{kafka_settings.topic_prefix}kp-group"
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_settings.bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=10_000,
    )
    try:
        seen = []
        for message in consumer:
            seen.append(message.value.decode())
            if len(seen) == N:
                break
        consumer.commit()
        committed = sum(
            consumer.committed(TopicPartition(topic, p)) or 0 for p in range(kafka_settings.partitions)
        )
    finally:
        consumer.close()
    assert sorted(seen) == sorted(f"article {i}" for i in range(N))
    assert committed == N


def test_aiokafka_producer_and_consumer_group(kafka_settings: Settings, kafka_topics: dict[str, str]) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = kafka_topics["enriched"]
    group = f"{kafka_settings.topic_prefix}aio-group"

    async def roundtrip() -> tuple[list[bytes], int]:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            batch = [producer.send(topic, key=f"k{i % 13}".encode(), value=f"enriched {i}".encode()) for i in range(N)]
            await asyncio.gather(*[await fut for fut in batch])
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_settings.bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        got: list[bytes] = []
        try:
            deadline = time.monotonic() + 30
            while len(got) < N and time.monotonic() < deadline:
                records = await consumer.getmany(timeout_ms=1000)
                for messages in records.values():
                    got.extend(m.value for m in messages)
            await consumer.commit()
            committed = 0
            for tp in consumer.assignment():
                committed += await consumer.committed(tp) or 0
        finally:
            await consumer.stop()
        return got, committed

    got, committed = asyncio.run(roundtrip())
    assert sorted(got) == sorted(f"enriched {i}".encode() for i in range(N))
    assert committed == N


FAUST_APP = '''
import faust

app = faust.App(
    {app_id!r},
    broker="kafka://{bootstrap}",
    store="memory://",
    topic_replication_factor=1,
    topic_partitions={partitions},  # tables need changelogs partitioned like their source
    web_enabled=False,
)
source = app.topic({source!r}, value_serializer="raw")
sink = app.topic({sink!r}, value_serializer="raw")
counts = app.Table("counts", default=int)


@app.agent(source)
async def forward(stream):
    async for value in stream:
        counts["n"] += 1
        await sink.send(value=value.upper())
'''


@pytest.mark.slow
def test_faust_app_declares_its_internal_topics(
    kafka_settings: Settings, kafka_topics: dict[str, str], tmp_path: Path
) -> None:
    """A Faust worker starts (creating its changelog/assignor topics itself) and processes messages."""
    app_id = f"{kafka_settings.topic_prefix}faust"
    source, sink = kafka_topics["raw"], kafka_topics["enriched"]
    (tmp_path / "faustapp.py").write_text(
        textwrap.dedent(FAUST_APP).format(
            app_id=app_id, bootstrap=kafka_settings.bootstrap, source=source, sink=sink,
            partitions=kafka_settings.partitions,
        )
    )
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "faust", "-A", "faustapp", "worker", "-l", "info", "--without-web"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(tmp_path)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap, acks="all")
        for i in range(20):
            producer.send(source, key=f"k{i}".encode(), value=f"wire {i}".encode())
        producer.flush(30)
        producer.close()
        consumer = KafkaConsumer(
            sink, bootstrap_servers=kafka_settings.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=1000
        )
        got: list[bytes] = []
        deadline = time.monotonic() + 90
        while len(got) < 20 and time.monotonic() < deadline and worker.poll() is None:
            got.extend(m.value for m in consumer)
        consumer.close()
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
    log_text = log_path.read_text(errors="replace")
    assert sorted(got) == sorted(f"WIRE {i}".encode() for i in range(20)), log_text[-3000:]
    internal = [t for t in admin.list_topics(kafka_settings, prefix=app_id)]
    assert f"{app_id}-counts-changelog" in internal, internal
    admin.delete_topics(kafka_settings, internal)
