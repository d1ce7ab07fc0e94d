"""Pure tests of settings, the article model and the dead-letter envelope."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest

from streams.core.errors import ConfigError, DecodeError, TooLargeError, ValidationError
from streams.core.model import Article, DeadLetter, EnrichedArticle
from streams.core.settings import Secret, Settings, load_settings
from streams.kafka.topics import ALL_TOPICS, topic_name


def test_settings_read_env_with_types_and_defaults() -> None:
    s = load_settings({"STREAMS_KAFKA_PORT": "19092", "STREAMS_PARTITIONS": "12", "STREAMS_HOME": "/tmp/x"})
    assert s.kafka_port == 19092 and s.partitions == 12 and s.home == Path("/tmp/x")
    assert s.bootstrap == "127.0.0.1:19092" and s.managed_broker
    assert load_settings({"STREAMS_KAFKA_BOOTSTRAP": "k1:9092,k2:9092"}).managed_broker is False


def test_settings_are_frozen_and_bad_values_say_which_variable() -> None:
    s = load_settings({})
    with pytest.raises(Exception):
        s.kafka_port = 1  # type: ignore[misc]
    with pytest.raises(ConfigError, match="STREAMS_KAFKA_PORT"):
        load_settings({"STREAMS_KAFKA_PORT": "ninety"})


def test_secrets_are_never_printed() -> None:
    s = load_settings({"STREAMS_API_KEY": "hunter2"})
    assert isinstance(s.api_key, Secret) and s.api_key.reveal() == "hunter2"
    assert "hunter2" not in repr(s)
    assert all("hunter2" not in value for _, value, _ in s.describe())


def test_every_setting_names_its_env_var() -> None:
    rows = Settings().describe()
    assert rows and all(env.startswith("STREAMS_") for env, _, _ in rows)


def test_topic_names_use_prefix_and_compaction_where_needed() -> None:
    s = load_settings({"STREAMS_TOPIC_PREFIX": "t1-"})
    assert topic_name("raw", s) == "t1-articles.raw"
    compacted = {t.base_name for t in ALL_TOPICS if "compact" in t.config().get("cleanup.policy", "")}
    assert compacted == {"alert-rules", "ingest.seen", "dead-letters.replayed"}


def test_article_roundtrip_and_strict_validation() -> None:
    a = Article(id="a1", body_text="Kallas said.", headline="H", versioncreated="2026-01-13T10:00:00Z")
    assert Article.from_json(a.to_json()) == a
    with pytest.raises(ValidationError, match="body_text"):
        Article.from_dict({"id": "x", "body_text": "   "})
    with pytest.raises(ValidationError, match="headline: expected str or null, got int"):
        Article.from_dict({"id": "x", "body_text": "t", "headline": 3})
    with pytest.raises(ValidationError, match="unknown field"):
        Article.from_dict({"id": "x", "body_text": "t", "bodytext": "oops"})
    with pytest.raises(ValidationError, match="versioncreated"):
        Article(id="x", body_text="t", versioncreated="yesterday")
    with pytest.raises(DecodeError):
        Article.from_json(b"{not json")
    with pytest.raises(TooLargeError):
        Article.from_json(b"x" * 100, max_bytes=10)


def test_empty_body_has_its_own_reason() -> None:
    with pytest.raises(ValidationError) as info:
        Article.from_dict({"id": "x", "body_text": ""})
    assert info.value.reason == "empty_body"


def test_enriched_roundtrip_puts_contract_keys_at_top_level() -> None:
    e = EnrichedArticle(article=Article(id="a1", body_text="text"), quotes=[{"kind": "direct", "start": 0, "end": 4}])
    d = orjson.loads(e.to_json())
    assert d["id"] == "a1" and d["quotes"][0]["kind"] == "direct" and "entities" in d and "topics" in d
    assert EnrichedArticle.from_json(e.to_json()) == e


def test_dead_letter_keeps_original_bytes_and_reason() -> None:
    original = b"\xff\xfe not utf-8"
    letter = DeadLetter.from_error("ingest", DecodeError("bad bytes"), original, source_topic="t", source_offset=4)
    d = orjson.loads(letter.to_json())
    assert base64.b64decode(d["original"]) == original
    assert d["reason"] == "undecodable" and d["error_type"] == "DecodeError" and d["stage"] == "ingest"
    assert DeadLetter.from_json(letter.to_json()) == letter
    unexpected = DeadLetter.from_error("enrich", KeyError("k"), b"x")
    assert unexpected.reason == "unexpected_error"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("\x00\x00", "only 2 control or invisible character(s) (U+0000)"),
        ("\x01\x1b\x7f\x85", "only 4 control or invisible character(s) (U+0001, U+001B, U+007F, U+0085)"),
        ("\u200b\ufeff\u00ad", "U+200B, U+FEFF, U+00AD"),
        (" \t\r\n\u00a0\u3000", "is only whitespace"),
        ("", "is empty"),
    ],
)
def test_a_body_without_text_is_not_an_article(body: str, says: str) -> None:
    with pytest.raises(ValidationError, match="^body_text: ") as info:
        Article(id="x", body_text=body)
    assert info.value.reason == "empty_body" and says in str(info.value)
    with pytest.raises(ValidationError) as from_json:
        Article.from_json(orjson.dumps({"id": "x", "body_text": body}))
    assert from_json.value.reason == "empty_body"


def test_text_with_controls_around_it_is_an_article() -> None:
    for body in ("\x00\u200bKallas said the guarantees must be tangible.\x00", "\x1b[0m", "\x00.\x00"):
        assert Article(id="x", body_text=body).body_text == body  # kept as received: offsets index it


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00 not json", b'{"id": "a", "body_text": "caf\xe9"}'])
def test_bytes_that_are_not_utf8_are_undecodable_not_malformed_json(raw: bytes) -> None:
    for load in (Article.from_json, EnrichedArticle.from_json):
        with pytest.raises(DecodeError, match="not valid UTF-8") as info:
            load(raw)
        assert info.value.reason == "undecodable"
    with pytest.raises(DecodeError) as text:
        Article.from_json(b"{not json")
    assert text.value.reason == "malformed_json"
