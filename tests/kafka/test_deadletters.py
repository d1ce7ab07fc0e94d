"""Dead letters without a broker: ids, times, filters, what replay would send, and how they are shown."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from rich.console import Console

from streams.cli.commands.deadletters import letters_table, render_letter
from streams.cli.main import main
from streams.core.errors import StreamsError
from streams.core.model import DeadLetter
from streams.core.settings import load_settings
from streams.kafka.deadletters import Filter, Letter, parse_id, parse_time, plan, preview, replay_target

SETTINGS = load_settings({"STREAMS_TOPIC_PREFIX": "p-"})
NOW = datetime(2026, 1, 13, 12, 0, tzinfo=timezone.utc)


def _letter(lid: str = "0:1", *, stage: str = "store", reason: str = "storage", time: str = "2026-01-13T10:00:00.000Z",
            topic: str | None = "p-articles.enriched", original: bytes = b'{"id": "a1"}') -> Letter:
    d = DeadLetter(stage=stage, reason=reason, error_type="StorageError", message="database is locked\nmore",
                   original=original, source_topic=topic, source_partition=2 if topic else None,
                   source_offset=17 if topic else None, source_key=b"a1" if topic else None,
                   origin=None if topic else "/in/feed.xml", time=time)
    return Letter(lid, d, 0)


def test_ids_are_partition_colon_offset_and_bad_ones_say_the_form() -> None:
    assert parse_id("3:42") == (3, 42) and parse_id(" 0 : 7 ") == (0, 7)
    for bad in ("3", "a:1", "1:-2", "", "1:2:3"):
        with pytest.raises(StreamsError, match="PARTITION:OFFSET"):
            parse_id(bad)


def test_times_are_iso_or_an_age() -> None:
    assert parse_time("2026-01-13") == datetime(2026, 1, 13, tzinfo=timezone.utc)
    assert parse_time("2026-01-13T10:30Z") == datetime(2026, 1, 13, 10, 30, tzinfo=timezone.utc)
    assert parse_time("2026-01-13T12:30+02:00") == datetime(2026, 1, 13, 10, 30, tzinfo=timezone.utc)
    assert parse_time("2h", NOW) == datetime(2026, 1, 13, 10, 0, tzinfo=timezone.utc)
    assert parse_time("30m", NOW) == datetime(2026, 1, 13, 11, 30, tzinfo=timezone.utc)
    assert parse_time("7d", NOW) == datetime(2026, 1, 6, 12, 0, tzinfo=timezone.utc)
    with pytest.raises(StreamsError, match="ISO date"):
        parse_time("yesterday")


def test_filter_by_stage_reason_and_time_window() -> None:
    early = _letter("0:1", time="2026-01-13T09:00:00Z")
    late = _letter("0:2", stage="enrich", reason="invalid", time="2026-01-13T11:00:00Z")
    both = [early, late]
    assert [x.id for x in both if Filter().matches(x)] == ["0:1", "0:2"]
    assert [x.id for x in both if Filter(stages=frozenset({"enrich"})).matches(x)] == ["0:2"]
    assert [x.id for x in both if Filter(reasons=frozenset({"storage", "x"})).matches(x)] == ["0:1"]
    since = Filter(since=parse_time("2026-01-13T10:00Z"))
    until = Filter(until=parse_time("2026-01-13T11:00Z"))  # exclusive
    assert [x.id for x in both if since.matches(x)] == ["0:2"]
    assert [x.id for x in both if until.matches(x)] == ["0:1"]
    assert not Filter(stages=frozenset({"store"}), reasons=frozenset({"invalid"})).matches(late)


def test_a_letter_with_an_unreadable_time_falls_back_to_the_record_time() -> None:
    item = Letter("0:1", _letter(time="garbage").letter, 1768298400000)  # 2026-01-13T10:00Z
    assert item.time == datetime(2026, 1, 13, 10, 0, tzinfo=timezone.utc)


def test_preview_decodes_text_and_dumps_binary() -> None:
    assert preview("Tallinn – Kallas".encode()) == ("text", "Tallinn – Kallas")
    kind, shown = preview(b"\xff\x00ab")
    assert (kind, shown) == ("hex", "ff 00 61 62")
    kind, shown = preview(b"x" * 50, limit=10)
    assert kind == "text" and shown.startswith("x" * 10 + "\n") and "40 more characters" in shown
    kind, shown = preview(b"\xff" * 30, limit=15)
    assert kind == "hex" and shown.endswith("(25 more bytes)")


def test_replay_target_is_the_source_topic_of_this_pipeline_only() -> None:
    assert replay_target(_letter().letter, SETTINGS) == ("p-articles.enriched", "")
    target, why = replay_target(_letter(stage="ingest", topic=None).letter, SETTINGS)
    assert target is None and "re-ingest /in/feed.xml" in why
    target, why = replay_target(_letter(topic="other-articles.enriched").letter, SETTINGS)
    assert target is None and "not a topic of this pipeline" in why
    target, why = replay_target(_letter(topic="p-dead-letters").letter, SETTINGS)
    assert target is None
    target, why = replay_target(_letter(original=b"").letter, SETTINGS)
    assert target is None and "no original bytes" in why


def test_plan_skips_what_was_replayed_unless_again() -> None:
    a, b, c = _letter("0:1"), _letter("0:2"), _letter("1:5", stage="ingest", topic=None)
    markers = {"0:1": {"replayed_at": "2026-01-13T11:00:00Z", "letter_time": a.letter.time},
               # a marker for the same id but another letter: the dead-letter topic was recreated
               "0:2": {"replayed_at": "2025-01-01T00:00:00Z", "letter_time": "2025-01-01T00:00:00.000Z"}}
    todo, skipped = plan([a, b, c], SETTINGS, markers)
    assert [(x.id, t) for x, t in todo] == [("0:2", "p-articles.enriched")]
    assert [i for i, _ in skipped] == ["0:1", "1:5"] and "already replayed" in skipped[0][1]
    todo, _ = plan([b, b], SETTINGS, {})
    assert [x.id for x, _ in todo] == ["0:2"]  # an id given twice is sent once
    todo, skipped = plan([a, b, c], SETTINGS, markers, again=True)
    assert [x.id for x, _ in todo] == ["0:1", "0:2"] and [i for i, _ in skipped] == ["1:5"]


def test_table_and_show_text() -> None:
    console = Console(width=200, record=True)
    console.print(letters_table([_letter("0:1"), _letter("1:5", stage="ingest", topic=None)]))
    out = console.export_text()
    assert "0:1" in out and "p-articles.enriched[2]@17" in out and "StorageError: database is locked" in out
    assert "more" not in out  # the error is cut to its first line
    assert "/in/feed.xml" in out and "2026-01-13 10:00:00" in out
    text = render_letter(_letter(original="Kallas said – \"no\"".encode()))
    assert "reason:   storage" in text and "error:    StorageError: database is locked" in text
    assert "source:   p-articles.enriched partition 2 offset 17" in text and "key:      a1" in text
    assert text.endswith('\n\nKallas said – "no"') and "shown as text" in text
    binary = render_letter(_letter(original=b"\x80\x81"))
    assert "shown as hex (not UTF-8)" in binary and binary.endswith("80 81")


def test_replay_needs_ids_or_filters_and_not_both(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadletters", "replay"]) == 1
    assert "say what to replay" in capsys.readouterr().err
    assert main(["deadletters", "replay", "0:1", "--stage", "store"]) == 1
    assert "not both" in capsys.readouterr().err
    assert main(["deadletters", "list", "--since", "soon"]) == 1
    assert "bad time 'soon'" in capsys.readouterr().err
