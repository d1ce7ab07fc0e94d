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
    assert result.returncode == 0, result.stderr
    assert "2 enriched, 1 failed" in result.stderr
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
