"""Pure tests of the broker module: prerequisites, configuration, jar cache. No broker is started."""

from __future__ import annotations

import base64
import socket
import stat
import time
from pathlib import Path

import pytest

from streams.core.errors import BrokerError
from streams.core.settings import Settings, load_settings
from streams.devtools import broker


def _fake_bin(tmp_path: Path, name: str, script: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    exe = bin_dir / name
    exe.write_text("#!/bin/sh\n" + script + "\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def _tmp_settings(tmp_path: Path, **changes: object) -> Settings:
    return load_settings({}, home=tmp_path / "home", kafka_port=_free_port(), **changes)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_missing_java_names_the_alternatives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(BrokerError) as err:
        broker.check_java()
    message = str(err.value)
    assert "java" in message and "17" in message
    assert "STREAMS_KAFKA_BOOTSTRAP" in message and "docker compose" in message


def test_start_without_java_fails_before_launching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    settings = _tmp_settings(tmp_path)
    with pytest.raises(BrokerError, match="STREAMS_KAFKA_BOOTSTRAP"):
        broker.start(settings, timeout=5)
    assert not broker.pid_file(settings).exists()


def test_old_java_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = _fake_bin(tmp_path, "java", 'echo \'openjdk version "11.0.21" 2023-10-17\' >&2')
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(BrokerError, match=r"Java 11; the local Kafka broker needs Java 17\+"):
        broker.check_java()


def test_java_home_wins_over_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home_bin = _fake_bin(tmp_path / "jdk", "java", 'echo \'openjdk version "21.0.2" 2024-01-16\' >&2')
    monkeypatch.setenv("JAVA_HOME", str(home_bin.parent))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    java, major = broker.check_java()
    assert java == str(home_bin / "java") and major == 21


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_392"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ('openjdk version "11.0.2-ea"', 11),
    ],
)
def test_parse_java_version(text: str, major: int) -> None:
    assert broker.parse_java_version(text) == major


def test_unparseable_java_version_is_an_error() -> None:
    with pytest.raises(BrokerError, match="could not read the Java version"):
        broker.parse_java_version("command not found")


def test_missing_maven_names_the_alternatives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    settings = _tmp_settings(tmp_path)
    with pytest.raises(BrokerError) as err:
        broker.ensure_jars(settings)
    message = str(err.value)
    assert "mvn" in message and "STREAMS_KAFKA_BOOTSTRAP" in message and "docker compose" in message


def test_half_downloaded_jar_cache_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _tmp_settings(tmp_path)
    libs = broker.libs_dir(settings)
    libs.mkdir(parents=True)
    (libs / f"kafka_2.13-{settings.kafka_version}.jar").write_bytes(b"partial")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # a re-download is attempted and needs mvn
    assert not broker.jars_ready(settings)
    with pytest.raises(BrokerError, match="mvn"):
        broker.ensure_jars(settings)


