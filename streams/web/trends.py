"""The console's Trends page: articles over time per entity and per IPTC topic (small inline SVG bar
charts, drawn on the server: no script), and the busiest stories of the period.

The period ends now, or at ``until``; an empty period links to the one ending at the newest article
(an archive of old wire copy still shows its trends).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from typing import Any, Sequence

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from streams.store.archive import Archive, parse_time
from streams.web.api import ApiError, params
from streams.web.pages import render_page


@dataclass(frozen=True)
class Period:
    """A period of the page: how long, and the width of one bar."""

    length: timedelta
    bucket: timedelta
    bucket_name: str


PERIODS = {
    "day": Period(timedelta(days=1), timedelta(hours=1), "hour"),
    "week": Period(timedelta(days=7), timedelta(hours=6), "6 hours"),
}
#: chart geometry (SVG user units)
CHART_W, CHART_H, GAP = 336, 48, 2
PARAMS = frozenset({"period", "until", "entity", "topic"})
#: a page's counts are reused this long for the same parameters (a week's counts read ~10,000 articles'
#: rows; trends do not change by the second), for at most CACHED pages
CACHE_S = 30.0
CACHED = 128


def bars(counts: Sequence[int], peak: int, start: datetime, width: timedelta) -> list[dict[str, Any]]:
    """One bar per bucket, scaled to ``peak`` (the largest count of the chart group), each with its label."""
    step = CHART_W / max(1, len(counts))
    out = []
    for i, n in enumerate(counts):
        h = 0.0 if not peak else max(1.0 if n else 0.0, round(n / peak * (CHART_H - 1), 1))
        first = start + width * i
        out.append({"x": round(i * step, 1), "y": round(CHART_H - h, 1), "w": round(max(1.0, step - GAP), 1),
                    "h": h, "n": n, "label": f"{n} article{'' if n == 1 else 's'}, {_when(first)} to "
                                            f"{_when(first + width)} UTC"})
    return out


def _when(t: datetime) -> str:
    return t.strftime("%d %b %H:%M")


def _charted(series: list[dict[str, Any]], start: datetime, width: timedelta) -> list[dict[str, Any]]:
    peak = max((max(s["counts"]) for s in series if s["counts"]), default=0)
    for s in series:
        s["bars"] = bars(s["counts"], peak, start, width)
        top = max(range(len(s["counts"])), key=lambda i: s["counts"][i]) if s["counts"] else 0
        s["peak_label"] = s["bars"][top]["label"] if s["bars"] else ""
    return series


class TrendsPage:
    """Builds the Trends page from the archive's trend reads."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._cache: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def cached(self, request: Request) -> dict[str, Any]:
        """:meth:`context`, reused for CACHE_S for the same query (a period ending now included)."""
        key = tuple(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] <= CACHE_S:
                return hit[1]
        context = self.context(request)
        with self._lock:
            self._cache[key] = (now, context)
            while len(self._cache) > CACHED:
                self._cache.pop(next(iter(self._cache)))
        return context

    def context(self, request: Request) -> dict[str, Any]:
        values = params(request, PARAMS)
        name = values.get("period", "day")
        if name not in PERIODS:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"period must be one of {', '.join(PERIODS)}, got {name[:20]!r}")
        period = PERIODS[name]
        until = parse_time(values["until"]) if values.get("until") else datetime.now(timezone.utc)
        buckets = round(period.length / period.bucket)
        start = until - period.bucket * buckets
        entity = values.get("entity", "").strip()[:200]
        topic = values.get("topic", "").strip()[:200]
        entities = self.archive.trend("entity", start, period.bucket, buckets, names=[entity] if entity else ())
        topics = self.archive.trend("topic", start, period.bucket, buckets, names=[topic] if topic else ())
        stories = self.archive.busiest_stories(start, until)
        newest = None if stories else self.archive.newest_published()
        return {
            "period": name, "periods": list(PERIODS), "bucket": period.bucket_name, "entity": entity, "topic": topic,
            "until": values.get("until", ""), "start": start, "end": until,
            "since_param": start.isoformat(timespec="seconds"), "until_param": until.isoformat(timespec="seconds"),
            "entities": _charted(entities, start, period.bucket), "topics": _charted(topics, start, period.bucket),
            "stories": stories, "newest": newest, "chart_w": CHART_W, "chart_h": CHART_H,
        }


def router(archive: Archive, env: Environment) -> APIRouter:
    """The Trends route under ``/console``."""
    page = TrendsPage(archive)
    web = APIRouter(prefix="/console", include_in_schema=False)

    @web.get("/trends")
    def trends(request: Request) -> HTMLResponse:
        return render_page(env, request, "trends.html", lambda: page.cached(request))

    return web
