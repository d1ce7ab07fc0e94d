"""`streams up` keeps the Kafka client's retried warnings out of the terminal, in its own log file (pure)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from streams.cli.commands.up import LOG_FILE_ONLY, route_client_logs
from streams.core.settings import load_settings


def test_client_warnings_go_to_the_up_log_not_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate) for name in LOG_FILE_ONLY}
    root = logging.getLogger()
    terminal = logging.StreamHandler()  # what setup_logging installs: the terminal (stderr)
    root.addHandler(terminal)
    try:
        path = route_client_logs(load_settings(home=tmp_path))
        logging.getLogger("kafka.coordinator").warning("Marking the coordinator dead: [Error 16] NotCoordinatorError.")
        logging.getLogger("streams.kafka.lag").warning("consumer lag: [Error 15]; retrying in 0.2s")
        logging.getLogger("streams.cli.commands.up").warning("our own message")
        for handler in logging.getLogger("kafka").handlers:
            handler.flush()
        said = capsys.readouterr().err
        assert "NotCoordinatorError" not in said and "retrying" not in said and "our own message" in said
        logged = path.read_text()
        assert path == tmp_path / "logs" / "up.log"
        assert "NotCoordinatorError" in logged and "retrying in 0.2s" in logged and "our own message" not in logged
    finally:
        root.removeHandler(terminal)
        for name, (handlers, propagate) in saved.items():
            logger = logging.getLogger(name)
            for handler in logger.handlers[:]:
                if handler not in handlers:
                    logger.removeHandler(handler)
                    handler.close()
            logger.propagate = propagate
