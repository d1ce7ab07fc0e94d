"""The webhook receiver of a chaos run, on 127.0.0.1: it keeps every POST's Idempotency-Key and body."""

from __future__ import annotations

import http.server
import threading
from collections import Counter
from typing import Any

import orjson


class Receiver:
    """Answers 204 to every POST; ``posts`` counts deliveries per Idempotency-Key."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()
        self.bodies: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key") or ""
                with receiver.lock:
                    receiver.posts[key] += 1
                    try:
                        receiver.bodies.setdefault(key, orjson.loads(body))
                    except orjson.JSONDecodeError:
                        receiver.bodies.setdefault(key, {})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, name="chaos-receiver", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
