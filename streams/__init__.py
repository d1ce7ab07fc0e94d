"""streams: a real-time pipeline for news-wire articles on plain Kafka."""

__version__ = "0.1.0"
