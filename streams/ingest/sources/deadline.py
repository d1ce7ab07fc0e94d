"""A total time bound for one HTTP exchange, on top of httpx's per-read timeouts.

httpx bounds each connect and each read, not the whole exchange: a server that sends one byte every
few seconds (in the headers or the body) would hold a fetch for as long as it likes. A
:class:`Deadline` learns the exchange's sockets through httpx's ``trace`` extension and shuts them
down when time is up, which wakes the blocked read; the caller then reports the deadline, not the
broken connection it caused.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any


class Deadline:
    """Shuts down every socket of one exchange ``seconds`` after :meth:`start`; use as a context manager.

    Pass :meth:`trace` as ``extensions={"trace": deadline.trace}`` and use a client without
    keep-alive (a pooled connection is not seen connecting, so it could not be cut).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._expired = False
        self._ends_at = 0.0
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._ends_at = time.monotonic() + self.seconds
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    @property
    def expired(self) -> bool:
        """True once the time is up (the sockets were, or are being, shut down)."""
        return self._expired or (self._ends_at > 0 and time.monotonic() >= self._ends_at)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx/httpcore trace hook: remember each socket as it connects."""
        if not event.endswith("connect_tcp.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self._expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed: nothing left to cut
        pass
