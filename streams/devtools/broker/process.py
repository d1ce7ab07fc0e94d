"""The managed local Apache Kafka broker (KRaft, one node that is both broker and controller).

The broker's jars come from Maven Central through ``deploy/kafka/pom.xml`` and are cached once per
Kafka version under ``STREAMS_HOME``; later starts need no network. Each broker port has its own
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

When ``STREAMS_KAFKA_BOOTSTRAP`` names an existing cluster nothing is started; :func:`start` only
checks that the cluster answers.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from streams.core.errors import BrokerError
from streams.core.settings import Settings
from streams.kafka.clients import bootstrap_reachable

log = logging.getLogger(__name__)

#: the pom listing the broker's class path; lives in the source tree next to the package
POM = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "pom.xml"
LOG4J_DIR = POM.parent
MIN_JAVA = 17
DEFAULT_START_TIMEOUT = 120.0
DEFAULT_STOP_TIMEOUT = 30.0
HEAP_OPTS = ("-Xms256m", "-Xmx512m")
#: broker.log is rotated (one old copy kept) at start when larger than this
MAX_LOG_BYTES = 50 * 1024 * 1024

ALTERNATIVES = (
    "Alternatives: point streams at an existing cluster with STREAMS_KAFKA_BOOTSTRAP=host:port, "
    "or run the broker of docker-compose.yml (`docker compose up -d kafka`) and set "
    "STREAMS_KAFKA_BOOTSTRAP=127.0.0.1:29092 (its host listener)."
)


@dataclass(frozen=True)
class BrokerStatus:
    """What is known about the broker for a set of settings."""

    running: bool  # answers a metadata request at ``bootstrap``
    managed: bool  # a broker process started by streams from this home (pid known)
    bootstrap: str
    pid: int | None = None
    version: str | None = None
    data_dir: Path | None = None
    log_file: Path | None = None
    owner: str | None = None  # who started it: "cli", "pytest", ...
    cluster_id: str | None = None
    users: tuple[int, ...] = ()  # pids of live test sessions holding a lease on it

    def describe(self) -> list[tuple[str, str]]:
        """(field, value) rows for ``streams kafka status``."""
        kind = "managed local broker" if self.managed else ("external / unmanaged" if self.running else "-")
        return [
            ("running", "yes" if self.running else "no"),
            ("kind", kind),
            ("bootstrap", self.bootstrap),
            ("version", self.version or "unknown"),
            ("pid", str(self.pid) if self.pid else "-"),
            ("cluster id", self.cluster_id or "-"),
            ("data dir", str(self.data_dir) if self.data_dir else "-"),
            ("log file", str(self.log_file) if self.log_file else "-"),
            ("started by", self.owner or "-"),
            ("used by tests", ", ".join(map(str, self.users)) or "-"),
        ]


# --------------------------------------------------------------------------------------------
# paths


def kafka_dir(settings: Settings) -> Path:
    """Jar cache of the configured Kafka version (shared by every broker port of this home)."""
    return settings.home / f"kafka-{settings.kafka_version}"


def libs_dir(settings: Settings) -> Path:
    return kafka_dir(settings) / "libs"


def broker_dir(settings: Settings) -> Path:
    """State directory of the local broker on ``settings.kafka_port``."""
    return settings.home / f"broker-{settings.kafka_port}"


def data_dir(settings: Settings) -> Path:
    return broker_dir(settings) / "data"


def log_file(settings: Settings) -> Path:
    return broker_dir(settings) / "broker.log"


def pid_file(settings: Settings) -> Path:
    return broker_dir(settings) / "kafka.pid"


def _state_file(settings: Settings) -> Path:
    return broker_dir(settings) / "state.json"


def _props_file(settings: Settings) -> Path:
    return broker_dir(settings) / "server.properties"


def controller_port(settings: Settings) -> int:
    return settings.kafka_controller_port or settings.kafka_port + 1


def kafka_major(version: str) -> int:
    """Major version number of a Kafka version string (``"3.9.1"`` -> 3)."""
    match = re.match(r"(\d+)\.", version)
    if not match:
        raise BrokerError(f"STREAMS_KAFKA_VERSION={version!r} is not a Kafka version like 3.9.1")
    return int(match.group(1))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------------
# prerequisites


def java_executable() -> str:
    """Path of ``java`` (``$JAVA_HOME/bin/java`` first, then ``PATH``); BrokerError if absent."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise BrokerError(
            f"`java` was not found (PATH or JAVA_HOME): the local Kafka broker needs Java {MIN_JAVA}+. "
            f"Install a JDK/JRE {MIN_JAVA}+ (e.g. `apt-get install openjdk-17-jre-headless`). {ALTERNATIVES}"
        )
    return found


