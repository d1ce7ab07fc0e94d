"""Reading IPTC ninjs documents (1.x, 2.x, 3.x) into the fields of an Article, faithfully.

- 1.x: ``headline``/``headline_<role>``, ``body_text``/``body_<role>`` (``body_html``, ``body_xhtml``,
  ``body_richtext`` are markup), ``byline``/``bylines[]``, ``infosource`` (object or array),
  ``altids`` as an object;
- 2.x: ``headlines[]``, ``bodies[]`` and ``descriptions[]`` (``role``, ``contenttype``, ``value``),
  ``by``, ``infosources[]``, ``subjects[]``, ``altids`` as an array of ``{role, value}``, ``version``
  as a string;
- 3.x: the same in camelCase (``versionCreated``, ``altIds``, ``infoSources``, ``contentType``...).

The main body is the one whose role is ``main`` (or has no role), plain text before markup (markup
is reduced to its text); with no body at all, the longest description is the text (a summary-only
document is still an article). Renditions, associations and pictures are ignored: text only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from streams.core.errors import ValidationError
from streams.ingest.identity import iso_datetime

log = logging.getLogger(__name__)

#: roles of a text that is the item itself, not a summary, teaser or alternative
_MAIN_ROLES = frozenset({"", "main", "body", "text", "full", "fulltext", "content", "article"})
#: roles of an infosource that made the content (the source) and that distributed it (the provider)
_SOURCE_ROLES = ("originator", "origin", "source", "creator", "author", "originalsource")
_PROVIDER_ROLES = ("distributor", "provider", "publisher", "aggregator", "supplier", "wire")
_SUBJECT_KEYS = ("name", "uri", "rel", "literal", "relevance", "confidence", "creator")


def str_field(value: Any, name: str) -> str | None:
    """A string field: None when absent or blank; ValidationError naming the field when not a string."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    raise ValidationError(f"expected a string, got {type(value).__name__}", field=name)


def date_field(value: Any, name: str, altids: dict[str, str] | None = None) -> str | None:
    """ISO date-time of ``value``; an unreadable date is kept in ``altids`` rather than losing the article."""
    if value in (None, ""):
        return None
    iso = iso_datetime(value)
    if iso is None:
        log.info("%s %r is not a date this ingester understands; kept as altids[%r]", name, value, f"{name}_raw")
        if altids is not None:
            altids[f"{name}_raw"] = str(value)[:200]
    return iso


def _lower_keys(value: Any) -> Any:
    """ninjs 3.x camelCase keys (``altIds``, ``contentType``) as the 1.x/2.x lower-case names."""
    if isinstance(value, Mapping):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def _as_text(value: str, contenttype: str) -> str:
    if "html" in contenttype or "xml" in contenttype:
        from streams.ingest.html_text import html_to_text  # only for markup bodies

        return html_to_text(value)
    return value


def pick_text(items: Any, name: str) -> str | None:
    """The main text of ``headlines[]`` / ``bodies[]`` / ``descriptions[]``: a main role before others,
    plain text before markup, then the longest."""
    if items is None:
        return None
    if not isinstance(items, list):
        raise ValidationError(f"expected a list, got {type(items).__name__}", field=name)
    ranked: list[tuple[int, int, int, str, str]] = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("value"), str) or not item["value"].strip():
            continue
        role = str(item.get("role") or "").strip().lower()
        ctype = str(item.get("contenttype") or "text/plain").lower()
        markup = "html" in ctype or "xml" in ctype
        ranked.append((0 if role in _MAIN_ROLES else 1, 1 if markup else 0, -len(item["value"]), item["value"], ctype))
    if not ranked:
        return None
    *_, value, ctype = min(ranked, key=lambda r: r[:3])
    text = _as_text(value, ctype)
    return text if text.strip() else None


def _prefixed(data: Mapping[str, Any], prefix: str, plain: str, markup: tuple[str, ...]) -> str | None:
    """ninjs 1.x ``body_text`` / ``body_<role>`` (and ``headline_<role>``): plain first, markup reduced."""
    value = str_field(data.get(plain), plain)
    if value:
        return value
    plain_keys = sorted(k for k in data if k.startswith(prefix) and k not in markup and isinstance(data[k], str))
    for key in plain_keys:
        if data[key].strip():
            return data[key]
    for key in markup:
        if isinstance(data.get(key), str) and data[key].strip():
            return _as_text(data[key], "text/html")
    return None


