"""Feed documents as bytes → parsed feeds: the charset, the XML safety check, feedparser.

Feeds arrive in every encoding feedparser reads (UTF-8, UTF-16, Latin-1, big5, euc-kr, shift_jis,
gb18030...) and sometimes declare the wrong one. Before anything parses them, the bytes are brought
to UTF-8 (:func:`to_utf8`), so the safety check sees the same characters as feedparser, and a feed
in a multi-byte encoding is read like any other instead of failing the check. What was wrong with
the charset is kept as a note (logged by the poller and recorded on every article of the feed).
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from typing import Any

import feedparser
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from streams.core.errors import DecodeError, StreamsError
from streams.ingest.html_text import html_to_text, looks_like_html

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"'][^>]*\?>")
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class FeedRejected(StreamsError):
    """A feed document that must not be parsed (entity declarations, external references)."""

    reason = "xml_forbidden"


@dataclass(frozen=True)
class FeedBytes:
    """A feed document in UTF-8, with what was learnt about its charset on the way."""

    data: bytes
    encoding: str  # the encoding the bytes were read as
    note: str | None = None  # a charset problem found and corrected (declared one thing, was another)


def _codec(name: str | None) -> str | None:
    """Python's canonical name of an encoding label, or None when Python does not know it."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def _declared(raw: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """(charset label from HTTP, from the XML declaration). The HTTP one wins for XML (RFC 7303)."""
    http = _HTTP_CHARSET.search(content_type or "")
    decl = _XML_DECL.match(raw[:400])
    return (http.group(1) if http else None), (decl.group(1).decode("ascii") if decl else None)


def _with_utf8_declaration(text: str) -> bytes:
    """``text`` as UTF-8 bytes whose XML declaration (if any) says UTF-8."""
    data = text.lstrip("\ufeff").encode("utf-8")
    match = _XML_DECL.match(data[:400])
    if match:
        data = data[:match.start(1)] + b"utf-8" + data[match.end(1):]
    return data


