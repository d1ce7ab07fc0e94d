"""Alert delivery: ``alerts`` → a webhook, a JSON Lines file, or the terminal.

:class:`AlertDelivery` consumes the ``alerts`` topic in a group of its own per target kind and hands
each alert to a :class:`DeliveryTarget`:

* :class:`WebhookTarget` POSTs the alert as JSON to the rule's webhook (else a default URL) with
  the header ``Idempotency-Key: rule_id:cluster_id``. Timeouts, connection errors, 5xx, 408 and
  429 are retried with jittered exponential backoff up to ``max_attempts``; then — or at once on
  any other 3xx/4xx — the alert becomes a dead letter (stage ``alert_delivery``) with the reason.
* :class:`FileTarget` appends one JSON object per line (flushed and fsync'ed before the commit).
* :class:`TailTarget` prints a compact line per alert (no group, nothing committed).

:class:`AlertDelivery` is a sink of :class:`streams.kafka.loop.BatchLoop`: offsets are committed
after delivery (or dead-lettering), so delivery is at-least-once: after a crash an alert may be
sent again with the same ``Idempotency-Key``, which receivers use to dedupe. Within one run an
alert key seen twice (two matcher processes raced) is delivered once.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import httpx
import orjson

from streams import __version__
from streams.alerts.rules import Alert
from streams.core import metrics
from streams.core.errors import DeliveryError, StreamsError
from streams.core.model import DeadLetter
from streams.core.retry import retry_delay
from streams.core.settings import Settings
from streams.kafka import topics
from streams.kafka.loop import Batch, BatchLoop, BatchResult, LoopSpec

log = logging.getLogger(__name__)

STAGE = "alert_delivery"
RETRYABLE_STATUS = frozenset({408, 429})
REMEMBERED_KEYS = 100_000  # keys delivered in this run, to skip an alert produced twice


class Interrupted(Exception):
    """Delivery was stopped mid-way (the stop event was set while retrying); nothing is committed."""


class DeliveryTarget(Protocol):
    """Where alerts go. ``deliver`` raises :class:`DeliveryError` when it gives up on one alert."""

    kind: str  # webhook | file | tail: names the consumer group
    commits: bool  # False: no consumer group, nothing committed (a live view)

    def deliver(self, alert: Alert, stop: threading.Event) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class WebhookTarget:
    """POST alerts as JSON with an ``Idempotency-Key`` header; bounded, jittered retries."""

    kind = "webhook"
    commits = True

    def __init__(
        self,
        default_url: str | None = None,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 5,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
    ) -> None:
        if max_attempts < 1:
            raise StreamsError("max attempts must be >= 1")
        self.default_url = default_url
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False,
                                    headers={"User-Agent": f"streams-alerts/{__version__}"})

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based): half fixed, half random."""
        return retry_delay(attempt, self.backoff_base_s, self.backoff_max_s)

    def deliver(self, alert: Alert, stop: threading.Event) -> None:
        url = alert.webhook or self.default_url
        if not url:
            raise DeliveryError(f"rule {alert.rule_id} has no webhook and no default URL was given "
                                "(streams alerts deliver --webhook URL)", reason="no_webhook")
        body = {k: v for k, v in alert.to_dict().items() if k != "webhook"}  # the URL may hold a token
        payload = orjson.dumps(body)
        headers = {"Content-Type": "application/json", "Idempotency-Key": alert.key}
        for attempt in range(1, self.max_attempts + 1):
            problem = self._attempt(url, payload, headers)
            if problem is None:
                metrics.WEBHOOK_DELIVERIES.labels(outcome="ok").inc()
                return
            retryable, what = problem
            if not retryable:
                metrics.WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
                raise DeliveryError(f"webhook {url} refused alert {alert.key}: {what}", reason="webhook_rejected")
            if attempt == self.max_attempts:
                break
            metrics.WEBHOOK_DELIVERIES.labels(outcome="retry").inc()
            wait = self.backoff(attempt)
            log.info("webhook %s: %s; retry %d/%d in %.2fs", url, what, attempt, self.max_attempts - 1, wait)
            if stop.wait(wait):
                raise Interrupted(alert.key)
        metrics.WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
        raise DeliveryError(f"webhook {url} failed {self.max_attempts} times for alert {alert.key}: {what}",
                            reason="webhook_failed")

    def _attempt(self, url: str, payload: bytes, headers: dict[str, str]) -> tuple[bool, str] | None:
        """None on success, else (retryable, what went wrong)."""
        try:
            response = self._client.post(url, content=payload, headers=headers)
        except httpx.TimeoutException as exc:
            return True, f"timeout ({type(exc).__name__})"
        except httpx.TransportError as exc:
            return True, f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        retryable = response.status_code >= 500 or response.status_code in RETRYABLE_STATUS
        return retryable, f"HTTP {response.status_code}"

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self._client.close()


