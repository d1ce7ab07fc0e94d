"""Where the local broker keeps its things under ``STREAMS_HOME``, and the lock that serialises them.

Jars are cached once per Kafka version; every broker port has a state directory of its own (see the
package docstring for the layout).
"""

from __future__ import annotations

import contextlib
import fcntl
import re
from pathlib import Path
from typing import Iterator

from streams.core.errors import BrokerError
from streams.core.settings import Settings

#: the pom listing the broker's class path, shipped inside the package (an installed wheel has it too);
#: deploy/kafka/ in the source tree links here
POM = Path(__file__).resolve().parent / "pom.xml"
#: log4j.properties (Kafka 3.x) and log4j2.properties (4.x), beside the pom
LOG4J_DIR = POM.parent


def kafka_dir(settings: Settings) -> Path:
    """Jar cache of the configured Kafka version (shared by every broker port of this home)."""
    return settings.home / f"kafka-{settings.kafka_version}"


def libs_dir(settings: Settings) -> Path:
    """The jars of the configured Kafka version."""
    return kafka_dir(settings) / "libs"


def broker_dir(settings: Settings) -> Path:
    """State directory of the local broker on ``settings.kafka_port``."""
    return settings.home / f"broker-{settings.kafka_port}"


def data_dir(settings: Settings) -> Path:
    """KRaft log dirs of the local broker."""
    return broker_dir(settings) / "data"


def log_file(settings: Settings) -> Path:
    """stdout/stderr of the broker's JVM."""
    return broker_dir(settings) / "broker.log"


def pid_file(settings: Settings) -> Path:
    """Pid of the running JVM."""
    return broker_dir(settings) / "kafka.pid"


def state_file(settings: Settings) -> Path:
    """Version, owner and start time of the running broker (JSON)."""
    return broker_dir(settings) / "state.json"


def props_file(settings: Settings) -> Path:
    """The ``server.properties`` written on every start."""
    return broker_dir(settings) / "server.properties"


def controller_port(settings: Settings) -> int:
    """The KRaft controller's port: ``STREAMS_KAFKA_CONTROLLER_PORT``, else the broker port + 1."""
    return settings.kafka_controller_port or settings.kafka_port + 1


def node_settings(settings: Settings, node: int) -> Settings:
    """The settings of node ``node`` (0-based) of a managed cluster: its ports, hence its own state directory.

    Node 0 is ``settings`` itself; node i listens on ``STREAMS_KAFKA_PORT + 2i``, its controller one above.
    """
    if node == 0:
        return settings
    port = settings.kafka_port + 2 * node
    return settings.replace(kafka_port=port, kafka_controller_port=port + 1)


def kafka_major(version: str) -> int:
    """Major version number of a Kafka version string (``"3.9.1"`` -> 3)."""
    match = re.match(r"(\d+)\.", version)
    if not match:
        raise BrokerError(f"STREAMS_KAFKA_VERSION={version!r} is not a Kafka version like 3.9.1")
    return int(match.group(1))


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
