"""`streams up` delivers to webhooks: the deliverer it starts, run as it starts it, on the real broker."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from standardwebhooks import Webhook

from streams.alerts.rules import Alert, Rule, match
from streams.cli.commands.up import alert_deliverers
from streams.core.settings import Settings
from tests.store.articles import sample_article

from .kafka_io import produce, read_all

SECRET = "whsec_" + "dXAtd2ViaG9va3MtdGVzdC1zZWNyZXQtMzItYnl0ZXM="


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 204 and keeps what it got."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.got.append((self.path, dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_the_stacks_webhook_deliverer_sends_rule_webhooks_and_leaves_the_rest(
        kafka_settings: Settings, kafka_topics: dict[str, str], receiver: Receiver, tmp_path: Path) -> None:
    article = sample_article()
    hooked = Rule(id="kallas-hook", name="Kallas", entity=("Kaja Kallas",),
                  webhook=f"http://127.0.0.1:{receiver.port}/desk")
    plain = Rule(id="kallas-file", name="Kallas, file only", entity=("Kaja Kallas",))
    alerts = [Alert.build(rule, match(rule, article), article) for rule in (hooked, plain)]
    produce(kafka_settings, kafka_topics["alerts"], [(a.key.encode(), a.to_json()) for a in alerts])

    settings = kafka_settings.replace(database_url=f"sqlite:///{tmp_path}/archive.db")
    (args,) = [args for name, args in alert_deliverers(settings) if name == "alert-webhooks"]
    env = {**os.environ, "STREAMS_KAFKA_BOOTSTRAP": settings.bootstrap, "STREAMS_TOPIC_PREFIX": settings.topic_prefix,
           "STREAMS_WEBHOOK_ALLOW": f"127.0.0.1:{receiver.port}", "STREAMS_WEBHOOK_SECRET": SECRET,
           "STREAMS_METRICS_PORT": "0", "STREAMS_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "streams.cli.main", *args, "--until-idle", "3"], env=env,
                          capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    said = " ".join(done.stderr.split())  # rich wraps the summary at the terminal width
    assert "delivered: 1," in said and "left to other targets (rule without webhook): 1," in said, said[-2000:]
    assert "dead-lettered: 0 of 2 alerts" in said

    ((path, headers, body),) = receiver.got
    assert path == "/desk" and headers["Idempotency-Key"] == alerts[0].key
    assert Webhook(SECRET).verify(body, headers)["rule_id"] == "kallas-hook"
    assert read_all(kafka_settings, kafka_topics["dead_letters"]) == []  # the rule without a webhook is no error


def test_rule_webhooks_only_goes_alone(tmp_path: Path) -> None:
    from streams.alerts.delivery import target_from_options
    from streams.core.errors import StreamsError
    from streams.core.settings import load_settings

    settings = load_settings({})
    for other in ({"file": str(tmp_path / "a.jsonl")}, {"webhook": "https://hooks.example.org/x"}, {"tail": True}):
        with pytest.raises(StreamsError, match="--rule-webhooks-only goes alone"):
            target_from_options(settings, rule_webhooks_only=True, **other)
    assert target_from_options(settings, rule_webhooks_only=True).rule_webhooks_only
