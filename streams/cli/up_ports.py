"""The fixed /metrics ports of ``streams up``: one per process, so Prometheus can scrape them.

Process ``name`` serves on ``STREAMS_UP_METRICS_PORT`` + its offset (``deploy/prometheus/prometheus.up.yml``
scrapes the defaults); ``0`` gives every process a free port instead (tests, several stacks on one machine).
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

from streams.core.errors import StreamsError

#: offset of each process from the first port; worker-N is at ``WORKER_BASE + N``
OFFSETS = {"up": 0, "store": 1, "alerts": 2, "alert-delivery": 3, "alert-webhooks": 4, "ingest-watch": 5}
WORKER_BASE = 5


def offset(name: str) -> int:
    """The offset of process ``name`` (``worker-3`` -> 8)."""
    if name.startswith("worker-") and name[len("worker-"):].isdigit():
        return WORKER_BASE + int(name[len("worker-"):])
    if name not in OFFSETS:
        raise ValueError(f"no metrics port for {name!r}; known: {', '.join([*OFFSETS, 'worker-N'])}")
    return OFFSETS[name]


def plan(first: int, names: list[str]) -> dict[str, int]:
    """Each process's port: ``first`` + its offset, or a free port each when ``first`` is 0."""
    if first == 0:
        return {name: free_port() for name in names}
    ports = {name: first + offset(name) for name in names}
    if max(ports.values()) > 65535 or first < 0:
        raise StreamsError(f"STREAMS_UP_METRICS_PORT={first}: the ports would run past 65535 (or below 1); "
                           "choose a first port below 65500, or 0 for free ports")
    return ports


def check_free(ports: dict[str, int], host: str, first: int) -> None:
    """Raise a StreamsError naming every port of ``ports`` that is already taken on ``host``."""
    taken = [f"{port} ({name})" for name, port in ports.items() if not _bindable(host, port)]
    if taken:
        raise StreamsError(
            f"metrics port(s) already in use on {host}: {', '.join(taken)} — another `streams up` or another "
            f"program holds them (see `ss -ltnp`); stop it, or set STREAMS_UP_METRICS_PORT to another first port "
            f"(now {first}), or to 0 for free ports "
            "that Prometheus cannot scrape from a fixed config")


def _bindable(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the HTTP server binds: TIME_WAIT is no owner
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


#: where free ports are looked for: below the kernel's ephemeral range (read from EPHEMERAL_RANGE_FILE)
FREE_PORTS_FROM = 10_000
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_FREE_PORT_TRIES = 200


def ephemeral_range() -> tuple[int, int]:
    """The ports the kernel gives outgoing connections (Linux's default where it cannot be read)."""
    try:
        low, high = (int(x) for x in EPHEMERAL_RANGE_FILE.read_text().split()[:2])
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port nothing listens on now, outside the ephemeral range when there is room below it.

    A child binds its port seconds after it was chosen (it loads its models first). A port of the ephemeral
    range can be taken meanwhile by any outgoing connection, every Kafka client's included, and the child
    then died with "Address already in use" (once in a full test run); below that range only another
    listener choosing the same port at random could take it.
    """
    low, _ = ephemeral_range()
    if low - FREE_PORTS_FROM >= 1_000:
        for _ in range(_FREE_PORT_TRIES):
            port = random.randrange(FREE_PORTS_FROM, low)
            if _bindable("127.0.0.1", port):
                return port
    with socket.socket() as s:  # no room below the range (or all tried were taken): the OS picks
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
