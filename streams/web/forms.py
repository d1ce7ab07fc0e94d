"""The console's write actions: the operator's token, and the small forms that carry it.

Writes are off unless the operator sets ``STREAMS_CONSOLE_TOKEN`` (then a write without it is refused
with 404, saying how to enable them). With it set, every write must carry the token, in the form's
``token`` field or the ``X-Streams-Token`` header; it is compared in constant time. Forms are POST only
and the token is typed by the operator, never written into a page, so another site cannot make a
browser send a valid write (no cookie carries the authority). A request the browser marks as coming from
another origin (``Sec-Fetch-Site``, ``Origin``) is refused as well.
"""

from __future__ import annotations

import hmac
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request

from streams.core.settings import Settings
from streams.web.api import ApiError

TOKEN_HEADER = "x-streams-token"
#: a form body larger than this is refused (a rule file of the console is small)
MAX_FORM_BYTES = 256 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


def writes_enabled(settings: Settings | None) -> bool:
    """True when the operator enabled the console's write actions (set STREAMS_CONSOLE_TOKEN)."""
    return settings is not None and bool(settings.console_token)


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a url-encoded form body (the last of repeated ones), bounded in size."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise ApiError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"send the form as {FORM_TYPE}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise ApiError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a form holds at most {MAX_FORM_BYTES // 1024} KiB")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"unreadable form: {exc}") from None


def authorize(settings: Settings | None, request: Request, form: dict[str, str]) -> None:
    """Refuse the write unless writes are enabled, it comes from this site, and it carries the token."""
    if settings is None or not settings.console_token:
        raise ApiError(HTTPStatus.NOT_FOUND, "the console is read-only: an operator enables its write actions "
                       "by setting STREAMS_CONSOLE_TOKEN for `streams serve`")
    if not _same_origin(request):
        raise ApiError(HTTPStatus.FORBIDDEN, "refused: the form was sent from another site")
    given = request.headers.get(TOKEN_HEADER) or form.get("token") or ""
    expected = settings.console_token.reveal()
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise ApiError(HTTPStatus.FORBIDDEN, "refused: give the console token (STREAMS_CONSOLE_TOKEN of this "
                       "server) in the form's token field or the X-Streams-Token header")


def _same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin. ``Origin: null`` (what a page
    under ``Referrer-Policy: no-referrer``, as the console's, sends) says nothing; Sec-Fetch-Site does."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    return urlsplit(origin).netloc.lower() == (request.headers.get("host") or "").lower()
