"""Batches from an async stream: full ones at once, partial ones after a short linger."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, AsyncIterator, TypeVar

T = TypeVar("T")

_ENDED: Any = object()  # the stream ended
_NOTHING: Any = object()  # the linger ran out


async def batches(items: AsyncIterator[T], size: int, linger_s: float) -> AsyncIterator[list[T]]:
    """``items`` in lists of at most ``size``: a list goes out when it is full, or ``linger_s`` after its
    first item arrived, whichever comes first (at low rates items still travel a few at a time).

    Items are read ahead (at most ``size`` waiting) while the caller works on the previous list, so
    under load every list is full. The linger counts from the first item's *arrival*, not from when
    the caller asks: items that already waited while the caller worked on the previous list go out
    at once, so the caller never idles for a linger while work is queued. Nothing is acknowledged
    here: the caller acks what it finished, and a cancellation drops the read-ahead unacknowledged.
    An error of ``items`` is raised here.
    """
    queue: asyncio.Queue[tuple[float, T]] = asyncio.Queue(maxsize=size)

    async def read() -> None:
        async for item in items:
            await queue.put((time.monotonic(), item))

    reader = asyncio.ensure_future(read())
    try:
        while True:
            first = await _next(queue, reader, None)
            if first is _ENDED:
                return
            arrived, value = first
            batch = [value]
            deadline = arrived + linger_s
            item = _NOTHING
            while len(batch) < size:
                item = await _next(queue, reader, max(0.0, deadline - time.monotonic()))
                if item is _NOTHING or item is _ENDED:
                    break
                batch.append(item[1])
            yield batch
            if item is _ENDED:
                return
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


async def _next(queue: asyncio.Queue[Any], reader: asyncio.Future[None], timeout: float | None) -> Any:
    """The next item; _NOTHING after ``timeout``, _ENDED once the reader is done and the queue empty."""
    if not queue.empty():
        return queue.get_nowait()
    if reader.done():
        reader.result()  # raises the stream's error
        return _ENDED
    if timeout == 0:
        return _NOTHING
    getter = asyncio.ensure_future(queue.get())
    try:
        done, _ = await asyncio.wait({getter, reader}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not getter.done():
            getter.cancel()
    if getter in done:
        return getter.result()
    if reader in done:
        return await _next(queue, reader, 0)
    return _NOTHING
