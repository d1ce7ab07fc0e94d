"""nlp: a text of many ALL-CAPS lines (a scoreboard) costs about what prose of its length does."""

from __future__ import annotations

import time

from streams.core.model import Article
from streams.enrich.pipeline import Context, Pipeline

#: times the prose's time the scoreboard may take in the nlp component
RATIO = 5.0  # 3 since the fix; 7.7 before it (quadratic: 5.5 at 20 KB)
_TEAMS = ["NEW YORK", "BALTIMORE", "BOSTON", "TORONTO", "DETROIT", "CLEVELAND", "CHICAGO", "MINNESOTA"]
_PROSE = ("The finance minister, Anna Berg, told reporters in Oslo on Tuesday that Statoil would sell its stake "
          "in the Norsk Hydro unit to a group led by Deutsche Bank, after talks with the European Commission. ")


def _scoreboard(size: int) -> str:
    head = "BASEBALL - MAJOR LEAGUE STANDINGS.\nNEW YORK 1996-08-30\nW L PCT GB\n"
    rows = "".join(f"{_TEAMS[i % 8]} {60 + i % 20} {50 + i % 17} .{500 + i % 99} {i % 12}.5\n" for i in range(size // 20))
    return (head + rows)[:size]


def _nlp_seconds(pipeline: Pipeline, text: str) -> float:
    ctx = Context(article=Article(id="t", body_text=text), text=text)
    *before, nlp = pipeline.components
    for comp in before:
        comp(ctx)
    best = float("inf")
    for _ in range(2):
        started = time.process_time()
        nlp(ctx)
        best = min(best, time.process_time() - started)
    return best


def test_a_scoreboard_of_caps_lines_costs_what_prose_of_its_length_does() -> None:
    pipeline = Pipeline.from_names("textspans,language,nlp")
    board = _scoreboard(40_000)
    assert board.count("\n") > 1500  # many caps lines, each re-read title-cased
    prose = (_PROSE * (len(board) // len(_PROSE) + 1))[:len(board)]
    ordinary = _nlp_seconds(pipeline, prose)
    took = _nlp_seconds(pipeline, board)
    assert took <= RATIO * ordinary, f"{took:.3f} s against {ordinary:.3f} s for prose of {len(board)} characters"
