"""The managed local Apache Kafka broker (KRaft, one node that is both broker and controller).

The moved module keeps its code in :mod:`.process` for now; this package re-exports its API.
"""

from __future__ import annotations

from streams.devtools.broker.process import (
    ALTERNATIVES,
    DEFAULT_START_TIMEOUT,
    DEFAULT_STOP_TIMEOUT,
    HEAP_OPTS,
    LOG4J_DIR,
    MAX_LOG_BYTES,
    MIN_JAVA,
    POM,
    BrokerStatus,
    broker_dir,
    check_java,
    controller_port,
    data_dir,
    ensure_jars,
    format_storage,
    jars_ready,
    java_executable,
    kafka_dir,
    kafka_major,
    lease_lock,
    libs_dir,
    live_leases,
    log_file,
    maven_executable,
    new_cluster_id,
    parse_java_version,
    pid_file,
    probe,
    server_properties,
    start,
    status,
    stop,
    take_lease,
    wait_ready,
    write_server_properties,
)

__all__ = [
    "ALTERNATIVES", "DEFAULT_START_TIMEOUT", "DEFAULT_STOP_TIMEOUT", "HEAP_OPTS", "LOG4J_DIR", "MAX_LOG_BYTES",
    "MIN_JAVA", "POM", "BrokerStatus", "broker_dir", "check_java", "controller_port", "data_dir", "ensure_jars",
    "format_storage", "jars_ready", "java_executable", "kafka_dir", "kafka_major", "lease_lock", "libs_dir",
    "live_leases", "log_file", "maven_executable", "new_cluster_id", "parse_java_version", "pid_file", "probe",
    "server_properties", "start", "status", "stop", "take_lease", "wait_ready", "write_server_properties",
]
