"""The ASGI application: the JSON API at ``/`` and the console at ``/console/``, over one archive."""

from __future__ import annotations

import asyncio
import contextlib
import time
from http import HTTPStatus
from typing import Any, AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streams.core.metrics import HTTP_REQUEST_LATENCY
from streams.core.settings import Settings
from streams.store.archive import Archive
from streams.web import alerts_page, api, pages, trends
from streams.web.feed import LiveFeed

#: the console loads nothing from elsewhere (it runs air-gapped) and runs no inline script: an
#: article's text that slipped through escaping still could not execute
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response (pure ASGI: streams stay streams)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, add_headers)


class Timing:
    """Observes each request's time to its last byte in ``streams_http_request_seconds`` (by route
    template, so a label never holds an article id; event streams are left out: they last for hours)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith("/live/events"):
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), [500]

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = scope.get("route")
            label = getattr(route, "path", None) or ("/console/static" if scope["path"].startswith(
                "/console/static/") else "unmatched")
            HTTP_REQUEST_LATENCY.labels(label, f"{status[0] // 100}xx").observe(time.perf_counter() - start)


def create_app(archive: Archive, *, feed: LiveFeed | None = None, settings: Settings | None = None) -> FastAPI:
    """The API and the console over ``archive``. ``settings`` lets the Alerts page read Kafka; the only
    writes are its rule actions, and only when ``settings.console_token`` is set (streams.web.forms)."""
    feed = feed or LiveFeed(archive)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        poller = asyncio.create_task(feed.run(), name="live-feed")
        try:
            yield
        finally:
            feed.close()
            await poller

    app = FastAPI(title="streams archive", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Read-only JSON API over the streams archive (search, articles, quotes, story "
                  "clusters, health), and the newsroom console at /console/.")
    app.state.feed = feed

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
            return api.json_response(exc.status_code, {"error": "read-only API: GET only"}, allow="GET")
        if exc.status_code == HTTPStatus.NOT_FOUND:
            return api.json_response(exc.status_code, {"error": f"no endpoint {request.url.path}; see /"})
        return api.json_response(exc.status_code, {"error": str(exc.detail)}, **(exc.headers or {}))

    app.include_router(api.router(archive))
    app.include_router(pages.router(archive, feed))
    env = pages.environment()
    app.include_router(trends.router(archive, env))
    app.include_router(alerts_page.router(archive, settings, env))
    app.mount("/console/static", StaticFiles(directory=pages.HERE / "static"), name="static")
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Timing)
    return app


def openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI description of the JSON API."""
    return app.openapi()