def parse_java_version(text: str) -> int:
    """Major Java version from ``java -version`` output (``1.8.0_392`` -> 8, ``17.0.15`` -> 17)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        raise BrokerError(f"could not read the Java version from `java -version`: {text.strip()[:200]!r}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # 1.8 style
        major = int(match.group(2))
    return major


def check_java() -> tuple[str, int]:
    """(java path, major version); BrokerError when missing or older than Java 17."""
    java = java_executable()
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerError(f"`{java} -version` failed: {exc}. {ALTERNATIVES}") from exc
    major = parse_java_version(proc.stderr + proc.stdout)
    if major < MIN_JAVA:
        raise BrokerError(
            f"`{java}` is Java {major}; the local Kafka broker needs Java {MIN_JAVA}+. Install a newer JDK "
            f"or set JAVA_HOME to one. {ALTERNATIVES}"
        )
    return java, major


def maven_executable() -> str:
    """Path of ``mvn``; BrokerError naming the alternatives if absent."""
    found = shutil.which("mvn")
    if not found:
        raise BrokerError(
            "`mvn` (Apache Maven 3.6+) was not found on PATH: it is needed once to download the Kafka jars "
            f"from Maven Central (e.g. `apt-get install maven`). {ALTERNATIVES}"
        )
    return found


# --------------------------------------------------------------------------------------------
# jars


def jars_ready(settings: Settings) -> bool:
    """True when the jar cache of the configured version is complete (its stamp file exists)."""
    return (kafka_dir(settings) / ".complete").is_file()


def ensure_jars(settings: Settings, on_line: Callable[[str], None] | None = None) -> Path:
    """Resolve the broker's jars into the cache once; return the libs directory.

    A cache without its ``.complete`` stamp (an interrupted download) is wiped and resolved again.
    ``on_line`` receives Maven's output lines (progress for a CLI); they are also logged at DEBUG.
    """
    libs = libs_dir(settings)
    if jars_ready(settings):
        return libs
    with _locked(settings.home / f".kafka-{settings.kafka_version}.lock"):
        if jars_ready(settings):  # another process finished it while we waited
            return libs
        if not POM.is_file():
            raise BrokerError(f"{POM} is missing: run streams from its source checkout. {ALTERNATIVES}")
        mvn = maven_executable()
        if libs.exists():
            shutil.rmtree(libs)
        libs.mkdir(parents=True)
        cmd = [
            mvn, "-B", "--no-transfer-progress", "-f", str(POM),
            f"-Dkafka.version={settings.kafka_version}",
            *(["-Pkafka4"] if kafka_major(settings.kafka_version) >= 4 else []),
            "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={libs}",
        ]  # fmt: skip
        log.info(
            "resolving Apache Kafka %s jars from Maven Central into %s (first start only)",
            settings.kafka_version, libs,
        )  # fmt: skip
        started = time.monotonic()
        tail = _run_streaming(cmd, on_line)
        if tail is not None:
            shutil.rmtree(libs, ignore_errors=True)
            raise BrokerError(
                f"Maven could not resolve org.apache.kafka:kafka_2.13:{settings.kafka_version} "
                f"(network to Maven Central? a valid STREAMS_KAFKA_VERSION?). Last output:\n{tail}\n{ALTERNATIVES}"
            )
        count = len(list(libs.glob("*.jar")))
        if not any(libs.glob(f"kafka_2.13-{settings.kafka_version}.jar")):
            raise BrokerError(f"Maven finished but kafka_2.13-{settings.kafka_version}.jar is not in {libs}")
        (kafka_dir(settings) / ".complete").write_text(f"{count} jars\n")
        log.info("resolved %d jars in %.1f s", count, time.monotonic() - started)
    return libs


def _run_streaming(cmd: list[str], on_line: Callable[[str], None] | None) -> str | None:
    """Run ``cmd`` passing each output line on; None on success, else the last lines of output."""
    lines: list[str] = []
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            lines.append(line)
            log.debug("mvn: %s", line)
            if on_line is not None:
                on_line(line)
        code = proc.wait()
    return None if code == 0 else "\n".join(lines[-25:])


# --------------------------------------------------------------------------------------------
# configuration and storage


def server_properties(settings: Settings) -> dict[str, str]:
    """The broker configuration: single KRaft node, loopback only, replication 1 everywhere."""
    port, cport = settings.kafka_port, controller_port(settings)
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{cport}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir(settings)),
        # topics are created explicitly (streams topics create / Faust's admin calls), with their
        # configs from streams/topics.py; a typo'd topic name must fail, not silently appear
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        # fewer internal partitions than the default 50: quicker first consumer-group start
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "10",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "log.retention.check.interval.ms": "60000",
        "delete.topic.enable": "true",
        # after a kill -9 the restarted node cannot register until its old session expires
        # (DuplicateBrokerRegistrationException); default 9 s, shorter for quicker recovery
        "broker.session.timeout.ms": "6000",
        "broker.heartbeat.interval.ms": "1500",
        # one node: a controlled shutdown has nobody to hand leadership to; do not retry for long
        "controlled.shutdown.max.retries": "1",
    }
    if kafka_major(settings.kafka_version) >= 4:
        props["share.coordinator.state.topic.replication.factor"] = "1"
        props["share.coordinator.state.topic.min.isr"] = "1"
    return props


def write_server_properties(settings: Settings) -> Path:
    path = _props_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{k}={v}\n" for k, v in server_properties(settings).items())
    path.write_text(f"# written by streams.devtools.broker on every start; edit the settings, not this file\n{body}")
    return path


def new_cluster_id() -> str:
    """A KRaft cluster id as Kafka makes them: 16 random bytes, URL-safe base64 without padding."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):  # Kafka rejects ids that look like command-line flags
            return text


