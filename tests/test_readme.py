"""The README a newcomer follows: a two-command quickstart, and every command it shows names files and
commands that exist (pure: reads files only)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from streams.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def test_the_quickstart_is_exactly_two_commands() -> None:
    block = re.search(r"```sh\n(.*?)```", _section("Quickstart"), re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.split("#")[0].strip()]
    assert commands == ["make run", "make test"]


def test_every_shared_path_the_readme_names_exists() -> None:
    shared = ROOT.parent / "shared"
    if not shared.is_dir():
        pytest.skip("../shared is not present")
    paths = set(re.findall(r"\.\./shared/[\w./-]+", README))
    assert paths, "the README names no shared file"
    missing = [p for p in sorted(paths) if "*" not in p and not (ROOT / p.rstrip(".")).exists()]
    assert missing == [], f"the README names files that do not exist: {missing}"


def test_every_streams_command_the_readme_shows_exists() -> None:
    parser = build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]
    shown = set(re.findall(r"`(?:\.venv/bin/)?streams ([a-z]+)", README))
    assert shown and shown <= set(commands.choices), shown - set(commands.choices)


def test_every_quality_command_names_its_input_and_the_scorer_by_path() -> None:
    rows = [line for line in _section("Quality and speed, measured").splitlines()
            if line.startswith("|") and "score.py" in line]
    assert rows
    for row in rows:
        assert re.search(r"python \.\./shared/eval/score\.py (entities|quotes|topics) \.\./shared/eval/\S+ p\.jsonl",
                         row), row
