"""RSS 2.0 / Atom / RDF feeds: safe fetching, safe parsing, and a polling loop that sends new items.

Fetching (httpx): connect/read timeouts and a total deadline per fetch (:data:`FETCH_DEADLINE_S`, a
server trickling bytes is cut off), at most :data:`MAX_REDIRECTS` redirects, a cap on the bytes on the
wire and another on the decoded bytes (a gzip bomb stops at the cap), conditional GET with
``ETag``/``Last-Modified``. Parsing: the document is checked with defusedxml first (entity
declarations and external references are refused: billion laughs, XXE), then feedparser reads the
*bytes* (never a URL or file name, so it cannot fetch anything itself).

Each entry becomes an :class:`~streams.core.model.Article` with the fullest text the feed carries
(``content:encoded``/Atom content, else the summary; HTML is turned into text). Linked pages are
fetched with trafilatura only when asked (``fetch_linked=True``) and installed.
"""

from __future__ import annotations

import calendar
import hashlib
import heapq
import logging
import random
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx

from streams import __version__
from streams.core import metrics
from streams.core.errors import ConfigError, DecodeError, StreamsError, TooLargeError
from streams.core.model import Article, utcnow_iso
from streams.core.retry import retry_delay
from streams.core.settings import Settings
from streams.ingest.formats import check_size
from streams.ingest.sources.feed_xml import (  # noqa: F401  (check_xml_safe, FeedRejected: this module's API)
    FeedRejected,
    check_xml_safe,
    entry_body,
    entry_language,
    entry_title,
    parse_feed,
)
from streams.ingest.identity import article_id, iso_datetime, provenance_from_text
from streams.ingest.producer import RawProducer
from streams.ingest.seen import SeenStore, item_key
from streams.ingest.sources.deadline import Deadline

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
MAX_FEED_WIRE_BYTES = 10 * 1024 * 1024  # compressed, as received
MAX_FEED_BYTES = 20 * 1024 * 1024  # decoded
FETCH_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
#: the whole of one fetch (connect, headers, body, redirects) must be done within this many seconds
FETCH_DEADLINE_S = 60.0
DEFAULT_INTERVAL_S = 300.0
MAX_BACKOFF_S = 3600.0
MAX_TTL_S = 6 * 3600.0  # a feed's <ttl> may slow polling down to this, not further
USER_AGENT = f"streams-ingest/{__version__} (+news pipeline; polite polling with conditional GET)"


class FetchError(StreamsError):
    """A feed could not be fetched (network, HTTP status); the poller backs off and retries."""

    reason = "fetch_failed"


class FeedsFailed(StreamsError):
    """A one-shot run in which feeds could not be read; the message names each feed and its cause."""

    reason = "feed_failed"


@dataclass
class FetchResult:
    """One fetch: ``body`` is None when the server answered 304 Not Modified."""

    body: bytes | None
    status: int
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    url: str = ""


