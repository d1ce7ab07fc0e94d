"""Turn input bytes into :class:`~streams.core.model.Article` objects: wire text, ninjs, JSON Lines.

Pure code (no Kafka). Every function either returns articles or raises a
:class:`~streams.core.errors.StreamsError` whose ``reason`` names what is wrong (``undecodable``,
``malformed_json``, ``empty_body``, ``too_large``, ``invalid``); callers dead-letter the original
bytes with that reason.

Accepted record shapes (one JSON object):

- the model itself (``id`` + ``body_text`` and other :class:`Article` fields);
- ninjs 1.x, 2.x and 3.x documents (see :mod:`streams.ingest.ninjs_in`);
- the corpus format of ``../shared/corpus``: ``id``, ``title``, ``text``, ``date``, ``dateline``,
  ``publisher`` (and ``url``, ``wire``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import fields
from typing import Any, Mapping

import orjson

from streams.core.errors import DecodeError, TooLargeError, ValidationError
from streams.core.ninjs import is_streams_ninjs
from streams.core.model import Article, check_body, received_now, strict_utf8
from streams.ingest.identity import (
    Provenance,
    article_id,
    native_id,
    provenance_from_text,
)
from streams.ingest.ninjs_in import date_field, from_ninjs, str_field

log = logging.getLogger(__name__)

ARTICLE_FIELDS: frozenset[str] = frozenset(f.name for f in fields(Article))
JSON_CONTENT_TYPE = "application/json"
TEXT_CONTENT_TYPE = "text/plain"
#: the legacy encoding many wire systems still emit; tried when a text is not UTF-8
FALLBACK_ENCODING = "cp1252"
#: C0 control bytes that no text carries (tab, LF, VT, FF, CR and the ANPA framing SOH-EOT, SYN, ESC do)
_NOT_TEXT = re.compile(rb"[\x00\x05-\x08\x0e-\x15\x17-\x1a\x1c-\x1f\x7f]")
#: above this share of such bytes a non-UTF-8 input is binary data, not a legacy-encoded text
MAX_CONTROL_SHARE = 0.001


def check_size(raw: bytes | str, max_bytes: int, what: str = "input") -> None:
    """Raise :class:`TooLargeError` when ``raw`` is over ``max_bytes``."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise TooLargeError(f"{what} is {size} bytes, over the limit of {max_bytes} (STREAMS_MAX_ARTICLE_BYTES)")


def decode_utf8(raw: bytes, what: str = "input") -> str:
    """Strict UTF-8 (a leading BOM is dropped); undecodable bytes raise :class:`DecodeError`."""
    text = strict_utf8(raw, what)
    return text[1:] if text.startswith("\ufeff") else text


def decode_text(raw: bytes, what: str = "input") -> tuple[str, str | None]:
    """``(text, None)`` for UTF-8; ``(text, "cp1252")`` for a legacy Windows-1252 / Latin-1 text.

    Binary data (NUL and other control bytes, bytes cp1252 leaves undefined) raises DecodeError, valid
    UTF-8 or not (NUL bytes are valid UTF-8: a UTF-16 file without a byte order mark decodes "fine").
    The caller records the fallback encoding where a reader sees it: the text was not guessed
    silently.
    """
    try:
        text = decode_utf8(raw, what)
    except DecodeError as utf8_error:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DecodeError(f"{what} is UTF-16 (it starts with a UTF-16 byte order mark); convert it: "
                              "iconv -f utf-16 -t utf-8 IN > OUT") from utf8_error
        _refuse_binary(raw, what, utf8_error)
        try:
            return raw.decode(FALLBACK_ENCODING), FALLBACK_ENCODING
        except UnicodeDecodeError as exc:
            raise DecodeError(f"{what} is neither UTF-8 nor Windows-1252 text (byte {exc.start}: "
                              f"{raw[exc.start:exc.start + 4]!r}); binary data? If it is text in another "
                              "encoding: iconv -f ENCODING -t utf-8 IN > OUT") from utf8_error
    if _NOT_TEXT.sub(b"", raw).strip():  # nothing but control bytes: the empty-body check says so
        _refuse_binary(raw, what, None)
    return text, None


def _refuse_binary(raw: bytes, what: str, cause: Exception | None) -> None:
    """DecodeError when ``raw`` has a NUL byte or more control bytes than text carries."""
    controls = len(_NOT_TEXT.findall(raw))
    if b"\x00" not in raw and controls <= MAX_CONTROL_SHARE * len(raw):
        return
    if raw.count(b"\x00") * 3 >= len(raw) and len(raw) >= 4:  # every other byte NUL: UTF-16 without a BOM
        raise DecodeError(f"{what} looks like UTF-16 text without a byte order mark (every other byte is NUL); "
                          "convert it: iconv -f utf-16le -t utf-8 IN > OUT") from cause
    first = _NOT_TEXT.search(raw)
    at = first.start() if first else 0
    raise DecodeError(f"{what} is binary data, not text ({controls} control byte(s), the first at byte {at}: "
                      f"{raw[at:at + 4]!r})") from cause


