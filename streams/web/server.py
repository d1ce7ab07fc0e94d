"""Serve the console and API with uvicorn: in the foreground (``streams serve``) or from a thread (tests)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Callable

import uvicorn

from streams.core.errors import ConfigError
from streams.core.settings import Settings
from streams.store.archive import Archive
from streams.web.app import create_app

log = logging.getLogger(__name__)

#: open event streams get this long to end when the server stops
GRACEFUL_S = 3


class ConsoleServer:
    """The API and console on ``host:port`` (port 0 picks a free one); the socket is bound at once."""

    def __init__(self, archive: Archive, host: str = "127.0.0.1", port: int = 0, *,
                 settings: Settings | None = None) -> None:
        self.app = create_app(archive, settings=settings)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
            self.sock.listen(2048)  # connections queue from now on: a client told the address never gets refused
        except OSError as exc:
            self.sock.close()
            raise ConfigError(f"cannot listen on {host}:{port}: {exc}; pick another --port (0 = any free one)") from exc
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=GRACEFUL_S)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> "ConsoleServer":
        """Serve from a background thread; returns once the server answers."""
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                        name="console", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the console server did not start; see the log")
            time.sleep(0.02)
        return self

    def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve in this thread until Ctrl-C or SIGTERM."""
        if on_ready is not None:
            on_ready(self.url)
        self.server.run(sockets=[self.sock])

    def stop(self) -> None:
        self.app.state.feed.close()
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=GRACEFUL_S + 5)
        self.sock.close()
