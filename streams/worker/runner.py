"""Run the enrichment pipeline in a child process, with a per-article timeout.

The enrichment is CPU-bound and synchronous. Running it in a child process keeps the Faust event
loop free (heartbeats, commits, rebalances), and it is the only way to stop a pathological article
for real: on timeout the child is killed and a fresh one started, and the article becomes a dead
letter. Scale-out is by more worker *processes* in one consumer group, not by this class.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from streams.core.errors import EnrichmentError
from streams.core.model import Article, EnrichedArticle

log = logging.getLogger(__name__)

_pipeline: Any = None  # the child's pipeline, built once by _init_child

#: articles the agent hands over per call. spaCy batches its model's work: on Reuters articles 32 a
#: batch took 8 % less CPU than 8 and 24 % less than one by one (benchmarks/bench_enrich.py --batch N);
#: at ~25 ms an article a full batch is under a second of latency.
ENRICH_BATCH = 32
#: a batch shares one timeout, so it is cut into runs of at most this much text (about 2-3 s of work):
#: a few long articles never make a sound batch look like a pathological one
MAX_BATCH_CHARS = 100_000


def batches_by_size(articles: list[Article], max_chars: int) -> list[list[Article]]:
    """``articles`` in order, in consecutive runs whose bodies total at most ``max_chars`` (at least one each)."""
    runs: list[list[Article]] = []
    size = 0
    for article in articles:
        if not runs or size + len(article.body_text) > max_chars:
            runs.append([])
            size = 0
        runs[-1].append(article)
        size += len(article.body_text)
    return runs


def _init_child(names: str) -> None:
    global _pipeline
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


def _child_enrich_many(articles_json: list[bytes]) -> list[tuple[str, Any]]:
    """Runs in the child: one ("ok", JSON) or ("error", (reason, type, message)) per article."""
    results: list[tuple[str, Any]] = []
    for outcome in _pipeline.run_many([Article.from_json(a) for a in articles_json]):
        if isinstance(outcome, EnrichmentError):
            results.append(("error", (outcome.reason, type(outcome.__cause__ or outcome).__name__, str(outcome))))
        else:
            results.append(("ok", outcome.to_json()))
    return results


def _child_enrich(article_json: bytes) -> tuple[str, Any]:
    """Runs in the child. Returns ("ok", enriched JSON) or ("error", (reason, type, message))."""
    try:
        enriched = _pipeline.run(Article.from_json(article_json))
        return "ok", enriched.to_json()
    except EnrichmentError as exc:
        return "error", (exc.reason, type(exc.__cause__ or exc).__name__, str(exc))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as data, never lost
        return "error", ("component_failed", type(exc).__name__, f"{type(exc).__name__}: {exc}")


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
        return ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init_child, initargs=(self.pipeline,))

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

    async def enrich(self, article: Article) -> EnrichedArticle:
        """Enrich one article; raises :class:`EnrichmentError` (with a reason) on any failure."""
        if self._pool is None:
            self._pool = self._new_pool()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, _child_enrich, article.to_json())
        try:
            status, payload = await asyncio.wait_for(future, self.timeout_s)
        except asyncio.TimeoutError:
            self._kill()
            raise EnrichmentError(
                f"enrichment took longer than {self.timeout_s:g}s (STREAMS_ENRICH_TIMEOUT); child restarted",
                reason="timeout",
            ) from None
        except BrokenProcessPool:
            self._kill()
            raise EnrichmentError("the enrichment child process died; restarted", reason="worker_crashed") from None
        result = self._decode(status, payload)
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
            results.extend(await self._enrich_run(run))
        return results

    async def _enrich_run(self, articles: list[Article]) -> list[EnrichedArticle | EnrichmentError]:
        if len(articles) == 1:
            return [await self._one(articles[0])]
        if self._pool is None:
            self._pool = self._new_pool()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, _child_enrich_many, [a.to_json() for a in articles])
        try:
            outcomes = await asyncio.wait_for(future, self.timeout_s)
        except (asyncio.TimeoutError, BrokenProcessPool):
            self._kill()
            log.warning("a batch of %d articles timed out or killed the child; retrying one by one", len(articles))
            return [await self._one(a) for a in articles]
        return [self._decode(status, payload) for status, payload in outcomes]

    async def _one(self, article: Article) -> EnrichedArticle | EnrichmentError:
        try:
            return await self.enrich(article)
        except EnrichmentError as exc:
            return exc

    @staticmethod
    def _decode(status: str, payload: Any) -> EnrichedArticle | EnrichmentError:
        if status == "ok":
            return EnrichedArticle.from_json(payload)
        reason, error_type, message = payload
        return EnrichmentError(f"{error_type}: {message}", reason=reason)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