def _apply_provenance(values: dict[str, Any], text: str) -> None:
    """Fill provider/source/located/versioncreated from the text where the input left them empty."""
    prov = provenance_from_text(text)
    given = Provenance(date=values.get("versioncreated"), provider=values.get("provider"),
                       source=values.get("source"), located=values.get("located"))
    merged = given.merged_over(prov)
    values["versioncreated"] = merged.date
    values["provider"] = merged.provider
    values["source"] = merged.source
    values["located"] = merged.located


def article_from_text(
    raw: bytes | str,
    *,
    namespace: str,
    max_bytes: int,
    identifier: str | None = None,
    altids: Mapping[str, str] | None = None,
    received_at: str | None = None,
) -> Article:
    """One wire text; ``body_text`` is the decoded text exactly as received (nothing stripped).

    Not UTF-8 but Windows-1252 / Latin-1: decoded so, logged, and recorded as ``altids["encoding"]``.
    """
    check_size(raw, max_bytes, "the text")
    text, encoding = decode_text(raw, "the text") if isinstance(raw, bytes) else (raw, None)
    check_body(text)
    values: dict[str, Any] = {"body_text": text}
    _apply_provenance(values, text)
    extra = {"encoding": encoding} if encoding else {}
    if encoding:
        where = next(iter((altids or {}).values()), "input")
        log.warning("%s: not UTF-8; decoded as %s (Windows-1252/Latin-1), recorded as altids.encoding", where,
                    encoding)
    return Article(
        id=article_id(namespace=namespace, identifier=identifier, body=text),
        altids={**(altids or {}), **extra},
        received_at=received_at or received_now(),
        **values,
    )


def parse_json(raw: bytes | str, *, max_bytes: int, what: str = "the JSON document") -> Any:
    """Decode JSON with the size limit and a clear ``malformed_json`` error."""
    check_size(raw, max_bytes, what)
    if not raw or raw.isspace():
        raise ValidationError(f"{what} is empty", reason="empty_body")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if isinstance(raw, bytes):
            decode_utf8(raw, what)  # a precise "not UTF-8" message beats orjson's generic one
        raise DecodeError(f"{what} is not valid JSON: {exc}", reason="malformed_json") from exc


def article_from_record(
    data: Any, *, namespace: str, received_at: str | None = None, extra_altids: Mapping[str, str] | None = None
) -> Article:
    """One JSON object in any accepted shape (model, ninjs 1.x/2.x, corpus) → Article."""
    if not isinstance(data, Mapping):
        raise ValidationError(f"an article must be a JSON object, got {type(data).__name__}")
    if is_streams_ninjs(data):  # our own wire form (a replayed or exported document): read exactly
        return Article.from_dict(data)
    if "body_text" in data and set(data) <= ARTICLE_FIELDS and "id" in data:
        values = dict(data)
        values.setdefault("received_at", received_at or received_now())
        if extra_altids:
            values["altids"] = {**dict(extra_altids), **dict(values.get("altids") or {})}
        if not isinstance(values.get("body_text"), str) or not values["body_text"].strip():
            raise ValidationError("must be a non-empty string", field="body_text", reason="empty_body")
        _apply_provenance(values, values["body_text"])
        return Article.from_dict(values)
    if "text" in data and "body_text" not in data and "bodies" not in data:
        values = _from_corpus(data)
    else:
        values = from_ninjs(data)
    body = values.get("body_text")
    if not isinstance(body, str) or not body.strip():
        raise ValidationError("the record has no body text (body_text, bodies[], text)", field="body_text",
                              reason="empty_body")
    _apply_provenance(values, body)
    altids = {k: v for k, v in values.pop("altids", {}).items() if isinstance(v, str) and v}
    if extra_altids:
        altids = {**dict(extra_altids), **altids}
    ident = values.pop("_identifier", None)
    aid = native_id(data.get("id"), namespace=namespace) or article_id(
        namespace=namespace, identifier=ident, body=body
    )
    values = {k: v for k, v in values.items() if v is not None}
    values.setdefault("received_at", received_at or received_now())
    return Article(id=aid, altids=altids, **values)


def _from_corpus(data: Mapping[str, Any]) -> dict[str, Any]:
    dateline = str_field(data.get("dateline"), "dateline")
    located = None
    if dateline:
        located = dateline.split(",")[0].rstrip(" -").strip() or None
    publisher = str_field(data.get("publisher"), "publisher")
    url = str_field(data.get("url"), "url")
    altids = {"url": url} if url else {}
    return {
        "body_text": str_field(data.get("text"), "text") or "",
        "headline": str_field(data.get("title"), "title"),
        "versioncreated": date_field(data.get("date"), "date", altids),
        "located": located,
        "provider": str_field(data.get("wire"), "wire") or publisher,
        "source": publisher,
        "uri": url,
        "language": str_field(data.get("language"), "language") or str_field(data.get("lang"), "lang"),
        "altids": altids,
        "_identifier": url,
    }
