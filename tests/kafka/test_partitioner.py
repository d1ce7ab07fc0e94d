"""The project's key partitioner: the same partitions as Kafka's murmur2 scheme, no broker needed."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from kafka.cluster import ClusterMetadata
from kafka.partitioner.default import DefaultPartitioner
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from streams.kafka.clients import KeyHashPartitioner, murmur2


def test_murmur2_matches_kafka_python_on_every_tail_length() -> None:
    rng = random.Random(7)
    for n in range(0, 67):
        for _ in range(40):
            data = bytes(rng.randrange(256) for _ in range(n))
            assert murmur2(data) == kafka_python_murmur2(data), data


@pytest.mark.parametrize(("data", "signed"), [
    (b"21", -973932308), (b"foobar", -790332482), (b"a-little-bit-long-string", -985981536),
    (b"a-little-bit-longer-string", -1486304829), (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
    (b"abc", 479470107),
])
def test_murmur2_gives_the_java_clients_values(data: bytes, signed: int) -> None:
    # the cases of the Java client's own Utils.murmur2 test (values there are signed 32-bit ints)
    assert murmur2(data) == signed & 0xFFFFFFFF


def _cluster(topic: str, partitions: int) -> ClusterMetadata:
    cluster = ClusterMetadata()
    # what partitions_for_topic / available_partitions_for_topic read
    cluster._partitions[topic] = {p: SimpleNamespace(leader_id=1) for p in range(partitions)}
    return cluster


@pytest.mark.parametrize("partitions", [1, 3, 6, 12])
def test_keyed_records_land_where_the_default_partitioner_puts_them(partitions: int) -> None:
    cluster = _cluster("articles.raw", partitions)
    ours, theirs = KeyHashPartitioner(), DefaultPartitioner()
    keys = [f"reuters21578:{i}".encode() for i in range(2000)] + [b"", b"x", b"json-9f2c"]
    for key in keys:
        assert ours.partition("articles.raw", key, key, None, None, cluster) == \
            theirs.partition("articles.raw", key, key, None, None, cluster)
    assert len({ours.partition("articles.raw", k, k, None, None, cluster) for k in keys}) == partitions


def test_unknown_topic_is_an_error() -> None:
    with pytest.raises(ValueError, match="not found"):
        KeyHashPartitioner().partition("nope", b"k", b"k", None, None, ClusterMetadata())
