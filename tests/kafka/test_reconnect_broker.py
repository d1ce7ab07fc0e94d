"""A client that started bootstrapping while the broker was away connects soon after it is back.

kafka-python doubles its reconnect back-off up to 30 s: a client created during a broker restart slept
through the broker's return and gave up, and the process exited 1 (a chaos run, broker back after 21 s).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from streams.core.settings import Settings
from streams.kafka import clients

pytestmark = [pytest.mark.broker]

BROKER_AWAY_S = 10.0


class _LateForwarder(threading.Thread):
    """Listens on a free 127.0.0.1 port only after ``delay_s``, then forwards each connection to ``target``."""

    def __init__(self, target: str, delay_s: float) -> None:
        super().__init__(daemon=True)
        host, port = target.split(",")[0].rsplit(":", 1)
        self.target, self.delay_s = (host, int(port)), delay_s
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]  # nothing listens here until delay_s has passed
        self.halt = threading.Event()

    def run(self) -> None:
        if self.halt.wait(self.delay_s):
            return
        with socket.create_server(("127.0.0.1", self.port)) as server:
            server.settimeout(0.2)
            while not self.halt.is_set():
                with contextlib.suppress(socket.timeout):
                    client, _ = server.accept()
                    upstream = socket.create_connection(self.target)
                    for a, b in ((client, upstream), (upstream, client)):
                        threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


def test_a_client_bootstrapping_through_an_outage_connects_within_seconds_of_the_broker_return(
        kafka_settings: Settings) -> None:
    forwarder = _LateForwarder(kafka_settings.bootstrap, BROKER_AWAY_S)
    forwarder.start()
    started = time.monotonic()
    try:
        admin = clients.admin_client(f"127.0.0.1:{forwarder.port}", client_id="reconnect-test",
                                     bootstrap_timeout_ms=60_000, request_timeout_ms=30_000)
        took = time.monotonic() - started
        admin.close()
    finally:
        forwarder.halt.set()
        forwarder.join(5)
    # with kafka-python's default back-off (up to 30 s) the attempt after the return came ~17 s in
    assert took < BROKER_AWAY_S + 3.0, f"connected {took - BROKER_AWAY_S:.1f} s after the broker was back"
