"""Alert delivery: ``alerts`` → a webhook, a JSON Lines file, or the terminal.

:class:`AlertDelivery` consumes the ``alerts`` topic in a group of its own per target kind and hands
each alert to a :class:`DeliveryTarget`:

* :class:`WebhookTarget` POSTs the alert as JSON to the rule's webhook (else a default URL) with
  the header ``Idempotency-Key: rule_id:cluster_id``, signed per the Standard Webhooks
  specification (:mod:`streams.alerts.signing`; ``webhook-id`` is the same key). Only public
  destinations are called (:mod:`streams.alerts.guard`; the connection goes to the address that
  was checked) and redirects are not followed. Timeouts, connection errors, 5xx, 408 and 429 are
  retried with jittered exponential backoff up to ``max_attempts``; then — or at once on a refused
  destination, a 3xx or another 4xx — the alert becomes a dead letter (stage ``alert_delivery``)
  with the reason.
* :class:`FileTarget` appends one JSON object per line (flushed and fsync'ed before the commit).
* :class:`TailTarget` prints a compact line per alert (no group, nothing committed).

A digest (:class:`streams.alerts.pacing.Digest`, key ``#digest:...``) is delivered like an alert:
one POST listing a window's alerts of a rule. An alert marked ``throttled`` or ``digest`` is written
to files and shown, but a webhook does not get it by itself (:class:`Held`).

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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, TextIO

import httpx
import orjson

from streams import __version__
from streams.alerts.guard import AllowList, Guard
from streams.alerts.pacing import DIGEST_PREFIX, NOW, Digest
from streams.alerts.rules import Alert
from streams.alerts.signing import WebhookSecrets, load_webhook_secrets, webhook_headers
from streams.alerts.transport import PinnedTransport
from streams.core import metrics
from streams.core.errors import DeliveryError, DestinationRefused, StreamsError
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


class Held(Exception):
    """The alert is not POSTed by itself: its rule is throttled, or digested (a digest message lists it)."""


class NotAddressed(Exception):
    """The alert names no destination at this target, and the target delivers only addressed alerts."""


class DeliveryTarget(Protocol):
    """Where alerts go. ``deliver`` raises :class:`DeliveryError` when it gives up on one alert."""

    kind: str  # webhook | file | tail: names the consumer group
    commits: bool  # False: no consumer group, nothing committed (a live view)

    def deliver(self, alert: Alert | Digest, stop: threading.Event) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class WebhookTarget:
    """POST alerts as signed JSON to public destinations only; bounded, jittered retries.

    ``guard`` refuses internal destinations (default: public addresses only) and pins the address
    it checked; ``secrets`` sign each attempt per the Standard Webhooks specification (default:
    unsigned). :meth:`from_settings` takes both from the settings.
    """

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
        guard: Guard | None = None,
        secrets: WebhookSecrets | None = None,
        clock: Callable[[], float] = time.time,
        rule_webhooks_only: bool = False,
    ) -> None:
        if max_attempts < 1:
            raise StreamsError("max attempts must be >= 1")
        self.default_url = default_url
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.guard = guard if guard is not None else Guard()
        self.secrets = secrets if secrets is not None else WebhookSecrets()
        self.clock = clock
        # an alert of a rule without a webhook is skipped, not dead-lettered (another target has it)
        self.rule_webhooks_only = rule_webhooks_only
        for outcome in ("ok", "retry", "failed"):  # exposed at 0 from the start, so views show a deliverer runs
            metrics.WEBHOOK_DELIVERIES.labels(outcome=outcome)
        # no redirects: a 3xx could lead anywhere, including past the guard
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False,
                                    transport=PinnedTransport(self.guard),
                                    headers={"User-Agent": f"streams-alerts/{__version__}"})

    @classmethod
    def from_settings(cls, settings: Settings, default_url: str | None = None, **options: Any) -> "WebhookTarget":
        """A target with the allow-list (``STREAMS_WEBHOOK_ALLOW``) and secrets of ``settings``."""
        guard = Guard(AllowList.parse(settings.webhook_allow))
        if default_url:
            guard.check_url(default_url)
        return cls(default_url, guard=guard, secrets=load_webhook_secrets(settings), **options)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based): half fixed, half random."""
        return retry_delay(attempt, self.backoff_base_s, self.backoff_max_s)

    def deliver(self, alert: Alert | Digest, stop: threading.Event) -> None:
        if alert.delivery != NOW:
            raise Held(alert.delivery)
        url = alert.webhook or self.default_url
        if not url and self.rule_webhooks_only:
            raise NotAddressed(alert.key)
        if not url:
            raise DeliveryError(f"rule {alert.rule_id} has no webhook and no default URL was given "
                                "(streams alerts deliver --webhook URL)", reason="no_webhook")
        body = {k: v for k, v in alert.to_dict().items() if k != "webhook"}  # the URL may hold a token
        payload = orjson.dumps(body)
        try:
            self.guard.check_url(url)  # spellings the HTTP client would reject are refused by name here
        except DestinationRefused as exc:
            metrics.WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
            raise DestinationRefused(f"rule {alert.rule_id}: alert {alert.key} not delivered: {exc}") from None
        keys = self.secrets.keys_for(alert.rule_id, url)
        what = "not attempted"
        for attempt in range(1, self.max_attempts + 1):
            # the id is the same on every retry (receivers dedupe on it); the timestamp is the attempt's
            headers = {"Content-Type": "application/json", "Idempotency-Key": alert.key,
                       **webhook_headers(alert.key, int(self.clock()), payload, keys)}
            problem = self._attempt(url, payload, headers)
            if problem is None:
                metrics.WEBHOOK_DELIVERIES.labels(outcome="ok").inc()
                return
            reason, what = problem
            if reason is not None:
                metrics.WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
                raise DeliveryError(f"rule {alert.rule_id}: alert {alert.key} not delivered to {url}: {what}",
                                    reason=reason)
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

    def _attempt(self, url: str, payload: bytes, headers: dict[str, str]) -> tuple[str | None, str] | None:
        """None on success, else (dead-letter reason, or None when retryable; what went wrong)."""
        try:
            response = self._client.post(url, content=payload, headers=headers)
        except DestinationRefused as exc:
            return exc.reason, str(exc)
        except httpx.TimeoutException as exc:
            return None, f"timeout ({type(exc).__name__})"
        except httpx.TransportError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        except httpx.InvalidURL as exc:
            return "webhook_rejected", f"invalid URL: {exc}"
        status = response.status_code
        if 200 <= status < 300:
            return None
        if 300 <= status < 400:
            location = response.headers.get("Location", "")[:200]
            return "webhook_redirect", (f"HTTP {status} redirect to {location!r}, not followed (a redirect could "
                                        "lead to an internal address): point the rule at the final URL")
        retryable = status >= 500 or status in RETRYABLE_STATUS
        return (None if retryable else "webhook_rejected"), f"HTTP {status}"

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

    def deliver(self, alert: Alert | Digest, stop: threading.Event) -> None:
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

    def deliver(self, alert: Alert | Digest, stop: threading.Event) -> None:
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
    not_addressed: int = 0  # alerts of rules without a webhook, left to another target
    held: int = 0  # alerts a webhook does not get one by one: throttled, or listed in a digest
    dead_lettered: int = 0