def to_utf8(raw: bytes, content_type: str | None = None) -> FeedBytes:
    """The feed's bytes as UTF-8, read in the encoding its bytes actually use.

    Order: a byte-order mark; the declared charset (HTTP, then the XML declaration) when the bytes
    decode in it, except that bytes which are valid UTF-8 with non-ASCII characters are UTF-8 whatever
    a single-byte declaration says (that is the usual mislabelling, and it makes ``â€™`` mojibake);
    else a guess by charset-normalizer, noted. Raises DecodeError when nothing reads the bytes.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                return FeedBytes(_with_utf8_declaration(raw.decode(name)), name)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"the feed starts with a {name} byte-order mark but is not {name}: {exc}",
                                  reason="undecodable") from exc
    http_label, decl_label = _declared(raw, content_type)
    label = http_label or decl_label
    declared = _codec(label)
    is_utf8 = _is_utf8(raw)
    if declared in (None, "utf-8", "ascii") and is_utf8:
        note = None if declared or not label else f"declares unknown charset {label!r}; read as UTF-8"
        return FeedBytes(raw, "utf-8", note)
    if is_utf8 and not raw.isascii() and declared is not None and _single_byte(declared):
        return FeedBytes(_with_utf8_declaration(raw.decode("utf-8")), "utf-8",
                         f"declares {label} but its bytes are UTF-8; read as UTF-8")
    if declared is not None:
        try:
            return FeedBytes(_with_utf8_declaration(raw.decode(declared)), declared)
        except UnicodeDecodeError:
            pass
    return _guess(raw, label)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _single_byte(codec: str) -> bool:
    """True for encodings with one byte per character (Latin-1, Windows-125x, KOI8...)."""
    try:
        return len("é".encode(codec)) <= 1 and len("€".encode(codec, errors="replace")) <= 1
    except (LookupError, UnicodeError):
        return False


def _guess(raw: bytes, label: str | None) -> FeedBytes:
    """Bytes that are not in their declared charset: a multi-byte encoding recognised by
    charset-normalizer, else Windows-1252 (the usual legacy wire encoding; single-byte guesses
    between Latin codepages are unreliable on short text), noted either way."""
    from charset_normalizer import from_bytes  # only for the rare mislabelled feed

    said = f"declares {label}" if label else "declares no charset"
    best = from_bytes(raw[:200_000]).best()
    codec = _codec(best.encoding) if best is not None else None
    if codec is None or _single_byte(codec):
        codec = "cp1252"
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"the feed {said}, its bytes are not in it, nor in {codec}: {exc}",
                          reason="undecodable") from exc
    return FeedBytes(_with_utf8_declaration(text), codec, f"{said}, which its bytes are not in; read as {codec} "
                                                           "(a guess)")


def check_xml_safe(raw: bytes) -> None:
    """Refuse entity declarations and external references before any XML parser expands them.

    ``raw`` must be UTF-8 (see :func:`to_utf8`), so that the check sees the document's characters.
    """
    if _ENTITY_DECL.search(raw):
        raise FeedRejected("the feed declares XML entities (<!ENTITY ...>); refused to protect against "
                           "entity-expansion bombs and external entities")
    try:
        SafeET.fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedRejected(f"the feed is unsafe XML: {exc}") from exc
    except (SafeET.ParseError, ValueError):
        pass  # malformed but harmless: feedparser's lenient parser may still read it


def parse_feed(raw: bytes, *, content_type: str | None = None, base_url: str | None = None) -> Any:
    """Parse feed *bytes* with feedparser after the charset and safety checks; DecodeError if not a feed.

    The result carries ``charset_note`` (None, or what was wrong with the declared charset).
    """
    utf8 = to_utf8(raw, content_type)
    check_xml_safe(utf8.data)
    media_type = (content_type or "application/xml").split(";")[0].strip() or "application/xml"
    headers = {"content-type": f"{media_type}; charset=utf-8"}
    if base_url:
        headers["content-location"] = base_url
    parsed = feedparser.parse(io.BytesIO(utf8.data), response_headers=headers)
    if not parsed.entries and not parsed.feed and parsed.get("bozo"):
        raise DecodeError(f"not an RSS/Atom/RDF feed: {parsed.get('bozo_exception')}", reason="not_a_feed")
    problem = parsed.get("bozo_exception")
    if not parsed.entries and problem is not None and not isinstance(problem, feedparser.CharacterEncodingOverride):
        # broken XML with nothing readable (truncated, garbage after a channel start): not "ok, 0 new"
        raise DecodeError(f"the feed is malformed XML with no readable item ({problem})", reason="not_a_feed")
    if parsed.get("version", "") == "" and not parsed.entries:
        raise DecodeError("not an RSS/Atom/RDF feed (no channel, no entries)", reason="not_a_feed")
    parsed["charset_note"] = utf8.note
    return parsed


def entry_body(entry: Any) -> str | None:
    """The fullest text an entry carries: content (content:encoded, Atom content), else summary."""
    candidates: list[tuple[str, str]] = []
    for content in entry.get("content") or []:
        value = content.get("value")
        if isinstance(value, str) and value.strip():
            candidates.append((value, str(content.get("type", ""))))
    summary = entry.get("summary")
    if isinstance(summary, str) and summary.strip():
        detail = entry.get("summary_detail") or {}
        candidates.append((summary, str(detail.get("type", ""))))
    if not candidates:
        return None
    value, ctype = max(candidates, key=lambda c: len(c[0]))  # the longest is the full text
    if "html" in ctype or looks_like_html(value):
        value = html_to_text(value)
    return value if value.strip() else None


def entry_title(entry: Any) -> str | None:
    """The entry's title as text (HTML titles unwrapped), or None."""
    title = entry.get("title")
    if isinstance(title, str) and looks_like_html(title):
        title = html_to_text(title)
    return title.strip() if isinstance(title, str) and title.strip() else None


def entry_language(entry: Any, feed: Any) -> str | None:
    """The entry's language: ``xml:lang`` on its content, summary or title, else the feed's language."""
    for content in entry.get("content") or []:
        if content.get("language"):
            return str(content["language"])
    for name in ("summary_detail", "title_detail"):
        detail = entry.get(name) or {}
        if detail.get("language"):
            return str(detail["language"])
    if entry.get("language"):
        return str(entry["language"])
    language = (feed or {}).get("language")
    return str(language) if language else None
