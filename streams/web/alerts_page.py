"""The console's Alerts page: the rules, the newest alerts with their delivery status, and the dead
letters by stage and reason, read from Kafka (:mod:`streams.alerts.activity`, cached a few seconds).

With the operator's token (:mod:`streams.web.forms`) it also adds rules (a rule document, as in a rule
file), disables and enables them, and tests a rule on the newest archived articles (as ``streams alerts
test`` does; nothing is written). Without ``STREAMS_CONSOLE_TOKEN`` the page is read-only.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from http import HTTPStatus
from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool

from streams.alerts.activity import FIRINGS, LETTERS_PER_PARTITION, Activity, read_activity
from streams.alerts.files import parse_document
from streams.alerts.guard import AllowList, Guard
from streams.alerts.matcher import put_rule
from streams.alerts.model import Rule
from streams.alerts.trial import evidence, try_rules
from streams.core.errors import DestinationRefused, StreamsError, ValidationError
from streams.core.model import EnrichedArticle
from streams.core.settings import Settings
from streams.kafka.clients import bootstrap_reachable
from streams.store.archive import Archive, SearchQuery
from streams.web.api import ApiError, params
from streams.web.forms import authorize, read_form, writes_enabled
from streams.web.pages import error_page, render_page

#: what the page read from Kafka is shown as it is for this long (a read opens clients, seeks partitions
#: and asks for the delivery groups' offsets: about half a second)...
CACHE_S = 5.0
#: ...then, up to this age, shown while a background read refreshes it; older, the request reads Kafka
MAX_STALE_S = 60.0
TRIAL_ARTICLES = 500
MAX_TRIAL_ARTICLES = 2_000
TRIAL_PAGE = 500
NOTICES = {"added": "Rule {} added.", "disabled": "Rule {} disabled: it fires no more alerts until enabled.",
           "enabled": "Rule {} enabled."}


class AlertsPage:
    """The page's reads (cached) and its write actions."""

    def __init__(self, archive: Archive, settings: Settings | None) -> None:
        self.archive = archive
        self.settings = settings
        self._lock = threading.Lock()
        self._cached: tuple[float, Activity] | None = None
        self._refreshing = False

    def activity(self) -> Activity | None:
        """What Kafka holds, read at most CACHE_S ago, or up to MAX_STALE_S ago while it is read again."""
        if self.settings is None:
            return None
        with self._lock:
            age = time.monotonic() - self._cached[0] if self._cached else None
            if age is not None and age <= CACHE_S:
                return self._cached[1] if self._cached else None
            if age is not None and age <= MAX_STALE_S:
                if not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, name="console-alerts", daemon=True).start()
                return self._cached[1] if self._cached else None
        return self._refresh()

    def _refresh(self) -> Activity:
        assert self.settings is not None
        try:
            activity = read_activity(self.settings)
            with self._lock:
                self._cached = (time.monotonic(), activity)
            return activity
        finally:
            with self._lock:
                self._refreshing = False

    def forget(self) -> None:
        with self._lock:
            self._cached = None

    def context(self, request: Request | None = None, **extra: Any) -> dict[str, Any]:
        notice = ""
        if request is not None:
            values = params(request, frozenset(NOTICES))
            notice = " ".join(NOTICES[k].format(v[:200]) for k, v in values.items())
        act = self.activity()
        return {
            "activity": act, "rules": act.rules if act else [], "firings": act.firings if act else [],
            "targets": act.targets if act else [], "letter_counts": act.letter_counts if act else [],
            "letters": act.letters if act else [], "letters_scanned": act.letters_scanned if act else 0,
            "writes": writes_enabled(self.settings), "notice": notice, "trial": None, "rule_text": "",
            "trial_articles": TRIAL_ARTICLES, "max_trial": MAX_TRIAL_ARTICLES, "max_firings": FIRINGS,
            "max_letters": LETTERS_PER_PARTITION, **extra,
        }

    # -- write actions (authorized by the caller) ---------------------------------------------------
    def add(self, form: dict[str, str]) -> str:
        """Add (or replace) the rules of the form's document; returns where to go next."""
        rules = _document(form)
        settings = self._kafka()
        guard = Guard(AllowList.parse(settings.webhook_allow))
        for rule in rules:
            if rule.webhook:
                try:
                    guard.check_url(rule.webhook)
                except DestinationRefused as exc:
                    raise ApiError(HTTPStatus.BAD_REQUEST, f"rule {rule.id}: webhook refused: {exc}") from None
        for rule in rules:
            put_rule(settings, rule)
        self.forget()
        return "/console/alerts?" + urlencode({"added": ", ".join(r.id for r in rules)})

    def set_disabled(self, form: dict[str, str], disabled: bool) -> str:
        """Disable or enable the rule ``rule_id`` (the rule is kept; the matcher skips a disabled one)."""
        rule = self._current(form.get("rule_id", ""))
        put_rule(self._kafka(), dataclasses.replace(rule, disabled=disabled))
        self.forget()
        return "/console/alerts?" + urlencode({"disabled" if disabled else "enabled": rule.id})

    def trial(self, form: dict[str, str]) -> dict[str, Any]:
        """The page with what the form's rule (or rule ``rule_id``) would have fired on the newest articles."""
        rules = [self._current(form["rule_id"])] if form.get("rule_id") else _document(form)
        try:
            limit = int(form.get("articles") or TRIAL_ARTICLES)
        except ValueError:
            raise ApiError(HTTPStatus.BAD_REQUEST, "articles must be a whole number") from None
        if not 1 <= limit <= MAX_TRIAL_ARTICLES:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"test on 1 to {MAX_TRIAL_ARTICLES:,} articles")
        result = try_rules(rules, self._newest_articles(limit))
        outcomes = [{"rule": o.rule.name, "article_id": o.article.id, "headline": o.article.display_headline,
                     "published": o.article.article.versioncreated or o.article.article.received_at,
                     "fires": o.fires, "evidence": [evidence(h) for h in o.found.hits]} for o in result.outcomes]
        trial = {"rules": rules, "checked": result.checked, "fired": len(result.fired()), "outcomes": outcomes}
        return self.context(trial=trial, rule_text=form.get("rule", ""), trial_articles=limit)

    def _newest_articles(self, limit: int) -> list[EnrichedArticle]:
        """The newest ``limit`` archived articles (every copy), oldest first, as the stream saw them."""
        ids: list[str] = []
        while len(ids) < limit:
            page = self.archive.search(SearchQuery(all_copies=True, limit=min(TRIAL_PAGE, limit - len(ids)),
                                                   offset=len(ids)))
            ids += [r["id"] for r in page.results]
            if not page.results or len(ids) >= page.total:
                break
        docs = (self.archive.article(i) for i in reversed(ids))
        return [EnrichedArticle.from_dict(d) for d in docs if d is not None]

    def _current(self, rule_id: str) -> Rule:
        self.forget()
        act = self.activity()
        found = {r.id: r for r in (act.rules if act else [])}
        if rule_id not in found:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no rule {rule_id[:80]!r}; the Rules table lists them")
        return found[rule_id]

    def _kafka(self) -> Settings:
        assert self.settings is not None  # authorize() refuses every write without settings
        if not bootstrap_reachable(self.settings.bootstrap):
            raise ApiError(HTTPStatus.SERVICE_UNAVAILABLE, f"no Kafka broker answers at {self.settings.bootstrap}; "
                           "the rule was not written (start Kafka, then send the form again)")
        return self.settings