def _java_command(settings: Settings, java: str, main_class: str, *args: str) -> list[str]:
    libs = libs_dir(settings)
    if kafka_major(settings.kafka_version) >= 4:
        logging_opts = [f"-Dlog4j2.configurationFile={LOG4J_DIR / 'log4j2.properties'}"]
    else:
        logging_opts = [f"-Dlog4j.configuration=file:{LOG4J_DIR / 'log4j.properties'}"]
    return [
        java, *HEAP_OPTS, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        *logging_opts, "-cp", f"{libs}/*", main_class, *args,
    ]  # fmt: skip


def format_storage(settings: Settings, java: str) -> str | None:
    """Format the KRaft log dir once; return the new cluster id, or None if it was formatted."""
    meta = data_dir(settings) / "meta.properties"
    if meta.is_file():
        return None
    data_dir(settings).mkdir(parents=True, exist_ok=True)
    cluster_id = new_cluster_id()
    cmd = _java_command(
        settings, java, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(_props_file(settings))
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise BrokerError(f"formatting KRaft storage in {data_dir(settings)} failed:\n{proc.stdout}{proc.stderr}")
    log.info("formatted KRaft storage %s (cluster id %s)", data_dir(settings), cluster_id)
    return cluster_id


# --------------------------------------------------------------------------------------------
# processes


def _proc_cmdline(pid: int) -> str | None:
    """Command line of a live (non-zombie) process, or None if there is no such process."""
    if pid <= 0:
        return None
    _reap(pid)
    proc = Path("/proc") / str(pid)
    if proc.is_dir():
        try:
            stat = (proc / "stat").read_text()
            if stat[stat.rindex(")") + 2] in "ZX":  # zombie or dead: the broker is gone
                return None
            return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            return None
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True)
    except OSError:
        return None
    text = out.stdout.strip()
    if out.returncode != 0 or not text or text.startswith("Z"):
        return None
    return text.split(None, 1)[1] if " " in text else text


