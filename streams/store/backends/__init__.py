"""Archive backends (SQLite, PostgreSQL) and :func:`open_archive`, which picks one from a URL."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from streams.core.errors import ConfigError
from streams.store.archive import Archive


def backend_of(database_url: str) -> str:
    """``sqlite`` or ``postgresql`` from a database URL; ConfigError otherwise."""
    scheme = database_url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        return "postgresql"
    raise ConfigError(
        f"STREAMS_DATABASE_URL={database_url!r}: use sqlite:///path/to/file.db or postgresql://user@host/db"
    )


def archive_location(database_url: str) -> str:
    """Where an archive lives, for people: a SQLite file's absolute path (its URL may be relative to
    the working directory), a server URL with its password masked."""
    if backend_of(database_url) == "sqlite":
        from streams.store.backends.sqlite import sqlite_path

        return str(sqlite_path(database_url).resolve())
    from streams.core.settings import mask_url_password

    return mask_url_password(database_url)


def open_archive(database_url: str, *, read_only: bool = False) -> Archive:
    """Open (and migrate, unless ``read_only``) the archive at ``database_url``."""
    if backend_of(database_url) == "sqlite":
        from streams.store.backends.sqlite import SQLiteArchive

        return SQLiteArchive(database_url, read_only=read_only)
    from streams.store.backends.postgres import PostgresArchive

    return PostgresArchive(database_url, read_only=read_only)


@contextmanager
def archive(database_url: str, *, read_only: bool = False) -> Iterator[Archive]:
    """``with archive(url) as a: ...``: open, then always close."""
    a = open_archive(database_url, read_only=read_only)
    try:
        yield a
    finally:
        a.close()
