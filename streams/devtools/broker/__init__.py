"""The managed local Apache Kafka broker (KRaft, one node that is both broker and controller).

The broker's jars come from Maven Central through ``pom.xml`` (package data beside this module) and
are cached once per Kafka version under ``STREAMS_HOME``; later starts need no network. Each broker port has its own
state directory (config, KRaft data, log file, pid file), so several brokers (e.g. a test broker on
another port) share one jar cache::

    $STREAMS_HOME/
        kafka-3.9.1/libs/*.jar      jars (complete when .complete exists)
        broker-9092/
            server.properties       written on every start from the settings
            data/                   KRaft log dirs (formatted once)
            broker.log              stdout/stderr of the JVM (log4j console appender)
            kafka.pid               pid of the running JVM
            state.json              version, owner and start time of the running broker
            lock                    flock: one start/stop at a time per port
            test-leases/            one file per live test session using the broker

When ``STREAMS_KAFKA_BOOTSTRAP`` names an existing cluster nothing is started; :func:`start` only
checks that the cluster answers.

Modules, lowest first: :mod:`.paths` (the layout above, the file lock), :mod:`.java` (Java, Maven,
the jar cache, the JVM command line), :mod:`.config` (``server.properties``, KRaft storage),
:mod:`.pids` (pid/state files, is a pid our broker), :mod:`.leases` (test sessions using the
broker), :mod:`.process` (start, stop, status, probe, wait_ready of one node), :mod:`.cluster` (the
same for one node or a 3-node cluster, ``STREAMS_KAFKA_BROKERS``). Callers use this package:
``from streams.devtools import broker; broker.start(settings)``.
"""

from __future__ import annotations

from streams.devtools.broker.config import format_storage, new_cluster_id, server_properties, write_server_properties
from streams.devtools.broker.java import (
    ALTERNATIVES,
    HEAP_OPTS,
    MIN_JAVA,
    check_java,
    ensure_jars,
    jars_ready,
    java_executable,
    maven_executable,
    parse_java_version,
)
from streams.devtools.broker.leases import lease_lock, live_leases, take_lease
from streams.devtools.broker.paths import (
    LOG4J_DIR,
    POM,
    broker_dir,
    node_settings,
    controller_port,
    data_dir,
    kafka_dir,
    kafka_major,
    libs_dir,
    log_file,
    pid_file,
)
from streams.devtools.broker.process import (
    DEFAULT_START_TIMEOUT,
    DEFAULT_STOP_TIMEOUT,
    MAX_LOG_BYTES,
    BrokerStatus,
    probe,
    wait_ready,
)
from streams.devtools.broker.cluster import CLUSTER_SIZES, start, start_node, status, stop, wait_nodes

__all__ = [
    "ALTERNATIVES", "CLUSTER_SIZES", "DEFAULT_START_TIMEOUT", "DEFAULT_STOP_TIMEOUT", "HEAP_OPTS", "LOG4J_DIR",
    "MAX_LOG_BYTES", "MIN_JAVA", "POM", "BrokerStatus", "broker_dir", "check_java", "controller_port", "data_dir",
    "ensure_jars", "format_storage", "jars_ready", "java_executable", "kafka_dir", "kafka_major", "lease_lock",
    "libs_dir", "live_leases", "log_file", "maven_executable", "new_cluster_id", "node_settings",
    "parse_java_version", "pid_file", "probe", "server_properties", "start", "start_node", "status", "stop",
    "take_lease", "wait_nodes", "wait_ready", "write_server_properties",
]
