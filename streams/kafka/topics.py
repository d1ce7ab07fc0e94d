"""Every Kafka topic of the pipeline, in one place: name, partitions, retention, compaction."""

from __future__ import annotations

from dataclasses import dataclass

from streams.core.settings import Settings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """What a topic is for and how it is configured."""

    key: str  # stable name used in code
    base_name: str  # name on the broker, before the prefix
    doc: str
    partitioned: bool = True  # True: uses Settings.partitions; False: 1 partition
    retention_ms: int | None = 7 * DAY_MS
    compacted: bool = False
    max_message_bytes: int = 8 * 1024 * 1024
    forget_after_ms: int | None = None  # compacted topics: also drop keys not written for this long
    log_append_time: bool = False  # records get the broker's time (in log order) rather than the producer's

    def name(self, settings: Settings) -> str:
        return f"{settings.topic_prefix}{self.base_name}"

    def partitions(self, settings: Settings) -> int:
        return settings.partitions if self.partitioned else 1

    def config(self) -> dict[str, str]:
        cfg: dict[str, str] = {"max.message.bytes": str(self.max_message_bytes)}
        if self.compacted:
            cfg["cleanup.policy"] = "compact" if self.forget_after_ms is None else "compact,delete"
            if self.forget_after_ms is not None:
                cfg["retention.ms"] = str(self.forget_after_ms)
            # compact promptly so the latest value per key is cheap to replay at start-up
            cfg["min.cleanable.dirty.ratio"] = "0.1"
            cfg["segment.ms"] = str(DAY_MS)
        if self.retention_ms is not None and not self.compacted:
            cfg["retention.ms"] = str(self.retention_ms)
        if self.log_append_time:
            cfg["message.timestamp.type"] = "LogAppendTime"
        return cfg


RAW = TopicSpec("raw", "articles.raw", "articles as ingested (ninjs JSON), keyed by article id", retention_ms=7 * DAY_MS)
ENRICHED = TopicSpec(
    "enriched", "articles.enriched", "articles with entities, quotes, topics, dedupe cluster", retention_ms=14 * DAY_MS
)
FINGERPRINTS = TopicSpec(
    "fingerprints",
    "articles.fingerprints",
    "one compact dedupe fingerprint per article (154 bytes); its order decides which copy of a story came "
    "first. Every worker reads all of it: one partition, so every reader sees the same order",
    partitioned=False,
    retention_ms=14 * DAY_MS,  # twice the default dedupe window (STREAMS_DEDUPE_WINDOW): replayed at start
    max_message_bytes=64 * 1024,
    log_append_time=True,
)
QUOTES = TopicSpec("quotes", "quotes", "one message per quote, keyed by resolved speaker", retention_ms=30 * DAY_MS)
DEAD_LETTERS = TopicSpec(
    "dead_letters", "dead-letters", "inputs that failed a stage: reason + original bytes", retention_ms=30 * DAY_MS
)
DEAD_LETTERS_REPLAYED = TopicSpec(
    "dead_letters_replayed",
    "dead-letters.replayed",
    "which dead letters `streams deadletters replay` sent back, by letter id (latest wins)",
    partitioned=False,
    compacted=True,
    forget_after_ms=31 * DAY_MS,  # outlives the dead letters it marks (30 days), then goes
)
ALERTS = TopicSpec("alerts", "alerts", "alert matches to deliver, with idempotency keys", retention_ms=7 * DAY_MS)
ALERT_RULES = TopicSpec(
    "alert_rules", "alert-rules", "alert rules by rule id (latest wins)", partitioned=False, compacted=True
)
#: how long an ingested feed item is remembered (the seen-items topic and each ingester's memory)
SEEN_MEMORY_DAYS = 90

SEEN_ITEMS = TopicSpec(
    "seen_items",
    "ingest.seen",
    "memory of feed items already ingested, shared by ingesters (latest per item key)",
    partitioned=False,
    compacted=True,
    forget_after_ms=SEEN_MEMORY_DAYS * DAY_MS,  # feeds do not serve items this old again; keeps memory bounded
)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    RAW, FINGERPRINTS, ENRICHED, QUOTES, DEAD_LETTERS, DEAD_LETTERS_REPLAYED, ALERTS, ALERT_RULES, SEEN_ITEMS
)
BY_KEY: dict[str, TopicSpec] = {t.key: t for t in ALL_TOPICS}


def topic_name(key: str, settings: Settings) -> str:
    """Broker name of the topic with code name ``key`` (e.g. ``"raw"``)."""
    return BY_KEY[key].name(settings)


# --- consumer groups: every group name of the pipeline, per topic prefix (tenants never share offsets)


def worker_group(settings: Settings) -> str:
    """The enrich workers (the Faust app's id): they consume ``articles.raw``."""
    return f"{settings.topic_prefix}{settings.app_id}"


def store_group(settings: Settings) -> str:
    """The storage consumers of ``articles.enriched``."""
    return f"{settings.topic_prefix}{settings.app_id}-store"


def matcher_group(settings: Settings) -> str:
    """The alert matchers of ``articles.enriched``."""
    return f"{settings.topic_prefix}{settings.app_id}-alerts"


def delivery_group(settings: Settings, kind: str) -> str:
    """The deliverers of one target kind (``webhook``, ``file``...) of ``alerts``."""
    return f"{settings.topic_prefix}{settings.app_id}-alerts-{kind}"


def live_view_group(settings: Settings, pid: int) -> str:
    """The live view of one process: it commits nothing, the group only names it in the broker's lists."""
    return f"{settings.topic_prefix}{settings.app_id}-dashboard-{pid}"
