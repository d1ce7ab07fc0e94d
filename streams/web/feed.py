"""The live feed: articles as they are stored, pushed to browsers as server-sent events.

One poller per server (not one per browser) asks the archive for articles stored since the last
it saw, on worker threads of its own, once a second while anyone listens; browsers hold one
``EventSource`` each and never poll. ``stored_at`` is stamped before the writer's transaction
commits, so each poll looks back ``OVERLAP_S`` seconds and drops what it already sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator

import anyio
import orjson

from streams.core.metrics import LIVE_LISTENERS
from streams.store.archive import Archive

log = logging.getLogger(__name__)

POLL_S = 1.0
OVERLAP_S = 10.0
#: events kept for browsers that (re)connect: they say what they last saw and get what followed
BACKLOG = 500
BATCH = 200
#: a comment line this often keeps proxies from closing a quiet stream
KEEPALIVE_S = 15.0


def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    try:
        parsed = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class LiveFeed:
    """Polls the archive for newly stored articles and fans them out to every listener."""

    def __init__(self, archive: Archive, *, poll_s: float = POLL_S) -> None:
        self.archive = archive
        self.poll_s = poll_s
        self.events: deque[tuple[int, dict[str, Any]]] = deque(maxlen=BACKLOG)
        self._seq = 0
        self._cursor: datetime | None = None
        self._sent: dict[tuple[str, str | None], datetime] = {}
        self._changed: asyncio.Condition | None = None
        self._listeners = 0
        self._threads = anyio.CapacityLimiter(1)
        self.closing = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self) -> None:
        """The poller (one task per server); returns when :meth:`close` is called."""
        self._changed = asyncio.Condition()
        self._loop = asyncio.get_running_loop()
        while not self.closing.is_set():
            if self._listeners:
                try:
                    await self._poll()
                except Exception:  # the archive away for a while: the feed waits, the page stays up
                    log.exception("live feed: reading the archive failed; retrying")
            try:
                await asyncio.wait_for(self.closing.wait(), self.poll_s)
            except asyncio.TimeoutError:
                pass
        async with self._changed:
            self._changed.notify_all()

    def close(self) -> None:
        """Stop the poller and end every stream (from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self.closing.set()
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.closing.set()
        else:
            loop.call_soon_threadsafe(self.closing.set)

    async def _poll(self) -> None:
        if self._cursor is None:  # the first listener: what is stored already is not news
            newest = await anyio.to_thread.run_sync(lambda: self.archive.stored_since(None, limit=BATCH),
                                                    limiter=self._threads)
            self._cursor = _parse(newest[0]["stored_at"]) if newest else datetime.fromtimestamp(0, timezone.utc)
            for item in newest:
                self._sent[(item["id"], item["stored_at"])] = _parse(item["stored_at"]) or self._cursor
            return
        since = self._cursor - timedelta(seconds=OVERLAP_S)
        items = await anyio.to_thread.run_sync(lambda: self.archive.stored_since(since, limit=BATCH),
                                               limiter=self._threads)
        fresh = [i for i in items if (i["id"], i["stored_at"]) not in self._sent]
        for item in fresh:
            stored = _parse(item["stored_at"]) or self._cursor
            self._sent[(item["id"], item["stored_at"])] = stored
            self._cursor = max(self._cursor, stored)
            self._seq += 1
            self.events.append((self._seq, item))
        horizon = self._cursor - timedelta(seconds=2 * OVERLAP_S)
        self._sent = {k: v for k, v in self._sent.items() if v >= horizon}
        if fresh and self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    async def stream(self, last_seq: int = 0) -> AsyncIterator[bytes]:
        """Server-sent events (``event: article``, ``id:`` its sequence number) from ``last_seq`` on."""
        self._listeners += 1
        LIVE_LISTENERS.inc()
        try:
            yield b"retry: 2000\n\n"
            while self._cursor is None and not self.closing.is_set():  # the poller's first look at the archive
                await asyncio.sleep(0.05)
            yield b"event: ready\ndata: {}\n\n"
            while not self.closing.is_set():
                for seq, item in list(self.events):
                    if seq > last_seq:
                        last_seq = seq
                        yield b"id: %d\nevent: article\ndata: %s\n\n" % (seq, orjson.dumps(item))
                if self._changed is None:
                    await asyncio.sleep(self.poll_s)
                    continue
                try:
                    async with self._changed:
                        await asyncio.wait_for(self._changed.wait(), KEEPALIVE_S)
                except asyncio.TimeoutError:
                    yield b": keep-alive\n\n"
        finally:
            self._listeners -= 1
            LIVE_LISTENERS.dec()

    @property
    def last_seq(self) -> int:
        return self._seq
