"""Which corpus articles the compute ceiling times: an even sample of the burst it is compared with."""

from __future__ import annotations

import pytest

from benchmarks.pipeline.ceilings import sample


@pytest.mark.parametrize("start,span,articles,processes", [(2080, 2000, 300, 2), (24, 200, 60, 2),
                                                           (0, 2000, 300, 1), (5, 100, 50, 2), (7, 901, 300, 3)])
def test_the_processes_share_an_even_sample_of_the_span(start: int, span: int, articles: int,
                                                         processes: int) -> None:
    per_process = sample(start, span, articles, processes)
    assert len(per_process) == processes and all(len(ids) == articles for ids in per_process)
    every = sorted(i for ids in per_process for i in ids)
    assert len(set(every)) == len(every)  # no article timed twice
    assert start <= every[0] and every[-1] < start + span  # only the burst's own articles...
    gaps = [b - a for a, b in zip(every, every[1:])]
    assert max(gaps) - min(gaps) <= 1  # ...spread evenly over all of it, not one stretch of it
    assert every[-1] - every[0] >= span - span // len(every) - 1


def test_a_span_shorter_than_the_sample_takes_consecutive_articles_and_wraps_later() -> None:
    assert sample(10, 3, 2, 2) == [[10, 12], [11, 13]]