#: finished batches' offsets are committed together at most this often (and when idle or stopping), not after every
#: batch: at 36 articles/s (two alerts each) that cost the deliverer 1.1-1.3 ms of CPU an article, against 0.85 now
#: (`streams alerts deliver --file`, the bench's paced stack). A crash may deliver up to this much of the alerts
#: again: at-least-once as before, and a webhook receiver recognizes a repeated alert by its Idempotency-Key
COMMIT_EVERY_S = 1.0


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
            commit_every_s=COMMIT_EVERY_S,
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
        digest = record.key is not None and record.key.startswith(DIGEST_PREFIX.encode())
        alert = Digest.from_json(record.value) if digest else Alert.from_json(record.value)
        if alert.key in self._recent:
            self.stats.skipped += 1
            return
        try:
            self.target.deliver(alert, stop)
        except NotAddressed:
            self.stats.not_addressed += 1
            return
        except Held:
            self.stats.held += 1
            return
        self._remember(alert.key)
        self.stats.delivered += 1

    def _remember(self, key: str) -> None:
        self._recent[key] = None
        if len(self._recent) > REMEMBERED_KEYS:
            self._recent.popitem(last=False)

    def _dead_lettered(self, count: int) -> None:
        self.stats.dead_lettered += count


def target_from_options(settings: Settings, *, webhook: str | None = None, file: str | Path | None = None,
                        tail: bool = False, max_attempts: int = 5, timeout_s: float = 10.0,
                        rule_webhooks_only: bool = False) -> DeliveryTarget:
    """The target a ``streams alerts deliver`` command line asks for (webhooks when nothing else)."""
    if sum(bool(x) for x in (webhook, file, tail)) > 1:
        raise StreamsError("give one of --webhook, --file, --tail")
    if rule_webhooks_only and (webhook or file or tail):
        raise StreamsError("--rule-webhooks-only goes alone: it delivers to the webhooks the rules name, and "
                           "skips alerts of rules without one")
    if file:
        return FileTarget(file)
    if tail:
        return TailTarget()
    if webhook:
        from streams.alerts.rules import check_webhook

        check_webhook(webhook)
    return WebhookTarget.from_settings(settings, webhook, max_attempts=max_attempts, timeout_s=timeout_s,
                                       rule_webhooks_only=rule_webhooks_only)
