"""Run the enrichment pipeline in a child process, with a per-article timeout.

The enrichment is CPU-bound and synchronous. Running it in a child process keeps the Faust event
loop free (heartbeats, commits, rebalances), and it is the only way to stop a pathological article
for real: on timeout the child is killed and a fresh one started, and the article becomes a dead
letter. Scale-out is by more worker *processes* in one consumer group, not by this class.

The agent hands over the raw message bytes (:meth:`EnrichmentRunner.enrich_values`): the child
validates them as articles, enriches them and sends back, per message, what the parent publishes
(:mod:`streams.worker.outcome`), so the parent decodes and encodes no article JSON at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence, TypeVar

from streams.core.errors import EnrichmentError
from streams.core.model import Article, EnrichedArticle
from streams.worker.outcome import Enriched, Failed, Outcome, Rejected, enriched_outcome

log = logging.getLogger(__name__)

T = TypeVar("T")

_pipeline: Any = None  # the child's pipeline, built once by _init_child

#: articles the agent hands over per call. spaCy batches its model's work: on Reuters articles 32 a
#: batch took 8 % less CPU than 8 and 24 % less than one by one (benchmarks/bench_enrich.py --batch N);
#: at ~25 ms an article a full batch is under a second of latency.
ENRICH_BATCH = 32
#: a batch shares one timeout, so it is cut into runs of at most this much text (about 2-3 s of work):
#: a few long articles never make a sound batch look like a pathological one. Raw messages are
#: measured by their byte length, which is never less than the body's length in characters (every
#: character of the body takes at least one byte of the JSON): runs of raw messages hold at most as
#: much text as runs of articles did, a little less when the metadata or the script (UTF-8) is large.
MAX_BATCH_CHARS = 100_000


def _body_chars(article: Article) -> int:
    return len(article.body_text)


def batches_by_size(items: Sequence[T], max_chars: int, size: Callable[[T], int] = _body_chars) -> list[list[T]]:
    """``items`` in order, in consecutive runs whose sizes total at most ``max_chars`` (at least one each);
    an article's size is its body's length by default."""
    runs: list[list[T]] = []
    total = 0
    for item in items:
        n = size(item)
        if not runs or total + n > max_chars:
            runs.append([])
            total = 0
        runs[-1].append(item)
        total += n
    return runs


#: the enrichment child runs this much nicer than its worker (see _init_child)
CHILD_NICENESS = 5
#: how often the child checks that the worker that started it is still alive
PARENT_CHECK_S = 1.0


def _exit_with(parent_pid: int) -> None:
    """End this process once ``parent_pid`` is gone: a SIGKILLed worker must not leave its child behind."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)  # the parent died: nobody waits for our results, and atexit handlers could block


def _init_child(names: str, parent_pid: int | None = None) -> None:
    global _pipeline
    if parent_pid is not None:
        # a thread, not PR_SET_PDEATHSIG: that signal follows the parent *thread* that spawned us, and
        # the pool spawns from whichever thread submits first
        if os.getppid() != parent_pid:
            os._exit(0)
        threading.Thread(target=_exit_with, args=(parent_pid,), name="parent-watch", daemon=True).start()
    # the worker's own work (fetch, publish, commit, heartbeats) is a few ms a batch but gates the
    # child's next batch: on a busy machine it must get its turn before the enrichment's long CPU runs
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)
    from threadpoolctl import threadpool_limits

    from streams.enrich.pipeline import Pipeline

    # a worker is one core: BLAS threads would only spin against the other workers' processes
    threadpool_limits(limits=1)

    _pipeline = Pipeline.from_names(names or None)
    # the model and gazetteers live as long as the process: taking their ~250,000 objects out of
    # the garbage collector's scans saves ~2 % of enrichment time
    gc.freeze()


def _child_names() -> list[str]:
    return list(_pipeline.names)


def _outcome(result: EnrichedArticle | EnrichmentError) -> Outcome:
    if isinstance(result, EnrichmentError):
        return Failed.of(result)
    try:
        return enriched_outcome(result)
    except Exception as exc:  # noqa: BLE001 - output the parent cannot publish: reported as data
        return Failed.of(exc)


def _child_enrich_values(values: list[bytes], max_bytes: int | None) -> list[Outcome]:
    """Runs in the child: validate each message as an article, enrich the valid ones in one batch."""
    outcomes: list[Outcome | None] = [None] * len(values)
    articles: list[Article] = []
    slots: list[int] = []
    for i, value in enumerate(values):
        try:
            articles.append(Article.from_json(value, max_bytes=max_bytes))
            slots.append(i)
        except Exception as exc:  # noqa: BLE001 - the parent dead-letters it with this reason
            outcomes[i] = Rejected.of(exc)
    for i, result in zip(slots, _pipeline.run_many(articles) if articles else ()):
        outcomes[i] = _outcome(result)
    return outcomes  # type: ignore[return-value]


