"""entities: no text shape costs much more than an ordinary article of the same length.

Budgets are ratios against ordinary prose of the same length, timed in the same process, so a slow or
loaded machine moves both sides alike.
"""

from __future__ import annotations

import random
import time

import pytest

from streams.core.model import Article
from streams.enrich.components.entities.mentions import LineIndex, Mention, Occupancy
from streams.enrich.pipeline import Context, Pipeline

#: times the ordinary article's time a text of the same length may take in the entities component
RATIO = 8.0

_PROSE = ("The finance minister, Anna Berg, told reporters in Oslo on Tuesday that Statoil would sell its stake "
          "in the Norsk Hydro unit to a group led by Deutsche Bank, after talks with the European Commission. "
          "Shares of the company rose 3 percent in early trading, dealers said. ")

#: a golf leaderboard as wire services send it: totals, players with their country in brackets, four
#: round scores, a remark after the scores, and a name broken across a line end
_GOLF = (
    "GOLF - LEADING SCORES AT BRITISH MASTERS.\nNORTHAMPTON, England 1996-08-31\n"
    "Leading scores after the final round of the British Masters on Saturday (British unless stated):\n"
    "284 Robert Allenby (Australia) 69 71 71 73, Miguel Angel Martin (Spain) 75 70 71 68, Ian Woosnam 70 76 71 "
    "70, Colin Montgomerie 68 76 77 69 (Allenby won at first play-off hole)\n"
    "286 Costantino Rocca (Italy) 71 73 72 69, Miguel Angel Jimenez (Spain) 74 72 73 67, Jose\n"
    "Coceres (Argentina) 69 78 71 70, Joakim Haeggman (Sweden) 71 77 70 71 (Rocca withdrew after the round)\n"
    "290 Robert Coles 74 76 71 69, Philip Walton (Ireland) 71 74 74 71, Peter Mitchell 74 71 74 71, Klas "
    "Eriksson (Sweden) 71 75 72 72, Pedro Linhart (Spain) 72 73 67 78 (all qualify for the next event)\n"
)


