"""The read-only JSON API over the archive, on FastAPI (OpenAPI description at ``/openapi.json``).

Endpoints (all ``GET``; every list is paged with ``limit`` (1-500, default 20) and ``offset``
(0-1,000,000,000)):

* ``/articles?q=&entity=&speaker=&topic=&source=&cluster=&language=&since=&until=&all_copies=`` — search
  (``q``: at most 32 words and 1,000 characters); syndicated copies of a story (one dedupe cluster) are one
  result with ``copies`` (how many matched), unless ``all_copies=true``
* ``/articles/{id}`` — one stored enriched article (``?format=ninjs``: as IPTC ninjs 2.2)
* ``/quotes?speaker=&article=&all_copies=`` — quotes, e.g. everything a speaker said (from one copy of each
  story, with ``copies``, unless ``all_copies=true``)
* ``/clusters/{cluster_id}`` — the articles of one dedupe story cluster
* ``/health`` — backend, schema version, article count (on a connection and worker threads of its
  own: never waits behind a search)

Other methods get 405: the API never writes. Bad parameters get 400 with ``{"error": ...}``; an
unknown parameter is refused, not ignored. Handlers are plain functions: the server runs each on a
worker thread, so a long search holds one thread, never the event loop.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any, Callable

import anyio
import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from streams.core.errors import StorageError, StreamsError, ValidationError
from streams.core.ninjs import ninjs_of
from streams.store.archive import MAX_OFFSET, MAX_PAGE, Archive, Page, SearchQuery, parse_time

log = logging.getLogger(__name__)

SEARCH_PARAMS = frozenset({"q", "entity", "speaker", "topic", "source", "cluster", "language", "since", "until",
                           "all_copies", "limit", "offset"})
QUOTE_PARAMS = frozenset({"speaker", "article", "all_copies", "limit", "offset"})
PAGE_PARAMS = frozenset({"limit", "offset"})
ENDPOINTS = ["/articles", "/articles/{id}", "/quotes", "/clusters/{cluster_id}", "/health", "/openapi.json",
             "/console/"]
#: threads of /health's own: a probe never queues behind searches holding every worker thread
HEALTH_THREADS = 2

_LIMIT = Query(None, description=f"page size, a whole number from 1 to {MAX_PAGE} (default 20)")
_OFFSET = Query(None, description=f"results to skip, a whole number from 0 to {MAX_OFFSET} (default 0)")
_ALL_COPIES = Query(None, description="true: every syndicated copy of a story as its own result (default: one "
                    "result per story, with copies)")


class ApiError(StreamsError):
    """A request the API refuses, with its HTTP status."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def params(request: Request, allowed: frozenset[str]) -> dict[str, str]:
    """The query parameters (the last of repeated ones, blank ones dropped); 400 on an unknown one."""
    out: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if value != "":
            out[key] = value
    unknown = sorted(set(out) - allowed)
    if unknown:
        raise ApiError(HTTPStatus.BAD_REQUEST,
                       f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")
    return out


_WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would also take " 1_0 " or "٣"
_BOUNDS = {"limit": (1, MAX_PAGE), "offset": (0, MAX_OFFSET)}


def whole(values: dict[str, str], name: str, default: int) -> int:
    """A paging parameter, or a 400 that gives its range (never a number the database cannot bind)."""
    value = values.get(name)
    if value is None:
        return default
    low, high = _BOUNDS[name]
    if not _WHOLE_NUMBER.fullmatch(value) or not low <= int(value) <= high:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be a whole number from {low} to {high}, got {value[:40]!r}")
    return int(value)


def flag(values: dict[str, str], name: str) -> bool:
    """A yes/no parameter: true/false, 1/0, yes/no (absent: no), or a 400 that says so."""
    value = values.get(name, "false").strip().lower()
    if value not in ("true", "1", "yes", "false", "0", "no"):
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be true or false, got {value[:40]!r}")
    return value in ("true", "1", "yes")


def search_query(values: dict[str, str], *, default_limit: int = 20) -> SearchQuery:
    """The :class:`SearchQuery` of ``/articles`` query parameters."""
    return SearchQuery(
        text=values.get("q"),
        entity=values.get("entity"),
        speaker=values.get("speaker"),
        topic=values.get("topic"),
        source=values.get("source"),
        cluster_id=values.get("cluster"),
        language=values.get("language"),
        all_copies=flag(values, "all_copies"),
        since=parse_time(values["since"]) if "since" in values else None,
        until=parse_time(values["until"]) if "until" in values else None,
        limit=whole(values, "limit", default_limit),
        offset=whole(values, "offset", 0),
    )


def page_body(page: Page) -> dict[str, Any]:
    """A page as JSON, with ``next_offset`` (None on the last page)."""
    out = page.to_dict()
    more = page.offset + len(page.results) < page.total
    out["next_offset"] = page.offset + len(page.results) if more else None
    return out


def json_response(status: int, body: Any, **headers: str) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers or None)


