"""The Faust app and its agent: thin glue between Kafka topics and the pure enrichment library.

The ``enrich`` agent consumes ``articles.raw`` in batches and hands the raw bytes to the
enrichment child. For every article with a dedupe signature it appends the compact fingerprint to
the fingerprint log and learns the story cluster from the log's order
(:mod:`streams.worker.fingerprints`: the same answer in every worker, no serial stage). The
enriched JSON (the child's bytes, with the dedupe object put in) goes to ``articles.enriched``
(keyed by article id) and one message per quote to ``quotes`` (keyed by resolved speaker).
Anything that goes wrong with a message becomes a dead letter; the agent never raises on a
message, because Faust acks a message whose agent raised, which would lose it silently.

At-least-once: the agent reads with acks off and acks a batch's events only after every output
and dead letter of the batch was acknowledged by the broker (:meth:`AgentLogic.enrich` awaits
them), so Faust's commit never moves past an input whose output is not on the broker; a
cancellation (rebalance, shutdown) mid-batch acks nothing of that batch. Concurrency stays 1 per
worker process (ordered per partition); CPU scale-out is more worker processes in one group.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Sequence

import faust

from streams.core import allocator, metrics
from streams.core.errors import BrokerError, ConfigError, StreamsError
from streams.core.model import DeadLetter
from streams.core.retry import Backoff
from streams.core.settings import Settings, get_settings
from streams.kafka import topics
from streams.worker.batching import batches
from streams.worker.fingerprints import FingerprintLog
from streams.worker.outcome import Enriched, Facts, Failed, Rejected
from streams.worker.runner import ENRICH_BATCH, EnrichmentRunner
from streams.worker.story_index import Answer

log = logging.getLogger(__name__)

#: small stream buffers: a rebalance must not strand minutes of (slow, CPU-bound) work
STREAM_BUFFER_MAXSIZE = ENRICH_BATCH  # one batch waiting while one is enriched: ~1.5 s of work
#: a batch waits at most this long after its first article for more (ENRICH_BATCH is its size): at
#: low rates articles still reach the child a few at a time (spaCy batches them) for 50 ms of latency;
#: under load the next batch fills while the child works on the current one, so the linger never runs
ENRICH_LINGER_S = 0.05
#: batches computed but not yet confirmed: while one waits for the fingerprint log and the broker's acks,
#: the next is published, and the child goes on with a third instead of idling for those round trips
FINISHING_BATCHES = 2
#: producer: wait up to 5 ms to fill a request, and let one request carry many articles
PRODUCER_LINGER_S = 0.005
PRODUCER_BATCH_BYTES = 1 << 20
#: a dead letter the broker refused is sent again after 0.5 s doubling up to 10 s, until it is taken
DEAD_LETTER_RETRY_BASE_S = 0.5
DEAD_LETTER_RETRY_CAP_S = 10.0
#: a SIGKILLed worker sends no LeaveGroup: the coordinator notices it only when this session lapses,
#: and the whole group waits until then (Faust's 60 s default meant a minute of silence per crash).
#: 6 s is the broker's default group.min.session.timeout.ms, the shortest a stock cluster accepts.
#: Measured (tests/worker/test_crash_recovery_broker.py): 64 s with Faust's defaults, ~8 s with these.
#: Static membership (group.instance.id) would only help a worker that comes back under the same id
#: before its session lapses, and aiokafka has no cooperative rebalancing: docs/operations notes.
SESSION_TIMEOUT_S = 6.0
#: every partition in every batch: aiokafka hands out one partition's fetched records before the next
#: one's, so with Faust's 4 MiB a partition (~2,000 articles) a worker that took over a dead one's
#: partitions served its own backlog first and the taken-over ones stood still for a minute or more
#: (80 s in a chaos run). Polls now take everything fetched (no record limit) from small per-partition
#: fetches, and Faust deals the records out round-robin across partitions into the stream buffer.
#: One ingest producer batch (256 KiB); a larger record still comes whole (fetch v3+ returns the first
#: record batch of a partition even when it exceeds the limit).
FETCH_BYTES_PER_PARTITION = 256 * 1024
#: a rebalance does not wait for the batches in hand (Faust's stream_wait_empty): with a batch being
#: confirmed, one in the child and one read ahead, that wait held the whole group for three batches
#: of enrichment (~7 s under load) on every rebalance. Safe here because the agent acks an event only
#: once its outputs are confirmed, batches strictly in input order: an ack that arrives after the
#: revocation still means every earlier offset of its partition was processed, so whatever it lets
#: Faust commit was done; the new owner re-reads the unfinished batches (duplicates, never a gap).
#: Must stay False while enrich_batches drops events of an older generation: Faust would wait for
#: those (never acked) forever.
WAIT_FOR_BATCHES_ON_REBALANCE = False
#: a third of the session or less (Kafka's rule); the heartbeat runs on Faust's consumer thread. A
#: survivor learns of a rebalance at its next heartbeat after the dead member's session lapsed: 0.5 s
#: halves that wait (~0.5 s -> ~0.25 s on average)
HEARTBEAT_INTERVAL_S = 0.5
#: a rebalance while a restarted broker is still loading its topics can leave ``articles.raw`` out
#: of the assignment (Faust's assignor skips a topic missing from its metadata), and nothing noticed
#: the topic again until the next metadata refresh: 120 s without a commit in a chaos run, with the
#: 5 min default. A refresh that finds it asks for the rebalance that assigns it.
CONSUMER_METADATA_MAX_AGE_MS = 5_000
#: Faust's request (90 s) and rebalance (60 s) timeouts bound every wait of a rebalance: how long the
#: coordinator waits for a member to rejoin, a join or sync parked at it, and the committed-offset fetch
#: Faust makes before it resumes the streams (recovery waits for it up to the request timeout, then goes
#: on). A survivor that rejoins late (its loop busy, e.g. replaying the fingerprint log after a restart)
#: held the whole group for the full 60 s and more after a worker kill (109.9 s and 120 s+ in chaos runs);
#: with 10 s it is left out after 10 s and rejoins at once. They are settings
#: (STREAMS_WORKER_REQUEST_TIMEOUT / _REBALANCE_TIMEOUT): a join waits up to the rebalance timeout by
#: design, so the request timeout must stay above it.


def _worker_timeouts(settings: Settings) -> tuple[float, float]:
    """(request, rebalance) timeouts in seconds; ConfigError when they cannot work together."""
    request, rebalance = settings.worker_request_timeout_s, settings.worker_rebalance_timeout_s
    if request < SESSION_TIMEOUT_S or rebalance <= 0 or request <= rebalance:
        raise ConfigError(
            f"STREAMS_WORKER_REQUEST_TIMEOUT={request:g} must be at least the {SESSION_TIMEOUT_S:g} s session and more "
            f"than STREAMS_WORKER_REBALANCE_TIMEOUT={rebalance:g} (> 0): a join waits up to the rebalance timeout"
        )
    return request, rebalance


def _faust_broker_url(bootstrap: str) -> str:
    return ";".join(f"kafka://{host.strip()}" for host in bootstrap.split(",") if host.strip())


def _seconds_since(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return max(0.0, time.time() - datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


class AgentLogic:
    """What the agent does with a batch of messages; kept apart from Faust so the agent stays short."""

    def __init__(self, app: faust.App, settings: Settings, runner: EnrichmentRunner) -> None:
        self.app = app
        self.settings = settings
        self.runner = runner
        self.source = app.topic(topics.RAW.name(settings), key_serializer="raw", value_serializer="raw")
        self.enriched = topics.ENRICHED.name(settings)
        self.quotes = topics.QUOTES.name(settings)
        self.dead_letters = topics.DEAD_LETTERS.name(settings)
        self.clusters = FingerprintLog(settings, self._send_to, snapshots=True)

    async def _send_to(self, topic: str, key: bytes | None, value: bytes, partition: int | None = None,
                       headers: Sequence[tuple[str, bytes]] | None = None) -> Awaitable[Any]:
        """Queue one record on the app's producer; the returned future resolves once the broker took it, or
        fails (also when the producer refused the record at once, e.g. too large: one path for both)."""
        try:
            return await self.app.producer.send(topic, key, value, partition, None, list(headers) if headers else None)
        except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
            refused: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            refused.set_exception(exc)
            return refused

    async def enrich(self, messages: list[Any]) -> None:
        """Enrich a batch of raw messages; returns once every output is on the broker. Never raises on a
        message: failures become dead letters (:meth:`compute`, then :meth:`finish`)."""
        await self.finish(await self.compute(messages))

    async def compute(self, messages: list[Any]) -> "Computed":
        """The enrichment child's work on a batch: the raw bytes go to the child, which validates them as
        articles, enriches them and sends back the enriched JSON to publish (:mod:`streams.worker.outcome`).
        Publishes nothing, so it may run while the previous batch is being published."""
        started = time.perf_counter()
        values = [_value_bytes(message) for message in messages]
        try:
            outcomes: list[Any] = (
                await self.runner.enrich_values(values, max_bytes=self.settings.max_article_bytes) if values else []
            )
        except Exception as exc:  # noqa: BLE001 - the runner itself failed: every message is a dead letter
            outcomes = [exc] * len(values)
        return Computed(messages, values, outcomes, started)

    async def finish(self, batch: "Computed") -> None:
        """Cluster, publish and confirm a computed batch; returns once every output is on the broker."""
        messages, values, outcomes = batch.messages, batch.values, batch.outcomes
        sent: list[tuple[Awaitable[Any], Any, bytes]] = []  # (broker ack, message, its value)
        # messages that are not articles first: the order their dead letters had when the parent validated
        for message, value, outcome in zip(messages, values, outcomes):
            if isinstance(outcome, Rejected):
                sent.append((await self._dead_letter("enrich", outcome, value, message), message, value))
        answers = await self._cluster(outcomes)
        for message, value, outcome, answer in zip(messages, values, outcomes, answers):
            if isinstance(outcome, Rejected):
                continue
            stage = "enrich"
            try:
                if isinstance(outcome, BaseException):
                    raise outcome
                if isinstance(outcome, Failed):
                    raise outcome.error()
                if isinstance(answer, BaseException):
                    stage = "dedupe"
                    raise answer
                sent.extend((ack, message, value) for ack in await self._publish(outcome, answer))
            except Exception as exc:  # noqa: BLE001 - errors are data here
                sent.append((await self._dead_letter(stage, exc, value, message), message, value))
        await self._confirm(sent)
        per_article = (time.perf_counter() - batch.started) / max(1, len(messages))
        for _ in messages:
            metrics.STAGE_LATENCY.labels(stage="enrich").observe(per_article)
        metrics.LAST_PROCESSED.labels(stage="enrich").set(time.time())

    async def _cluster(self, outcomes: list[Any]) -> list[Answer | BaseException | None]:
        """The story cluster of every enriched article with a fingerprint (None for the others)."""
        signed = [(i, o) for i, o in enumerate(outcomes) if isinstance(o, Enriched) and o.facts.fingerprint]
        answers: list[Answer | BaseException | None] = [None] * len(outcomes)
        if not signed:
            return answers
        started = time.perf_counter()
        try:
            found = await self.clusters.assign([(o.facts.id, o.facts.fingerprint) for _, o in signed])
        except Exception as exc:  # noqa: BLE001 - the log is unreachable: these articles are dead letters
            found = [exc] * len(signed)
        for (i, _), answer in zip(signed, found):
            answers[i] = answer
        metrics.STAGE_LATENCY.labels(stage="dedupe").observe((time.perf_counter() - started) / len(signed))
        return answers

    async def _publish(self, enriched: Enriched, answer: Answer | None) -> list[Awaitable[Any]]:
        facts = enriched.facts
        value = enriched.publishable(answer.to_dict() if answer is not None else None)
        acks = [await self._send_to(self.enriched, facts.id.encode(), value, headers=facts.headers)]
        for key, quote in facts.quote_messages:
            acks.append(await self._send_to(self.quotes, key, quote))
        self._observe(facts, answer)
        return acks

    async def _confirm(self, sent: list[tuple[Awaitable[Any], Any, bytes]]) -> None:
        """Wait for the broker to take every record of the batch. A refused output becomes a dead letter
        of its message; a refused dead letter is sent again until the broker takes it."""
        results = await asyncio.gather(*(ack for ack, _, _ in sent), return_exceptions=True)
        failed: dict[int, tuple[Any, bytes, BaseException]] = {}
        for (_, message, value), result in zip(sent, results):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                failed.setdefault(id(message), (message, value, result))
        backoff = Backoff(base=DEAD_LETTER_RETRY_BASE_S, cap=DEAD_LETTER_RETRY_CAP_S)
        for message, value, error in failed.values():
            while True:
                try:
                    await (await self._dead_letter("enrich", _unconfirmed(error), value, message))
                    break
                except Exception as exc:  # noqa: BLE001 - nothing may be committed before it lands
                    delay = backoff.next()
                    log.warning("dead letter refused (%s); sending it again in %.1fs", exc, delay)
                    await asyncio.sleep(delay)

    @staticmethod
    def _observe(facts: Facts, answer: Answer | None) -> None:
        metrics.ARTICLES_ENRICHED.inc()
        metrics.ARTICLES_BY_LANGUAGE.labels(language=metrics.language_label(facts.language)).inc()
        metrics.QUOTES_PER_ARTICLE.observe(len(facts.quotes))
        for kind, attributed in facts.quotes:
            metrics.QUOTES_FOUND.labels(kind=kind).inc()
            metrics.QUOTES_PUBLISHED.inc()
            if not attributed:
                metrics.QUOTES_UNATTRIBUTED.labels(kind=kind).inc()
        metrics.ENTITIES_FOUND.inc(facts.entities)
        metrics.ENTITIES_LINKED.inc(facts.linked)
        if answer is not None and answer.duplicate_of is not None:
            metrics.DUPLICATES.inc()
        for component, seconds in facts.timings:
            metrics.COMPONENT_LATENCY.labels(component=component).observe(seconds)

    async def _dead_letter(self, stage: str, error: BaseException | Rejected, value: bytes,
                           message: Any) -> Awaitable[Any]:
        """Queue the dead letter of ``message``; returns the broker's acknowledgement to wait for."""
        where = {
            "source_topic": message.topic,
            "source_partition": message.partition,
            "source_offset": message.offset,
            "source_key": message.key if isinstance(message.key, bytes) else None,
        }
        if isinstance(error, Rejected):  # validated in the enrichment child
            letter = DeadLetter.of(stage, error.reason, error.error_type, error.message, value, **where)
            expected, exc_info = error.expected, False
        else:
            letter = DeadLetter.from_error(stage, error, value, **where)
            expected = isinstance(error, StreamsError)
            exc_info = not expected
        level = logging.WARNING if expected else logging.ERROR
        log.log(level, "dead letter from %s[%s]@%s: %s: %s", message.topic, message.partition, message.offset,
                letter.reason, letter.message, exc_info=exc_info)
        metrics.DEAD_LETTERS.labels(stage=stage, reason=letter.reason).inc()
        return await self._send_to(self.dead_letters, where["source_key"], letter.to_json())


