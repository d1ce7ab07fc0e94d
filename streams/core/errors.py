"""One exception tree for the whole package.

Every error a user or operator can meet derives from :class:`StreamsError`. Errors that end an
item's journey carry a short machine-readable ``reason`` (a bounded set, used as a metric label
and stored in the dead letter) and a human message that says what to do.
"""

from __future__ import annotations


class StreamsError(Exception):
    """Base of every error raised by streams."""

    reason: str = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class ConfigError(StreamsError):
    """A setting or command-line option is invalid."""

    reason = "config"


class BrokerError(StreamsError):
    """The managed Kafka broker could not be resolved, started, reached or stopped."""

    reason = "broker"


class ValidationError(StreamsError):
    """An article (or other record) does not match the model; the message names the field."""

    reason = "invalid"

    def __init__(self, message: str, *, field: str | None = None, reason: str | None = None) -> None:
        super().__init__(message if field is None else f"{field}: {message}", reason=reason)
        self.field = field


class DecodeError(StreamsError):
    """Bytes could not be decoded (not UTF-8, not JSON, not a feed)."""

    reason = "undecodable"


class TooLargeError(StreamsError):
    """An input exceeds a configured size limit."""

    reason = "too_large"


class EnrichmentError(StreamsError):
    """An enrichment component failed on an article."""

    reason = "component_failed"

    def __init__(self, message: str, *, component: str | None = None, reason: str | None = None) -> None:
        super().__init__(message, reason=reason)
        self.component = component


class PipelineConfigError(ConfigError):
    """The enrichment pipeline is mis-assembled (unknown component, missing requirement)."""

    reason = "pipeline_config"


class StorageError(StreamsError):
    """The archive could not be written or read."""

    reason = "storage"


class DatabaseUnavailable(StorageError):
    """The database server does not answer (down, restarting, recovering): worth waiting for."""


class DeliveryError(StreamsError):
    """An alert could not be delivered to its target (webhook refused or unreachable, file unwritable)."""

    reason = "delivery_failed"


class DestinationRefused(DeliveryError):
    """A webhook URL points at an internal address (loopback, private, link-local, metadata...).

    Reason ``destination_refused``: never retried; ``STREAMS_WEBHOOK_ALLOW`` lists exceptions.
    """

    reason = "destination_refused"