def answer(where: str, produce: Callable[[], Any]) -> Response:
    """Run ``produce`` and answer its JSON, or the error it raised as ``{"error": ...}`` with its status."""
    try:
        return json_response(HTTPStatus.OK, produce())
    except ApiError as exc:
        return json_response(exc.status, {"error": str(exc)})
    except ValidationError as exc:
        return json_response(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
    except StorageError as exc:
        log.error("archive error on %s: %s", where, exc)
        return json_response(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "the archive is unavailable; try again"})
    except Exception:  # a bug must cost one request its answer, never the client its connection
        log.exception("unexpected error on %s", where[:200])
        return json_response(HTTPStatus.INTERNAL_SERVER_ERROR,
                             {"error": "internal error; the server log has the details"})


def router(archive: Archive) -> APIRouter:
    """The JSON API's routes over ``archive``."""
    api = APIRouter(tags=["archive"], default_response_class=Response)
    health_threads = anyio.CapacityLimiter(HEALTH_THREADS)

    @api.get("/", summary="the endpoints")
    def index() -> Response:
        return json_response(HTTPStatus.OK, {"endpoints": ENDPOINTS})

    @api.get("/health", summary="backend, schema version and article count (never waits behind a search)")
    async def health(request: Request) -> Response:
        def probe() -> dict[str, Any]:
            params(request, frozenset())
            return {"status": "ok", **archive.health()}

        return await anyio.to_thread.run_sync(answer, "/health", probe, limiter=health_threads)

    @api.get("/articles", summary="search: full text and filters (AND), newest or most relevant first")
    def articles(request: Request,
                 q: str | None = Query(None, description="full text: words, \"phrases\", or, -exclusions; at most "
                                       "32 words and 1,000 characters"),
                 entity: str | None = Query(None, description="entity name or a mention of it"),
                 speaker: str | None = Query(None, description="resolved quote speaker, or a surname"),
                 topic: str | None = Query(None, description="IPTC media topic code or label"),
                 source: str | None = Query(None, description="original source or provider"),
                 cluster: str | None = Query(None, description="dedupe story cluster id"),
                 language: str | None = Query(None, description="language code, e.g. en"),
                 since: str | None = Query(None, description="published at or after (ISO 8601)"),
                 until: str | None = Query(None, description="published before (ISO 8601)"),
                 all_copies: str | None = _ALL_COPIES,
                 limit: str | None = _LIMIT, offset: str | None = _OFFSET) -> Response:
        return answer("/articles", lambda: page_body(archive.search(search_query(params(request, SEARCH_PARAMS)))))

    @api.get("/articles/{article_id:path}", summary="one stored enriched article")
    def article(request: Request, article_id: str,
                format: str | None = Query(None, description="'ninjs' for an IPTC ninjs 2.2 document with the "
                                           "'streams' extension (docs/ninjs.md); default: the enriched JSON")) -> Response:
        def produce() -> Any:
            values = params(request, frozenset({"format"}))
            form = values.get("format", "contract")
            if form not in ("contract", "ninjs"):
                raise ApiError(HTTPStatus.BAD_REQUEST, f"format must be contract or ninjs, got {form[:40]!r}")
            doc = archive.article(article_id)
            if doc is None:
                raise ApiError(HTTPStatus.NOT_FOUND, f"no article {article_id!r}")
            return ninjs_of(doc) if form == "ninjs" else doc

        return answer(f"/articles/{article_id}", produce)

    @api.get("/quotes", summary="quotes, newest article first, by speaker and/or article")
    def quotes(request: Request,
               speaker: str | None = Query(None, description="resolved speaker name, or a surname"),
               article: str | None = Query(None, description="article id"),
               all_copies: str | None = _ALL_COPIES,
               limit: str | None = _LIMIT, offset: str | None = _OFFSET) -> Response:
        def produce() -> Any:
            values = params(request, QUOTE_PARAMS)
            return page_body(archive.quotes(values.get("speaker"), article_id=values.get("article"),
                                            limit=whole(values, "limit", 20), offset=whole(values, "offset", 0),
                                            all_copies=flag(values, "all_copies")))

        return answer("/quotes", produce)

    @api.get("/clusters/{cluster_id:path}", summary="the articles of one dedupe story cluster, newest first")
    def cluster(request: Request, cluster_id: str, limit: str | None = _LIMIT,
                offset: str | None = _OFFSET) -> Response:
        def produce() -> Any:
            values = params(request, PAGE_PARAMS)
            return page_body(archive.cluster(cluster_id, limit=whole(values, "limit", 50),
                                             offset=whole(values, "offset", 0)))

        return answer(f"/clusters/{cluster_id}", produce)

    return api