def _prose(size: int) -> str:
    return (_PROSE * (size // len(_PROSE) + 1))[:size]


def _capital_letters(size: int) -> str:
    return ("A B C D E F G H I J K L M N O P Q R S T U V W X Y Z " * (size // 52 + 1))[:size]


def _name_list(size: int) -> str:
    first = ["Anna", "Boris", "Carl", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jan"]
    last = ["Smith", "Petrov", "Olsen", "Ivanova", "Haddad", "Kim", "Tanaka", "Silva", "Novak", "Berg"]
    names = "".join(f"{first[i % 10]} {last[(i * 7) % 10]}, " for i in range(size // 12))
    return ("Those present included " + names)[:size - 1] + "."


@pytest.fixture(scope="module")
def upstream() -> Pipeline:
    return Pipeline.from_names("textspans,language,nlp,entities")


def _entities_seconds(pipeline: Pipeline, text: str, runs: int = 3) -> float:
    """The entities component's best CPU time of ``runs`` on ``text`` (upstream components run once)."""
    ctx = Context(article=Article(id="t", body_text=text), text=text)
    *before, entities = pipeline.components
    for comp in before:
        comp(ctx)
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        entities(ctx)
        best = min(best, time.process_time() - started)
    return best


def _assert_within_ratio(pipeline: Pipeline, text: str) -> None:
    ordinary = _entities_seconds(pipeline, _prose(len(text)))
    took = _entities_seconds(pipeline, text, runs=1)  # one run: a regression must not cost minutes per retry
    if took > RATIO * ordinary:
        took = _entities_seconds(pipeline, text)  # a busy machine can slow one run: confirm on the best of three
    assert took <= RATIO * ordinary, f"{took:.3f} s against {ordinary:.3f} s for prose of {len(text)} characters"


def test_a_golf_results_list_costs_what_prose_of_its_length_does(upstream: Pipeline) -> None:
    assert 700 < len(_GOLF) < 900  # the shape of the list that once took two minutes
    _assert_within_ratio(upstream, _GOLF)
    ents = upstream.run(Article(id="golf", body_text=_GOLF)).entities
    people = {m["text"] for e in ents if e["type"] == "PERSON" for m in e["mentions"]}
    assert {"Robert Allenby", "Philip Walton"} <= people  # and the list is still read


def _long_word(size: int) -> str:
    return "Start " + "Ab" * (size // 2)


@pytest.mark.parametrize("make", [_capital_letters, _name_list, _long_word],
                         ids=["capital-letters", "name-list", "long-word"])
def test_long_runs_of_capitals_and_names_cost_what_prose_does(upstream: Pipeline, make) -> None:
    _assert_within_ratio(upstream, make(10_000))


def _title_case_run(size: int) -> str:
    return "He met " + ("Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa " * (size // 50 + 1))[:size]


#: times prose's time 50 KB of single capitals or of title-case words may take: no regex tries eight words
#: for a head at every capital, no title phrase is read leftwards by a regex retried at every start
#: (measured 0.7 and 1.15; 1.6-2.1 and 1.7-2.2 before)
RUN_RATIO = 1.5


@pytest.mark.parametrize("make", [_capital_letters, _title_case_run], ids=["capital-letters", "title-case-run"])
def test_50_kb_of_capitals_or_title_case_words_cost_little_more_than_prose(upstream: Pipeline, make) -> None:
    text = make(50_000)
    prose = _prose(len(text))
    # the margin is narrow, so both sides are timed in turns (load from elsewhere falls on both alike),
    # and a run over it is confirmed once before it counts
    for _ in range(2):
        ordinary, took = float("inf"), float("inf")
        for _ in range(3):
            ordinary = min(ordinary, _entities_seconds(upstream, prose, runs=1))
            took = min(took, _entities_seconds(upstream, text, runs=1))
        if took <= RUN_RATIO * ordinary:
            break
    assert took <= RUN_RATIO * ordinary, f"{took:.3f} s against {ordinary:.3f} s for prose of {len(text)} characters"


def test_occupancy_answers_as_a_scan_of_every_range_does() -> None:
    rng = random.Random(7)
    spans = [(s, s + rng.randint(0, 300)) for s in (rng.randint(0, 5000) for _ in range(200))]
    taken = Occupancy(Mention(s, e, "x", "ORG") for s, e in spans[:100])
    taken.extend(spans[100:150])
    for s, e in spans[150:]:
        taken.add(Mention(s, e, "x", "ORG"))
    for _ in range(3000):
        a = rng.randint(0, 5400)
        b = a + rng.randint(0, 200)
        assert taken.overlaps(a, b) == any(s < b and a < e for s, e in spans), (a, b)


def test_line_index_answers_as_a_scan_of_every_line_does() -> None:
    rng = random.Random(3)
    lines, pos = [], 0
    for _ in range(300):
        pos += rng.randint(1, 40)
        lines.append((pos, pos + rng.randint(1, 60)))
        pos = lines[-1][1]
    index = LineIndex(lines)
    for _ in range(3000):
        a = rng.randint(0, pos + 10)
        b = a + rng.randint(0, 30)
        want = any(s <= a and b <= e for s, e in lines) if b > a else any(s <= a < e for s, e in lines)
        assert index.contains(a, b) == want, (a, b)


def test_the_word_before_a_name_is_what_the_regex_found() -> None:
    """``roles._word_before`` (a scan from the right) answers as the regex it replaced, on odd characters too."""
    import re

    from streams.enrich.components.entities.roles import _word_before

    regex = re.compile(r"([\w.'’&-]+)([ \t]+)$")
    rng = random.Random(11)
    alphabet = ["a", "B", "é", "1", "_", ".", "'", "’", "&", "-", " ", "\t", "\n", ",", "(", "²"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        for lo in range(len(text) + 1):
            g = regex.search(text[lo:])
            want = (lo + g.start(1), lo + g.end(1)) if g else None
            assert _word_before(text, lo, len(text)) == want, (text, lo)


def test_headed_runs_are_found_as_a_search_of_the_whole_text_finds_them() -> None:
    """``untagged._headed_runs`` (searched only where a head word is) finds what the regex finds over everything."""
    from streams.enrich.components.entities.untagged import _HEADED_RUN, _headed_runs

    rng = random.Random(5)
    words = ["Bank", "Street", "Airport", "Banks", "of", "the", "and", "A", "B.", "J.P.", "Deutsche", "Corp.", "x",
             "O'Neil", "Wall", "Test", "1996", "(", ")", ",", ".", "\n", "\t", "  ", "-", "Cricket", "Board", "’s"]
    for _ in range(3000):
        text = "".join(rng.choice(words) + rng.choice([" ", " ", "", "\t", ", ", "\n"]) for _ in range(rng.randint(0, 30)))
        assert [m.span() for m in _headed_runs(text)] == [m.span() for m in _HEADED_RUN.finditer(text)], text
