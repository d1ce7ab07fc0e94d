"""`streams enrich` on files: JSON Lines and wire text in, the scorer's contract out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams.cli.main", "enrich", "--no-progress", *args],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


def test_jsonl_in_contract_out_and_a_bad_line_does_not_stop_the_run(tmp_path: Path) -> None:
    sample = next((SHARED / "samples").glob("*.txt"), None)
    if sample is None:
        pytest.skip("../shared/samples is not present")
    lines = [
        orjson.dumps({"id": "kallas", "text": sample.read_text(encoding="utf-8")}),
        b'{"id": "broken", "text": ',
        orjson.dumps({"id": "short", "title": "Rates", "text": "The Bank of England held rates on Thursday."}),
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    result = _run(str(src), "-o", str(tmp_path / "out.jsonl"), cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # a partial run is not a success
    assert "2 enriched, 1 failed" in result.stderr and f"failed at {src}:2" in result.stderr
    out = [orjson.loads(line) for line in (tmp_path / "out.jsonl").read_bytes().splitlines()]
    assert [o["id"] for o in out] == ["kallas", "short"]
    kallas = out[0]
    assert {"entities", "quotes", "topics"} <= kallas.keys()
    text = sample.read_text(encoding="utf-8")
    for quote in kallas["quotes"]:  # offsets index the text as given
        assert text[quote["start"]:quote["end"]].strip()
    assert any(q["speaker"] == "Kaja Kallas" for q in kallas["quotes"])
    assert any(t["code"] == "medtop:16000000" for t in kallas["topics"])


def test_wire_text_file_and_unknown_component(tmp_path: Path) -> None:
    sample = next((SHARED / "samples").glob("*.txt"), None)
    if sample is None:
        pytest.skip("../shared/samples is not present")
    result = _run(str(sample), "--components", "textspans,language,nlp,entities", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = orjson.loads(result.stdout.splitlines()[0])
    assert record["id"] == sample.stem and record["provenance"]["distributor"] == "MENAFN"
    bad = _run(str(sample), "--components", "textspans,entitys", cwd=tmp_path)
    assert bad.returncode != 0 and "valid components" in bad.stderr


def test_malformed_lines_exit_non_zero_naming_each_place(tmp_path: Path) -> None:
    good = orjson.dumps({"id": "ok", "text": "The Bank of England held rates on Thursday."})
    lines = [good, b"{oops", good.replace(b'"ok"', b'"ok2"'), b'{"id": "e", "text": ""}', b"[1, 2]", b'{"id": 1']
    src = tmp_path / "four-bad.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    result = _run(str(src), "--components", "textspans", "-o", str(tmp_path / "out.jsonl"), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "2 enriched, 4 failed" in result.stderr
    assert f"failed at {src}:2, {src}:4, {src}:5, {src}:6" in result.stderr
    errors = [orjson.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [(e["input"], e["line"]) for e in errors] == [(str(src), n) for n in (2, 4, 5, 6)]
    assert errors[1]["message"].startswith(f"{src}:4: ") and "body_text" in errors[1]["message"]


@pytest.mark.parametrize("content", [b"", b"  \n\n", b"\n"])
def test_an_empty_file_is_named(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "empty-story.txt"
    src.write_bytes(content)
    result = _run(str(src), "--components", "textspans", cwd=tmp_path)
    assert result.returncode != 0
    assert f"{src} is empty" in result.stderr and "Traceback" not in result.stderr


def test_a_cp1252_text_file_is_read_with_a_note_and_binary_is_refused(tmp_path: Path) -> None:
    text = "BRUSSELS (Reuters) \u2013 \u201cWe are ready,\u201d the caf\u00e9 owner said.\n"
    src = tmp_path / "legacy.txt"
    src.write_bytes(text.encode("cp1252"))
    result = _run(str(src), "--components", "textspans", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{src} is not UTF-8; read as cp1252" in result.stderr
    assert orjson.loads(result.stdout.splitlines()[0])["id"] == "legacy"
    blob = tmp_path / "blob.txt"
    blob.write_bytes(b"\x00\x01\x02\xff" * 64)
    bad = _run(str(blob), "--components", "textspans", cwd=tmp_path)
    assert bad.returncode != 0 and f"{blob} is binary data" in bad.stderr and "Traceback" not in bad.stderr


def test_stdin_in_cp1252_is_read_too(tmp_path: Path) -> None:
    quote = "\u201cYes,\u201d she said.".encode("cp1252")
    line = orjson.dumps({"id": "s1", "text": "PLACEHOLDER"}).replace(b"PLACEHOLDER", quote)
    result = subprocess.run([sys.executable, "-m", "streams.cli.main", "enrich", "--no-progress", "--components",
                             "textspans", "-"], input=line + b"\n", capture_output=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"<stdin> is not UTF-8; read as cp1252" in result.stderr
    assert orjson.loads(result.stdout.splitlines()[0])["id"] == "s1"


def test_enrich_reads_a_record_as_ingest_does(tmp_path: Path) -> None:
    """One article, one reading: the provenance `streams ingest` fills is filled by `streams enrich` too."""
    from streams.ingest.formats import article_from_record, article_from_text  # noqa: PLC0415

    sample = next((SHARED / "samples").glob("*.txt"), None)
    if sample is None:
        pytest.skip("../shared/samples is not present")
    ninjs = {"uri": "urn:example:1", "by": "Jane Roe", "headlines": [{"role": "main", "value": "H"}],
             "bodies": [{"role": "main", "value": "The minister said on Monday that talks would go on."}],
             "infosources": [{"name": "Wire", "role": "distributor"}], "versioncreated": "2026-01-13T10:00:00Z"}
    src = tmp_path / "in.jsonl"
    src.write_bytes(orjson.dumps(ninjs) + b"\n")
    assert _run(str(src), "-o", str(tmp_path / "n.jsonl"), "--components", "textspans", cwd=tmp_path).returncode == 0
    [got] = [orjson.loads(line)["article"] for line in (tmp_path / "n.jsonl").read_bytes().splitlines()]
    want = article_from_record(ninjs, namespace="json")
    for name in ("headline", "body_text", "byline", "provider", "versioncreated", "uri"):
        assert got[name] == getattr(want, name), name
    result = _run(str(sample), "-o", str(tmp_path / "s.jsonl"), "--components", "textspans", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [text_article] = [orjson.loads(line)["article"] for line in (tmp_path / "s.jsonl").read_bytes().splitlines()]
    ingested = article_from_text(sample.read_bytes(), namespace="text", max_bytes=1 << 20)
    assert text_article["id"] == sample.stem
    assert text_article["versioncreated"] is not None
    for name in ("versioncreated", "located", "provider", "source", "body_text"):
        assert text_article[name] == getattr(ingested, name), name
