"""Every `streams ... --help` helps: a description, no reStructuredText markup, every argument explained,
nothing said twice (pure: the parser only)."""

from __future__ import annotations

import argparse
import io
from contextlib import redirect_stdout

import pytest

from streams.cli.main import build_parser


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                                      argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _parsers(child, (*path, name))
    return found


PARSERS = _parsers(build_parser())


@pytest.mark.parametrize(("path", "parser"), PARSERS, ids=[" ".join(p) or "streams" for p, _ in PARSERS])
def test_every_help_has_a_description_and_explains_every_argument(path: tuple[str, ...],
                                                                   parser: argparse.ArgumentParser) -> None:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    text = out.getvalue()
    assert parser.description, f"`streams {' '.join(path)} --help` has no description"
    assert "``" not in text, f"reStructuredText markup in `streams {' '.join(path)} --help`"
    unexplained = [a.dest for a in parser._actions if not a.help and not isinstance(a, argparse._SubParsersAction)]
    assert unexplained == [], f"`streams {' '.join(path)}`: arguments without help: {unexplained}"
    if parser.epilog and parser.description:
        assert " ".join(parser.epilog.split()) not in " ".join(parser.description.split()), \
            f"`streams {' '.join(path)} --help` says its epilog twice"


def test_up_help_tells_the_defaults_and_the_metrics_ports() -> None:
    [(_, up)] = [(p, x) for p, x in PARSERS if p == ("up",)]
    text = " ".join(up.format_help().split())
    assert "default 600" in text and "STREAMS_UP_METRICS_PORT" in text and "STREAMS_HOME" in text

