"""``streams config``: every setting, its environment variable, value and meaning."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from streams.core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="show every setting with its env var and current value (secrets masked)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    table = Table("env var", "value", "meaning")
    for env, value, doc in settings.describe():
        table.add_row(env, value, doc)
    Console().print(table)
    return 0
