"""What the enrichment child hands back per raw message, so the parent publishes without decoding.

The worker parent passes the raw Kafka message bytes to the child. The child validates them
(``Article.from_json`` with ``max_article_bytes``, as the parent used to), enriches the valid ones
and answers, per message, one of:

* :class:`Enriched`: the enriched JSON (``EnrichedArticle.to_wire()``: ninjs 2.2) and the :class:`Facts` the
  parent needs to cluster it, set its headers, fan its quotes out and count it. When the article
  has a dedupe signature, the JSON comes in two pieces around its ``dedupe`` object and the facts
  carry its compact fingerprint: the parent learns the story cluster from the fingerprint log and
  joins ``head + dedupe + tail`` (:meth:`Enriched.publishable`) — bytes, no JSON decoding;
* :class:`Rejected`: the message is not a valid article (the dead letter's reason, error type and
  message, exactly as ``DeadLetter.from_error`` would have taken them from the exception);
* :class:`Failed`: enrichment failed (the parent raises it as an ``EnrichmentError``).

Everything here is a tuple, cheap to pickle across the process boundary.
"""

from __future__ import annotations

from typing import NamedTuple

import secrets
from typing import Any, Mapping

import orjson

from streams.core.errors import EnrichmentError, StreamsError
from streams.core.model import EnrichedArticle
from streams.core.records import Entity, Quote, readable
from streams.enrich.components.dedupe import fingerprint

#: stands in for the dedupe object while the child encodes the article; random, so no article holds it
_DEDUPE_SLOT = f"streams-dedupe-slot-{secrets.token_hex(16)}"


class Facts(NamedTuple):
    """The little the parent reads of an enriched article (from records, in the child)."""

    id: str
    headers: tuple[tuple[str, bytes], ...]  # of the articles.enriched message
    fingerprint: bytes | None  # dedupe fingerprint: the parent clusters the article before publishing
    exact: str | None  # the dedupe exact hash, published beside the cluster
    language: str | None
    quotes: tuple[tuple[str, bool], ...]  # (kind, attributed) per quote, for the metrics
    quote_messages: tuple[tuple[bytes, bytes], ...]  # (key, value) per quote for the quotes topic
    entities: int
    linked: int  # entities with links
    timings: tuple[tuple[str, float], ...]  # seconds per component


class Enriched(NamedTuple):
    value: bytes  # EnrichedArticle.to_wire(); with a fingerprint, the part before the dedupe object
    facts: Facts
    tail: bytes = b""  # with a fingerprint: the part after the dedupe object

    def publishable(self, answer: Mapping[str, Any] | None = None) -> bytes:
        """The JSON to publish: as it came, or with the dedupe object (``exact`` and ``answer``) put in."""
        if self.facts.fingerprint is None:
            return self.value
        return self.value + orjson.dumps({"exact": self.facts.exact, **(answer or {})}) + self.tail


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


def facts_of(enriched: EnrichedArticle) -> Facts:
    """The :class:`Facts` of ``enriched``. Raises ValidationError if ``dedupe`` is not an object, and
    ValueError if it has bands but is not a signature of this version."""
    dedupe = enriched.dedupe_record()
    quotes = [q for q in readable(Quote, enriched.quotes) if q is not None]
    entities = [e for e in readable(Entity, enriched.entities) if e is not None]
    head = {"article_id": enriched.id, "headline": enriched.article.headline}
    messages = tuple(((q.speaker or "").encode(), orjson.dumps({**head, **q.to_dict()})) for q in quotes)
    signed = dedupe.needs_clustering
    return Facts(
        id=enriched.id,
        headers=headers_of(enriched),
        fingerprint=fingerprint(enriched.dedupe) if signed else None,
        exact=dedupe.exact,
        language=enriched.language,
        quotes=tuple((q.kind_or_direct, bool(q.speaker)) for q in quotes),
        quote_messages=messages,
        entities=len(entities),
        linked=sum(1 for e in entities if e.linked),
        timings=tuple(enriched.timings.items()),
    )


def enriched_outcome(enriched: EnrichedArticle) -> Enriched:
    """What is published for ``enriched``: its JSON (in two pieces when it is to be clustered) and its facts."""
    facts = facts_of(enriched)
    if facts.fingerprint is None:
        return Enriched(enriched.to_wire(), facts)
    signature, enriched.dedupe = enriched.dedupe, _DEDUPE_SLOT  # type: ignore[assignment]
    try:
        parts = enriched.to_wire().split(orjson.dumps(_DEDUPE_SLOT))
    finally:
        enriched.dedupe = signature
    if len(parts) != 2:
        raise ValueError("the article holds the dedupe placeholder")  # never by chance: the slot is random
    return Enriched(parts[0], facts, parts[1])
