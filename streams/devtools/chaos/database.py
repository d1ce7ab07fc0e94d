"""The chaos run's archive: a SQLite file, or a PostgreSQL server of the run's own that it can crash.

:class:`PostgresServer` starts a throwaway cluster on 127.0.0.1 with ``scripts/ensure_postgres.sh``
(installs the Debian PostgreSQL when missing), crashes it the hard way (:meth:`PostgresServer.kill9`:
the postmaster frozen, then it and every backend SIGKILLed, as a lost machine or the OOM killer
would) and starts it again on the same port, so the store's connection string stays valid. Both
kinds read back the archive's article ids for the verdict.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import psycopg

from streams.devtools.chaos.procs import RUN_VAR

#: scripts/ensure_postgres.sh of a source checkout (the chaos run is a developer tool)
ENSURE_POSTGRES = Path(__file__).resolve().parents[3] / "scripts" / "ensure_postgres.sh"
DATABASES = ("postgresql", "sqlite")


class ChaosDatabase(Protocol):
    """Where the run's store writes, and how the verdict reads it back."""

    url: str
    restartable: bool

    def start(self) -> None:
        """Make the archive location ready (start the server)."""

    def ids(self) -> tuple[int, set[str]]:
        """(rows, distinct ids) of the archive's articles table; (0, empty) while it cannot be read."""

    def close(self) -> None:
        """Stop the server and remove its files (nothing for SQLite: the file stays in the workdir)."""


class SqliteDatabase:
    """The archive as a SQLite file in the run's workdir (no restart fault)."""

    restartable = False

    def __init__(self, workdir: Path) -> None:
        self.path = workdir / "archive.db"
        self.url = f"sqlite:///{self.path}"

    def start(self) -> None:
        """Nothing to start: the store creates the file."""

    def ids(self) -> tuple[int, set[str]]:
        if not self.path.exists():
            return 0, set()
        try:
            with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)) as conn:
                ids = [row[0] for row in conn.execute("SELECT id FROM articles")]
        except sqlite3.OperationalError:  # not created yet, or busy
            return 0, set()
        return len(ids), set(ids)

    def close(self) -> None:
        """The file stays with the run's logs."""


class PostgresServer:
    """A PostgreSQL cluster of the run's own on 127.0.0.1: start, crash (kill -9), start again, read back."""

    restartable = True

    def __init__(self, run_id: str, script: Path = ENSURE_POSTGRES) -> None:
        self.script = script
        # under /tmp: the postgres user (the cluster's owner when we are root) must reach it
        self.datadir = Path("/tmp") / f"streams-chaos-pg-{run_id}"
        self.url = ""
        self.port = 0

    def _env(self) -> dict[str, str]:
        # without the run's marker: the server is the harness's, not an orphan of the pipeline
        env = {k: v for k, v in os.environ.items() if k != RUN_VAR}
        if self.port:
            env["STREAMS_PG_PORT"] = str(self.port)
        return env

    def start(self) -> None:
        """Start the cluster (created on the first call); again on the same port after :meth:`kill9`."""
        if not self.script.exists():
            raise RuntimeError(f"{self.script} not found: the PostgreSQL chaos run needs a source checkout "
                               "(or run it with --database sqlite)")
        done = subprocess.run([str(self.script), str(self.datadir)], env=self._env(), capture_output=True,
                              text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start ({self.script}):\n{done.stderr[-2000:]}")
        url = done.stdout.strip().splitlines()[-1]
        self.url, self.port = url, urlsplit(url).port or 5432

    def postmaster_pid(self) -> int | None:
        """The server's main process, from its lock file (None when it is not running)."""
        try:
            pid = int((self.datadir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if _alive(pid) else None

    def kill9(self, timeout_s: float = 30.0) -> int:
        """Crash the server: SIGKILL the postmaster and every backend; the number of processes killed."""
        pid = self.postmaster_pid()
        if pid is None:
            return 0
        os.kill(pid, signal.SIGSTOP)  # frozen first: it forks no new backend while they are killed
        victims = [*_children(pid), pid]
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + timeout_s
        while any(Path(f"/proc/{v}").exists() for v in victims) and time.monotonic() < deadline:
            time.sleep(0.05)  # gone, not only dead: the server's lock check takes a zombie for a live server
        if not _alive(pid):  # a zombie nobody reaped (container init): its lock file is stale
            (self.datadir / "postmaster.pid").unlink(missing_ok=True)
        return len(victims)

    def ids(self) -> tuple[int, set[str]]:
        if not self.url:
            return 0, set()
        try:
            with psycopg.connect(self.url, connect_timeout=10) as conn:
                ids = [row[0] for row in conn.execute("SELECT id FROM articles")]
        except psycopg.Error:  # down (restarting) or the table is not created yet
            return 0, set()
        return len(ids), set(ids)

    def close(self) -> None:
        """Stop the cluster and delete its data directory."""
        if self.datadir.exists():
            subprocess.run([str(self.script), "stop", str(self.datadir)], env=self._env(), capture_output=True,
                           timeout=120)
            shutil.rmtree(self.datadir, ignore_errors=True)


def open_database(kind: str, run_id: str, workdir: Path) -> ChaosDatabase:
    """The run's archive of ``kind`` (``postgresql`` or ``sqlite``), not started yet."""
    if kind == "sqlite":
        return SqliteDatabase(workdir)
    if kind == "postgresql":
        return PostgresServer(run_id)
    raise ValueError(f"unknown database {kind!r}: choose one of {', '.join(DATABASES)}")


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().split(") ", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent:
            found.append(int(entry.name))
    return found
