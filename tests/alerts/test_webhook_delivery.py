"""Webhook delivery without a broker, on 127.0.0.1: the guard against a canary listener, redirects, signatures."""

from __future__ import annotations

import base64
import dataclasses
import http.server
import os
import threading
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from streams.alerts.delivery import WebhookTarget
from streams.alerts.guard import AllowList, Guard
from streams.alerts.rules import Alert
from streams.alerts.signing import SigningKey, WebhookSecrets, sign, webhook_headers
from streams.core.errors import DeliveryError
from streams.core.settings import Settings, load_settings

STOP = threading.Event()  # never set: deliveries run to the end


class Listener:
    """An HTTP server on 127.0.0.1 that records every request; per path a script of statuses (last repeats)."""

    def __init__(self, scripts: dict[str, list[int]] | None = None, location: str = "") -> None:
        self.scripts = scripts or {}
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                listener.requests.append((self.path, dict(self.headers.items()), body))
                script = listener.scripts.get(self.path, [200])
                status = script.pop(0) if len(script) > 1 else script[0]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture()
def canary() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def make_alert(url: str, rule_id: str = "desk") -> Alert:
    return Alert(key=f"{rule_id}:menafn-kallas-1", rule_id=rule_id, rule_name="Kallas quoted",
                 cluster_id="menafn-kallas-1", article_id="menafn-kallas-1", headline="Kallas: guarantees",
                 uri=None, source="Ukrinform", provider="MENAFN", language="en", versioncreated=None,
                 received_at=None, reason="speaker 'Kaja Kallas'", hits=[], snippet=None, webhook=url)


def settings_with(**changes: Any) -> Settings:
    return load_settings(environ={}, **changes)


def spellings(port: int) -> list[str]:
    """URLs that all land on 127.0.0.1:port (or another loopback address)."""
    hosts = ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0x7f.1", "0177.0.0.1",
             "017700000001", "127.0.0.1.", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[::1]",
             "localhost", "LOCALHOST.", "a.localhost", "[2002:7f00:1::]", "0", "0.0.0.0", "127.0.0.2"]
    return [f"http://{host}:{port}/hook" for host in hosts] + [f"http://user@127.0.0.1:{port}/hook"]


#: spellings the HTTP client accepts that name 127.0.0.1 itself: the canary must hear them once allowed
DELIVERABLE = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "127.0.0.1.", "[::ffff:127.0.0.1]"]


def test_canary_hears_nothing_while_the_guard_is_on(canary: Listener) -> None:
    target = WebhookTarget.from_settings(settings_with(), max_attempts=3, backoff_base_s=0.01)
    urls = spellings(canary.port)
    assert len(urls) >= 20
    for url in urls:
        with pytest.raises(DeliveryError) as caught:
            target.deliver(make_alert(url), STOP)
        assert caught.value.reason == "destination_refused", url
        assert "rule desk: alert desk:menafn-kallas-1 not delivered" in str(caught.value)
    target.close()
    assert canary.requests == []


def test_canary_receives_when_127_0_0_1_is_allow_listed(canary: Listener) -> None:
    target = WebhookTarget.from_settings(settings_with(webhook_allow="127.0.0.1"), max_attempts=1)
    for host in DELIVERABLE:
        target.deliver(make_alert(f"http://{host}:{canary.port}/hook"), STOP)
    # still refused: other loopback addresses, local names, and what was never allowed
    for url in (f"http://127.0.0.2:{canary.port}/hook", f"http://localhost:{canary.port}/hook",
                "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/hook"):
        with pytest.raises(DeliveryError, match="public addresses only"):
            target.deliver(make_alert(url), STOP)
    target.close()
    assert len(canary.requests) == len(DELIVERABLE)
    assert {path for path, _, _ in canary.requests} == {"/hook"}


def test_connects_to_the_checked_address_keeping_the_host_header(canary: Listener) -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:  # a name the system cannot resolve
        asked.append(host)
        return {"receiver.test": ["127.0.0.1"], "rebind.test": ["127.0.0.1"]}[host]

    pinned = WebhookTarget(guard=Guard(AllowList.parse("receiver.test"), resolver=resolver), max_attempts=1)
    pinned.deliver(make_alert(f"http://receiver.test:{canary.port}/hook"), STOP)
    with pytest.raises(DeliveryError, match="rebind.test resolves to 127.0.0.1, a loopback address") as caught:
        pinned.deliver(make_alert(f"http://rebind.test:{canary.port}/hook"), STOP)
    assert caught.value.reason == "destination_refused"
    pinned.close()
    assert asked == ["receiver.test", "rebind.test"]  # resolved once each, by the guard only
    assert [headers["Host"] for _, headers, _ in canary.requests] == [f"receiver.test:{canary.port}"]


