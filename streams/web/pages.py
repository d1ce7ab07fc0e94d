"""The console's pages, rendered on the server from the archive (Jinja2, every value escaped).

Handlers are plain functions (the server runs each on a worker thread); they ask the archive's
API for what they show and never write SQL of their own.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from streams.core.errors import StorageError, ValidationError
from streams.core.records import entities_of, quotes_of, topics_of
from streams.core.model import headline_of
from streams.store.archive import Archive, Page, SearchQuery
from streams.store.views import PEOPLE_ARTICLES
from streams.web.api import ApiError, SEARCH_PARAMS, params, search_query, whole
from streams.web.feed import LiveFeed
from streams.web.highlight import highlighted_body, speaker_url

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20
LIVE_FIRST = 30
#: facets count over the first this-many matches (one search serves the first pages and the facets)
FACET_SAMPLE = 100
#: a search's facet sample is kept this long, so paging through its results does not redo it
FACET_TTL_S = 30.0
#: the periods of "who is quoted most" (articles stored within them)
WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}
#: a search page counts up to this many matches ("more than 1,000"), as news search engines do: counting
#: stories reads their article rows (10,000 took up to 430 ms under load on the 2-core machine)
COUNT_LIMIT = 1_000
#: and pages through the first this-many (each page past the count is still served while it is full)
PAGE_LIMIT = 10_000
FACET_CACHE = 256
FILTERS = ("entity", "speaker", "topic", "source", "language", "cluster", "since", "until")


def environment() -> Environment:
    """Templates with autoescape on for every file (all of them are HTML)."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["speaker_url"] = speaker_url
    env.filters["query"] = lambda values: urlencode({k: v for k, v in values.items() if v not in (None, "")})
    env.filters["safe_url"] = safe_url
    return env


def safe_url(value: Any) -> str | None:
    """An article's link only when it is http(s): never ``javascript:`` or ``data:``."""
    if not isinstance(value, str):
        return None
    try:
        scheme = urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return None
    return value.strip() if scheme in ("http", "https") else None


def quote_text(body: str, quote: Any) -> str:
    """The quoted words from the body (segments of a mixed quote joined by an ellipsis)."""
    spans = quote.segments or ((quote.start, quote.end),)
    return " … ".join(body[s:e] for s, e in spans if 0 <= s < e <= len(body))


