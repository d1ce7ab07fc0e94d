"""nlp: a text of many ALL-CAPS lines (a scoreboard) costs about what prose of its length does, and 100 KB of
any shape costs about what the prose the model reads within its budget does.

Budgets are ratios against ordinary prose timed in the same process, so a slow or loaded machine moves
both sides alike.
"""

from __future__ import annotations

import time
from typing import Callable

import pytest

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


#: times the budget-length prose's time 100 KB of any shape may take in the nlp component
BUDGET_RATIO = 2.0
_PARAGRAPH = _PROSE * 3 + "\n\n"


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def _golf(size: int) -> str:
    line = ("284 Robert Allenby (Australia) 69 71 71 73, Miguel Angel Martin (Spain) 75 70 71 68, Jose\n"
            "Coceres (Argentina) 69 78 71 70, Ian Woosnam 70 76 71 70 (Allenby won at first play-off hole)\n")
    return _repeat(line)(size)


SHAPES: dict[str, Callable[[int], str]] = {
    "prose": _repeat(_PARAGRAPH),
    "one-paragraph": _repeat(_PROSE),
    "golf-results": _golf,
    "scoreboard": _scoreboard,
    "caps-lines": _repeat("THE MINISTER OF FINANCE MET DEUTSCHE BANK IN OSLO\n"),
    "punctuation": _repeat("Wait!!!!!!!!!!?????....------,,,,,;;;;\"\"\"\"''''((((()))))**** "),
    "capital-letters": _repeat("A B C D E F G H I J K L M N O P Q R S T U V W X Y Z "),
}


@pytest.fixture(scope="module")
def nlp_pipeline() -> Pipeline:
    return Pipeline.from_names("textspans,language,nlp")


@pytest.fixture(scope="module")
def budget_prose_seconds(nlp_pipeline: Pipeline) -> float:
    """The nlp time of the prose the model reads whole: 100 KB of prose cut where its NER budget stops."""
    prose = SHAPES["prose"](100_000)
    ctx = Context(article=Article(id="t", body_text=prose), text=prose)
    for comp in nlp_pipeline.components:
        comp(ctx)
    within = prose[:ctx.provenance["ner_budget"]["model_until"]]
    return _nlp_seconds(nlp_pipeline, within)


def _assert_100_kb_within(nlp_pipeline: Pipeline, shape: str, limit_s: float, budget_prose_seconds: float) -> None:
    took = _nlp_seconds(nlp_pipeline, SHAPES[shape](100_000))
    assert took <= limit_s, (
        f"{shape}: {took:.3f} s for 100 KB against {budget_prose_seconds:.3f} s for the prose the NER budget covers")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_100_kb_of_any_shape_costs_what_the_prose_within_the_ner_budget_does(
        nlp_pipeline: Pipeline, budget_prose_seconds: float, shape: str) -> None:
    _assert_100_kb_within(nlp_pipeline, shape, BUDGET_RATIO * budget_prose_seconds, budget_prose_seconds)


#: times the budget-length prose's time 100 KB of a run-on shape may take: its words past the 1,000th of a
#: "sentence" cost the budget four times as much (measured 0.5-0.6; 1.1-1.4 when they cost what prose words do)
RUN_ON_RATIO = 0.9
#: (not the scoreboard nor caps-lines: their ALL-CAPS lines are sentences of their own, no run-on, and each is
#: read twice, so they spend the budget as prose does: 0.8 and 0.9-1.1 since the numpy decoder made prose
#: cheaper; the test above bounds them at twice the prose)
RUN_ON_SHAPES = ("golf-results", "punctuation", "capital-letters")


@pytest.mark.parametrize("shape", RUN_ON_SHAPES)
def test_100_kb_of_a_table_or_a_list_costs_less_than_the_prose_within_the_ner_budget(
        nlp_pipeline: Pipeline, budget_prose_seconds: float, shape: str) -> None:
    _assert_100_kb_within(nlp_pipeline, shape, RUN_ON_RATIO * budget_prose_seconds, budget_prose_seconds)
