"""The CLI's logging: client-library noise filtered, real errors kept."""

from __future__ import annotations

import logging

from streams.cli.main import _closed_socket_race


def _record(exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001
        return logging.LogRecord("kafka.net.transport", logging.ERROR, __file__, 1,
                                 "<conn>: Error receiving network data", None, (type(caught), caught, None))


def test_kafka_read_racing_its_own_close_is_dropped_other_transport_errors_are_kept() -> None:
    try:
        None.recv(4096)  # type: ignore[attr-defined]  # what kafka-python 3.0 hits after close()
    except AttributeError as exc:
        race = exc
    assert _closed_socket_race(_record(race)) is False
    assert _closed_socket_race(_record(ConnectionResetError("reset by peer"))) is True
    assert _closed_socket_race(logging.LogRecord("kafka.net.transport", logging.ERROR, __file__, 1,
                                                 "socket disconnected", None, None)) is True
