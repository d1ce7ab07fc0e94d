"""An httpx transport that connects only to addresses the :class:`~streams.alerts.guard.Guard` checked.

For each request it resolves the host once (:meth:`Guard.pin`), refuses internal addresses, and
sends the request to the checked address itself, keeping the ``Host`` header and, for https, the
TLS server name (SNI and certificate check) of the URL. The connection never asks DNS again, so a
rebinding answer cannot swap the address between the check and the connect.
"""

from __future__ import annotations

import collections

import httpx

from streams.alerts.guard import Guard

MAX_POOLS = 64  # host names with open connections; the least recently used is closed beyond


class PinnedTransport(httpx.BaseTransport):
    """Send each request to the address the guard pinned for its host (``Host`` and SNI unchanged)."""

    def __init__(self, guard: Guard, **transport_options: object) -> None:
        self.guard = guard
        self._options = transport_options
        # one pool per host name: a pooled TLS connection is keyed by address only, and must not
        # carry a request for another name than the one its certificate was checked for
        self._pools: collections.OrderedDict[tuple[str, str], httpx.HTTPTransport] = collections.OrderedDict()

    def _pool(self, scheme: str, host: str) -> httpx.HTTPTransport:
        key = (scheme, host)
        if key in self._pools:
            self._pools.move_to_end(key)
            return self._pools[key]
        pool = self._pools[key] = httpx.HTTPTransport(**self._options)  # type: ignore[arg-type]
        if len(self._pools) > MAX_POOLS:
            self._pools.popitem(last=False)[1].close()
        return pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            address = self.guard.pin(url.host, port)  # DestinationRefused propagates: not retryable
        except OSError as exc:
            raise httpx.ConnectError(f"cannot resolve {url.host}: {exc}", request=request) from exc
        extensions = dict(request.extensions)
        if url.scheme == "https":
            extensions["sni_hostname"] = url.host
        headers = request.headers.copy()
        headers.setdefault("Host", url.netloc.decode("ascii"))
        pinned = httpx.Request(request.method, url.copy_with(host=str(address)), headers=headers,
                               stream=request.stream, extensions=extensions)
        return self._pool(url.scheme, url.host).handle_request(pinned)

    def close(self) -> None:
        while self._pools:
            self._pools.popitem()[1].close()
