"""Webhook signatures per the Standard Webhooks specification (https://www.standardwebhooks.com).

Each delivery carries ``webhook-id`` (the alert's idempotency key, the same on every retry),
``webhook-timestamp`` (Unix seconds of the attempt) and ``webhook-signature``: ``v1,`` + the
base64 HMAC-SHA256 of ``"{id}.{timestamp}.{body}"`` under the secret, one per secret separated by
spaces while a secret is being rotated. Secrets are ``whsec_`` + base64 of the key bytes; the
result is byte for byte what the reference ``standardwebhooks`` library computes and verifies.

Secrets come from settings, never from the rules topic: ``STREAMS_WEBHOOK_SECRET`` for every
webhook, and ``STREAMS_WEBHOOK_SECRETS``, a JSON file of secrets per rule id and per webhook URL::

    {"default": "whsec_...", "rules": {"kallas": ["whsec_new", "whsec_old"]},
     "urls": {"https://hooks.example.org/desk": "whsec_..."}}

A rule's entry wins over its URL's, which wins over ``default``, which wins over the setting.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import orjson

from streams.core.errors import ConfigError
from streams.core.settings import Settings

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
MIN_KEY_BYTES = 16
MAX_KEYS = 4  # current + previous while rotating, with room to spare


@dataclass(frozen=True)
class SigningKey:
    """The bytes of one webhook secret; never shown by ``repr``."""

    key: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: str, *, where: str = "secret") -> "SigningKey":
        """``whsec_<base64>`` (the prefix may be left out) → the key bytes; ConfigError if malformed."""
        text = secret.strip().removeprefix(SECRET_PREFIX)
        try:
            key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{where}: not a whsec_<base64> secret") from None
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"{where}: the key is {len(key)} bytes; use at least {MIN_KEY_BYTES} "
                              "(e.g. whsec_ + `openssl rand -base64 32`)")
        return cls(key)

    def __repr__(self) -> str:
        return "SigningKey(****)"


def sign(key: SigningKey, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">``."""
    digest = hmac.new(key.key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(msg_id: str, timestamp: int, body: bytes, keys: Sequence[SigningKey]) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (no ``webhook-signature`` without keys)."""
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(timestamp)}
    if keys:
        headers["webhook-signature"] = " ".join(sign(k, msg_id, timestamp, body) for k in keys)
    return headers


def _keys(value: Any, where: str) -> tuple[SigningKey, ...]:
    values = value.split() if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where}: expected a whsec_ secret or a list of them")
    if len(values) > MAX_KEYS:
        raise ConfigError(f"{where}: at most {MAX_KEYS} secrets at once (two while rotating)")
    return tuple(SigningKey.from_secret(v, where=where) for v in values)


@dataclass(frozen=True)
class WebhookSecrets:
    """Which keys sign a delivery: per rule id, else per webhook URL, else the default (maybe none)."""

    default: tuple[SigningKey, ...] = ()
    rules: Mapping[str, tuple[SigningKey, ...]] = field(default_factory=dict)
    urls: Mapping[str, tuple[SigningKey, ...]] = field(default_factory=dict)

    def keys_for(self, rule_id: str, url: str) -> tuple[SigningKey, ...]:
        return self.rules.get(rule_id) or self.urls.get(url) or self.default

    def __bool__(self) -> bool:
        return bool(self.default or self.rules or self.urls)

    @classmethod
    def parse(cls, raw: bytes, *, where: str, default: tuple[SigningKey, ...] = ()) -> "WebhookSecrets":
        """Read the JSON secrets file (see the module doc); errors name the file and the entry."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or set(data) - {"default", "rules", "urls"}:
            raise ConfigError(f"{where}: expected an object with keys default, rules, urls")
        tables: dict[str, dict[str, tuple[SigningKey, ...]]] = {}
        for name in ("rules", "urls"):
            table = data.get(name, {})
            if not isinstance(table, dict):
                raise ConfigError(f"{where}: {name} must be an object")
            tables[name] = {k: _keys(v, f"{where}: {name}[{k!r}]") for k, v in table.items()}
        if "default" in data:
            default = _keys(data["default"], f"{where}: default")
        return cls(default=default, rules=tables["rules"], urls=tables["urls"])


def load_webhook_secrets(settings: Settings) -> WebhookSecrets:
    """The secrets of ``STREAMS_WEBHOOK_SECRET`` and the ``STREAMS_WEBHOOK_SECRETS`` file (none: unsigned)."""
    default = _keys(settings.webhook_secret.reveal(), "STREAMS_WEBHOOK_SECRET") if settings.webhook_secret else ()
    if not settings.webhook_secrets_file:
        return WebhookSecrets(default=default)
    path = Path(settings.webhook_secrets_file).expanduser()
    try:
        raw = path.read_bytes()
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("webhook secrets file %s is readable by others: chmod 600 it", path)
    except OSError as exc:
        raise ConfigError(f"STREAMS_WEBHOOK_SECRETS: cannot read {path}: {exc.strerror}") from None
    return WebhookSecrets.parse(raw, where=f"STREAMS_WEBHOOK_SECRETS ({path})", default=default)