def _unconfirmed(error: BaseException) -> StreamsError:
    return BrokerError(f"the broker did not take the output: {type(error).__name__}: {error}")


async def enrich_batches(stream: Any, logic: AgentLogic, generation: Callable[[], int | None] | None = None) -> None:
    """The agent's loop: batches of events with acks off, each acked once its outputs are confirmed.

    Stages overlap: while batches N and N+1 are clustered, published and confirmed, one after the other,
    the child already enriches batch N+2 (otherwise it idles for the broker round trips of each batch
    whenever the parent is slow to get its turn on a busy machine). Batches are finished, and so acked,
    strictly in order; a batch is acked only after its outputs are confirmed.
    Not ``stream.take_events``: it acks a batch in a ``finally``, so a cancellation mid-batch would
    ack (and let Faust commit) events that were never processed. A cancellation here acks nothing
    that is not finished.

    Events fetched before the last rebalance (``generation()``, the consumer group's generation)
    are dropped unprocessed, unacked: every rebalance restarts each assigned partition at its
    committed offset, so their owner reads them again, and a worker that took over a dead one's
    partitions gets to them without first enriching batches that are re-read anyway."""
    quiet = stream.noack()

    async def finish(after: asyncio.Future[None] | None, computed: Computed, events: list[Any]) -> None:
        if after is not None:
            await after  # in order: the fingerprint log and the commits follow the input order
        await logic.finish(computed)
        for event in events:
            await quiet.ack(event)

    finishing: deque[asyncio.Future[None]] = deque()  # batches behind the child, finished one after the other
    try:
        async for events in batches(quiet.events(), ENRICH_BATCH, ENRICH_LINGER_S):
            if generation is not None:
                events = _current(events, generation())
                if not events:
                    continue
            computed = await logic.compute([event.message for event in events])
            while len(finishing) >= FINISHING_BATCHES:
                await finishing.popleft()
            finishing.append(asyncio.ensure_future(finish(finishing[-1] if finishing else None, computed, events)))
        while finishing:
            await finishing.popleft()
    finally:
        for pending in finishing:
            if not pending.done():
                pending.cancel()
        for pending in finishing:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending


@dataclass(frozen=True)
class Computed:
    """A batch after the enrichment child: its messages, their raw values and the child's outcomes."""

    messages: list[Any]
    values: list[bytes]
    outcomes: list[Any]
    started: float  # perf_counter when the batch went to the child


def _current(events: list[Any], generation: int | None) -> list[Any]:
    """The events fetched in the group's current generation (an event without one is kept)."""
    kept = [e for e in events if getattr(e.message, "generation_id", None) in (None, generation)]
    if len(kept) < len(events):
        log.info("dropped %d event(s) fetched before the rebalance: they are read again from the committed offset",
                 len(events) - len(kept))
    return kept


def _value_bytes(message: Any) -> bytes:
    return message.value if isinstance(message.value, bytes) else bytes(message.value or b"")


def create_app(settings: Settings | None = None, *, runner: EnrichmentRunner | None = None) -> faust.App:
    """Build the Faust app for ``settings``: the consumer group is ``{topic_prefix}{app_id}``."""
    settings = settings or get_settings()
    app_name = topics.worker_group(settings)
    request_timeout, rebalance_timeout = _worker_timeouts(settings)
    (settings.home / "faust").mkdir(parents=True, exist_ok=True)  # Faust creates only the last level
    app = faust.App(
        app_name,
        broker=_faust_broker_url(settings.bootstrap),
        datadir=settings.home / "faust" / app_name,  # Faust's default is ./{id}-data, litter in the cwd
        store="memory://",
        web_enabled=False,  # /metrics is served by prometheus_client (streams.core.metrics)
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.topic_replication,
        producer_acks=-1,  # all in-sync replicas: an acked enriched article survives a broker loss
        consumer_auto_offset_reset="earliest",  # articles produced before the first worker are not skipped
        producer_linger=PRODUCER_LINGER_S,
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        stream_buffer_maxsize=STREAM_BUFFER_MAXSIZE,
        broker_commit_interval=1.0,
        broker_session_timeout=SESSION_TIMEOUT_S,
        broker_heartbeat_interval=HEARTBEAT_INTERVAL_S,
        broker_request_timeout=request_timeout,
        broker_rebalance_timeout=rebalance_timeout,
        consumer_metadata_max_age_ms=CONSUMER_METADATA_MAX_AGE_MS,
        stream_wait_empty=WAIT_FOR_BATCHES_ON_REBALANCE,
        broker_max_poll_records=None,  # all that was fetched, dealt round-robin (FETCH_BYTES_PER_PARTITION)
        consumer_max_fetch_size=FETCH_BYTES_PER_PARTITION,
        producer_max_request_size=settings.max_article_bytes * 8,
    )
    runner = runner or EnrichmentRunner(settings.pipeline, settings.enrich_timeout_s)
    logic = AgentLogic(app, settings, runner)
    app.streams_logic = logic  # type: ignore[attr-defined]

    @app.agent(logic.source, name="enrich", concurrency=1)
    async def enrich(stream: faust.StreamT) -> None:
        await enrich_batches(stream, logic, generation=lambda: app.consumer_generation_id)

    @app.task
    async def follow_fingerprints() -> None:
        await logic.clusters.run()

    @app.timer(interval=allocator.RELEASE_MEMORY_EVERY_S)
    async def release_free_memory() -> None:
        allocator.release_free_memory()

    return app


def __getattr__(name: str) -> Any:
    # ``faust -A streams.worker.app worker`` and ``from streams.worker.app import app`` get an app built lazily
    # from the environment, so importing this module connects to nothing.
    if name == "app":
        app = create_app()
        globals()["app"] = app
        return app
    raise AttributeError(name)
