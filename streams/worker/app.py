"""The Faust app and its agents: thin glue between Kafka topics and the pure enrichment library.

The ``enrich`` agent consumes ``articles.raw`` and runs the enrichment (in a child process). When
the pipeline computed a dedupe signature, the article goes to ``articles.dedupe`` (one partition),
where the serial ``dedupe`` agent assigns its story cluster from a changelog-backed table — one
writer, so "first copy wins" follows the topic's order (docs/topics.md). The result goes to
``articles.enriched`` (keyed by article id) and one message per quote to ``quotes`` (keyed by
resolved speaker). Anything that
goes wrong with a message becomes a dead letter; the agent itself never raises, because Faust
acks a message whose agent raised, which would lose it silently.

At-least-once: Faust commits a source offset only after the agent moved past the event *and*
``producer.flush()`` returned, so an article's output is on the broker before its input offset
is committed. Concurrency stays 1 per worker process (ordered per partition, no offset committed
past unfinished work); CPU scale-out is more worker processes in the same consumer group.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

import faust

from streams.core import metrics
from streams.core.errors import StreamsError
from streams.core.model import DeadLetter, EnrichedArticle
from streams.core.records import Dedupe
from streams.core.settings import Settings, get_settings
from streams.kafka import topics
from streams.worker.outcome import Enriched, Facts, Failed, Rejected, enriched_outcome
from streams.worker.runner import ENRICH_BATCH, EnrichmentRunner
from streams.worker.story_index import DedupeIndex

log = logging.getLogger(__name__)

#: small stream buffers: a rebalance must not strand minutes of (slow, CPU-bound) work
STREAM_BUFFER_MAXSIZE = ENRICH_BATCH  # one batch waiting while one is enriched: ~1.5 s of work
#: a batch waits at most this long for more articles (ENRICH_BATCH, from the runner, is its size)
ENRICH_BATCH_WAIT_S = 0.05
#: a SIGKILLed worker sends no LeaveGroup: the coordinator notices it only when this session lapses,
#: and the whole group waits until then (Faust's 60 s default meant a minute of silence per crash).
#: 6 s is the broker's default group.min.session.timeout.ms, the shortest a stock cluster accepts.
#: Measured (tests/worker/test_crash_recovery_broker.py): 64 s with Faust's defaults, ~8 s with these.
#: Static membership (group.instance.id) would only help a worker that comes back under the same id
#: before its session lapses, and aiokafka has no cooperative rebalancing: docs/operations notes.
SESSION_TIMEOUT_S = 6.0
#: a third of the session or less (Kafka's rule); the heartbeat runs on the event loop, which the
#: enrichment (in the child process) never blocks
HEARTBEAT_INTERVAL_S = 1.0


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
    """What the agents do with one message; kept apart from Faust so the agents stay short."""

    def __init__(self, app: faust.App, settings: Settings, runner: EnrichmentRunner) -> None:
        self.settings = settings
        self.runner = runner
        raw = {"key_serializer": "raw", "value_serializer": "raw"}
        self.source = app.topic(topics.RAW.name(settings), **raw)
        self.dedupe_topic = app.topic(topics.DEDUPE.name(settings), **raw)
        self.enriched = app.topic(topics.ENRICHED.name(settings), **raw)
        self.quotes = app.topic(topics.QUOTES.name(settings), **raw)
        self.dead_letters = app.topic(topics.DEAD_LETTERS.name(settings), **raw)
        # the story index: a changelog-backed table written only by the serial dedupe agent
        self.dedupe_table = app.Table("dedupe-index", default=None, key_type=str, value_type=str, partitions=1)
        self.index = DedupeIndex(self.dedupe_table, window_s=settings.dedupe_window_s or None)
        app.on_partitions_revoked.connect(self._on_revoked)

    async def _on_revoked(self, sender: Any, revoked: Any = None, **kwargs: Any) -> None:
        # the index partition may move to another worker, which adds articles this one never sees
        self.index.forget_order()

    async def enrich(self, messages: list[Any]) -> None:
        """Enrich a batch of raw messages. Never raises: failures become dead letters.

        The raw bytes go to the enrichment child, which validates them as articles, enriches them
        and sends back the enriched JSON to publish as it is (:mod:`streams.worker.outcome`).
        """
        started = time.perf_counter()
        values = [_value_bytes(message) for message in messages]
        try:
            outcomes: list[Any] = (
                await self.runner.enrich_values(values, max_bytes=self.settings.max_article_bytes) if values else []
            )
        except Exception as exc:  # noqa: BLE001 - the runner itself failed: every message is a dead letter
            outcomes = [exc] * len(values)
        # messages that are not articles first: the order their dead letters had when the parent validated
        for message, value, outcome in zip(messages, values, outcomes):
            if isinstance(outcome, Rejected):
                await self._dead_letter("enrich", outcome, value, message)
        for message, value, outcome in zip(messages, values, outcomes):
            if isinstance(outcome, Rejected):
                continue
            try:
                if isinstance(outcome, BaseException):
                    raise outcome
                if isinstance(outcome, Failed):
                    raise outcome.error()
                await self._route(outcome)
            except Exception as exc:  # noqa: BLE001 - errors are data here
                await self._dead_letter("enrich", exc, value, message)
        per_article = (time.perf_counter() - started) / max(1, len(messages))
        for _ in messages:
            metrics.STAGE_LATENCY.labels(stage="enrich").observe(per_article)
        metrics.LAST_PROCESSED.labels(stage="enrich").set(time.time())

    async def _route(self, enriched: Enriched) -> None:
        if enriched.facts.needs_clustering:
            # clustering is a read-then-write over the index: done by one serial agent
            await self.dedupe_topic.send(key=enriched.facts.id.encode(), value=enriched.value)
        else:
            await self._publish(enriched)

    async def dedupe(self, message: Any) -> None:
        """Assign the story cluster of one enriched article and publish it. Never raises."""
        started = time.perf_counter()
        value = _value_bytes(message)
        try:
            enriched = EnrichedArticle.from_json(value)
            answer = self.index.assign(enriched.id, enriched.dedupe)
            # the signature served its purpose; subscribers get the cluster, not 120 hash values
            enriched.dedupe = Dedupe.clustered(enriched.dedupe_record().exact, answer).to_dict()
            await self._publish(enriched_outcome(enriched))
        except Exception as exc:  # noqa: BLE001 - errors are data here
            await self._dead_letter("dedupe", exc, value, message)
        finally:
            metrics.STAGE_LATENCY.labels(stage="dedupe").observe(time.perf_counter() - started)
            metrics.LAST_PROCESSED.labels(stage="dedupe").set(time.time())

    async def _publish(self, enriched: Enriched) -> None:
        facts = enriched.facts
        await self.enriched.send(key=facts.id.encode(), value=enriched.value, headers=list(facts.headers))
        for key, value in facts.quote_messages:
            await self.quotes.send(key=key, value=value)
        self._observe(facts)

    @staticmethod
    def _observe(facts: Facts) -> None:
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
        if facts.is_duplicate:
            metrics.DUPLICATES.inc()
        for component, seconds in facts.timings:
            metrics.COMPONENT_LATENCY.labels(component=component).observe(seconds)

    async def _dead_letter(self, stage: str, error: BaseException | Rejected, value: bytes, message: Any) -> None:
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
        await self.dead_letters.send(key=message.key, value=letter.to_json())


def _value_bytes(message: Any) -> bytes:
    return message.value if isinstance(message.value, bytes) else bytes(message.value or b"")


def create_app(settings: Settings | None = None, *, runner: EnrichmentRunner | None = None) -> faust.App:
    """Build the Faust app for ``settings``: the consumer group is ``{topic_prefix}{app_id}``."""
    settings = settings or get_settings()
    app_name = topics.worker_group(settings)
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
        stream_buffer_maxsize=STREAM_BUFFER_MAXSIZE,
        broker_commit_interval=1.0,
        broker_session_timeout=SESSION_TIMEOUT_S,
        broker_heartbeat_interval=HEARTBEAT_INTERVAL_S,
        broker_max_poll_records=STREAM_BUFFER_MAXSIZE,
        producer_max_request_size=settings.max_article_bytes * 8,
    )
    runner = runner or EnrichmentRunner(settings.pipeline, settings.enrich_timeout_s)
    logic = AgentLogic(app, settings, runner)
    app.streams_logic = logic  # type: ignore[attr-defined]

    @app.agent(logic.source, name="enrich", concurrency=1)
    async def enrich(stream: faust.StreamT) -> None:
        # take_events acks the batch only after this body finished with it (at-least-once)
        async for events in stream.take_events(ENRICH_BATCH, within=ENRICH_BATCH_WAIT_S):
            await logic.enrich([event.message for event in events])

    @app.agent(logic.dedupe_topic, name="dedupe", concurrency=1)
    async def dedupe(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await logic.dedupe(event.message)

    return app


def __getattr__(name: str) -> Any:
    # ``faust -A streams.worker.app worker`` and ``from streams.worker.app import app`` get an app built lazily
    # from the environment, so importing this module connects to nothing.
    if name == "app":
        app = create_app()
        globals()["app"] = app
        return app
    raise AttributeError(name)