def _document(form: dict[str, str]) -> list[Rule]:
    text = form.get("rule", "").strip()
    if not text:
        raise ApiError(HTTPStatus.BAD_REQUEST, "write a rule in the Rule field (YAML or JSON, as in a rule file)")
    fmt = "json" if text.startswith(("{", "[")) else "yaml"
    return parse_document(text, fmt=fmt, where="rule")


def router(archive: Archive, settings: Settings | None, env: Environment) -> APIRouter:
    """The Alerts page and its write actions under ``/console/alerts``."""
    page = AlertsPage(archive, settings)
    web = APIRouter(prefix="/console/alerts", include_in_schema=False)

    @web.get("")
    def alerts(request: Request) -> HTMLResponse:
        return render_page(env, request, "alerts.html", lambda: page.context(request))

    async def write(request: Request, action: Callable[[dict[str, str]], Any]) -> Response:
        """Authorize the form, then run ``action(form)`` on a worker thread: it returns the URL to go to
        next, or the page to show."""
        try:
            form = await read_form(request)
            authorize(settings, request, form)
            result = await run_in_threadpool(action, form)
        except ApiError as exc:
            return error_page(env, request, exc.status, str(exc))
        except ValidationError as exc:
            return error_page(env, request, HTTPStatus.BAD_REQUEST, str(exc))
        except StreamsError as exc:  # Kafka did not take the write
            return error_page(env, request, HTTPStatus.SERVICE_UNAVAILABLE, f"nothing was written: {exc}")
        if isinstance(result, str):
            return RedirectResponse(result, status_code=HTTPStatus.SEE_OTHER)
        return render_page(env, request, "alerts.html", lambda: result)

    @web.post("/rules")
    async def add(request: Request) -> Response:
        return await write(request, page.add)

    @web.post("/rules/disable")
    async def disable(request: Request) -> Response:
        return await write(request, lambda form: page.set_disabled(form, True))

    @web.post("/rules/enable")
    async def enable(request: Request) -> Response:
        return await write(request, lambda form: page.set_disabled(form, False))

    @web.post("/test")
    async def test(request: Request) -> Response:
        return await write(request, page.trial)

    return web
