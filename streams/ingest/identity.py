"""Stable article ids and provenance (distributor, original source, dateline place, publish time).

Ids are derived, never random, so that ingesting the same item twice gives the same Kafka key and
idempotent sinks keep one copy: an id the input carries wins; else a hash of the namespace (feed,
collection) and the item's GUID or URL; else, as a last resort, a hash of the body text.

Provenance comes from the wire text itself: the header line distributors such as MENAFN put in
front of a story (``date 2026-01-13 MENAFN - UkrinForm)``) and the agency dateline
(``BERLIN, Jan 13 (Reuters) -``), both parsed by :mod:`streams.text.wire`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from streams.text.wire import MONTHS, parse_dateline, parse_wire_header

#: an id longer than this is replaced by a hash (the model caps ids at 512 characters)
MAX_NATIVE_ID = 200
_GLOBAL_ID = re.compile(r"^(?:https?://|urn:|tag:)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s")
_SLUG = re.compile(r"[^a-z0-9]+")


def _digest(*parts: str, length: int = 24) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:length]


def slug(text: str, default: str = "item") -> str:
    """A short lowercase ``[a-z0-9-]`` name for an id prefix."""
    out = _SLUG.sub("-", text.lower()).strip("-")[:40]
    return out or default


def normalize_identifier(identifier: str) -> str:
    """Trim a GUID/URL; lower-case the scheme and host of URLs (they are case-insensitive)."""
    identifier = identifier.strip()
    if identifier.lower().startswith(("http://", "https://")):
        parts = urlsplit(identifier)
        identifier = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
    return identifier


def content_hash(text: str) -> str:
    """Hex SHA-256 of the text (the identity of last resort)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def article_id(*, namespace: str, identifier: str | None = None, body: str | None = None) -> str:
    """A stable id: ``<namespace-slug>-<hash>`` of the GUID/URL, else of the body text.

    URLs, URNs and tag: URIs are globally unique, so they are hashed without the namespace: the same
    story reached through two feeds (or a feed and a ninjs file) gets the same id.
    """
    if identifier and identifier.strip():
        ident = normalize_identifier(identifier)
        if _GLOBAL_ID.match(ident):
            host = urlsplit(ident).netloc if "://" in ident else ident.split(":", 1)[0]
            return f"{slug(host, 'uri')}-{_digest('uri', ident)}"
        return f"{slug(namespace)}-{_digest(namespace, ident)}"
    if body is None:
        raise ValueError("article_id needs an identifier or a body")
    return f"{slug(namespace)}-h{content_hash(body)[:24]}"


def native_id(value: Any, *, namespace: str) -> str | None:
    """Use an id the input carries (``reuters21578:1``) when it is a short non-empty string."""
    if isinstance(value, (int,)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if len(value) <= MAX_NATIVE_ID and not _WHITESPACE.search(value):
        return value
    return article_id(namespace=namespace, identifier=value)


# --- provenance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """What the text says about where it comes from. Every field may be unknown (None)."""

    date: str | None = None  # ISO 8601 date or date-time
    provider: str | None = None  # distributor (MENAFN)
    source: str | None = None  # original source (Ukrinform, Reuters)
    located: str | None = None  # dateline place (BERLIN)

    def merged_over(self, other: "Provenance") -> "Provenance":
        """Self's known fields, falling back to ``other``'s."""
        return Provenance(
            date=self.date or other.date,
            provider=self.provider or other.provider,
            source=self.source or other.source,
            located=self.located or other.located,
        )


def _canonical_name(name: str, text: str) -> str:
    """Prefer the body's spelling of a name whose header spelling differs only in case.

    Headers are often mis-cased ("UkrinForm") while the body credits the source properly
    ("an Ukrinform correspondent reports").
    """
    name = name.strip()
    for match in re.finditer(re.escape(name), text, flags=re.IGNORECASE):
        found = match.group(0)
        if found != name and found[:1].isupper() and not found.isupper():
            return found
    return name


def provenance_from_text(text: str) -> Provenance:
    """Distributor, original source, dateline place and date as the wire text states them."""
    header = parse_wire_header(text)
    dateline = parse_dateline(text, header.end if header is not None else 0)
    if header is None:
        return Provenance(source=dateline.agency if dateline else None, located=dateline.place if dateline else None)
    return Provenance(
        date=header.date,
        provider=header.distributor,
        source=_canonical_name(header.source, text[header.end:]),
        located=dateline.place if dateline else None,
    )


# --- dates ----------------------------------------------------------------------------------------

_CORPUS_DATE = re.compile(
    r"^\s*(?P<d>\d{1,2})-(?P<mon>[A-Za-z]{3})-(?P<y>\d{4})\s+(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d+))?[A-Za-z]?\s*$"
)


def iso_datetime(value: Any) -> str | None:
    """An ISO 8601 string (UTC ``Z`` when no zone is given) from the date forms inputs use.

    Accepts ISO 8601 dates/date-times, Reuters-21578's ``26-FEB-1987 15:01:01.79``, RFC 822 (RSS),
    Unix seconds and ``time.struct_time``. Returns None for anything else.
    """
    if type(value) is not str:  # strings first: nearly every input date is one (hasattr on a str is slow)
        if value is None:
            return None
        if hasattr(value, "tm_year"):
            return _fmt(datetime(*value[:6], tzinfo=timezone.utc))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _fmt(datetime.fromtimestamp(float(value), tz=timezone.utc))
        if not isinstance(value, str):
            return None
    text = value.strip()
    if not text:
        return None
    m = _CORPUS_DATE.match(text)
    if m and m.group("mon").lower() in MONTHS:
        d, mon, y, h, mi, s, f = m.groups()
        us = int((f or "0")[:6].ljust(6, "0"))
        try:
            dt = datetime(int(y), MONTHS[mon.lower()], int(d), int(h), int(mi), int(s), us)  # no 30 February
        except ValueError:
            return None
        return dt.isoformat(timespec="milliseconds" if us else "seconds") + "Z"
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime  # noqa: PLC0415

        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if len(text) == 10 and text[4] == "-":
        return text  # a plain date stays a date
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return _fmt(dt)


def _fmt(dt: datetime) -> str:
    out = dt.isoformat(timespec="milliseconds" if dt.microsecond else "seconds")
    return out.replace("+00:00", "Z")