def test_complete_jar_cache_needs_no_maven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _tmp_settings(tmp_path)
    broker.libs_dir(settings).mkdir(parents=True)
    (broker.kafka_dir(settings) / ".complete").write_text("57 jars\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert broker.ensure_jars(settings) == broker.libs_dir(settings)


def test_failed_maven_run_leaves_no_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = _fake_bin(tmp_path, "mvn", "echo '[ERROR] Could not resolve dependencies'; exit 1")
    monkeypatch.setenv("PATH", str(bin_dir))
    settings = _tmp_settings(tmp_path)
    lines: list[str] = []
    with pytest.raises(BrokerError, match="Could not resolve dependencies"):
        broker.ensure_jars(settings, on_line=lines.append)
    assert lines == ["[ERROR] Could not resolve dependencies"]
    assert not broker.jars_ready(settings)


def test_server_properties_single_node_kraft_on_loopback(tmp_path: Path) -> None:
    settings = _tmp_settings(tmp_path)
    port = settings.kafka_port
    props = broker.server_properties(settings)
    assert props["process.roles"] == "broker,controller"
    assert props["listeners"] == f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{port + 1}"
    assert props["controller.quorum.voters"] == f"1@127.0.0.1:{port + 1}"
    assert props["advertised.listeners"] == f"PLAINTEXT://127.0.0.1:{port}"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert props["auto.create.topics.enable"] == "false"
    assert (props["num.network.threads"], props["num.io.threads"]) == ("1", "2")  # one machine's pipeline
    assert props["log.dirs"] == str(broker.data_dir(settings))
    assert "share.coordinator.state.topic.replication.factor" not in props


def test_explicit_controller_port_and_kafka4_settings(tmp_path: Path) -> None:
    settings = _tmp_settings(tmp_path, kafka_controller_port=19999, kafka_version="4.1.1")
    props = broker.server_properties(settings)
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19999"
    assert props["share.coordinator.state.topic.replication.factor"] == "1"
    assert broker.kafka_dir(settings).name == "kafka-4.1.1"


def test_the_broker_jvm_runs_g1_unless_told_otherwise(tmp_path: Path) -> None:
    from streams.devtools.broker.java import JVM_OPTS, java_command

    cmd = java_command(_tmp_settings(tmp_path), "java", "kafka.Kafka", "server.properties")
    assert cmd[:3] == ["java", *broker.HEAP_OPTS]
    assert cmd[3:5] == list(JVM_OPTS) == ["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"]
    assert cmd[-2:] == ["kafka.Kafka", "server.properties"]
    chosen = _tmp_settings(tmp_path, kafka_jvm_opts=" -XX:+UseSerialGC  '-XX:TieredStopAtLevel=1' ")
    cmd = java_command(chosen, "java", "kafka.Kafka")
    assert cmd[3:5] == ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
    assert "-XX:+UseG1GC" not in cmd and "-XX:MaxGCPauseMillis=20" not in cmd


@pytest.mark.parametrize("opts,named", [("-Xmx4g", "-Xmx4g"), ("UseG1GC", "UseG1GC"), ("-cp /tmp", "-cp"),
                                        ("-XX:+UseG1GC '", "No closing quotation")])
def test_broker_jvm_options_that_would_break_it_are_refused_by_name(tmp_path: Path, opts: str, named: str) -> None:
    from streams.core.errors import ConfigError
    from streams.devtools.broker.java import java_command

    with pytest.raises(ConfigError, match="STREAMS_KAFKA_JVM_OPTS") as err:
        java_command(_tmp_settings(tmp_path, kafka_jvm_opts=opts), "java", "kafka.Kafka")
    assert named in str(err.value)


def test_bad_kafka_version_is_a_clear_error() -> None:
    with pytest.raises(BrokerError, match="STREAMS_KAFKA_VERSION"):
        broker.kafka_major("latest")


def test_cluster_ids_look_like_kafkas() -> None:
    ids = {broker.new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    for cid in ids:
        assert len(cid) == 22 and not cid.startswith("-")
        assert len(base64.urlsafe_b64decode(cid + "==")) == 16


def test_status_without_broker_is_not_running(tmp_path: Path) -> None:
    state = broker.status(_tmp_settings(tmp_path))
    assert not state.running and not state.managed and state.pid is None
    assert ("running", "no") in state.describe()


def test_stale_pid_file_is_not_a_running_broker(tmp_path: Path) -> None:
    settings = _tmp_settings(tmp_path)
    broker.broker_dir(settings).mkdir(parents=True)
    broker.pid_file(settings).write_text("1\n")  # pid 1 lives, but is not our broker
    assert not broker.status(settings).managed
    assert broker.stop(settings) is False
    assert not broker.pid_file(settings).exists()


def test_unreachable_external_cluster_fails_fast() -> None:
    external = load_settings({}, kafka_bootstrap=f"127.0.0.1:{_free_port()}")
    started = time.monotonic()
    with pytest.raises(BrokerError, match="no Kafka broker answered"):
        broker.start(external, timeout=2)
    assert time.monotonic() - started < 15


def test_admin_on_a_closed_port_fails_fast() -> None:
    from streams.kafka import admin

    settings = load_settings({}, kafka_bootstrap=f"127.0.0.1:{_free_port()}")
    started = time.monotonic()
    with pytest.raises(BrokerError, match="streams kafka start"):
        admin.create_topics(settings)
    assert time.monotonic() - started < 5
