"""User text → FTS5 query: web-search semantics, and no input can break the FTS5 parser."""

from __future__ import annotations

import sqlite3

import pytest

from streams.store.backends.fts import to_fts5
from tests.store.articles import news_sample_articles, sample_article

HOSTILE = [
    'NEAR(a b', '"unterminated', 'a AND', 'OR', 'NOT x', '*', 'x*', '^start', 'col:term', 'body_text:Kallas',
    '(((', ')', '"', '""', "'; DROP TABLE articles; --", '-', '--x', 'a - b', '+plus', '{a b}', 'a:b:c',
    'Kallas"s', "l'Europe", 'x"y"z', '\\', '\x00', 'ünïcödé', '中文', '…', '“curly”', 'a OR OR b', 'or',
]


def test_words_phrases_or_and_exclusion() -> None:
    assert to_fts5("security guarantees") == '("security" AND "guarantees")'
    assert to_fts5('"security guarantees" NATO') == '("security guarantees" AND "NATO")'
    assert to_fts5("Kallas or Pistorius") == '("Kallas" OR "Pistorius")'
    assert to_fts5("Kallas -Trump") == '("Kallas") NOT ("Trump")'
    assert to_fts5('say "hi""there"') is not None


def test_nothing_searchable_is_none() -> None:
    assert to_fts5("") is None
    assert to_fts5("   ") is None
    assert to_fts5("-Trump") is None
    assert to_fts5("* ^ :") is None


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')")
    texts = [sample_article().article.body_text, *(ea.article.body_text for ea in news_sample_articles())]
    conn.executemany("INSERT INTO docs (rowid, body) VALUES (?, ?)", enumerate(texts))
    return conn


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_breaks_fts5(fts: sqlite3.Connection, text: str) -> None:
    match = to_fts5(text)
    if match is not None:
        fts.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()


def test_the_translation_finds_what_it_should(fts: sqlite3.Connection) -> None:
    def hits(q: str) -> set[int]:
        return {r[0] for r in fts.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (to_fts5(q),))}

    assert 0 in hits('"security guarantees"')
    assert 0 in hits("guarantee Kallas")  # porter stemming: guarantee ~ guarantees
    assert 0 not in hits("Kallas -Pistorius")
    assert hits("Kallas or Qintex") == hits("Kallas") | hits("Qintex")
    assert hits("Kallas Qintex") == hits("Kallas") & hits("Qintex")