def _reap(pid: int) -> None:
    """Collect the exit status if the broker is our own child (no zombie left behind)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


def _is_our_broker(pid: int, settings: Settings) -> bool:
    """True if ``pid`` is alive and is the kafka.Kafka JVM of this home and port (not a reused pid)."""
    cmdline = _proc_cmdline(pid)
    return cmdline is not None and "kafka.Kafka" in cmdline and str(_props_file(settings)) in cmdline


def _read_pid(settings: Settings) -> int | None:
    try:
        return int(pid_file(settings).read_text().strip())
    except (OSError, ValueError):
        return None


def _read_state(settings: Settings) -> dict[str, str]:
    try:
        loaded = json.loads(_state_file(settings).read_text())
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        return {}


def _clear_pid(settings: Settings) -> None:
    for path in (pid_file(settings), _state_file(settings)):
        path.unlink(missing_ok=True)


def _port_open(port: int, timeout: float = 1.0) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _log_tail(settings: Settings, lines: int = 30) -> str:
    try:
        return "\n".join(log_file(settings).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------------------------
# readiness


def probe(bootstrap: str, timeout: float = 5.0) -> dict[str, object] | None:
    """Ask ``bootstrap`` for cluster metadata; the answer (cluster id, brokers) or None if none came."""
    if not bootstrap_reachable(bootstrap, timeout=min(timeout, 2.0)):
        return None  # spare kafka-python's connection-refused warnings
    from kafka import (
        KafkaAdminClient,  # imported late: pure commands need no Kafka client
    )

    timeout_ms = int(timeout * 1000)
    client = None
    try:
        client = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="streams-probe",
            request_timeout_ms=max(timeout_ms, 1000),
            bootstrap_timeout_ms=max(timeout_ms, 1000),
            reconnect_backoff_max_ms=500,
        )
        info = client.describe_cluster()
        return info if info.get("brokers") else None
    except Exception as exc:  # any client failure means "not answering (yet)"
        log.debug("no metadata answer from %s: %s", bootstrap, exc)
        return None
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()


def wait_ready(
    bootstrap: str, timeout: float = DEFAULT_START_TIMEOUT, alive: Callable[[], bool] | None = None
) -> dict[str, object]:
    """Block until ``bootstrap`` answers a metadata request; return the answer.

    ``alive`` (optional) is polled between attempts: if it turns False (the broker process died)
    waiting stops at once. BrokerError on timeout or death.
    """
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        info = probe(bootstrap, timeout=max(1.0, min(5.0, remaining)))
        if info is not None:
            return info
        if alive is not None and not alive():
            raise BrokerError(f"the Kafka broker for {bootstrap} exited while starting")
        if time.monotonic() >= deadline:
            raise BrokerError(
                f"no Kafka broker answered at {bootstrap} within {timeout:.0f} s. Check that it is running "
                "and reachable (STREAMS_KAFKA_BOOTSTRAP), or start the local one with `streams kafka start`."
            )
        time.sleep(0.3)


# --------------------------------------------------------------------------------------------
# lifecycle


def status(settings: Settings) -> BrokerStatus:
    """The broker's state: process (for the managed one) and whether it answers."""
    if not settings.managed_broker:
        info = probe(settings.bootstrap)
        return BrokerStatus(
            running=info is not None,
            managed=False,
            bootstrap=settings.bootstrap,
            cluster_id=_cluster_id(info),
        )
    pid = _read_pid(settings)
    ours = pid is not None and _is_our_broker(pid, settings)
    info = probe(settings.bootstrap) if ours or _port_open(settings.kafka_port) else None
    state = _read_state(settings) if ours else {}
    return BrokerStatus(
        running=info is not None,
        managed=ours,
        bootstrap=settings.bootstrap,
        pid=pid if ours else None,
        version=state.get("version"),
        data_dir=data_dir(settings) if ours else None,
        log_file=log_file(settings) if ours else None,
        owner=state.get("owner"),
        cluster_id=_cluster_id(info),
        users=tuple(live_leases(settings)) if ours else (),
    )


