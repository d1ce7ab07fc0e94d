"""HTTP push: ``POST /articles`` → ``articles.raw``, answered once the broker acknowledged.

- Auth: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>`` (``STREAMS_API_KEY``); 401 otherwise.
- Body: a JSON article (model, ninjs 1.x/2.x or corpus shape) with ``Content-Type: application/json``,
  or one wire text with ``Content-Type: text/plain``.
- Answers: 202 ``{"id": ..., "status": "accepted"}`` after the broker's ack; 400 ``{"error", "reason"}``
  saying what is wrong (the input is also dead-lettered); 401; 413 over ``STREAMS_MAX_ARTICLE_BYTES``;
  415 for other content types. ``GET /healthz`` answers 200.

Binds ``STREAMS_HTTP_HOST:STREAMS_HTTP_PORT`` (127.0.0.1:8080 by default).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Any, Callable

from aiohttp import web

from streams.core.errors import ConfigError, StreamsError, TooLargeError
from streams.core.model import Article
from streams.core.settings import Settings
from streams.ingest.formats import article_from_record, article_from_text, parse_json
from streams.ingest.producer import RawProducer

log = logging.getLogger(__name__)

PRODUCER_KEY = web.AppKey("producer", RawProducer)
SETTINGS_KEY = web.AppKey("settings", Settings)


def _authorized(request: web.Request, key: str) -> bool:
    given = request.headers.get("X-API-Key", "")
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        given = auth[7:].strip()
    return bool(given) and hmac.compare_digest(given.encode(), key.encode())


def _error(status: int, message: str, reason: str) -> web.Response:
    return web.json_response({"error": message, "reason": reason}, status=status)


def _parse(raw: bytes, content_type: str, max_bytes: int, client: str) -> Article:
    if content_type == "text/plain":
        return article_from_text(raw, namespace="text", max_bytes=max_bytes, altids={"client": client})
    data = parse_json(raw, max_bytes=max_bytes, what="the request body")
    return article_from_record(data, namespace="json", extra_altids={"client": client})


async def post_article(request: web.Request) -> web.Response:
    """Handle ``POST /articles``."""
    settings = request.app[SETTINGS_KEY]
    producer = request.app[PRODUCER_KEY]
    if not _authorized(request, settings.api_key.reveal()):
        return _error(401, "missing or wrong API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                      "unauthorized")
    limit = settings.max_article_bytes
    if request.content_length is not None and request.content_length > limit:
        return _error(413, f"body is {request.content_length} bytes, over the limit of {limit}", "too_large")
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        return _error(413, f"body is over the limit of {limit} bytes", "too_large")
    ctype = request.content_type.lower()
    client = request.remote or "?"
    origin = f"http:{client}"
    if ctype not in ("application/json", "text/plain", "application/ninjs+json"):
        return _error(415, f"Content-Type {ctype!r} not accepted: use application/json or text/plain",
                      "unsupported_media_type")
    try:
        article = _parse(raw, "text/plain" if ctype == "text/plain" else "application/json", limit, client)
    except StreamsError as exc:
        status = 413 if isinstance(exc, TooLargeError) else 400
        await asyncio.wrap_future(producer.dead_letter(exc, raw, origin=origin))
        return _error(status, str(exc), exc.reason)
    loop = asyncio.get_running_loop()
    # send() may block (back-pressure, broker down): keep the event loop free
    delivery = await loop.run_in_executor(None, lambda: producer.send(article, content_type=ctype, origin=origin))
    await asyncio.wrap_future(delivery)
    return web.json_response({"id": article.id, "status": "accepted"}, status=202)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "pending": request.app[PRODUCER_KEY].pending})


def make_app(settings: Settings, producer: RawProducer) -> web.Application:
    """The aiohttp application (routes ``POST /articles``, ``GET /healthz``)."""
    if not settings.api_key:
        raise ConfigError("HTTP push is disabled while STREAMS_API_KEY is empty: set it to the key clients must send")
    # aiohttp's own body limit is a safety net above ours (ours answers with a clear JSON 413)
    app = web.Application(client_max_size=settings.max_article_bytes + 64 * 1024)
    app[SETTINGS_KEY] = settings
    app[PRODUCER_KEY] = producer
    app.router.add_post("/articles", post_article)
    app.router.add_get("/healthz", healthz)
    return app


class PushServer:
    """Runs the push app on its own event loop in a background thread (for tests and ``streams up``)."""

    def __init__(self, settings: Settings, producer: RawProducer, *, host: str | None = None,
                 port: int | None = None) -> None:
        self.app = make_app(settings, producer)
        self.host = host or settings.http_host
        self.port = settings.http_port if port is None else port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: Any = None

    def start(self) -> int:
        """Start serving; returns the bound port (``port=0`` picks a free one)."""
        import threading  # noqa: PLC0415

        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._start())
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="http-push", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self.port

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = site._server.sockets if site._server is not None else []  # type: ignore[union-attr]
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("HTTP push on http://%s:%d/articles", self.host, self.port)

    def stop(self) -> None:
        if self._loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)  # type: ignore[union-attr]
        fut.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def serve(settings: Settings, producer: RawProducer) -> None:
    """Serve in the foreground until interrupted."""
    web.run_app(make_app(settings, producer), host=settings.http_host, port=settings.http_port,
                access_log=None, print=lambda s: log.info("%s", s))


class HttpPushSource:
    """HTTP push as a :class:`~streams.ingest.sources.base.Source`: a :class:`PushServer` until ``stop()``.

    ``run`` serves on a background thread and returns once ``stop()`` is True and the server is
    down; each request is answered after the broker acknowledged its article. ``port=0`` picks a
    free port (``bound_port`` tells which, once serving).
    """

    def __init__(self, settings: Settings, *, host: str | None = None, port: int | None = None,
                 poll_s: float = 0.2) -> None:
        self.settings, self.host, self.port, self.poll_s = settings, host, port, poll_s
        self.bound_port: int | None = None

    def run(self, producer: RawProducer, stop: Callable[[], bool]) -> None:
        """Serve ``POST /articles`` into ``producer`` until ``stop()`` returns True."""
        server = PushServer(self.settings, producer, host=self.host, port=self.port)
        self.bound_port = server.start()
        try:
            while not stop():
                time.sleep(self.poll_s)
        finally:
            server.stop()
            self.bound_port = None