def _byline(data: Mapping[str, Any]) -> str | None:
    by = str_field(data.get("by"), "by") or str_field(data.get("byline"), "byline")
    if by is None and isinstance(data.get("bylines"), list):
        names = [b.get("byline") or b.get("name") for b in data["bylines"] if isinstance(b, Mapping)]
        by = ", ".join(n for n in names if isinstance(n, str) and n.strip()) or None
    return by


def _infosources(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(source, provider) named by ``infosources[]`` (or 1.x ``infosource``), by their roles."""
    raw = data.get("infosources", data.get("infosource"))
    items = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    named = [(str(s.get("role") or "").lower(), s["name"]) for s in items
             if isinstance(s, Mapping) and isinstance(s.get("name"), str) and s["name"].strip()]

    def by_role(roles: tuple[str, ...]) -> str | None:
        return next((n for r, n in named if any(role in r for role in roles)), None)

    source = by_role(_SOURCE_ROLES) or next((n for r, n in named if not r), None)
    provider = by_role(_PROVIDER_ROLES)
    if source is None and provider is None and named:
        source = named[0][1]
    return source, provider


def _altids(data: Mapping[str, Any]) -> dict[str, str]:
    given = data.get("altids") or {}
    if isinstance(given, Mapping):  # ninjs 1.x
        return {str(k): str(v) for k, v in given.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    if isinstance(given, list):  # ninjs 2.x / 3.x: [{"role": ..., "value": ...}]
        return {str(a.get("role") or i): str(a["value"]) for i, a in enumerate(given)
                if isinstance(a, Mapping) and isinstance(a.get("value"), (str, int))}
    return {}


def _subjects(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    given = data.get("subjects")
    if not isinstance(given, list):
        return []
    out = []
    for s in given[:200]:
        if not isinstance(s, Mapping):
            continue
        kept = {k: s[k] for k in _SUBJECT_KEYS
                if isinstance(s.get(k), str) or (isinstance(s.get(k), int) and not isinstance(s.get(k), bool))}
        if kept.get("name") or kept.get("uri") or kept.get("literal"):
            out.append(kept)
    return out


def from_ninjs(document: Mapping[str, Any]) -> dict[str, Any]:
    """The Article fields of a ninjs 1.x / 2.x / 3.x document (``_identifier``: what names it)."""
    data = _lower_keys(document)
    body = (_prefixed(data, "body_", "body_text", ("body_html", "body_xhtml", "body_richtext"))
            or pick_text(data.get("bodies"), "bodies")
            or pick_text(data.get("descriptions"), "descriptions")
            or str_field(data.get("description_text"), "description_text"))
    headline = _prefixed(data, "headline_", "headline", ()) or pick_text(data.get("headlines"), "headlines")
    located = data.get("located")
    if isinstance(located, Mapping):  # some producers give an object
        located = located.get("name")
    source, provider = _infosources(data)
    holder = data.get("copyrightholder") or data.get("provider")
    if isinstance(holder, Mapping):
        holder = holder.get("name")
    uri = str_field(data.get("uri"), "uri")
    altids = _altids(data)
    if uri:
        altids.setdefault("uri", uri)
    version = data.get("version")
    values: dict[str, Any] = {
        "body_text": body or "",
        "headline": headline,
        "uri": uri,
        "language": str_field(data.get("language"), "language"),
        "versioncreated": date_field(data.get("versioncreated"), "versioncreated", altids),
        "firstcreated": date_field(data.get("firstcreated") or data.get("contentcreated"), "firstcreated", altids),
        "byline": _byline(data),
        "located": located if isinstance(located, str) and located.strip() else None,
        "provider": provider or (holder if isinstance(holder, str) and holder.strip() else None),
        "source": source,
        "profile": str_field(data.get("profile"), "profile"),
        "subjects": _subjects(data),
        "altids": altids,
        "_identifier": uri or data.get("guid"),
    }
    if isinstance(version, (int, str)) and not isinstance(version, bool) and str(version).isdigit() and int(version):
        values["version"] = int(version)
    return values
