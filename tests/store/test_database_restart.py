"""The store waits for a PostgreSQL server that is down (crashed, restarting) instead of exiting, and
still fails at once on a database that answers but is wrong (no such database)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest

from streams.core.errors import DatabaseUnavailable, StorageError
from streams.devtools.chaos.database import PostgresServer
from streams.store.consumer import open_when_available

pytestmark = [pytest.mark.postgres, pytest.mark.killer, pytest.mark.slow]


def test_the_store_waits_for_a_crashed_server_and_opens_the_archive_once_it_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = PostgresServer(f"store-{uuid.uuid4().hex[:6]}")
    stop = threading.Event()
    try:
        server.start()
        server.kill9()
        restart = threading.Timer(3.0, server.start)
        restart.start()
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="streams.store.consumer"):
            archive = open_when_available(server.url, stop)
        restart.join()
        assert archive is not None and time.monotonic() - started >= 2.5
        with archive:
            assert archive.count() == 0  # created and migrated on the restarted server
        assert "waiting for the database" in caplog.text

        server.kill9()
        timer = threading.Timer(1.0, stop.set)
        timer.start()
        assert open_when_available(server.url, stop) is None  # asked to stop while it is still down
        timer.join()

        stop.clear()
        server.start()
        wrong = urlsplit(server.url)._replace(path="/no_such_database").geturl()
        with pytest.raises(StorageError) as refused:
            open_when_available(wrong, stop)  # answers, but not what we asked for: no waiting
        assert not isinstance(refused.value, DatabaseUnavailable)
    finally:
        stop.set()
        server.close()
