"""How much of an article the statistical NER reads: a bound on its time, stated in the output.

The NER's cost is linear in the words it reads (80-120 µs of CPU a word on the shared 2-core machine
at load 7-20, whatever the text's shape: prose, tables, lists of names, punctuation), so a 100 KB
article would cost seconds in that model alone (18,000 words of prose; 54,000 "words" of repeated
punctuation). It reads at most :data:`NER_MAX_TOKENS` words of an article, from the start (ALL-CAPS
lines too: the model reads them title-cased in the same pass), and a word past the
:data:`RUN_ON_WORDS`-th of one sentence counts :data:`RUN_ON_COST` times: a "sentence" that long is a
table, a list or a flood (results lists and standings have no full stops), where the model has no
sentence to read and the entity rules for tables, lists and "Name (Country)" do the work (a 100 KB
results list: 1,750 words of the model instead of 4,000). Past that point the entities come from
the gazetteers, the rules and the names found before (the entities component propagates them), and
the article's ``provenance["ner_budget"]`` says where the model stopped (:func:`budget_record`): an
honest, visible degradation. The other components cost about a fifth of a model's word for every token of
the whole text (sentences, quotes, names: 20-25 µs), so in a text of more than :data:`LONG_TEXT_TOKENS`
tokens the model reads one word fewer for every :data:`TOKENS_PER_WORD` tokens more, down to
:data:`NER_MIN_TOKENS` (:func:`words_for`): 100 KB of short reported sentences, 32,000 tokens, 3,571
reports, took 1.07-1.16 s in all with 4,000 words of the model, 0.2-0.3 s of it in the model's last
2,400. Wire stories are 200-2,000 words, the longest articles of the corpora and gold sets under 6,600:
the bound only touches what is not a news story of ordinary length.
"""

from __future__ import annotations

from typing import Any

import numpy
from spacy.attrs import IS_SPACE, SENT_START
from spacy.tokens import Doc

#: words (non-space tokens) the statistical NER reads per article: about 22 KB of prose. No article of
#: the corpora reaches it; 1 PolNeAR dev, 3 PolNeAR train and 1 BBC dev document do (feature stories of
#: 24-34 KB), and every dev and held-out figure is the same as with 5,000 (the bound until 2026-12),
#: which left the 100 KB worst case with less room under its 1 s
NER_MAX_TOKENS = 4000
#: words of one sentence read at the ordinary cost; further words of it cost :data:`RUN_ON_COST` each. The
#: longest sentences of the gold sets and corpora (23,860 documents) are far shorter: 656 words (a CoNLL dev
#: results table), 404 (Reuters), 242 (BBC dev), 222 (PolNeAR train), 97 (PolNeAR dev); so no word of
#: theirs costs more, and a 100 KB results list (one "sentence") gets 1,750 words of the model
RUN_ON_WORDS = 1000
RUN_ON_COST = 4
#: tokens (``len(doc)``) of a text up to which the model gets its whole :data:`NER_MAX_TOKENS`: 95-100 KB of
#: prose; the longest document of the gold sets and corpora has under 7,000
LONG_TEXT_TOKENS = 20_000
#: past :data:`LONG_TEXT_TOKENS`, the model reads a word fewer for this many more tokens of text (what a
#: token costs the other components against what a word costs the model, measured: 20-25 µs against 110)
TOKENS_PER_WORD = 5
#: words the model reads however long the text
NER_MIN_TOKENS = 1000
#: where a doc's ``user_data`` keeps the :func:`budget_record` of a text the NER did not read to its end
USER_DATA_KEY = "streams_ner_stop"


def words_for(length: int, max_tokens: int | None) -> int | None:
    """Words the model may read in a text of ``length`` tokens, with ``max_tokens`` for one of ordinary
    length (None: no bound, whatever the length)."""
    if max_tokens is None or length <= LONG_TEXT_TOKENS:
        return max_tokens
    return max(min(max_tokens, NER_MIN_TOKENS), max_tokens - (length - LONG_TEXT_TOKENS) // TOKENS_PER_WORD)


def ner_stop(doc: Doc, max_tokens: int | None) -> int:
    """Index of the first token the NER does not read: ``len(doc)`` when the doc fits in ``max_tokens``.

    A word past the :data:`RUN_ON_WORDS`-th of its sentence costs :data:`RUN_ON_COST` times as much. The
    stop is the start of the last sentence that begins in the second half of the budget, so the model
    sees whole sentences, or else the token where the budget runs out (a run-on "sentence").
    """
    if max_tokens is None or len(doc) <= max_tokens // RUN_ON_COST:
        return len(doc)
    cols = doc.to_array([IS_SPACE, SENT_START]).astype(numpy.int64)
    space, starts = cols[:, 0], cols[:, 1]
    cost = (1 - space) * numpy.where(_sentence_positions(1 - space, starts) > RUN_ON_WORDS, RUN_ON_COST, 1)
    total = numpy.cumsum(cost)
    if total[-1] <= max_tokens:
        return len(doc)
    stop = int(numpy.searchsorted(total, max_tokens, side="right"))  # tokens [0, stop) cost <= max_tokens
    sentences = numpy.flatnonzero(starts[stop // 2 + 1: stop + 1] == 1)
    return stop // 2 + 1 + int(sentences[-1]) if len(sentences) else max(stop, 1)


def _sentence_positions(word: numpy.ndarray, starts: numpy.ndarray) -> numpy.ndarray:
    """For each token, how many words (``word``: 1 or 0 per token) of its sentence end at it."""
    words = numpy.cumsum(word)
    first = numpy.flatnonzero(starts == 1)
    if not len(first) or first[0] != 0:
        first = numpy.concatenate([[0], first])  # the first token starts a sentence whatever its flag
    before = numpy.concatenate([[0], words[first[1:] - 1]])  # words before each sentence
    mark = numpy.zeros(len(word), dtype=numpy.int64)
    mark[first] = 1
    return words - before[numpy.cumsum(mark) - 1]


def budget_record(stop: int, length: int, max_tokens: int | None) -> dict[str, Any]:
    """``provenance["ner_budget"]`` of an article whose text the NER read up to the offset ``stop`` only."""
    return {"model_until": stop, "text_length": length, "max_tokens": max_tokens,
            "after": "entities from gazetteers, rules and names found before model_until; the model read no further"}
