"""Fixtures of the archive tests: the same tests run on SQLite and on a real PostgreSQL.

* ``postgres_server`` (session): the URL of a real PostgreSQL server. ``STREAMS_TEST_POSTGRES_URL``
  if set; otherwise ``scripts/ensure_postgres.sh`` installs PostgreSQL from Debian packages when
  missing (CI is root on a clean Debian) and starts a throwaway cluster on 127.0.0.1 on a free
  port, stopped at the end of the session.
* ``database_url`` (function, parametrized ``sqlite`` / ``postgres``): a fresh, empty archive
  location: a file under ``tmp_path``, or a new database on that server, dropped afterwards.
  The ``postgres`` variant is marked ``postgres``.
* ``archive``: that archive opened (and migrated).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from streams.store.archive import Archive
from streams.store.backends import open_archive
from tests.store.articles import SHARED

REPO = Path(__file__).resolve().parents[2]
ENSURE_POSTGRES = REPO / "scripts" / "ensure_postgres.sh"


@pytest.fixture(scope="session", autouse=True)
def _shared_material() -> None:
    if not (SHARED / "samples").is_dir():
        pytest.fail(f"shared test material not found at {SHARED}; the repo must sit next to ../shared")


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real PostgreSQL server (its maintenance database) for this session."""
    given = os.environ.get("STREAMS_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    datadir = Path("/tmp") / f"streams-pg-test-{uuid.uuid4().hex[:8]}"  # /tmp: readable by the postgres user
    done = subprocess.run([str(ENSURE_POSTGRES), str(datadir)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        pytest.fail(f"could not start PostgreSQL with {ENSURE_POSTGRES}:\n{done.stderr[-3000:]}")
    url = done.stdout.strip().splitlines()[-1]
    try:
        yield url
    finally:
        subprocess.run([str(ENSURE_POSTGRES), "stop", str(datadir)], capture_output=True, timeout=120)
        shutil.rmtree(datadir, ignore_errors=True)


def _with_dbname(url: str, dbname: str) -> str:
    if not url.startswith(("postgresql://", "postgres://")):
        pytest.fail(f"STREAMS_TEST_POSTGRES_URL must be a postgresql:// URL, got {url!r}")
    return urlsplit(url)._replace(path=f"/{dbname}").geturl()


@pytest.fixture()
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty database on the session's server; dropped after the test."""
    name = f"streams_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _with_dbname(postgres_server, name)
    try:
        yield url
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh archive location on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/archive/streams.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture()
def archive(database_url: str) -> Iterator[Archive]:
    """The archive at ``database_url``, opened and migrated."""
    opened = open_archive(database_url)
    try:
        yield opened
    finally:
        opened.close()
