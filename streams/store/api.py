"""A small read-only JSON API over the archive (stdlib ``http.server``, one thread per request).

Endpoints (all ``GET``; every list is paged with ``limit`` (1-500, default 20) and ``offset``
(0-1,000,000,000)):

* ``/articles?q=&entity=&speaker=&topic=&source=&cluster=&language=&since=&until=&all_copies=`` — search
  (``q``: at most 32 words and 1,000 characters); syndicated copies of a story (one dedupe cluster) are one
  result with ``copies`` (how many matched), unless ``all_copies=true``
* ``/articles/{id}`` — one stored enriched article
* ``/quotes?speaker=&article=&all_copies=`` — quotes, e.g. everything a speaker said (from one copy of each
  story, with ``copies``, unless ``all_copies=true``)
* ``/clusters/{cluster_id}`` — the articles of one dedupe story cluster
* ``/health`` — backend, schema version, article count (on a connection of its own: never
  waits behind a search)

Other methods get 405: the API never writes. Bad parameters get 400 with ``{"error": ...}``.
"""

from __future__ import annotations

import logging
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

from streams.core.errors import StorageError, StreamsError, ValidationError
from streams.store.archive import MAX_OFFSET, MAX_PAGE, Archive, Page, SearchQuery, parse_time

log = logging.getLogger(__name__)

SEARCH_PARAMS = frozenset({"q", "entity", "speaker", "topic", "source", "cluster", "language", "since", "until",
                           "all_copies", "limit", "offset"})
QUOTE_PARAMS = frozenset({"speaker", "article", "all_copies", "limit", "offset"})
PAGE_PARAMS = frozenset({"limit", "offset"})


class ApiError(StreamsError):
    """A request the API refuses, with its HTTP status."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def _params(query: str, allowed: frozenset[str]) -> dict[str, str]:
    raw = parse_qs(query, keep_blank_values=False)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")
    return {k: v[-1] for k, v in raw.items()}


_WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would also take " 1_0 " or "٣"
_BOUNDS = {"limit": (1, MAX_PAGE), "offset": (0, MAX_OFFSET)}


def _int(params: dict[str, str], name: str, default: int) -> int:
    """A paging parameter, or a 400 that gives its range (never a number the database cannot bind)."""
    value = params.get(name)
    if value is None:
        return default
    low, high = _BOUNDS[name]
    if not _WHOLE_NUMBER.fullmatch(value) or not low <= int(value) <= high:
        raise ApiError(HTTPStatus.BAD_REQUEST,
                       f"{name} must be a whole number from {low} to {high}, got {value[:40]!r}")
    return int(value)


def _flag(params: dict[str, str], name: str) -> bool:
    """A yes/no parameter: true/false, 1/0, yes/no (absent: no), or a 400 that says so."""
    value = params.get(name, "false").strip().lower()
    if value not in ("true", "1", "yes", "false", "0", "no"):
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be true or false, got {value[:40]!r}")
    return value in ("true", "1", "yes")


def search_query(params: dict[str, str]) -> SearchQuery:
    """The :class:`SearchQuery` of ``/articles`` query parameters."""
    return SearchQuery(
        text=params.get("q"),
        entity=params.get("entity"),
        speaker=params.get("speaker"),
        topic=params.get("topic"),
        source=params.get("source"),
        cluster_id=params.get("cluster"),
        language=params.get("language"),
        since=parse_time(params["since"]) if "since" in params else None,
        until=parse_time(params["until"]) if "until" in params else None,
        all_copies=_flag(params, "all_copies"),
        limit=_int(params, "limit", 20),
        offset=_int(params, "offset", 0),
    )


def _page(page: Page) -> dict[str, Any]:
    out = page.to_dict()
    more = page.offset + len(page.results) < page.total
    out["next_offset"] = page.offset + len(page.results) if more else None
    return out


class ArchiveApi:
    """Routes a path and query string to the archive; returns (status, JSON body)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def handle(self, target: str) -> tuple[HTTPStatus, Any]:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        try:
            return HTTPStatus.OK, self._route(path, parts.query)
        except ApiError as exc:
            return exc.status, {"error": str(exc)}
        except ValidationError as exc:
            return HTTPStatus.BAD_REQUEST, {"error": str(exc)}
        except StorageError as exc:
            log.error("archive error on %s: %s", path, exc)
            return HTTPStatus.SERVICE_UNAVAILABLE, {"error": "the archive is unavailable; try again"}
        except Exception:  # a bug must cost one request its answer, never the client its connection
            log.exception("unexpected error on %s", target[:200])
            return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error; the server log has the details"}

    def _route(self, path: str, query: str) -> Any:
        if path == "/":
            return {"endpoints": ["/articles", "/articles/{id}", "/quotes", "/clusters/{cluster_id}", "/health"]}
        if path == "/health":
            _params(query, frozenset())
            return {"status": "ok", **self.archive.health()}  # never waits behind a search
        if path == "/articles":
            return _page(self.archive.search(search_query(_params(query, SEARCH_PARAMS))))
        if path.startswith("/articles/"):
            _params(query, frozenset())
            article_id = unquote(path[len("/articles/"):])
            doc = self.archive.article(article_id)
            if doc is None:
                raise ApiError(HTTPStatus.NOT_FOUND, f"no article {article_id!r}")
            return doc
        if path == "/quotes":
            params = _params(query, QUOTE_PARAMS)
            return _page(self.archive.quotes(params.get("speaker"), article_id=params.get("article"),
                                             limit=_int(params, "limit", 20), offset=_int(params, "offset", 0),
                                             all_copies=_flag(params, "all_copies")))
        if path.startswith("/clusters/"):
            params = _params(query, PAGE_PARAMS)
            cluster_id = unquote(path[len("/clusters/"):])
            return _page(self.archive.cluster(cluster_id, limit=_int(params, "limit", 50),
                                              offset=_int(params, "offset", 0)))
        raise ApiError(HTTPStatus.NOT_FOUND, f"no endpoint {path}; see /")


def _handler_class(api: ArchiveApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "streams-archive"

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            status, body = api.handle(self.path)
            self._send(status, body)

        def _refuse(self) -> None:
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "read-only API: GET only"}, allow="GET")

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

        def _send(self, status: HTTPStatus, body: Any, **headers: str) -> None:
            payload = orjson.dumps(body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name.capitalize(), value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting: nobody to answer
                log.debug("client %s left before its answer", self.address_string())

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server signature
            log.debug("%s - %s", self.address_string(), format % args)

    return Handler


class ArchiveServer:
    """The API on ``host:port`` (port 0 picks a free one), served from a background thread."""

    def __init__(self, archive: Archive, host: str = "127.0.0.1", port: int = 0) -> None:
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(ArchiveApi(archive)))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def start(self) -> "ArchiveServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="archive-api", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        if on_ready is not None:
            on_ready(self.url)
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
