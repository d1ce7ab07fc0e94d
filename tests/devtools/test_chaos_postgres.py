"""The chaos run's PostgreSQL server: crashed with kill -9 (every server process), started again on
the same port with what it had committed, read back by the verdict, removed at the end."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from streams.devtools.chaos.database import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.killer, pytest.mark.slow]


def test_a_crashed_server_comes_back_on_its_port_with_its_committed_rows() -> None:
    server = PostgresServer(f"test-{uuid.uuid4().hex[:6]}")
    try:
        server.start()
        url, port = server.url, server.port
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE articles (id TEXT PRIMARY KEY)")
            conn.execute("INSERT INTO articles VALUES ('a'), ('b')")
        assert server.ids() == (2, {"a", "b"})
        held = psycopg.connect(url, autocommit=True)  # a client with a backend of its own, like the store's

        assert server.kill9() >= 2  # the postmaster and at least the held backend
        assert server.postmaster_pid() is None
        with pytest.raises(psycopg.OperationalError):
            held.execute("SELECT 1")
        assert server.ids() == (0, set())  # down: nothing to read, no exception

        server.start()
        assert (server.url, server.port) == (url, port)
        assert server.ids() == (2, {"a", "b"})
    finally:
        server.close()
    assert not server.datadir.exists()
