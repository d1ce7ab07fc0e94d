"""What the enrichment child hands back per raw message, so the parent publishes without decoding.

The worker parent passes the raw Kafka message bytes to the child. The child validates them
(``Article.from_json`` with ``max_article_bytes``, as the parent used to), enriches the valid ones
and answers, per message, one of:

* :class:`Enriched`: the enriched JSON (``EnrichedArticle.to_wire()``: ninjs 2.2, published as it is) and the
  :class:`Facts` the parent needs to route it, set its headers, fan its quotes out and count it;
* :class:`Rejected`: the message is not a valid article (the dead letter's reason, error type and
  message, exactly as ``DeadLetter.from_error`` would have taken them from the exception);
* :class:`Failed`: enrichment failed (the parent raises it as an ``EnrichmentError``).

The dedupe agent builds the same :class:`Enriched` after clustering, so publishing is one path.
Everything here is a tuple, cheap to pickle across the process boundary.
"""

from __future__ import annotations

from typing import NamedTuple

import orjson

from streams.core.errors import EnrichmentError, StreamsError
from streams.core.model import EnrichedArticle
from streams.core.records import Entity, Quote, readable


class Facts(NamedTuple):
    """The little the parent reads of an enriched article (from records, in the child)."""

    id: str
    headers: tuple[tuple[str, bytes], ...]  # of the articles.enriched message
    needs_clustering: bool  # dedupe bands: the serial dedupe agent clusters it before publishing
    language: str | None
    quotes: tuple[tuple[str, bool], ...]  # (kind, attributed) per quote, for the metrics
    quote_messages: tuple[tuple[bytes, bytes], ...]  # (key, value) per quote for the quotes topic
    entities: int
    linked: int  # entities with links
    is_duplicate: bool
    timings: tuple[tuple[str, float], ...]  # seconds per component


class Enriched(NamedTuple):
    value: bytes  # EnrichedArticle.to_wire()
    facts: Facts


class Rejected(NamedTuple):
    """A message that is not a valid article: what its dead letter says."""

    reason: str
    error_type: str
    message: str
    expected: bool  # a StreamsError (logged as a warning) rather than a bug (logged with its traceback)

    @classmethod
    def of(cls, exc: BaseException) -> "Rejected":
        expected = isinstance(exc, StreamsError)
        return cls(exc.reason if expected else "unexpected_error", type(exc).__name__, str(exc), expected)


class Failed(NamedTuple):
    """Enrichment of a valid article failed: the ``EnrichmentError`` the parent raises."""

    reason: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> "Failed":
        if isinstance(exc, EnrichmentError):
            return cls(exc.reason, f"{type(exc.__cause__ or exc).__name__}: {exc}")
        return cls("component_failed", f"{type(exc).__name__}: {type(exc).__name__}: {exc}")

    def error(self) -> EnrichmentError:
        return EnrichmentError(self.message, reason=self.reason)


Outcome = Enriched | Rejected | Failed


def headers_of(enriched: EnrichedArticle) -> tuple[tuple[str, bytes], ...]:
    headers = [("content-type", b"application/json"), ("schema", str(enriched.schema).encode())]
    if enriched.article.received_at:
        headers.append(("received-at", enriched.article.received_at.encode()))
    return tuple(headers)


def facts_of(enriched: EnrichedArticle, *, fan_out: bool | None = None) -> Facts:
    """The :class:`Facts` of ``enriched``. ``fan_out``: encode its quote messages; by default only when
    it is published next (an article that goes to clustering first is fanned out by the dedupe agent).
    Raises ValidationError if ``dedupe`` is not an object."""
    dedupe = enriched.dedupe_record()
    quotes = [q for q in readable(Quote, enriched.quotes) if q is not None]
    entities = [e for e in readable(Entity, enriched.entities) if e is not None]
    messages: tuple[tuple[bytes, bytes], ...] = ()
    if fan_out if fan_out is not None else not dedupe.needs_clustering:
        head = {"article_id": enriched.id, "headline": enriched.article.headline}
        messages = tuple(((q.speaker or "").encode(), orjson.dumps({**head, **q.to_dict()})) for q in quotes)
    return Facts(
        id=enriched.id,
        headers=headers_of(enriched),
        needs_clustering=dedupe.needs_clustering,
        language=enriched.language,
        quotes=tuple((q.kind_or_direct, bool(q.speaker)) for q in quotes),
        quote_messages=messages,
        entities=len(entities),
        linked=sum(1 for e in entities if e.linked),
        is_duplicate=bool(dedupe.is_duplicate),
        timings=tuple(enriched.timings.items()),
    )


def enriched_outcome(enriched: EnrichedArticle) -> Enriched:
    """What is published for ``enriched``: its JSON and its facts."""
    return Enriched(enriched.to_wire(), facts_of(enriched))
