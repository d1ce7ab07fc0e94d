"""ninjs 1.x, 2.x and 3.x documents read faithfully: IPTC's own examples and the fields they carry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.core.errors import ValidationError
from streams.ingest.formats import article_from_record

EXAMPLES = Path(__file__).parent / "data" / "iptc-ninjs-examples"
HEADLINE = "Captain of wrecked cruise ship on trial in Italy"
BYLINE = "Paulo Santalucia and Frances d'Emilio"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_iptc_example_articles_keep_headline_body_and_byline(path: Path) -> None:
    document = json.loads(path.read_text())
    article = article_from_record(document, namespace="json")
    assert article.headline == HEADLINE
    assert article.byline == BYLINE
    assert article.body_text.startswith("GROSSETO, Italy (AP) -- The trial of the captain")
    assert article.body_text.endswith("Schettino has denied wrongdoing.")
    assert "<p>" not in article.body_text  # the plain main body, not the rich-text rendition
    assert article.versioncreated == "2013-07-09T10:37:00Z"
    assert article.uri == document["uri"]


def test_complex_example_keeps_language_located_and_profile() -> None:
    for version in ("2.2", "3.1"):
        doc = json.loads((EXAMPLES / version / "005_complex_text_article.json").read_text())
        article = article_from_record(doc, namespace="json")
        assert (article.language, article.located, article.profile) == ("en", "Grossetto, Italy", "text-only")


def test_ninjs_2_fields_by_infosources_subjects_altids_version() -> None:
    doc = {
        "uri": "urn:example:news:1", "version": "3", "by": "Jane Roe",
        "headlines": [{"role": "short", "value": "Short"}, {"role": "main", "value": "The main headline"}],
        "bodies": [{"role": "summary", "value": "A summary."},
                   {"role": "main", "contenttype": "text/html", "value": "<p>Body <b>one</b>.</p>"},
                   {"role": "main", "contenttype": "text/plain", "value": "Body one, plain."}],
        "infosources": [{"name": "Wire Co", "role": "distributor"}, {"name": "Local Paper", "role": "originator"}],
        "subjects": [{"name": "elections", "uri": "http://cv.iptc.org/newscodes/mediatopic/20000587",
                      "rel": "about", "relevance": 90}, {"bogus": 1}],
        "altids": [{"role": "guid", "value": "g-1"}],
    }
    article = article_from_record(doc, namespace="json")
    assert (article.headline, article.body_text, article.byline) == ("The main headline", "Body one, plain.", "Jane Roe")
    assert (article.source, article.provider) == ("Local Paper", "Wire Co")
    assert article.subjects == [{"name": "elections", "uri": "http://cv.iptc.org/newscodes/mediatopic/20000587",
                                 "rel": "about", "relevance": 90}]
    assert article.altids["guid"] == "g-1" and article.version == 3


def test_ninjs_3_camel_case() -> None:
    doc = {"uri": "urn:x:2", "versionCreated": "2025-01-02T03:04:05Z", "firstCreated": "2025-01-01T00:00:00Z",
           "altIds": [{"role": "internal", "value": "42"}], "copyrightHolder": "Agency",
           "infoSources": [{"name": "Bureau", "role": "source"}],
           "bodies": [{"role": "main", "contentType": "application/xhtml+xml", "value": "<p>Text here.</p>"}],
           "headlines": [{"value": "H"}]}
    article = article_from_record(doc, namespace="json")
    assert article.body_text == "Text here."
    assert (article.versioncreated, article.firstcreated) == ("2025-01-02T03:04:05Z", "2025-01-01T00:00:00Z")
    assert (article.provider, article.source, article.altids["internal"]) == ("Agency", "Bureau", "42")


def test_description_only_document_is_an_article_not_an_empty_body() -> None:
    doc = {"uri": "urn:x:3", "headlines": [{"value": "Flash"}],
           "descriptions": [{"role": "summary", "value": "Parliament was dissolved on Monday."}]}
    assert article_from_record(doc, namespace="json").body_text == "Parliament was dissolved on Monday."


def test_ninjs_1_role_suffixed_fields() -> None:
    doc = {"uri": "urn:x:4", "headline_main": "Main", "body_richtext": "<p>Rich</p>", "body_main": "Plain main.",
           "byline": "A. Writer", "infosource": {"name": "Origin"}}
    article = article_from_record(doc, namespace="json")
    assert (article.headline, article.body_text, article.byline, article.source) == (
        "Main", "Plain main.", "A. Writer", "Origin")


def test_a_document_with_no_text_anywhere_is_empty_body() -> None:
    with pytest.raises(ValidationError) as exc:
        article_from_record({"uri": "urn:x:5", "headlines": [{"value": "H"}], "renditions": {}}, namespace="json")
    assert exc.value.reason == "empty_body"
