"""Pure parsing tests: wire text, ninjs, corpus JSON Lines, identity, bad input reasons. No broker."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.core.errors import DecodeError, TooLargeError, ValidationError
from streams.core.model import Article
from streams.ingest.formats import article_from_record, article_from_text, parse_json
from streams.ingest.identity import article_id, iso_datetime, provenance_from_text
from streams.ingest.sources.reading import expand_paths, iter_file
from streams.ingest.sources.stdin import iter_stdin
from tests.ingest.conftest import NEWS_SAMPLE, SAMPLE, corpus_records

MIB = 1 << 20


def test_sample_wire_text_keeps_body_and_reads_provenance() -> None:
    raw = SAMPLE.read_bytes()
    article = article_from_text(raw, namespace="text", max_bytes=MIB)
    assert article.body_text == raw.decode("utf-8")  # exactly as received, leading space included
    assert article.versioncreated == "2026-01-13"
    assert article.provider == "MENAFN"
    assert article.source == "Ukrinform"  # the header's "UkrinForm", spelled as the body credits it


def test_same_text_gives_same_id_and_different_text_a_different_one() -> None:
    raw = SAMPLE.read_bytes()
    a = article_from_text(raw, namespace="text", max_bytes=MIB)
    b = article_from_text(raw, namespace="text", max_bytes=MIB)
    c = article_from_text(raw + b" ", namespace="text", max_bytes=MIB)
    assert a.id == b.id != c.id


def test_dateline_gives_place_and_agency() -> None:
    prov = provenance_from_text("BERLIN, Jan 13 (Reuters) - German Defence Minister Boris Pistorius said ...")
    assert (prov.located, prov.source) == ("BERLIN", "Reuters")


def test_article_ids_from_urls_ignore_namespace_and_host_case() -> None:
    one = article_id(namespace="feed-a", identifier="https://News.Example.org/a/1")
    two = article_id(namespace="feed-b", identifier="https://news.example.org/a/1")
    assert one == two
    assert article_id(namespace="feed-a", identifier="guid-7") != article_id(namespace="feed-b", identifier="guid-7")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01.790Z"),
        ("27-MAR-1987 08:13:21.80A", "1987-03-27T08:13:21.800Z"),  # a real Reuters-21578 typo
        ("Tue, 13 Jan 2026 10:00:00 GMT", "2026-01-13T10:00:00Z"),
        ("2026-01-13T10:00:00+02:00", "2026-01-13T10:00:00+02:00"),
        ("2026-01-13", "2026-01-13"),
        ("next Tuesday", None),
    ],
)
def test_iso_datetime(value: str, expected: str | None) -> None:
    assert iso_datetime(value) == expected


def test_corpus_records_map_onto_the_model() -> None:
    record = corpus_records(1)[0]
    article = article_from_record(record, namespace="json")
    assert article.id == record["id"]
    assert article.body_text == record["text"]
    assert article.headline == record["title"]
    assert article.located == record["dateline"].split(",")[0]
    assert article.versioncreated and article.versioncreated.startswith("1987-")


def test_ninjs_2_fields() -> None:
    doc = {
        "uri": "http://wire.example/2026/01/13/kallas",
        "headlines": [{"role": "main", "value": "Kallas: guarantees must be tangible"}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": "<p>First.</p><p>Second.</p>"},
                   {"role": "main", "contenttype": "text/plain", "value": "First.\n\nSecond."}],
        "versioncreated": "2026-01-13T10:00:00Z",
        "language": "en",
        "bylines": [{"byline": "Jane Doe"}],
        "infosource": [{"name": "Ukrinform"}],
        "altids": [{"role": "internal", "value": "A-17"}],
    }
    article = article_from_record(doc, namespace="json")
    assert article.body_text == "First.\n\nSecond."
    assert article.headline == "Kallas: guarantees must be tangible"
    assert article.source == "Ukrinform" and article.byline == "Jane Doe"
    assert article.altids["internal"] == "A-17" and article.altids["uri"] == doc["uri"]
    assert article.id == article_id(namespace="other", identifier=doc["uri"])  # stable, from the uri


def test_ninjs_1_fields_and_html_body() -> None:
    doc = {"uri": "urn:x:1", "headline": "H", "body_html": "<p>One <b>two</b></p><script>x</script>",
           "versioncreated": "2026-01-13T10:00:00Z", "located": "Berlin", "version": "3"}
    article = article_from_record(doc, namespace="json")
    assert article.body_text == "One two"
    assert article.located == "Berlin" and article.version == 3


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"headline": "no body"}, "empty_body"),
        ({"text": "   "}, "empty_body"),
        (["not", "an", "object"], "invalid"),
        ({"headline": 5, "body_text": "x"}, "invalid"),
    ],
)
def test_bad_records_name_their_reason(record: object, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        article_from_record(record, namespace="json")
    assert info.value.reason == reason


def test_bad_text_inputs() -> None:
    with pytest.raises(DecodeError) as info:
        article_from_text(b"caf\xe9 au lait\x00\x00\x01", namespace="text", max_bytes=MIB)
    assert info.value.reason == "undecodable"
    with pytest.raises(ValidationError) as empty:
        article_from_text(b" \n\t", namespace="text", max_bytes=MIB)
    assert empty.value.reason == "empty_body"
    with pytest.raises(TooLargeError):
        article_from_text(b"x" * (MIB + 1), namespace="text", max_bytes=MIB)


def test_news_sample_reads_every_line(tmp_path: Path) -> None:
    items = list(iter_file(NEWS_SAMPLE, MIB))
    lines = sum(1 for line in NEWS_SAMPLE.read_bytes().splitlines() if line.strip())
    assert len(items) == lines
    assert all(i.article is not None for i in items), [str(i.error) for i in items if i.error]


def test_jsonl_with_bad_lines_yields_one_item_per_line_with_reasons(tmp_path: Path) -> None:
    good = [orjson.dumps(r) for r in corpus_records(3)]
    lines = [good[0], b"{not json", b'{"text": ""}', b"\xff\xfe\xfa", good[1], b'{"text": "' + b"y" * (MIB + 10) + b'"}',
             good[2]]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(iter_file(path, MIB))
    reasons = [i.error.reason if i.error else "ok" for i in items]
    assert reasons == ["ok", "malformed_json", "empty_body", "undecodable", "ok", "too_large", "ok"]
    assert items[1].original == b"{not json"


def test_gzip_bomb_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(b"A" * (64 * MIB)))
    assert path.stat().st_size < 200_000
    items = list(iter_file(path, MIB))
    assert len(items) == 1 and items[0].error is not None and items[0].error.reason == "too_large"


def test_gzipped_jsonl_and_folder_expansion(tmp_path: Path) -> None:
    records = corpus_records(5)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jsonl.gz").write_bytes(gzip.compress(b"\n".join(orjson.dumps(r) for r in records)))
    (tmp_path / "b.txt").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "c.txt.part").write_bytes(b"still being written")
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "old.txt").write_bytes(b"already done")
    files = expand_paths([tmp_path])
    assert [f.name for f in files] == ["b.txt", "a.jsonl.gz"]
    items = [i for f in files for i in iter_file(f, MIB)]
    assert [i.article.id for i in items[1:] if i.article] == [r["id"] for r in records]


def test_ninjs_json_array_file(tmp_path: Path) -> None:
    docs = [{"uri": f"urn:t:{i}", "headline": r["title"], "body_text": r["text"]} for i, r in enumerate(corpus_records(4))]
    path = tmp_path / "batch.json"
    path.write_bytes(orjson.dumps(docs))
    items = list(iter_file(path, MIB))
    assert [i.article.body_text for i in items if i.article] == [d["body_text"] for d in docs]


def test_stdin_json_lines_and_single_text() -> None:
    records = corpus_records(3)
    stream = io.BytesIO(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    assert [i.article.id for i in iter_stdin(stream, MIB) if i.article] == [r["id"] for r in records]
    text_items = list(iter_stdin(io.BytesIO(SAMPLE.read_bytes()), MIB))
    assert len(text_items) == 1 and text_items[0].article is not None
    assert text_items[0].article.provider == "MENAFN"
    pretty = io.BytesIO(orjson.dumps({"uri": "urn:p:1", "body_text": "Body."}, option=orjson.OPT_INDENT_2))
    assert [i.article.body_text for i in iter_stdin(pretty, MIB) if i.article] == ["Body."]


def test_parallel_parsing_gives_the_same_items_in_the_same_order(tmp_path: Path) -> None:
    import multiprocessing

    from streams.ingest.sources.parallel import iter_prepared_parallel
    from streams.ingest.sources.sending import prepare

    lines = [orjson.dumps(r) for r in corpus_records(1200)]
    lines[7] = b"{broken"
    lines[900] = b'{"text": ""}'
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    serial = [prepare(i) for i in iter_file(path, MIB)]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        parallel = list(iter_prepared_parallel(path, MIB, pool, window=2))
    assert len(parallel) == len(serial) == 1200
    assert [p[1] if p[0] == "ok" else p[1].reason for p in parallel] == \
        [p[1] if p[0] == "ok" else p[1].reason for p in serial]
    assert parallel[7][1].reason == "malformed_json" and parallel[900][1].reason == "empty_body"


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00 not json", b'{"id": "a", "body_text": "caf\xe9"}'])
def test_not_utf8_gets_the_same_reason_at_ingest_and_in_the_worker(raw: bytes) -> None:
    with pytest.raises(DecodeError) as at_ingest:
        article_from_record(parse_json(raw, max_bytes=1 << 20), namespace="json")
    with pytest.raises(DecodeError) as in_worker:  # the worker decodes articles.raw with Article.from_json
        Article.from_json(raw, max_bytes=1 << 20)
    assert at_ingest.value.reason == in_worker.value.reason == "undecodable"


@pytest.mark.parametrize(
    "make",
    [
        lambda: article_from_text(b"\x00\x00", namespace="text", max_bytes=1 << 20),
        lambda: article_from_text("\u200b\x07\r\n", namespace="text", max_bytes=1 << 20),
        lambda: article_from_record({"id": "c1", "text": "\x00\x00", "title": "nul"}, namespace="corpus"),
        lambda: article_from_record({"uri": "u1", "bodies": [{"value": "\x00\x00"}]}, namespace="ninjs"),
        lambda: article_from_record({"id": "m1", "body_text": "\x00"}, namespace="json"),
    ],
)
def test_a_body_of_nul_or_control_characters_is_refused_with_its_reason(make: Any) -> None:
    with pytest.raises(ValidationError, match="no text, only") as info:
        make()
    assert info.value.reason == "empty_body"


CP1252_WIRE = ("PARIS, Jan 13 (AFP) \u2013 \u201cWe will not back down,\u201d the minister said on Tuesday, "
               "calling the caf\u00e9 owners\u2019 protest \u2018na\u00efve\u2019 \u2026 Co\u00fbt: 5 \u20ac.\n")


def test_cp1252_wire_text_is_decoded_with_a_recorded_fallback(caplog: pytest.LogCaptureFixture) -> None:
    raw = CP1252_WIRE.encode("cp1252")
    assert b"\x93" in raw and b"\x96" in raw  # smart quotes and en dash in 0x80-0x9F
    with caplog.at_level("WARNING", logger="streams.ingest.formats"):
        article = article_from_text(raw, namespace="text", max_bytes=MIB, altids={"file": "wire.txt"})
    assert article.body_text == CP1252_WIRE  # no mojibake: the quotes are quotes
    assert article.altids == {"file": "wire.txt", "encoding": "cp1252"}
    assert any("wire.txt: not UTF-8; decoded as cp1252" in r.getMessage() for r in caplog.records)
    utf8 = article_from_text(CP1252_WIRE.encode("utf-8"), namespace="text", max_bytes=MIB, altids={"file": "u.txt"})
    assert utf8.body_text == CP1252_WIRE and "encoding" not in utf8.altids and utf8.id == article.id


def test_latin1_text_file_is_read_and_binary_garbage_is_refused(tmp_path: Path) -> None:
    import random

    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Z\u00fcrich (SDA) \u2013 Der Bundesrat hat am Mittwoch beschlossen.".encode("cp1252"))
    [item] = list(iter_file(latin, MIB))
    assert item.article is not None and item.article.altids["encoding"] == "cp1252"
    assert item.article.body_text.startswith("Z\u00fcrich (SDA) \u2013")
    garbage = {
        "random.bin": random.Random(7).randbytes(4096),
        "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        "utf16.txt": "\ufeffHello wire".encode("utf-16"),
    }
    for name, data in garbage.items():
        (tmp_path / name).write_bytes(data)
        [bad] = list(iter_file(tmp_path / name, MIB))
        assert bad.article is None and bad.error is not None and bad.error.reason == "undecodable", name
        assert bad.original == data
    messages = {n: str(next(iter(iter_file(tmp_path / n, MIB))).error) for n in garbage}
    assert "binary data" in messages["random.bin"] and "binary data" in messages["image.txt"]
    assert "UTF-16" in messages["utf16.txt"] and "iconv -f utf-16 -t utf-8" in messages["utf16.txt"]


def test_non_utf8_json_says_how_to_convert() -> None:
    with pytest.raises(DecodeError) as info:
        parse_json(b'{"id": "x", "text": "caf\xe9 \x93quoted\x94"}', max_bytes=MIB)
    assert "iconv -f cp1252 -t utf-8" in str(info.value)


def test_valid_utf8_with_nul_bytes_is_refused_as_binary(tmp_path: Path) -> None:
    files = {"nul.txt": b"\x00\x01\x02binary",  # valid UTF-8, but no text
             "utf16le.txt": "BRUSSELS (X) - The Commission said on Wednesday.".encode("utf-16-le")}  # no BOM
    for name, data in files.items():
        data.decode("utf-8")  # both decode as UTF-8: the check must not rely on a decoding error
        (tmp_path / name).write_bytes(data)
        [bad] = list(iter_file(tmp_path / name, MIB))
        assert bad.article is None and bad.error is not None and bad.error.reason == "undecodable", name
    assert "binary data" in str(next(iter(iter_file(tmp_path / "nul.txt", MIB))).error)
    assert "iconv -f utf-16le -t utf-8" in str(next(iter(iter_file(tmp_path / "utf16le.txt", MIB))).error)
    anpa = "\x01BRUSSELS (X) - The Commission said on Wednesday.\x04"  # SOH/EOT framing stays text
    [ok] = list(iter_file(_write(tmp_path / "anpa.txt", anpa.encode()), MIB))
    assert ok.article is not None and ok.article.body_text == anpa


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
