"""Articles as IPTC ninjs 2.2 documents, and back: the form readers outside this project get.

:func:`to_ninjs` writes a document valid against IPTC's official ninjs 2.2 schema for everything
ninjs has a property for (headlines, bodies, by, located, infosources, subjects with the IPTC Media
Topics' official URIs, people / organisations / places), plus one extension property, ``streams``,
for what ninjs has none for (our id, receipt time, quotes, stand-off offsets, spans, clusters,
provenance). The extension is defined by ``streams/core/data/ninjs/streams-ninjs-2.2.json``, a
JSON Schema that builds on the official one (IPTC's guidance for extensions); without the
``streams`` property the document validates against the official schema as it is.

:func:`model_dict_of` reads such a document back into the model's own dict form exactly (the round
trip is lossless); ``Article.from_json`` and ``EnrichedArticle.from_json`` use it, so every reader
takes both forms. This module works on dicts only (the model imports it, not the other way round).
Documents from elsewhere are read by :mod:`streams.ingest.ninjs_in`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from streams.core.errors import ValidationError

NINJS_VERSION = "2.2"
OFFICIAL_SCHEMA_ID = "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json#"
EXTENSION = "streams"
EXTENSION_SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "ninjs" / "streams-ninjs-2.2.json"
MEDIA_TOPIC_URI = "http://cv.iptc.org/newscodes/mediatopic/"
#: ``creator`` of the subjects this project adds (IPTC Media Topics); source subjects keep theirs
TOPIC_CREATOR = "streams"
_ENTITY_GROUPS = {"PERSON": "people", "ORG": "organisations", "GPE": "places", "LOC": "places", "FAC": "places"}
#: the article fields the extension keeps because ninjs has no exact property for them
_ARTICLE_EXTRAS = ("id", "uri", "received_at", "versioncreated", "firstcreated")


def _date_time(value: str | None) -> str | None:
    """An RFC 3339 date-time for ninjs, from an ISO date or date-time (a bare date: midnight UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if "T" not in value:
        return parsed.strftime("%Y-%m-%dT00:00:00Z")
    if parsed.tzinfo is None:
        return parsed.isoformat() + "Z"
    return value


_SAFE_ID = re.compile(r"[A-Za-z0-9:._~-]+\Z")
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\Z")
_STANDARD = {"name": "ninjs", "version": NINJS_VERSION, "schema": OFFICIAL_SCHEMA_ID}
#: article fields copied as they are: (model name, ninjs name)
_PLAIN = (("language", "language"), ("byline", "by"), ("located", "located"), ("profile", "profile"))


def document_uri(article: Mapping[str, Any]) -> str:
    """The ninjs ``uri``: the one the document came with, else ``urn:streams:article:<id>``."""
    given = (article.get("altids") or {}).get("uri")
    if given:
        return given
    aid = article["id"]
    return f"urn:streams:article:{aid if _SAFE_ID.match(aid) else quote(aid, safe=':-._~')}"


def _text_item(value: str, role: str) -> dict[str, Any]:
    return {"role": role, "contenttype": "text/plain", "value": value}


def _core(article: Mapping[str, Any]) -> dict[str, Any]:
    """The ninjs 2.2 properties of a model-form article dict (no extension). Runs once per article
    sent to Kafka, so it stays lean."""
    version = article.get("version", 1)
    doc: dict[str, Any] = {"uri": document_uri(article), "type": "text",
                           "version": "1" if version == 1 else str(version), "standard": _STANDARD}
    for name in ("versioncreated", "firstcreated"):
        value = article.get(name)
        if value:
            value = value if _RFC3339.match(value) else _date_time(value)
            if value:
                doc[name] = value
    for name, ninjs_name in _PLAIN:
        value = article.get(name)
        if value:
            doc[ninjs_name] = value
    if article.get("headline"):
        doc["headlines"] = [_text_item(article["headline"], "main")]
    body = article["body_text"]
    doc["bodies"] = [{"role": "main", "contenttype": "text/plain", "value": body, "charcount": len(body)}]
    source, provider = article.get("source"), article.get("provider")
    if source or provider:
        doc["infosources"] = ([{"name": source, "role": "originator"}] if source else []) + (
            [{"name": provider, "role": "distributor"}] if provider else [])
    if article.get("subjects"):
        doc["subjects"] = [dict(s) for s in article["subjects"]]
    altids = article.get("altids")
    if altids:
        doc["altids"] = [{"role": k, "value": v} for k, v in altids.items()]
    return doc


def _article_extras(article: Mapping[str, Any]) -> dict[str, Any]:
    extras = {}
    for name in _ARTICLE_EXTRAS:
        value = article.get(name)
        if value is not None:
            extras[name] = value
    return extras


def ninjs_of(model: Mapping[str, Any]) -> dict[str, Any]:
    """A model-form dict (``Article.to_dict()`` or ``EnrichedArticle.to_dict()``) as a ninjs 2.2
    document with the ``streams`` extension (see the module docstring)."""
    if "article" not in model:
        doc = _core(model)
        doc[EXTENSION] = {"article": _article_extras(model)}
        return doc
    article = model["article"]
    doc = _core(article)
    if model.get("language") and not article.get("language"):
        doc["language"] = model["language"]
    # the headline readers show (core.model.headline_of): the one received, else the derived one
    derived = (model.get("provenance") or {}).get("headline")
    if not (article.get("headline") or "").strip() and isinstance(derived, str) and derived.strip():
        doc["headlines"] = [_text_item(derived, "derived")]
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for entity in model.get("entities") or ():
        group = _ENTITY_GROUPS.get(str(entity.get("type")))
        name = entity.get("name")
        if group and isinstance(name, str) and name.strip():
            entry: dict[str, Any] = {"name": name, "rel": "mentions"}
            wikidata = (entity.get("links") or {}).get("wikidata")
            if isinstance(wikidata, str) and wikidata:
                entry["uri"] = f"http://www.wikidata.org/entity/{wikidata}"
            groups.setdefault(group, {}).setdefault(name, entry)
    for group, entries in groups.items():
        doc[group] = list(entries.values())
    topics = [_subject_of_topic(t) for t in model.get("topics") or () if isinstance(t.get("code"), str)]
    if topics:
        doc["subjects"] = [*doc.get("subjects", []), *topics]
    extras = _article_extras(article)
    if doc.get("language") != article.get("language"):  # ninjs shows the detected language; keep the given one
        extras["language"] = article.get("language")
    enrichment = {k: v for k, v in model.items() if k not in ("id", "article")}
    doc[EXTENSION] = {"article": extras, "enrichment": enrichment}
    return doc


def to_ninjs(item: Any) -> dict[str, Any]:
    """An ``Article`` or ``EnrichedArticle`` as a ninjs 2.2 document (:func:`ninjs_of` of its dict)."""
    return ninjs_of(item.to_dict())


def _subject_of_topic(topic: Mapping[str, Any]) -> dict[str, Any]:
    code = str(topic["code"]).removeprefix("medtop:")
    subject: dict[str, Any] = {"uri": f"{MEDIA_TOPIC_URI}{code}", "rel": "about", "creator": TOPIC_CREATOR}
    if topic.get("label"):
        subject["name"] = str(topic["label"])
    score = topic.get("score")
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        subject["relevance"] = max(0, min(100, round(score * 100)))
    return subject


def is_streams_ninjs(data: Any) -> bool:
    """True for a document written by :func:`ninjs_of` (ninjs with the ``streams`` extension)."""
    return isinstance(data, Mapping) and "uri" in data and isinstance(data.get(EXTENSION), Mapping)


def _main(items: Any) -> str | None:
    for item in items or ():
        if isinstance(item, Mapping) and item.get("role") == "main" and isinstance(item.get("value"), str):
            return item["value"]
    return None


def _article_dict_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    extras = doc[EXTENSION].get("article")
    if not isinstance(extras, Mapping) or not isinstance(extras.get("id"), str):
        raise ValidationError("is required", field=f"{EXTENSION}.article.id")
    body = _main(doc.get("bodies"))
    if body is None:
        raise ValidationError("no bodies[] item with role 'main'", field="bodies", reason="empty_body")
    sources = {s.get("role"): s.get("name") for s in doc.get("infosources") or () if isinstance(s, Mapping)}
    subjects = [dict(s) for s in doc.get("subjects") or ()
                if isinstance(s, Mapping) and s.get("creator") != TOPIC_CREATOR]
    altids = {str(a.get("role")): a.get("value") for a in doc.get("altids") or () if isinstance(a, Mapping)}
    version = doc.get("version", "1")
    return {
        "id": extras["id"], "body_text": body, "uri": extras.get("uri"), "headline": _main(doc.get("headlines")),
        "language": extras["language"] if "language" in extras else doc.get("language"),
        "versioncreated": extras.get("versioncreated"), "firstcreated": extras.get("firstcreated"),
        "byline": doc.get("by"), "located": doc.get("located"), "provider": sources.get("distributor"),
        "source": sources.get("originator"),
        "version": int(version) if isinstance(version, str) and version.isdigit() else version,
        "profile": doc.get("profile"), "subjects": subjects, "altids": altids, "received_at": extras.get("received_at"),
    }


def model_dict_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The model-form dict a :func:`ninjs_of` document holds, exactly (an Article's, or with an
    ``enrichment`` an EnrichedArticle's); ValidationError naming what is missing."""
    if not is_streams_ninjs(doc):
        raise ValidationError(f"not a ninjs document with the {EXTENSION!r} extension")
    article = _article_dict_of(doc)
    enrichment = doc[EXTENSION].get("enrichment")
    if enrichment is None:
        return article
    if not isinstance(enrichment, Mapping):
        raise ValidationError("must be an object", field=f"{EXTENSION}.enrichment")
    return {"id": article["id"], "article": article, **enrichment}
