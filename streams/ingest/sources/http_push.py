"""HTTP push: ``POST /articles`` → ``articles.raw``, answered once the broker acknowledged.

- Auth: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>`` (``STREAMS_API_KEY``); 401 otherwise.
- Body: a JSON article (model, ninjs 1.x/2.x or corpus shape) with ``Content-Type: application/json``,
  or one wire text with ``Content-Type: text/plain``.
- Answers: 202 ``{"id": ..., "status": "accepted"}`` after the broker's ack; 400 ``{"error", "reason"}``
  saying what is wrong (the input is also dead-lettered); 400 for a body cut off by the client; 401;
  408 when the body has not arrived within ``BODY_TIMEOUT_S``; 413 over ``STREAMS_MAX_ARTICLE_BYTES``
  (whether announced by ``Content-Length`` or found while reading a chunked body); 415 for other
  content types. ``GET /healthz`` answers 200.

Binds ``STREAMS_HTTP_HOST:STREAMS_HTTP_PORT`` (127.0.0.1:8080 by default).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Any, Callable

from aiohttp import web
from aiohttp.http_exceptions import PayloadEncodingError

from streams.core.errors import ConfigError, StreamsError, TooLargeError
from streams.core.model import Article
from streams.core.settings import Settings
from streams.ingest.formats import article_from_record, article_from_text, parse_json
from streams.ingest.producer import RawProducer

log = logging.getLogger(__name__)

PRODUCER_KEY = web.AppKey("producer", RawProducer)
SETTINGS_KEY = web.AppKey("settings", Settings)
BODY_TIMEOUT_KEY = web.AppKey("body_timeout_s", float)
#: seconds a client has to send its whole body: a 1 MiB article takes well under a second on any
#: link a wire service uses, and a client trickling bytes must not hold a handler (and memory) for long
BODY_TIMEOUT_S = 30.0


class BodyError(StreamsError):
    """The request body could not be read whole: the HTTP status and the JSON error to answer."""

    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(message, reason=reason)
        self.status = status


def _authorized(request: web.Request, key: str) -> bool:
    given = request.headers.get("X-API-Key", "")
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        given = auth[7:].strip()
    return bool(given) and hmac.compare_digest(given.encode(), key.encode())


def _error(status: int, message: str, reason: str) -> web.Response:
    return web.json_response({"error": message, "reason": reason}, status=status)


async def _read_up_to(request: web.Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    # read(n) returns what has arrived so far (one chunk of a chunked body): loop to the end
    while size <= limit:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def read_body(request: web.Request, limit: int, timeout_s: float) -> bytes:
    """The whole request body (``Content-Length`` or chunked, decoded), or :class:`BodyError`.

    Over ``limit`` bytes → 413 without reading further; not complete within ``timeout_s`` → 408;
    cut off by the client → 400.
    """
    if request.content_length is not None and request.content_length > limit:
        raise BodyError(413, f"body is {request.content_length} bytes, over the limit of {limit}", "too_large")
    try:
        raw = await asyncio.wait_for(_read_up_to(request, limit), timeout_s)
    except asyncio.TimeoutError:
        raise BodyError(408, f"the request body did not arrive whole within {timeout_s:g} s; send it again",
                        "body_timeout") from None
    except PayloadEncodingError as exc:  # a broken chunked or compressed encoding, or a body cut short
        raise BodyError(400, f"the request body is not readable whole ({exc.message}); send it again",
                        "incomplete_body") from None
    if len(raw) > limit:
        raise BodyError(413, f"body is over the limit of {limit} bytes", "too_large")
    return raw


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
    try:
        raw = await read_body(request, limit, request.app[BODY_TIMEOUT_KEY])
    except BodyError as exc:
        answer = _error(exc.status, str(exc), exc.reason)
        if exc.status != 413:
            # a stalled or broken body: answer and close now; aiohttp would otherwise linger up to
            # 10 s reading the rest of the body (a 413's client keeps that, to read its answer)
            await answer.prepare(request)
            await answer.write_eof()
            request.protocol.force_close()
        return answer
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


def make_app(settings: Settings, producer: RawProducer, *, body_timeout_s: float = BODY_TIMEOUT_S) -> web.Application:
    """The aiohttp application (routes ``POST /articles``, ``GET /healthz``)."""
    if not settings.api_key:
        raise ConfigError("HTTP push is disabled while STREAMS_API_KEY is empty: set it to the key clients must send")
    # aiohttp's own body limit is a safety net above ours (ours answers with a clear JSON 413)
    app = web.Application(client_max_size=settings.max_article_bytes + 64 * 1024)
    app[SETTINGS_KEY] = settings
    app[PRODUCER_KEY] = producer
    app[BODY_TIMEOUT_KEY] = body_timeout_s
    app.router.add_post("/articles", post_article)
    app.router.add_get("/healthz", healthz)
    return app


class PushServer:
    """Runs the push app on its own event loop in a background thread (for tests and ``streams up``)."""

    def __init__(self, settings: Settings, producer: RawProducer, *, host: str | None = None,
                 port: int | None = None, body_timeout_s: float = BODY_TIMEOUT_S) -> None:
        self.app = make_app(settings, producer, body_timeout_s=body_timeout_s)
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