def test_a_redirect_to_loopback_is_refused_not_followed(canary: Listener) -> None:
    receiver = Listener({"/moved": [302]}, location=f"http://127.0.0.1:{canary.port}/hook")
    try:
        settings = settings_with(webhook_allow=f"127.0.0.1:{receiver.port}")  # the receiver, not the canary
        target = WebhookTarget.from_settings(settings, max_attempts=3, backoff_base_s=0.01)
        with pytest.raises(DeliveryError, match="HTTP 302 redirect to .*not followed") as caught:
            target.deliver(make_alert(f"http://127.0.0.1:{receiver.port}/moved"), STOP)
        assert caught.value.reason == "webhook_redirect"
        target.close()
    finally:
        receiver.close()
    assert len(receiver.requests) == 1  # a dead letter at once, not retried
    assert canary.requests == []


def whsec(seed: int) -> str:
    return "whsec_" + base64.b64encode(bytes(range(seed, seed + 32))).decode()


def test_signatures_verify_with_the_standardwebhooks_library_through_a_rotation(
        canary: Listener, tmp_path: Path) -> None:
    new, old, default, stranger = whsec(1), whsec(40), whsec(80), whsec(120)
    secrets = tmp_path / "webhook-secrets.json"
    secrets.write_bytes(orjson.dumps({"rules": {"desk": [new, old]}}))
    os.chmod(secrets, 0o600)
    settings = settings_with(webhook_allow="127.0.0.1", webhook_secrets_file=str(secrets),
                             webhook_secret=default)
    assert "whsec" not in repr(settings) and all("whsec" not in row[1] for row in settings.describe())
    canary.scripts["/flaky"] = [500, 200]
    target = WebhookTarget.from_settings(settings, max_attempts=3, backoff_base_s=0.01)
    alert = make_alert(f"http://127.0.0.1:{canary.port}/flaky")
    target.deliver(alert, STOP)
    target.deliver(make_alert(f"http://127.0.0.1:{canary.port}/other", rule_id="other"), STOP)
    target.close()

    (_, first, body1), (_, retry, body2), (_, other, body3) = canary.requests
    assert first["webhook-id"] == retry["webhook-id"] == first["Idempotency-Key"] == alert.key  # stable: dedupe
    assert len(retry["webhook-signature"].split(" ")) == 2  # rotation: one signature per secret
    for secret in (new, old):
        for headers, body in ((first, body1), (retry, body2)):
            assert Webhook(secret).verify(body, headers)["rule_id"] == "desk"
    for secret, headers, body in ((stranger, first, body1), (new, first, body1 + b" "), (default, first, body1)):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body, headers)
    assert Webhook(default).verify(body3, other)["rule_id"] == "other"  # no rule entry: the default secret
    assert len(other["webhook-signature"].split(" ")) == 1


@pytest.mark.parametrize("body", [b"{}", "{\"headline\": \"Kallas \u00e4\u2014\"}".encode(), bytes(range(256))])
def test_signing_matches_the_reference_byte_for_byte(body: bytes) -> None:
    import datetime

    secret = whsec(7)
    key = SigningKey.from_secret(secret)
    when = datetime.datetime(2026, 1, 13, 10, 0, 5, tzinfo=datetime.timezone.utc)
    assert sign(key, "desk:c-1", int(when.timestamp()), body) == Webhook(secret).sign("desk:c-1", when, body)
    assert "whsec" not in repr(key) and "SigningKey(****)" == repr(key)


def test_secrets_file_errors_name_the_entry(tmp_path: Path) -> None:
    from streams.alerts.signing import load_webhook_secrets
    from streams.core.errors import ConfigError

    path = tmp_path / "s.json"
    for data, message in (({"rules": {"desk": "whsec_!!"}}, r"rules\['desk'\]: not a whsec_"),
                          ({"rules": {"desk": "whsec_YWJj"}}, "the key is 3 bytes"),
                          ({"rule": {}}, "expected an object with keys default, rules, urls")):
        path.write_bytes(orjson.dumps(data))
        with pytest.raises(ConfigError, match=message):
            load_webhook_secrets(settings_with(webhook_secrets_file=str(path)))
    assert not WebhookSecrets()
    assert webhook_headers("a:b", 1, b"{}", ()) == {"webhook-id": "a:b", "webhook-timestamp": "1"}
    assert dataclasses.is_dataclass(WebhookSecrets)
