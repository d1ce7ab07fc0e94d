"""User search text → a safe SQLite FTS5 query, with the semantics of PostgreSQL's websearch_to_tsquery.

Users type what they would type into a search box: words (all must match), ``"quoted phrases"``,
``or`` between alternatives, ``-word`` to exclude. Every term is emitted as an FTS5 *string*
(double-quoted, inner quotes doubled), so no user input can reach FTS5's own syntax (``NEAR``,
``*``, ``:``, ``^``, parentheses, bare ``AND``/``NOT``) and raise a syntax error or change the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORDISH = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class _Term:
    text: str
    negated: bool


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _terms(query: str) -> list[_Term | None]:
    """Terms in order; ``None`` stands for an ``or`` between two terms."""
    out: list[_Term | None] = []
    for m in _TOKEN.finditer(query):
        negated = bool(m.group(1))
        text = m.group(2) if m.group(2) is not None else m.group(3)
        if m.group(3) is not None:
            if text.lower() == "or":
                out.append(None)
                continue
            if text.startswith("-") and len(text) > 1:
                negated, text = True, text[1:]
            text = text.replace('"', " ")
        if _WORDISH.search(text):  # pure punctuation would tokenize to nothing
            out.append(_Term(" ".join(text.split()), negated))
    return out


def to_fts5(query: str) -> str | None:
    """The FTS5 MATCH expression for ``query``; None when it has nothing searchable.

    >>> to_fts5('security guarantees')
    '("security" AND "guarantees")'
    >>> to_fts5('"security guarantees" or NATO -Trump')
    '("security guarantees" OR "NATO") NOT ("Trump")'
    """
    groups: list[list[str]] = [[]]  # OR of ANDs
    negatives: list[str] = []
    pending_or = False
    for term in _terms(query):
        if term is None:
            pending_or = bool(groups[-1])
            continue
        if term.negated:
            negatives.append(_fts_string(term.text))
            continue
        if pending_or:
            groups.append([])
            pending_or = False
        groups[-1].append(_fts_string(term.text))
    alternatives = [" AND ".join(g) for g in groups if g]
    if not alternatives:
        return None  # only exclusions (or nothing): FTS5 cannot express "everything but"
    expr = "(" + " OR ".join(alternatives) + ")"
    if negatives:
        expr += " NOT (" + " OR ".join(negatives) + ")"
    return expr
