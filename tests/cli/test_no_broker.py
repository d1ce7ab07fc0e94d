"""Without a broker, every command that needs one says so within seconds and says what to do (pure:
a closed port on 127.0.0.1)."""

from __future__ import annotations

import pytest


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: nothing listens there


@pytest.mark.parametrize("argv", [["deadletters", "list"], ["deadletters", "show", "0:1"],
                                  ["deadletters", "replay", "--stage", "store", "--dry-run"],
                                  ["alerts", "list"], ["topics", "list"]])
def test_without_a_broker_commands_say_what_to_do_within_seconds(argv: list[str], capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from streams.cli.main import main

    monkeypatch.setenv("STREAMS_KAFKA_BOOTSTRAP", f"127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    assert main(argv) == 1
    assert time.monotonic() - started < 10  # not the client's 30 s of bootstrap retries
    said = capsys.readouterr().err
    assert "nothing listens at 127.0.0.1:" in said and "streams kafka start" in said
