"""The 3-node cluster's configuration, without starting it: ports, voters, replication."""

from __future__ import annotations

import pytest

from streams.core.errors import ConfigError
from streams.core.settings import load_settings
from streams.devtools import broker
from streams.kafka.admin import _new_topic
from streams.kafka.topics import RAW


def test_three_nodes_share_one_quorum_and_replicate_three_times() -> None:
    settings = load_settings({}, kafka_port=40000, kafka_brokers=3)
    assert settings.bootstrap == "127.0.0.1:40000,127.0.0.1:40002,127.0.0.1:40004"
    voters = "1@127.0.0.1:40001,2@127.0.0.1:40003,3@127.0.0.1:40005"
    for node in range(3):
        props = broker.server_properties(settings, node)
        port = 40000 + 2 * node
        assert props["node.id"] == str(node + 1) and props["controller.quorum.voters"] == voters
        assert props["listeners"] == f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{port + 1}"
        assert props["log.dirs"].endswith(f"broker-{port}/data")
        assert props["min.insync.replicas"] == "2" and props["offsets.topic.replication.factor"] == "3"
    topic = _new_topic(RAW, settings)
    assert topic.replication_factor == 3 and topic.topic_configs["min.insync.replicas"] == "2"


def test_one_node_keeps_replication_one_and_a_quorum_of_two_is_refused() -> None:
    settings = load_settings({}, kafka_port=40000)
    props = broker.server_properties(settings)
    assert props["controller.quorum.voters"] == "1@127.0.0.1:40001" and props["min.insync.replicas"] == "1"
    assert settings.bootstrap == "127.0.0.1:40000" and settings.topic_replication == 1
    assert "min.insync.replicas" not in _new_topic(RAW, settings).topic_configs
    # an external cluster keeps STREAMS_REPLICATION as given
    assert load_settings({}, kafka_bootstrap="k:9092", kafka_brokers=3).topic_replication == 1
    with pytest.raises(ConfigError, match="use 1, 3 or 5"):
        broker.start(load_settings({}, kafka_port=40000, kafka_brokers=2))
