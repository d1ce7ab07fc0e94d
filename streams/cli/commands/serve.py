"""``streams serve``: the newsroom console and the read-only JSON API over the archive (one process)."""

from __future__ import annotations

import argparse

from rich.console import Console

from streams.core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the web console (/console/) and the read-only JSON API over the archive",
        description="Serve the newsroom console at /console/ (live stream of stored articles, article, "
        "search, speaker, people, trends and alerts pages) and the JSON API: /articles (search), /articles/{id}, "
        "/quotes?speaker=..., /clusters/{id} and /health, paged with limit/offset, described at "
        "/openapi.json. Read-only, except that with STREAMS_CONSOLE_TOKEN set the alerts page adds, disables, "
        "enables and tests alert rules for whoever gives that token. The alerts page reads rules, alerts and "
        "dead letters from Kafka. Binds STREAMS_HTTP_HOST:STREAMS_HTTP_PORT (loopback by default).",
    )
    p.add_argument("--host", default=None, help="bind address (default STREAMS_HTTP_HOST)")
    p.add_argument("--port", type=int, default=None, help="port (default STREAMS_HTTP_PORT; 0 = any free port)")
    p.add_argument("--database-url", default=None, metavar="URL", help="override STREAMS_DATABASE_URL")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from streams.core.metrics import serve_metrics
    from streams.store.backends import open_archive
    from streams.web.server import ConsoleServer

    host = args.host or settings.http_host
    port = settings.http_port if args.port is None else args.port
    with open_archive(args.database_url or settings.database_url, read_only=True) as archive:
        server = ConsoleServer(archive, host, port, settings=settings)
        console = Console(stderr=True)

        def ready(url: str) -> None:  # the address first: scripts read it from the first line
            console.print(f"console on {url}/console/ · JSON API on {url}/ (Ctrl-C stops)", soft_wrap=True)
            serve_metrics(settings.metrics_port, settings.metrics_host)

        try:
            server.serve_forever(on_ready=ready)
        except KeyboardInterrupt:
            pass
        finally:
            server.sock.close()
    return 0
