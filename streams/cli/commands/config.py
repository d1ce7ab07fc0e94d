"""``streams config``: every setting, its environment variable, value and meaning."""

from __future__ import annotations

import argparse

import orjson
from rich.console import Console
from rich.table import Table

from streams.core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="show every setting with its env var and current value (secrets masked)",
                       description="Show every setting with its environment variable, current value and meaning. "
                       "Secrets (API keys, passwords in URLs) are masked.")
    p.add_argument("--json", action="store_true",
                   help="print a JSON object {ENV_VAR: {value, meaning}} instead of the table (for scripts, jq)")
    p.set_defaults(handler=run)


def settings_json(settings: Settings) -> bytes:
    """The settings as a JSON object keyed by environment variable; secrets masked as in the table."""
    rows = {env: {"value": value, "meaning": doc} for env, value, doc in settings.describe()}
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.json:
        print(settings_json(settings).decode())
        return 0
    table = Table("env var", "value", "meaning")
    for env, value, doc in settings.describe():
        table.add_row(env, value, doc)
    Console().print(table)
    return 0