def _cluster_id(info: dict[str, object] | None) -> str | None:
    value = info.get("cluster_id") if info else None
    return str(value) if value else None


def start(
    settings: Settings,
    timeout: float = DEFAULT_START_TIMEOUT,
    owner: str = "cli",
    on_line: Callable[[str], None] | None = None,
) -> BrokerStatus:
    """Start the managed broker (or reuse one that is up) and wait until it answers.

    With ``STREAMS_KAFKA_BOOTSTRAP`` set this starts nothing and checks the external cluster. A pid
    file whose process is gone (kill -9, reboot) is removed and the broker started afresh. ``owner``
    is recorded so tests only stop brokers that tests started.
    """
    if not settings.managed_broker:
        info = wait_ready(settings.bootstrap, timeout)
        log.info("using the existing Kafka cluster at %s", settings.bootstrap)
        return BrokerStatus(running=True, managed=False, bootstrap=settings.bootstrap, cluster_id=_cluster_id(info))
    with _locked(broker_dir(settings) / "lock"):
        pid = _read_pid(settings)
        if pid is not None:
            if _is_our_broker(pid, settings):
                log.info("the local Kafka broker is already running (pid %d)", pid)
                running_version = _read_state(settings).get("version")
                if running_version and running_version != settings.kafka_version:
                    log.warning(
                        "the running broker is Kafka %s, not STREAMS_KAFKA_VERSION=%s; "
                        "`streams kafka stop` and start again to switch",
                        running_version, settings.kafka_version,
                    )  # fmt: skip
                wait_ready(settings.bootstrap, timeout, alive=lambda: _is_our_broker(pid, settings))
                return status(settings)
            log.warning("removing stale pid file %s (process %d is gone)", pid_file(settings), pid)
            _clear_pid(settings)
        if _port_open(settings.kafka_port):
            if probe(settings.bootstrap) is not None:
                log.info(
                    "a Kafka broker not started from %s answers on %s; reusing it", settings.home, settings.bootstrap
                )
                return status(settings)
            raise BrokerError(
                f"port {settings.kafka_port} on 127.0.0.1 is taken by something that is not a Kafka broker; "
                "set STREAMS_KAFKA_PORT to a free port."
            )
        if _port_open(controller_port(settings)):
            raise BrokerError(
                f"the KRaft controller port {controller_port(settings)} is taken; set "
                "STREAMS_KAFKA_CONTROLLER_PORT (or STREAMS_KAFKA_PORT) to free ports."
            )
        return _launch(settings, timeout, owner, on_line)


def _launch(
    settings: Settings, timeout: float, owner: str, on_line: Callable[[str], None] | None
) -> BrokerStatus:
    java, _ = check_java()
    ensure_jars(settings, on_line)
    props = write_server_properties(settings)
    format_storage(settings, java)
    cmd = _java_command(settings, java, "kafka.Kafka", str(props))
    log.info("starting Apache Kafka %s on %s (log: %s)", settings.kafka_version, settings.bootstrap, log_file(settings))
    started = time.monotonic()
    _rotate_log(settings)
    with open(log_file(settings), "ab") as out:
        out.write(f"\n===== streams: starting Kafka {settings.kafka_version} at {time.ctime()} =====\n".encode())
        out.flush()
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=broker_dir(settings),
            start_new_session=True,  # survives the starting shell; Ctrl-C there does not kill it
            close_fds=True,
        )
    pid_file(settings).write_text(f"{proc.pid}\n")
    state = {"version": settings.kafka_version, "owner": owner, "started_at": time.time(), "pid": proc.pid}
    _state_file(settings).write_text(json.dumps(state))
    try:
        wait_ready(settings.bootstrap, timeout, alive=lambda: proc.poll() is None)
    except BrokerError as exc:
        _terminate(proc.pid, settings, grace=10.0)
        _clear_pid(settings)
        raise BrokerError(f"{exc}. Last lines of {log_file(settings)}:\n{_log_tail(settings)}") from exc
    log.info("Kafka broker ready on %s in %.1f s (pid %d)", settings.bootstrap, time.monotonic() - started, proc.pid)
    return status(settings)