def _child_enrich_value(value: bytes, max_bytes: int | None) -> Outcome:
    """Runs in the child: one message; anything unexpected is reported as data, never lost."""
    try:
        return _child_enrich_values([value], max_bytes)[0]
    except Exception as exc:  # noqa: BLE001
        return Failed.of(exc)


class EnrichmentRunner:
    """Enrich articles in one child process, with a timeout per article."""

    def __init__(self, pipeline: str = "", timeout_s: float = 30.0) -> None:
        self.pipeline = pipeline
        self.timeout_s = timeout_s
        self._pool: ProcessPoolExecutor | None = None
        self.names: list[str] = []

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the parent runs an event loop and Kafka client threads
        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init_child,
                                   initargs=(self.pipeline, os.getpid()))

    def start(self) -> list[str]:
        """Start the child and build the pipeline in it; raises if the pipeline is misconfigured."""
        self._pool = self._new_pool()
        try:
            self.names = self._pool.submit(_child_names).result()
        except BrokenProcessPool as exc:
            self.close()
            # the child could not build the pipeline; build it here to surface the real error
            _init_child(self.pipeline)
            raise EnrichmentError(f"enrichment child failed to start: {exc}") from exc
        log.info("enrichment pipeline: %s", ", ".join(self.names) or "(pass-through)")
        return self.names

    def _kill(self) -> None:
        if self._pool is None:
            return
        for proc in list(getattr(self._pool, "_processes", {}).values()):
            proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None

    async def enrich_values(self, values: list[bytes], *, max_bytes: int | None = None) -> list[Outcome]:
        """Validate and enrich raw messages; one :class:`~streams.worker.outcome.Outcome` per value, in order.

        A message that is not a valid article (``Article.from_json(value, max_bytes=max_bytes)``
        raised) is :class:`Rejected`; a failed enrichment is :class:`Failed` (reason ``timeout`` or
        ``worker_crashed`` when the child had to be killed). Runs are cut by byte length
        (:data:`MAX_BATCH_CHARS`); see :meth:`enrich_many`.
        """
        results: list[Outcome] = []
        for run in batches_by_size(values, MAX_BATCH_CHARS, size=len):
            results.extend(await self._enrich_run(run, max_bytes))
        return results

    async def enrich(self, article: Article) -> EnrichedArticle:
        """Enrich one article; raises :class:`EnrichmentError` (with a reason) on any failure."""
        result = self._decode(await self._one(article.to_json(), None))
        if isinstance(result, EnrichmentError):
            raise result
        return result

    async def enrich_many(self, articles: list[Article]) -> list[EnrichedArticle | EnrichmentError]:
        """Enrich a batch (spaCy batches its model work); one result per article, in order.

        The batch is sent in runs of at most :data:`MAX_BATCH_CHARS` of text, and each run gets one
        timeout. When it runs out (or the child dies), the child is restarted and that run's articles
        are retried one by one, so only the pathological one fails.
        """
        results: list[EnrichedArticle | EnrichmentError] = []
        for run in batches_by_size(articles, MAX_BATCH_CHARS):
            results.extend(self._decode(o) for o in await self._enrich_run([a.to_json() for a in run], None))
        return results

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._pool is None:
            self._pool = self._new_pool()
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.run_in_executor(self._pool, fn, *args), self.timeout_s)

    async def _enrich_run(self, values: list[bytes], max_bytes: int | None) -> list[Outcome]:
        if len(values) == 1:
            return [await self._one(values[0], max_bytes)]
        try:
            return await self._call(_child_enrich_values, values, max_bytes)
        except (asyncio.TimeoutError, BrokenProcessPool):
            self._kill()
            log.warning("a batch of %d articles timed out or killed the child; retrying one by one", len(values))
            return [await self._one(v, max_bytes) for v in values]

    async def _one(self, value: bytes, max_bytes: int | None) -> Outcome:
        try:
            return await self._call(_child_enrich_value, value, max_bytes)
        except asyncio.TimeoutError:
            self._kill()
            return Failed("timeout",
                          f"enrichment took longer than {self.timeout_s:g}s (STREAMS_ENRICH_TIMEOUT); child restarted")
        except BrokenProcessPool:
            self._kill()
            return Failed("worker_crashed", "the enrichment child process died; restarted")

    @staticmethod
    def _decode(outcome: Outcome) -> EnrichedArticle | EnrichmentError:
        """The Article API's result: the enriched article decoded, or the error."""
        if isinstance(outcome, Enriched):
            return EnrichedArticle.from_json(outcome.value)
        if isinstance(outcome, Rejected):  # never for a valid Article (it round-trips); reported all the same
            return EnrichmentError(f"{outcome.error_type}: {outcome.message}", reason=outcome.reason)
        return outcome.error()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