class FileTarget:
    """Append alerts to a JSON Lines file."""

    kind = "file"
    commits = True

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("ab")
        except OSError as exc:
            raise DeliveryError(f"cannot append to {self.path}: {exc}", reason="file_unwritable") from exc

    def deliver(self, alert: Alert, stop: threading.Event) -> None:
        self._handle.write(alert.to_json() + b"\n")

    def flush(self) -> None:
        """Make the batch durable before its offsets are committed."""
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


class TailTarget:
    """Print one compact line per alert (a live view: no consumer group, nothing committed)."""

    kind = "tail"
    commits = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def deliver(self, alert: Alert, stop: threading.Event) -> None:
        print(alert.line(), file=self.stream, flush=True)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


@dataclass
class DeliveryStats:
    """What an :class:`AlertDelivery` did."""

    consumed: int = 0
    delivered: int = 0
    skipped: int = 0  # the same alert key again in this run
    dead_lettered: int = 0


def delivery_group_id(settings: Settings, kind: str) -> str:
    """Consumer group of the deliverers of one target kind (per topic prefix)."""
    return topics.delivery_group(settings, kind)


class AlertDelivery:
    """Consume ``alerts`` and hand each alert to ``target``; commit after delivery.

    ``AlertDelivery(settings, WebhookTarget()).run(stop_event)`` runs until the event is set.
    """

    def __init__(self, settings: Settings, target: DeliveryTarget, *, group_id: str | None = None,
                 from_beginning: bool = False, batch_size: int = 50) -> None:
        self.settings = settings
        self.target = target
        self.topic = topics.ALERTS.name(settings)
        self.dead_letter_topic = topics.DEAD_LETTERS.name(settings)
        self.group_id = group_id if group_id is not None else (
            delivery_group_id(settings, target.kind) if target.commits else None)
        self.from_beginning = from_beginning
        self.batch_size = batch_size
        self.stats = DeliveryStats()
        self.ready = threading.Event()
        self._recent: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.loop = BatchLoop(settings, LoopSpec(
            stage=STAGE,
            topic=self.topic,
            group_id=self.group_id,
            client_id=f"streams-alerts-{target.kind}",
            batch_size=batch_size,
            create_topics=(topics.ALERTS, topics.DEAD_LETTERS),
            # a webhook may retry for minutes; the group must not evict us meanwhile
            consumer_options={"max_poll_interval_ms": 30 * 60 * 1000},
            from_beginning=from_beginning,
            redelivery="alerts may be delivered again, same Idempotency-Key",
        ), self, ready=self.ready)

    def run(self, stop_event: threading.Event | None = None, *, until_idle: float | None = None) -> DeliveryStats:
        """Deliver until ``stop_event`` is set (or, with ``until_idle``, until nothing arrived for that long)."""
        self.loop.run(stop_event, until_idle=until_idle)
        log.info("alert delivery finished: %s", self.stats)
        return self.stats

    # -- the sink, run by the loop ------------------------------------------------------------------
    def open(self) -> None:
        log.info("delivering %s to %s (group %s)", self.topic, self.target.kind, self.group_id)

    def close(self) -> None:
        """Close the target (the loop closes the Kafka clients)."""
        self.target.close()

    def handle(self, batch: Batch) -> BatchResult:
        """Deliver the batch's alerts in order; a failed one becomes a dead letter. Stops part-way on stop."""
        handled = 0
        dead: list[DeadLetter] = []
        for record in batch.records:
            if batch.stop.is_set():
                break
            try:
                self._deliver(record, batch.stop)
            except Interrupted:
                break
            except Exception as exc:  # noqa: BLE001 - a failed alert is a dead letter, not a crash
                dead.append(batch.dead_letter(exc, record))
            handled += 1
            self.stats.consumed += 1
        if handled:
            self.target.flush()
        return BatchResult(dead_letters=dead, handled=handled, on_done=functools.partial(self._dead_lettered, len(dead)))

    def _deliver(self, record: Any, stop: threading.Event) -> None:
        if not record.value:
            raise DeliveryError("empty record (no alert)", reason="empty")
        alert = Alert.from_json(record.value)
        if alert.key in self._recent:
            self.stats.skipped += 1
            return
        self.target.deliver(alert, stop)
        self._remember(alert.key)
        self.stats.delivered += 1

    def _remember(self, key: str) -> None:
        self._recent[key] = None
        if len(self._recent) > REMEMBERED_KEYS:
            self._recent.popitem(last=False)

    def _dead_lettered(self, count: int) -> None:
        self.stats.dead_lettered += count


def target_from_options(*, webhook: str | None = None, file: str | Path | None = None, tail: bool = False,
                        max_attempts: int = 5, timeout_s: float = 10.0) -> DeliveryTarget:
    """The target a ``streams alerts deliver`` command line asks for (webhooks when nothing else)."""
    if sum(bool(x) for x in (webhook, file, tail)) > 1:
        raise StreamsError("give one of --webhook, --file, --tail")
    if file:
        return FileTarget(file)
    if tail:
        return TailTarget()
    if webhook:
        from streams.alerts.rules import check_webhook

        check_webhook(webhook)
    return WebhookTarget(webhook, max_attempts=max_attempts, timeout_s=timeout_s)
