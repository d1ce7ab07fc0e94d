"""``streams serve``: the read-only JSON API over the archive."""

from __future__ import annotations

import argparse

from rich.console import Console

from streams.core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the read-only JSON query API over the archive",
        description="Serve /articles (search), /articles/{id}, /quotes?speaker=..., /clusters/{id} and "
        "/health as JSON, paged with limit/offset. Binds STREAMS_HTTP_HOST:STREAMS_HTTP_PORT "
        "(loopback by default).",
    )
    p.add_argument("--host", default=None, help="bind address (default STREAMS_HTTP_HOST)")
    p.add_argument("--port", type=int, default=None, help="port (default STREAMS_HTTP_PORT; 0 = any free port)")
    p.add_argument("--database-url", default=None, metavar="URL", help="override STREAMS_DATABASE_URL")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from streams.store.api import ArchiveServer
    from streams.store.backends import open_archive

    host = args.host or settings.http_host
    port = settings.http_port if args.port is None else args.port
    with open_archive(args.database_url or settings.database_url, read_only=True) as archive:
        server = ArchiveServer(archive, host, port)
        console = Console(stderr=True)
        try:
            server.serve_forever(on_ready=lambda url: console.print(f"archive API on {url}/ (Ctrl-C stops)"))
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()
    return 0