def _rotate_log(settings: Settings) -> None:
    path = log_file(settings)
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > MAX_LOG_BYTES:
            path.replace(path.with_name(path.name + ".1"))


def _terminate(pid: int, settings: Settings, grace: float) -> None:
    """SIGTERM, wait ``grace`` seconds for a controlled shutdown, then SIGKILL; wait for the exit."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if _proc_cmdline(pid) is None:
            return
        time.sleep(0.2)
    log.warning("Kafka broker (pid %d) did not stop within %.0f s; killing it", pid, grace)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and _proc_cmdline(pid) is not None:
        time.sleep(0.1)
    if _proc_cmdline(pid) is not None:
        raise BrokerError(f"the Kafka broker (pid {pid}) survived SIGKILL")


def stop(settings: Settings, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False) -> bool:
    """Stop the managed broker of this home and port; True if one was running and is now stopped.

    Only a broker whose pid file this home holds is stopped: an external cluster or a broker started
    from another home is never touched. While other live processes hold a lease on it (test sessions
    using it), BrokerError unless ``force``.
    """
    if not settings.managed_broker:
        log.info("STREAMS_KAFKA_BOOTSTRAP names an external cluster; streams does not stop it")
        return False
    users = [pid for pid in live_leases(settings) if pid != os.getpid()]
    if users and not force:
        raise BrokerError(
            f"the Kafka broker on {settings.bootstrap} is in use by running test sessions (pids "
            f"{', '.join(map(str, users))}); they stop it when the last one ends. Use --force to stop it anyway."
        )
    with _locked(broker_dir(settings) / "lock"):
        pid = _read_pid(settings)
        if pid is None:
            return False
        if not _is_our_broker(pid, settings):
            log.info("removing stale pid file %s (process %d is gone)", pid_file(settings), pid)
            _clear_pid(settings)
            return False
        log.info("stopping the Kafka broker (pid %d)", pid)
        _terminate(pid, settings, grace=timeout)
        _clear_pid(settings)
        return True


# --------------------------------------------------------------------------------------------
# leases: processes (test sessions) that use the local broker and must not lose it under them


def _leases_dir(settings: Settings) -> Path:
    return broker_dir(settings) / "test-leases"


@contextlib.contextmanager
def lease_lock(settings: Settings) -> Iterator[None]:
    """Serialise taking/returning leases with the start/stop decisions that depend on them."""
    with _locked(broker_dir(settings) / "test-leases.lock"):
        yield


def take_lease(settings: Settings, pid: int | None = None) -> Path:
    """Record that process ``pid`` (default: this one) uses the local broker; returns the lease file."""
    lease = _leases_dir(settings) / str(pid or os.getpid())
    lease.parent.mkdir(parents=True, exist_ok=True)
    lease.touch()
    return lease


def live_leases(settings: Settings) -> list[int]:
    """Pids of live processes holding a lease; leases of dead processes are removed."""
    leases = _leases_dir(settings)
    if not leases.is_dir():
        return []
    alive = []
    for lease in leases.iterdir():
        try:
            pid = int(lease.name)
        except ValueError:
            continue
        if _proc_cmdline(pid) is None:
            lease.unlink(missing_ok=True)
        else:
            alive.append(pid)
    return sorted(alive)
