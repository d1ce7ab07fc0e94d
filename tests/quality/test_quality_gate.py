"""The quality gate: every dev set's figures against the ones committed in ``tests/quality/figures``.

A figure that falls by more than half a point fails, naming the set and the figure. After a change
that is meant to move a figure, ``.venv/bin/python -m streams.devtools.quality SET --update`` writes
the new figures; commit them with the change and say why.
"""

from __future__ import annotations

import json

import pytest

from streams.devtools import quality


def test_a_drop_of_more_than_half_a_point_fails_and_names_the_set_and_the_figure() -> None:
    result = quality.GateResult("entities_conll", {"strict/f1": 85.1, "partial_overlap/f1": 87.8},
                                {"strict/f1": 84.5, "partial_overlap/f1": 87.3}, 1.0)
    assert result.drops == ["entities_conll: strict/f1 fell from 85.1 to 84.5 (more than 0.5 points)"]
    gone = quality.GateResult("quotes", {"indirect@0.5/f1": 50.1}, {}, 1.0)
    assert len(gone.drops) == 1 and "indirect@0.5/f1" in gone.drops[0]


def test_every_figures_file_names_a_task_a_gold_set_and_figures() -> None:
    names = quality.figure_sets()
    assert {"entities_conll", "entities_gum", "quotes", "topics"} <= set(names)
    for name in names:
        spec = quality.load_spec(name)
        assert spec["task"] in ("entities", "quotes", "topics"), name
        assert spec["figures"] and all(isinstance(v, (int, float)) and v > 0 for v in spec["figures"].values()), name
        json.dumps(spec)


@pytest.mark.quality
@pytest.mark.parametrize("name", quality.figure_sets())
def test_dev_set_figures_hold(name: str) -> None:
    result = quality.measure(name)
    assert not result.drops, "; ".join(result.drops)
