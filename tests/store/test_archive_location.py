"""Where the archive is, as `streams up --once` tells the user."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.core.errors import ConfigError
from streams.store.backends import archive_location


def test_a_relative_sqlite_url_is_shown_as_the_absolute_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert archive_location("sqlite:///var/streams.db") == str(tmp_path.resolve() / "var" / "streams.db")
    assert archive_location(f"sqlite:///{tmp_path}/a.db") == str(tmp_path.resolve() / "a.db")


def test_a_server_url_is_shown_without_its_password() -> None:
    shown = archive_location("postgresql://streams:s3cret@db.example:5432/news")
    assert "s3cret" not in shown and shown.startswith("postgresql://streams:") and shown.endswith("@db.example:5432/news")


def test_an_unknown_scheme_says_what_to_use() -> None:
    with pytest.raises(ConfigError, match="sqlite:///"):
        archive_location("mysql://x/y")
