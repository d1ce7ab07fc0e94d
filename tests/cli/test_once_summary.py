"""The ``streams up --once`` summary (pure: a SQLite archive filled here, no broker)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from rich.console import Console

from streams.cli.summary import print_once_summary
from streams.enrich.components.textspans import TextSpans
from streams.enrich.pipeline import Context
from streams.store.backends import open_archive
from tests.store.articles import SAMPLE_ID, corpus, sample_article


def _wire_sample_without_title() -> object:
    ea = sample_article()
    ea.article = dataclasses.replace(ea.article, headline=None)
    ctx = Context(article=ea.article, text=ea.article.body_text)
    TextSpans()(ctx)
    ea.spans, ea.provenance = ctx.spans, ctx.provenance
    ea.quotes[0] = {**ea.quotes[0], "speaker": None, "speaker_mention": None}
    return ea


def test_summary_counts_this_run_and_shows_headlines_and_unattributed_speakers(tmp_path: Path) -> None:
    others = [a for a in corpus(6) if a.id != SAMPLE_ID][:4]
    out = io.StringIO()
    with open_archive(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        archive.write(others)  # an earlier run's articles
        archive.write([_wire_sample_without_title()])
        stored = print_once_summary(Console(file=out, width=250), archive, [SAMPLE_ID, SAMPLE_ID], 2, "here")
    text = out.getvalue()
    assert stored == 1
    assert "ingested: 1   stored: 1   dead-lettered: 2" in text and "(5 in all)" in text
    assert "This was stated by EU High Representative" in text and "date 2026-01-13" not in text
    assert "We are discussing the security guarante" in text  # the quote's words, from the body
    assert "(unattributed)" in text and "(None)" not in text
    assert SAMPLE_ID not in text  # a headline, not the id
    assert not any(a.id in text or (a.article.headline and a.article.headline[:30] in text) for a in others)


def test_summary_counts_only_what_was_stored(tmp_path: Path) -> None:
    out = io.StringIO()
    with open_archive(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        archive.write([sample_article()])
        stored = print_once_summary(Console(file=out, width=250), archive, [SAMPLE_ID, "never-stored"], 0, "here")
    assert stored == 1 and "ingested: 2   stored: 1   dead-lettered: 0" in out.getvalue()
    assert "Kallas: security guarantees" in out.getvalue()


def test_summary_shows_this_runs_enriched_count_when_given(tmp_path: Path) -> None:
    out = io.StringIO()
    with open_archive(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        archive.write([sample_article()])
        print_once_summary(Console(file=out, width=250), archive, [SAMPLE_ID], 1, "here", enriched=1)
    assert "ingested: 1   enriched: 1   stored: 1   dead-lettered: 1" in out.getvalue()