def fetch_feed(client: httpx.Client, url: str, *, etag: str | None = None, last_modified: str | None = None,
               max_wire_bytes: int = MAX_FEED_WIRE_BYTES, max_bytes: int = MAX_FEED_BYTES,
               deadline_s: float = FETCH_DEADLINE_S) -> FetchResult:
    """GET ``url`` conditionally, refusing bodies over the wire/decoded caps (TooLargeError).

    The whole fetch must be done within ``deadline_s`` seconds (FetchError otherwise); ``client``
    should come from :func:`make_client` (no keep-alive, so the deadline can cut every connection).
    """
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, "
               "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = Deadline(deadline_s)
    try:
        with deadline, client.stream("GET", url, headers=headers, extensions={"trace": deadline.trace}) as resp:
            if resp.status_code == 304:
                return FetchResult(None, 304, etag, last_modified, url=str(resp.url))
            if resp.status_code >= 400:
                raise FetchError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}".rstrip())
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_wire_bytes:
                raise TooLargeError(f"{url}: Content-Length {declared} is over the cap of {max_wire_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                if deadline.expired:
                    raise _too_slow(url, deadline_s)
                size += len(chunk)
                if resp.num_bytes_downloaded > max_wire_bytes:
                    raise TooLargeError(f"{url}: more than {max_wire_bytes} bytes on the wire")
                if size > max_bytes:
                    raise TooLargeError(f"{url}: decodes to more than {max_bytes} bytes "
                                        f"({resp.num_bytes_downloaded} received): a compression bomb?")
                chunks.append(chunk)
            return FetchResult(b"".join(chunks), resp.status_code, resp.headers.get("etag"),
                               resp.headers.get("last-modified"), resp.headers.get("content-type"), str(resp.url))
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from exc
    except (httpx.HTTPError, zlib.error) as exc:
        if deadline.expired:  # the deadline cut the connection: report that, not the broken read
            raise _too_slow(url, deadline_s) from exc
        if isinstance(exc, httpx.DecodingError):
            raise DecodeError(f"{url}: content encoding is broken: {exc}") from exc
        raise FetchError(describe_fetch_error(url, exc)) from exc


def _too_slow(url: str, deadline_s: float) -> FetchError:
    return FetchError(f"{url}: no complete answer within {deadline_s:g} s (the total time allowed for one fetch); "
                      "the server is too slow or trickles its answer")


def describe_fetch_error(url: str, exc: BaseException) -> str:
    """A message naming the feed and the cause in words (unknown host, refused, timed out)."""
    text = str(exc) or type(exc).__name__
    host = httpx.URL(url).host
    if isinstance(exc, httpx.ConnectError):
        if any(s in text for s in ("Name or service not known", "nodename nor servname", "No address associated",
                                   "Temporary failure in name resolution", "getaddrinfo")):
            return f"{url}: unknown host {host!r} (the name does not resolve: {text}); check the feed's URL"
        if "refused" in text.lower():
            return f"{url}: connection to {host} refused (nothing listens there: {text})"
        return f"{url}: cannot connect to {host}: {text}"
    if isinstance(exc, httpx.TimeoutException):
        return f"{url}: timed out ({type(exc).__name__}: {text})"
    return f"{url}: {type(exc).__name__}: {text}"


def read_feed_file(path: Path, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """A feed document from disk, refusing files over the cap."""
    with open(path, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise TooLargeError(f"{path}: feed file over the cap of {max_bytes} bytes")
    return raw


def entry_identity(entry: Any) -> tuple[str | None, str | None]:
    """(GUID, link) of an entry; feedparser puts the RSS guid / Atom id in ``id``."""
    guid = entry.get("id") if isinstance(entry.get("id"), str) else None
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    return (guid or None), (link or None)


def _struct_iso(entry: Any) -> str | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if value:
            return iso_datetime(calendar.timegm(value))
    return None


def entry_to_article(entry: Any, *, feed_url: str, feed_title: str | None, max_bytes: int,
                     body: str | None = None, feed: Any = None, charset_note: str | None = None) -> Article:
    """One feed entry → Article. Raises ValidationError (``empty_body``) when it carries no text.

    An item with a title but no text (a headline-only feed, common for breaking news) becomes an
    article whose text is its title, marked ``profile="headline-only"``.
    """
    from streams.core.errors import ValidationError  # noqa: PLC0415

    text = body if body is not None else entry_body(entry)
    title = entry_title(entry)
    profile = None
    if text is None:
        if title is None:
            raise ValidationError("the entry carries no text (no content, no summary, no title)",
                                  field="body_text", reason="empty_body")
        text, profile = title, "headline-only"
    check_size(text, max_bytes, "the entry text")
    guid, link = entry_identity(entry)
    prov = provenance_from_text(text)
    source_el = entry.get("source") or {}
    altids = {"feed": feed_url}
    if guid:
        altids["guid"] = guid
    if link:
        altids["url"] = link
    if charset_note:
        altids["charset_note"] = charset_note[:200]
    return Article(
        id=article_id(namespace=feed_url, identifier=guid or link, body=text),
        body_text=text,
        uri=link,
        headline=title,
        language=entry_language(entry, feed),
        versioncreated=_struct_iso(entry) or prov.date,
        byline=entry.get("author") or None,
        located=prov.located,
        provider=prov.provider or (feed_title or None),
        source=prov.source or (source_el.get("title") if isinstance(source_el, dict) else None),
        profile=profile,
        altids=altids,
        received_at=utcnow_iso(),
    )


def require_trafilatura() -> Any:
    """The optional trafilatura module, or a ConfigError that says how to install it."""
    try:
        import trafilatura  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError("--fetch-linked needs the optional package trafilatura: "
                          ".venv/bin/pip install -e '.[fulltext]' (or: pip install trafilatura)") from exc
    return trafilatura


def fetch_linked_text(url: str, client: httpx.Client) -> str | None:
    """The main text of a linked page via trafilatura (optional dependency)."""
    trafilatura = require_trafilatura()
    result = fetch_feed(client, url, max_wire_bytes=MAX_FEED_WIRE_BYTES, max_bytes=MAX_FEED_BYTES)
    if not result.body:
        return None
    return trafilatura.extract(result.body.decode("utf-8", "replace"), url=url, include_comments=False)


# --- polling -----------------------------------------------------------------------------------


@dataclass
class FeedState:
    """Per-feed polling state: conditional-GET validators, failures and the next due time."""

    url: str
    interval_s: float = DEFAULT_INTERVAL_S
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_due: float = 0.0
    polls: int = 0
    last_error: str | None = None
    base_interval_s: float | None = None  # the configured interval, before a feed's <ttl>
    dead_lettered_failure: str | None = None  # the failure whose dead letter was written; reset on success

    @property
    def is_file(self) -> bool:
        return not self.url.lower().startswith(("http://", "https://"))


@dataclass
class PollResult:
    """What one poll of one feed did."""

    url: str
    status: str  # ok | not_modified | failed | rejected
    new: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    error: str | None = None


@dataclass
class FeedPoller:
    """Polls feeds and sends new items through a :class:`RawProducer`, remembering them as seen."""

    producer: RawProducer
    seen: SeenStore
    max_article_bytes: int
    client: httpx.Client = field(default_factory=lambda: make_client())
    fetch_linked: bool = False
    rng: random.Random = field(default_factory=random.Random)
    once: bool = False  # one-shot: a failure is final (no "next try in ..."), the caller reports it

    def poll(self, state: FeedState) -> PollResult:
        """Fetch and process one feed once; never raises for bad feeds (it logs and dead-letters)."""
        state.polls += 1
        try:
            if state.is_file:
                raw, ctype, base = read_feed_file(Path(state.url)), None, None
            else:
                result = fetch_feed(self.client, state.url, etag=state.etag, last_modified=state.last_modified)
                if result.body is None:
                    self._succeeded(state)
                    return PollResult(state.url, "not_modified")
                raw, ctype, base = result.body, result.content_type, result.url
                state.etag, state.last_modified = result.etag, result.last_modified
        except FetchError as exc:
            return self._failed(state, exc)
        except TooLargeError as exc:  # a bomb or a runaway document: keep evidence, back off
            return self._failed(state, exc, rejected=True, dead_lettered=self._dead_letter_once(state, exc, b""))
        except OSError as exc:
            return self._failed(state, FetchError(f"{state.url}: {exc}"))
        try:
            parsed = parse_feed(raw, content_type=ctype, base_url=base)
        except Exception as exc:  # noqa: BLE001  one feed's bad document must never stop the others
            error = exc if isinstance(exc, StreamsError) else DecodeError(
                f"the feed could not be parsed ({type(exc).__name__}: {exc})", reason="not_a_feed")
            state.etag = state.last_modified = None  # the document was refused: fetch it whole next time
            return self._failed(state, error, rejected=True,
                                dead_lettered=self._dead_letter_once(state, error, raw))
        if parsed.get("charset_note"):
            log.warning("feed %s: %s", state.url, parsed["charset_note"])
            metrics.FEED_CHARSET_PROBLEMS.inc()
        self._apply_ttl(state, parsed)
        self.seen.refresh()
        outcome = self._send_entries(state, parsed, raw)
        self._succeeded(state)
        return outcome

    def _send_entries(self, state: FeedState, parsed: Any, raw: bytes) -> PollResult:
        outcome = PollResult(state.url, "ok")
        feed_title = parsed.feed.get("title") if parsed.feed else None
        for entry in parsed.entries:
            guid, link = entry_identity(entry)
            body = entry_body(entry)
            try:
                key = item_key(state.url, guid=guid, link=link, body=body)
            except ValueError:  # no guid, no link, no text: nothing to identify it by
                key = None
            if key is not None and not self.seen.claim(key):
                outcome.duplicates += 1
                self.producer.summary.add_duplicate()
                metrics.INGEST_DUPLICATES.labels(self.producer.source_kind).inc()
                continue
            try:
                if self.fetch_linked and link:
                    body = self._linked_text(link) or body
                article = entry_to_article(entry, feed_url=state.url, feed_title=feed_title,
                                           max_bytes=self.max_article_bytes, body=body, feed=parsed.feed,
                                           charset_note=parsed.get("charset_note"))
            except StreamsError as exc:
                # remembered once its dead letter is acked: not dead-lettered again on every poll
                remember = (lambda k=key: self.seen.mark(k, "dead-letter")) if key is not None else None
                self.producer.dead_letter(exc, _entry_bytes(entry), origin=f"{state.url}#{guid or link or '?'}",
                                          on_acked=remember)
                outcome.dead_lettered += 1
                continue
            self.producer.send(article, content_type="application/rss+xml", origin=state.url,
                               on_acked=_marker(self.seen, key))
            outcome.new += 1
        return outcome

    def _linked_text(self, link: str) -> str | None:
        """The linked page's main text; on failure the feed's own text is used (logged, not dead-lettered)."""
        try:
            return fetch_linked_text(link, self.client)
        except ConfigError:
            raise
        except StreamsError as exc:
            log.warning("linked page %s: %s; using the text the feed carries", link, exc)
            return None

    @staticmethod
    def _apply_ttl(state: FeedState, parsed: Any) -> None:
        """Honour an RSS ``<ttl>`` (minutes) longer than the configured interval: per-feed politeness."""
        ttl = str((parsed.feed or {}).get("ttl", "")).strip()
        if state.base_interval_s is None:
            state.base_interval_s = state.interval_s
        if ttl.isdigit():
            state.interval_s = min(MAX_TTL_S, max(state.base_interval_s, int(ttl) * 60.0))

    def _dead_letter_once(self, state: FeedState, exc: StreamsError, raw: bytes) -> bool:
        """Dead-letter a refused document unless the last poll's dead letter was the same failure."""
        failure = f"{exc.reason}:{hashlib.sha256(raw).hexdigest()}"
        if failure == state.dead_lettered_failure:
            return False
        self.producer.dead_letter(exc, raw, origin=state.url)
        state.dead_lettered_failure = failure
        return True

    def _succeeded(self, state: FeedState) -> None:
        state.failures = 0
        state.last_error = None
        state.dead_lettered_failure = None
        state.next_due = time.monotonic() + state.interval_s * self.rng.uniform(0.9, 1.1)

    def _failed(self, state: FeedState, exc: StreamsError, *, rejected: bool = False,
                dead_lettered: bool = False) -> PollResult:
        state.failures += 1
        state.last_error = str(exc)
        delay = min(MAX_BACKOFF_S, retry_delay(state.failures, base=min(state.interval_s, 30.0),
                                               cap=MAX_BACKOFF_S, rng=self.rng))
        state.next_due = time.monotonic() + delay
        cause = _cause(state.url, str(exc))
        if self.once:
            log.error("feed %s: %s", state.url, cause)
        else:
            again = "" if dead_lettered or not rejected else "; the same as before, dead-lettered already"
            log.warning("feed %s: %s (failure %d in a row%s; next try in %.0fs)", state.url, cause,
                        state.failures, again, delay)
        return PollResult(state.url, "rejected" if rejected else "failed", error=cause,
                          dead_lettered=1 if dead_lettered else 0)

    def follow(self, states: list[FeedState], *, stop: Callable[[], bool] = lambda: False,
               on_poll: Callable[[PollResult], None] | None = None) -> None:
        """Poll each feed when due, forever (until ``stop()``): per-feed interval, back-off on failure."""
        heap = [(s.next_due, i) for i, s in enumerate(states)]
        heapq.heapify(heap)
        while heap and not stop():
            due, i = heapq.heappop(heap)
            wait = due - time.monotonic()
            while wait > 0 and not stop():
                time.sleep(min(wait, 0.5))
                wait = due - time.monotonic()
            if stop():
                return
            result = self.poll(states[i])
            if on_poll is not None:
                on_poll(result)
            heapq.heappush(heap, (states[i].next_due, i))


def _cause(url: str, message: str) -> str:
    """The message without a leading ``url:`` (it is said once, by whoever names the feed)."""
    return message[len(url) + 2:] if message.startswith(f"{url}: ") else message


def _marker(seen: SeenStore, key: str | None) -> Callable[[Article], None]:
    def mark(article: Article) -> None:
        if key is not None:
            seen.mark(key, article.id)

    return mark


def _entry_bytes(entry: Any) -> bytes:
    """The entry as JSON bytes for a dead letter (feedparser has no per-entry original bytes)."""
    import orjson  # noqa: PLC0415

    return orjson.dumps(entry, default=str)


def make_client() -> httpx.Client:
    """An httpx client with the fetch limits (timeouts, redirects) of this module."""
    # no keep-alive: each fetch connects anew, so its Deadline sees (and can cut) every connection;
    # feeds are polled minutes apart, a pooled connection would rarely be reused anyway
    return httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=True, max_redirects=MAX_REDIRECTS,
                        headers={"User-Agent": USER_AGENT}, limits=httpx.Limits(max_keepalive_connections=0))


def iter_poll_once(poller: FeedPoller, states: list[FeedState]) -> Iterator[PollResult]:
    """Poll every feed once, in order."""
    for state in states:
        yield poller.poll(state)


@dataclass
class FeedSource:
    """Feeds as a :class:`~streams.ingest.sources.base.Source`: a :class:`FeedPoller` over ``urls``.

    Each feed is polled once (``run`` then returns), or with ``follow`` polled on its schedule until
    ``stop()``. Seen items are remembered in the ``ingest.seen`` topic through the producer. Polled
    once, feeds that could not be read raise :class:`FeedsFailed` at the end (after the others were
    sent), naming each feed and its cause.
    """

    settings: Settings
    urls: list[str]
    interval_s: float = DEFAULT_INTERVAL_S
    follow: bool = False
    fetch_linked: bool = False
    on_poll: Callable[[PollResult], None] | None = None

    def run(self, producer: RawProducer, stop: Callable[[], bool]) -> None:
        """Poll the feeds, sending new items through ``producer``."""
        seen = SeenStore(self.settings, producer)
        poller = FeedPoller(producer, seen, self.settings.max_article_bytes, fetch_linked=self.fetch_linked,
                            once=not self.follow)
        states = [FeedState(url, interval_s=self.interval_s) for url in self.urls]
        failed: list[PollResult] = []
        try:
            if self.follow:
                poller.follow(states, stop=stop, on_poll=self.on_poll)
            else:
                for result in iter_poll_once(poller, states):
                    if self.on_poll is not None:
                        self.on_poll(result)
                    if result.status in ("failed", "rejected"):
                        failed.append(result)
                producer.flush()
        finally:
            seen.close()
        if failed:
            raise FeedsFailed(feeds_failed_message(failed, len(states)))


def feeds_failed_message(failed: list[PollResult], total: int) -> str:
    """``N of M feed(s) could not be read:`` and one ``feed URL: cause`` line per failed feed."""
    lines = [f"feed {r.url}: {r.error}" + (" (dead-lettered)" if r.dead_lettered else "") for r in failed]
    return f"{len(failed)} of {total} feed(s) could not be read:\n  " + "\n  ".join(lines)
