"""`streams deadletters` on the real broker: list, show, and replay into the store and the alert
matcher, once: a replayed article ends in exactly one archive row and one alert, however often replayed."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import streams.cli.main as cli
from streams.alerts.matcher import AlertMatcher, put_rule
from streams.alerts.rules import Rule
from streams.core.model import DeadLetter
from streams.core.settings import Settings
from streams.kafka.deadletters import REPLAY_HEADER
from streams.store.backends import open_archive
from streams.store.consumer import StoreConsumer
from tests.alerts.kafka_io import produce, read_all
from tests.store.articles import SAMPLE_ID, sample_article


@pytest.fixture()
def cli_env(kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point `streams` command lines run in this process at the test's broker and topics."""
    monkeypatch.setenv("STREAMS_KAFKA_BOOTSTRAP", kafka_settings.bootstrap)
    monkeypatch.setenv("STREAMS_TOPIC_PREFIX", kafka_settings.topic_prefix)
    return kafka_settings


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert cli.main(["deadletters", *args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _id_column(table: str) -> list[str]:
    """The ids of a ``deadletters list`` table: the first cell of each row (wrapped lines leave it empty)."""
    cells = [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")]
    return [cell for cell in cells if cell]


def _pipeline(settings: Settings, db: str) -> tuple[int, int]:
    """Run the store and the matcher over what is new; (records stored anew, records the matcher consumed)."""
    stored = StoreConsumer(settings.replace(database_url=db), batch_size=10).run(until_idle=1.5)
    matched = AlertMatcher(settings).run(until_idle=1.5)
    return stored.written, matched.consumed


def test_replay_ends_in_one_row_and_one_alert_and_a_second_replay_is_skipped(
        cli_env: Settings, kafka_topics: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    settings = cli_env
    db = f"sqlite:///{tmp_path}/archive.db"
    put_rule(settings, Rule(id="kallas", name="Kallas", entity=("Kaja Kallas",)))
    article = sample_article()
    stored = DeadLetter(stage="store", reason="storage", error_type="StorageError", message="disk full",
                        original=article.to_json(), source_topic=kafka_topics["enriched"], source_partition=0,
                        source_offset=12, source_key=article.id.encode())
    ingest = DeadLetter(stage="ingest", reason="invalid", error_type="ValidationError", message="body_text: empty",
                        original=b'{"id": "x"}', origin="/in/x.json")
    binary = DeadLetter(stage="enrich", reason="undecodable", error_type="DecodeError", message="not JSON",
                        original=b"\x89PNG\r\n\x1a\n", source_topic=kafka_topics["raw"], source_partition=0,
                        source_offset=3, source_key=b"img")
    produce(settings, kafka_topics["dead_letters"], [(b"k", d.to_json()) for d in (stored, ingest, binary)])

    listed = [orjson.loads(line) for line in _run(capsys, "list", "--json").splitlines()]
    assert sorted(d["stage"] for d in listed) == ["enrich", "ingest", "store"]
    ids = {d["stage"]: d["id"] for d in listed}
    table = _run(capsys, "list", "--stage", "store", "--since", "1h")
    # ids are "partition:offset", which a time such as 02:17:43 also contains: compare the id column
    assert _id_column(table) == [ids["store"]] and "disk full" in table
    assert "no dead letters match" in _run(capsys, "list", "--until", "2000-01-01")
    shown = _run(capsys, "show", ids["store"])
    assert "reason:   storage" in shown and f"key:      {SAMPLE_ID}" in shown and article.article.headline in shown
    assert "shown as hex" in _run(capsys, "show", ids["enrich"])
    assert _run(capsys, "show", ids["store"], "--raw") == article.to_json().decode()
    assert len(_run(capsys, "list", "--json", "--limit", "2").splitlines()) == 2

    dry = _run(capsys, "replay", "--stage", "store", "--stage", "ingest", "--dry-run")
    assert f"would replay  {ids['store']} -> {kafka_topics['enriched']}" in dry
    assert f"skipped   {ids['ingest']}: stage ingest records no source topic" in dry
    assert read_all(settings, kafka_topics["enriched"]) == []  # a dry run sends nothing

    assert "1 replayed, 0 skipped" in _run(capsys, "replay", "--stage", "store")
    (replayed,) = read_all(settings, kafka_topics["enriched"], expect=1)
    assert replayed.key == SAMPLE_ID.encode() and replayed.value == article.to_json()
    assert (REPLAY_HEADER, f"{kafka_topics['dead_letters']}:{ids['store']}".encode()) in replayed.headers
    assert _pipeline(settings, db) == (1, 1)
    with open_archive(db) as archive:
        assert archive.table_counts()["articles"] == 1 and archive.article(SAMPLE_ID) is not None
    assert len(read_all(settings, kafka_topics["alerts"], expect=1)) == 1

    # the same replay again is skipped: nothing is sent
    again = _run(capsys, "replay", "--stage", "store")
    assert "0 replayed, 1 skipped" in again and "already replayed" in again
    assert len(read_all(settings, kafka_topics["enriched"])) == 1
    # forced by id: sent once more, and the sinks absorb it — still one row, still one alert
    assert "1 replayed, 0 skipped" in _run(capsys, "replay", ids["store"], "--again")
    assert len(read_all(settings, kafka_topics["enriched"], expect=2)) == 2
    assert _pipeline(settings, db) == (0, 1)
    with open_archive(db) as archive:
        assert archive.table_counts()["articles"] == 1
    assert len(read_all(settings, kafka_topics["alerts"])) == 1


def test_show_an_unknown_id_says_what_to_do(cli_env: Settings, kafka_topics: dict[str, str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["deadletters", "show", "0:99"]) == 1
    assert "no dead letter 0:99" in capsys.readouterr().err
    assert cli.main(["deadletters", "show", "999:0"]) == 1
    assert "has no partition 999" in capsys.readouterr().err
