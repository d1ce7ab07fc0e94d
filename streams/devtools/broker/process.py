"""The local broker's lifecycle: start, stop, status, and waiting until a broker answers.

When ``STREAMS_KAFKA_BOOTSTRAP`` names an existing cluster nothing is started; :func:`start` only
checks that the cluster answers, and :func:`stop` never touches it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from streams.core.errors import BrokerError
from streams.core.settings import Settings
from streams.devtools.broker.config import format_storage, write_server_properties
from streams.devtools.broker.java import check_java, ensure_jars, java_command
from streams.devtools.broker.leases import live_leases
from streams.devtools.broker.paths import broker_dir, controller_port, data_dir, locked, log_file, pid_file
from streams.devtools.broker.pids import (
    clear_pid,
    is_our_broker,
    process_cmdline,
    read_pid,
    read_state,
    record_started,
)
from streams.kafka.clients import admin_client, bootstrap_reachable

log = logging.getLogger(__name__)

DEFAULT_START_TIMEOUT = 120.0
DEFAULT_STOP_TIMEOUT = 30.0
#: broker.log is rotated (one old copy kept) at start when larger than this
MAX_LOG_BYTES = 50 * 1024 * 1024


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


def port_open(port: int, timeout: float = 1.0) -> bool:
    """True if something accepts TCP connections on 127.0.0.1:``port``."""
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

    timeout_ms = int(timeout * 1000)
    client = None
    try:
        client = admin_client(
            bootstrap,
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
    pid = read_pid(settings)
    ours = pid is not None and is_our_broker(pid, settings)
    info = probe(settings.bootstrap) if ours or port_open(settings.kafka_port) else None
    state = read_state(settings) if ours else {}
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
    with locked(broker_dir(settings) / "lock"):
        pid = read_pid(settings)
        if pid is not None:
            if is_our_broker(pid, settings):
                log.info("the local Kafka broker is already running (pid %d)", pid)
                running_version = read_state(settings).get("version")
                if running_version and running_version != settings.kafka_version:
                    log.warning(
                        "the running broker is Kafka %s, not STREAMS_KAFKA_VERSION=%s; "
                        "`streams kafka stop` and start again to switch",
                        running_version, settings.kafka_version,
                    )  # fmt: skip
                wait_ready(settings.bootstrap, timeout, alive=lambda: is_our_broker(pid, settings))
                return status(settings)
            log.warning("removing stale pid file %s (process %d is gone)", pid_file(settings), pid)
            clear_pid(settings)
        if port_open(settings.kafka_port):
            if probe(settings.bootstrap) is not None:
                log.info(
                    "a Kafka broker not started from %s answers on %s; reusing it", settings.home, settings.bootstrap
                )
                return status(settings)
            raise BrokerError(
                f"port {settings.kafka_port} on 127.0.0.1 is taken by something that is not a Kafka broker; "
                "set STREAMS_KAFKA_PORT to a free port."
            )
        if port_open(controller_port(settings)):
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
    started = time.monotonic()
    proc = spawn(settings, java, props, owner)
    try:
        wait_ready(settings.bootstrap, timeout, alive=lambda: proc.poll() is None)
    except BrokerError as exc:
        _terminate(proc.pid, settings, grace=10.0)
        clear_pid(settings)
        raise BrokerError(f"{exc}. Last lines of {log_file(settings)}:\n{_log_tail(settings)}") from exc
    log.info("Kafka broker ready on %s in %.1f s (pid %d)", settings.bootstrap, time.monotonic() - started, proc.pid)
    return status(settings)


def spawn(settings: Settings, java: str, props: Path, owner: str) -> subprocess.Popen[bytes]:
    """Start the JVM of the broker on ``settings.kafka_port`` detached, with ``props``; do not wait for it."""
    cmd = java_command(settings, java, "kafka.Kafka", str(props))
    log.info("starting Apache Kafka %s on 127.0.0.1:%d (log: %s)", settings.kafka_version, settings.kafka_port,
             log_file(settings))
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
    record_started(settings, proc.pid, owner)
    return proc


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
        if process_cmdline(pid) is None:
            return
        time.sleep(0.2)
    log.warning("Kafka broker (pid %d) did not stop within %.0f s; killing it", pid, grace)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and process_cmdline(pid) is not None:
        time.sleep(0.1)
    if process_cmdline(pid) is not None:
        raise BrokerError(f"the Kafka broker (pid {pid}) survived SIGKILL")


def check_no_users(settings: Settings, force: bool) -> None:
    """BrokerError if live test sessions (other than this process) hold a lease on the broker, unless ``force``."""
    users = [pid for pid in live_leases(settings) if pid != os.getpid()]
    if users and not force:
        raise BrokerError(
            f"the Kafka broker on {settings.bootstrap} is in use by running test sessions (pids "
            f"{', '.join(map(str, users))}); they stop it when the last one ends. Use --force to stop it anyway."
        )


def stop(settings: Settings, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False) -> bool:
    """Stop the managed broker of this home and port; True if one was running and is now stopped.

    Only a broker whose pid file this home holds is stopped: an external cluster or a broker started
    from another home is never touched. While other live processes hold a lease on it (test sessions
    using it), BrokerError unless ``force``.
    """
    if not settings.managed_broker:
        log.info("STREAMS_KAFKA_BOOTSTRAP names an external cluster; streams does not stop it")
        return False
    check_no_users(settings, force)
    with locked(broker_dir(settings) / "lock"):
        pid = read_pid(settings)
        if pid is None:
            return False
        if not is_our_broker(pid, settings):
            log.info("removing stale pid file %s (process %d is gone)", pid_file(settings), pid)
            clear_pid(settings)
            return False
        log.info("stopping the Kafka broker (pid %d)", pid)
        _terminate(pid, settings, grace=timeout)
        clear_pid(settings)
        return True