def render_page(env: Environment, request: Request, template: str,
                produce: Callable[[], dict[str, Any]]) -> HTMLResponse:
    """``template`` filled with ``produce()``; a refused request or an archive error renders the error page."""
    status = HTTPStatus.OK
    try:
        context = produce()
    except ApiError as exc:
        status, context, template = exc.status, {"error": str(exc)}, "error.html"
    except ValidationError as exc:
        status, context, template = HTTPStatus.BAD_REQUEST, {"error": str(exc)}, "error.html"
    except StorageError as exc:
        log.error("archive error on %s: %s", request.url.path, exc)
        status, context = HTTPStatus.SERVICE_UNAVAILABLE, {"error": "the archive is unavailable; try again"}
        template = "error.html"
    html = env.get_template(template).render(request=request, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


def error_page(env: Environment, request: Request, status: HTTPStatus, message: str) -> HTMLResponse:
    """The error page saying ``message``, with ``status``."""
    html = env.get_template("error.html").render(request=request, path=request.url.path, error=message)
    return HTMLResponse(html, status_code=status)


class Pages:
    """Renders one page per request; ``page`` turns archive errors into an error page."""

    def __init__(self, archive: Archive, feed: LiveFeed) -> None:
        self.archive = archive
        self.feed = feed
        self.env = environment()
        self._cache: dict[SearchQuery, tuple[float, Page, dict[str, list[dict[str, Any]]]]] = {}
        self._cache_lock = threading.Lock()

    def page(self, request: Request, template: str, produce: Callable[[], dict[str, Any]]) -> HTMLResponse:
        return render_page(self.env, request, template, produce)

    def live(self) -> dict[str, Any]:
        return {"items": self.archive.stored_since(None, limit=LIVE_FIRST), "after": self.feed.last_seq}

    def article(self, article_id: str) -> dict[str, Any]:
        doc = self.archive.article(article_id)
        if doc is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no article {article_id!r}")
        body = doc["article"].get("body_text") or ""
        quotes = [{"index": i, "record": q, "text": quote_text(body, q)} for i, q in enumerate(quotes_of(doc["quotes"]))]
        cluster_id = (doc.get("dedupe") or {}).get("cluster_id")
        copies = self.archive.cluster(cluster_id, limit=PAGE_SIZE) if cluster_id else None
        return {
            "doc": doc, "article": doc["article"], "body": highlighted_body(doc),
            "headline": headline_of(doc["article"].get("headline"), doc.get("provenance")),
            "quotes": quotes, "entities": entities_of(doc.get("entities") or []),
            "topics": sorted(topics_of(doc.get("topics") or []), key=lambda t: -(t.score or 0.0)),
            "cluster_id": cluster_id, "copies": copies, "uri": safe_url(doc["article"].get("uri")),
        }

    def search(self, request: Request) -> dict[str, Any]:
        values = params(request, SEARCH_PARAMS - {"limit"})
        offset = whole(values, "offset", 0)
        if offset > PAGE_LIMIT - PAGE_SIZE:  # deep offsets cost a scan of every skipped row
            raise ApiError(HTTPStatus.BAD_REQUEST, f"the console pages through the first {PAGE_LIMIT:,} results; "
                           "narrow the search with a filter or a time range (the JSON API /articles pages further)")
        form = {k: values.get(k, "") for k in ("q", *FILTERS)}
        query = replace(search_query({k: v for k, v in values.items() if k != "offset"}, default_limit=FACET_SAMPLE),
                        count_limit=COUNT_LIMIT)
        sample, facets = self._facets(query, fresh=offset == 0)  # the first page is always fresh
        beyond = offset >= sample.total and sample.total <= COUNT_LIMIT  # past the last match: empty
        if offset + PAGE_SIZE <= len(sample.results) or beyond:  # a slice of the sample
            total, results = sample.total, sample.results[offset:offset + PAGE_SIZE]
        else:
            page = self.archive.search(replace(query, limit=PAGE_SIZE, offset=offset))
            total, results = page.total, page.results
        return {"form": form, "results": results, "total": min(total, COUNT_LIMIT), "more": total > COUNT_LIMIT,
                "offset": offset, "page_size": PAGE_SIZE, "max_offset": PAGE_LIMIT - PAGE_SIZE,
                "facets": facets, "sampled": len(sample.results), "searched": any(form.values()),
                "ranked": sample.ranked}

    def _facets(self, query: SearchQuery, *, fresh: bool) -> tuple[Page, dict[str, list[dict[str, Any]]]]:
        """The first FACET_SAMPLE matches and their facet counts; later pages of a search read them
        from a short-lived cache (paging stays consistent and cheap)."""
        now = time.monotonic()
        with self._cache_lock:
            hit = self._cache.get(query)
            if hit is not None and not fresh and now - hit[0] < FACET_TTL_S:
                return hit[1], hit[2]
        sample = self.archive.search(query)
        facets = self.archive.facet_counts([r["id"] for r in sample.results])
        with self._cache_lock:
            self._cache[query] = (now, sample, facets)
            while len(self._cache) > FACET_CACHE:
                self._cache.pop(next(iter(self._cache)))
        return sample, facets

    def people(self, request: Request) -> dict[str, Any]:
        values = params(request, frozenset({"window", "topic"}))
        window = values.get("window", "day")
        if window not in WINDOWS:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"window must be one of {', '.join(WINDOWS)}, got {window[:20]!r}")
        since = datetime.now(timezone.utc) - WINDOWS[window]
        topic = values.get("topic", "").strip() or None
        return {"window": window, "windows": list(WINDOWS), "topic": topic or "",
                "speakers": self.archive.top_speakers(since, topic=topic), "max_articles": PEOPLE_ARTICLES}

    def speaker(self, request: Request) -> dict[str, Any]:
        values = params(request, frozenset({"name", "offset"}))
        name = values.get("name", "").strip()
        if not name:
            raise ApiError(HTTPStatus.BAD_REQUEST, "give a speaker's name: /console/speaker?name=Kaja+Kallas")
        offset = whole(values, "offset", 0)
        quotes = self.archive.quotes(name, limit=PAGE_SIZE * 2, offset=offset)
        return {"name": name, "quotes": quotes, "offset": offset, "page_size": PAGE_SIZE * 2}


def router(archive: Archive, feed: LiveFeed) -> APIRouter:
    """The console's routes under ``/console``."""
    pages = Pages(archive, feed)
    web = APIRouter(prefix="/console", include_in_schema=False)

    @web.get("/")
    def live(request: Request) -> HTMLResponse:
        return pages.page(request, "live.html", pages.live)

    @web.get("/live/events")
    async def events(request: Request) -> StreamingResponse:
        last = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
        start = int(last) if last.isdigit() and len(last) < 12 else 0
        return StreamingResponse(feed.stream(start), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @web.get("/article/{article_id:path}")
    def article(request: Request, article_id: str) -> HTMLResponse:
        return pages.page(request, "article.html", lambda: pages.article(article_id))

    @web.get("/search")
    def search(request: Request) -> HTMLResponse:
        return pages.page(request, "search.html", lambda: pages.search(request))

    @web.get("/people")
    def people(request: Request) -> HTMLResponse:
        return pages.page(request, "people.html", lambda: pages.people(request))

    @web.get("/speaker")
    def speaker(request: Request) -> HTMLResponse:
        return pages.page(request, "speaker.html", lambda: pages.speaker(request))

    return web
