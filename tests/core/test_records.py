"""Typed records of the enriched contract: byte-identical round trips on real enrichment output,
absent keys stay absent, and the archive's checks name the field (pure tests)."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path

import orjson
import pytest

from streams.core import records
from streams.core.errors import ValidationError
from streams.core.model import Article, EnrichedArticle
from streams.core.records import (
    Dedupe,
    Entity,
    Mention,
    Quote,
    Topic,
    entities_of,
    quotes_of,
    readable,
)
from streams.enrich.pipeline import Pipeline
from streams.worker.story_index import StoryIndex

SHARED = Path(__file__).resolve().parents[3] / "shared"


def _real_articles() -> list[Article]:
    out = [Article(id=p.stem, body_text=p.read_text(encoding="utf-8")) for p in sorted(SHARED.glob("samples/*.txt"))]
    for name, n in (("news_sample.jsonl", 6), ("reuters21578.jsonl", 10)):
        with (SHARED / "corpus" / name).open(encoding="utf-8") as fh:
            for line in itertools.islice(fh, n):
                row = json.loads(line)
                if row.get("text", "").strip():
                    out.append(Article(id=row["id"], body_text=row["text"], headline=row.get("title") or None))
    return out


@pytest.fixture(scope="module")
def enriched_bytes() -> list[bytes]:
    """What ``streams enrich`` prints for the sample and a few corpus articles (default pipeline)."""
    if not (SHARED / "samples").is_dir():
        pytest.skip("../shared is not present")
    outcomes = Pipeline.from_names(None).run_many(_real_articles())
    return [o.to_json() for o in outcomes]


def test_enriched_article_round_trips_byte_for_byte(enriched_bytes: list[bytes]) -> None:
    assert len(enriched_bytes) > 10
    for raw in enriched_bytes:
        assert EnrichedArticle.from_json(raw).to_json() == raw


def test_records_round_trip_real_output_byte_for_byte(enriched_bytes: list[bytes]) -> None:
    quotes = entities = 0
    for raw in enriched_bytes:
        ea = EnrichedArticle.from_json(raw)
        for cls, items in ((Entity, ea.entities), (Quote, ea.quotes), (Topic, ea.topics)):
            assert orjson.dumps([cls.from_dict(i).to_dict() for i in items]) == orjson.dumps(items)
        assert orjson.dumps(ea.dedupe_record().to_dict()) == orjson.dumps(ea.dedupe)
        quotes += len(ea.quote_records())
        entities += len(ea.entity_records())
        assert [t.code for t in ea.topic_records()] == [t["code"] for t in ea.topics]
    assert quotes > 10 and entities > 50


def test_the_fast_path_reads_what_the_checked_path_reads(enriched_bytes: list[bytes]) -> None:
    fast = {Entity: records._fast_entity, Quote: records._fast_quote, Topic: records._fast_topic}
    for raw in enriched_bytes:
        ea = EnrichedArticle.from_json(raw)
        for cls, items in ((Entity, ea.entities), (Quote, ea.quotes), (Topic, ea.topics)):
            for item in items:
                record = fast[cls](item)  # what the components write always takes the fast path
                assert record is not None and record == cls._checked(item, "x") and record.source is None
                assert record.to_dict() == cls._checked(item, "x").to_dict() == item


def test_sample_records_read_typed(enriched_bytes: list[bytes]) -> None:
    sample = EnrichedArticle.from_json(enriched_bytes[0])
    body = sample.article.body_text
    kallas = next(e for e in sample.entity_records() if e.name == "Kaja Kallas")
    assert kallas.type == "PERSON" and isinstance(kallas.salience, float) and kallas.mentions
    assert all(body[m.start:m.end] == m.text for m in kallas.mentions)
    attributed = [q for q in sample.quote_records() if q.speaker == "Kaja Kallas"]
    assert attributed and all(isinstance(q.spans[0], tuple) for q in attributed)
    assert any(q.speaker_entity is not None and sample.entity_records()[q.speaker_entity].name == "Kaja Kallas"
               for q in attributed)
    dedupe = sample.dedupe_record()
    assert dedupe.needs_clustering and len(dedupe.bands or ()) == 8 and dedupe.cluster_id is None


def test_clustered_dedupe_is_what_the_worker_always_wrote(enriched_bytes: list[bytes]) -> None:
    index = StoryIndex(window_s=None)
    for raw in enriched_bytes[:5]:
        ea = EnrichedArticle.from_json(raw)
        answer = index.assign(ea.id, ea.dedupe)
        before = {"exact": ea.dedupe.get("exact"), **answer}
        assert orjson.dumps(Dedupe.clustered(ea.dedupe_record().exact, answer).to_dict()) == orjson.dumps(before)


def test_absent_keys_stay_absent_unknown_and_unreadable_values_are_carried() -> None:
    partial = {"kind": "direct", "start": 1, "end": 9, "speaker": None}
    quote = Quote.from_dict(partial)
    assert quote.text is None and quote.segments is None and quote.spans == ((1, 9),)
    assert list(quote.to_dict()) == ["kind", "start", "end", "speaker"]
    odd = {"name": "EU", "extra": [1, 2], "type": "ORG", "salience": "high", "mentions": None, "links": {"a": 1}}
    entity = Entity.from_dict(odd)
    assert entity.salience is None and entity.mentions == () and entity.links == {"a": 1}
    assert orjson.dumps(entity.to_dict()) == orjson.dumps(odd)
    cue = Quote.from_dict({"start": 0, "end": 4, "cue": "said"})
    assert cue.cue is None and cue.cue_text == "said" and cue.to_dict()["cue"] == "said"
    topic = {"code": "medtop:11000000", "score": 1}
    assert orjson.dumps(Topic.from_dict(topic).to_dict()) == b'{"code":"medtop:11000000","score":1}'
    built = Mention(3, 5)
    assert built.to_dict() == {"start": 3, "end": 5, "text": None}  # a constructed record has every key
    changed = dataclasses.replace(quote, text="abc")
    assert changed.to_dict()["text"] == "abc" and list(changed.to_dict()) == list(Quote.KEYS)


@pytest.mark.parametrize(
    "items, field",
    [
        ([{"type": "PERSON", "mentions": []}], "entities[0].name"),
        ([{"name": " ", "mentions": []}], "entities[0].name"),
        ([{"name": "X", "mentions": [{"start": 5, "end": 2}]}], "entities[0].mentions[0]"),
        ([{"name": "X", "mentions": {"start": 1}}], "entities[0].mentions"),
        (["Kaja Kallas"], "entities[0]"),
    ],
)
def test_entity_checks_name_the_field(items: list, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        entities_of(items)
    assert err.value.field == field


@pytest.mark.parametrize(
    "items, field",
    [
        ([{"start": True, "end": 3}], "quotes[0].start"),
        ([{"start": 1, "end": 3, "text": 7}], "quotes[0].text"),
        ([{"start": 1, "end": 3, "segments": [[1, 2, 3]]}], "quotes[0].segments"),
        ([{"start": 1, "end": 3, "speaker_mention": {"start": 1}}], "quotes[0].speaker_mention.end"),
    ],
)
def test_quote_checks_name_the_field(items: list, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        quotes_of(items)
    assert err.value.field == field


def test_readable_keeps_positions_and_tolerates_anything() -> None:
    got = readable(Entity, [{"name": "A"}, "junk", {"name": ""}, {"name": "B", "mentions": [{"start": 0, "end": 1}]}])
    assert [e.name if e else None for e in got] == ["A", None, None, "B"]
    assert readable(Topic, None) == [] and readable(Topic, {"code": "x"}) == []
    with pytest.raises(ValidationError) as err:
        Dedupe.from_dict(["not", "a", "mapping"])
    assert err.value.field == "dedupe"


def test_records_are_frozen_and_slotted() -> None:
    mention = Mention.from_dict({"start": 0, "end": 2, "text": "EU"})
    with pytest.raises(AttributeError):
        mention.start = 1  # type: ignore[misc]
    assert not hasattr(mention, "__dict__")
