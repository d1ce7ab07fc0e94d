"""Tokenization whose cost stays linear in the text: spaCy's tokenizer, hardened, and a plain one for
text that is mostly runs of punctuation.

spaCy's rule-based tokenizer (3.8) has three costs that grow faster than the text, measured on this
project's model:

- A word's prefixes and suffixes come off one at a time, and every step searches the suffix pattern
  (83 alternatives) from every position of what is left of the word: a word of 10,000 "!" took 11 s,
  one of 100,000 would take about 20 minutes. :func:`harden` makes the search look at the word's last
  :data:`SUFFIX_WINDOW` characters only, and at the whole word only when the match fills that window
  (the one suffix of unbounded length is a run of dots): the same tokens, in linear time.
- It caches how it split each distinct word, except, within one text, after the first special case
  it used: the flag is kept per text, not per word (``Tokenizer._tokenize_affixes``), and a line break
  is one of the special cases. So nothing new was cached after an article's first line, and a
  100 KB results table re-split every name and score it repeated. :func:`harden` drops the
  whitespace special cases (their tokens come out the same without them) so caching works.
- Its cache holds 10,000 words: a worker fills it within a few hundred articles (the shared corpus
  has 13,000 distinct words in its first 300), and from then on caches nothing new, so a long table's
  repeated words are split again each time (the worst-case benchmark's 100 KB tables: 0.12-0.26 s
  instead of 0.005-0.02 s). :class:`BoundedTokenizer` lets it hold :data:`CACHE_WORDS` (~15 MB at
  most) and renews it (empties it) once it is half full: a 100 KB text always finds room, and the
  renewal falls on an ordinary text. Not with spaCy's ``_flush_cache``: it frees each entry but not the
  array of lexemes the entry points to (a worker that emptied it every 1,000 texts grew by ~100 MB an
  hour). The renewal replaces the tokenizer by a new one with the same rules (:func:`renewed`, ~0.07 s):
  dropping the old one frees its whole pool, entries and arrays; built as spaCy builds one, the new
  one would leave its special cases (~550 KB) in the vocabulary's pool, so it is built inside a memory
  zone whose pool it keeps, freed with it. The cache's size is read through the garbage collector's
  referents (a C-level attribute).
- Within one text it saves nothing to the cache after the first special case it meets, be it an
  abbreviation ("Mr.", "U.S.") or a mark the exceptions list (``''``): the flag is per text, not per
  word. So a long text that repeats words spaCy has not cached yet splits each occurrence again: 100 KB of
  "Mr. Lee said: ''It is done." took 0.24 s in the tokenizer, 0.03 s when cached. :class:`BoundedTokenizer`
  first splits, each on its own (where no special case came before), the words a text of more than
  :data:`REPEATS_FROM_CHARS` characters repeats that the cache lacks: the same tokens, cached. (On
  every text it would cost ordinary articles about what it saves them, 0.29 against 0.27 ms an article.)
- Even cached or linear, each punctuation character split off a word costs ~10 µs of Python-level
  calls: 100 KB of punctuation runs is over a second. :class:`BoundedTokenizer` hands a text with
  more than :data:`MAX_PUNCT_RUN_CHARS` characters in runs of three or more punctuation marks to
  :func:`plain_doc` (words, and each run of punctuation as one token) and marks the ``Doc``; no news
  article comes near that (the most in the shared corpus: about 1,200).

Every path keeps ``doc.text == text``: offsets index the text as received.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from typing import Any, Callable

from spacy.attrs import NORM
from spacy.strings import hash_string
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

#: characters at the end of a word that the suffix pattern reads (its longest bounded alternative,
#: with the characters its look-behinds need, is under 10)
SUFFIX_WINDOW = 24
#: characters in runs of 3+ punctuation marks above which a text gets the plain tokenizer (~10 µs a
#: mark in spaCy's: this many cost ~0.1 s)
MAX_PUNCT_RUN_CHARS = 8_000
#: words spaCy's tokenizer may cache (each ~150 bytes with the pool's bookkeeping: ~15 MB at most; 1,000 news
#: articles hold ~22,000 distinct words)
CACHE_WORDS = 100_000
#: the spaCy tokenizer is renewed before its cache might fill within a text this long (or the text at
#: hand, if longer): a long table always finds room, and the ~0.07 s of a renewal falls on another text
RENEW_FOR_CHARS = 100_000
#: texts longer than this have the words they repeat cached before they are split (see the module doc); an
#: article this long repeats a few hundred words, and its tokenizer's time is a few milliseconds either way
REPEATS_FROM_CHARS = 10_000
#: ``Doc.user_data`` key set on a doc made by :func:`plain_doc`
USER_DATA_KEY = "streams_plain_tokens"

_PUNCT_RUN = re.compile(r"[^\w\s]{3,}")
_PLAIN = re.compile(r"\w+(?:['’.\-]\w+)*|[^\w\s]+|\s+")


def _windowed(search: Callable[[str], Any]) -> Callable[[str], Any]:
    """``search`` (a suffix pattern's) run on a word's last :data:`SUFFIX_WINDOW` characters."""
    def find(word: str) -> Any:
        if len(word) <= SUFFIX_WINDOW:
            return search(word)
        found = search(word[-SUFFIX_WINDOW:])
        if found is not None and found.start() == 0:
            return search(word)  # the match may go on before the window ("......."): the whole word decides
        return found
    return find


def harden(tokenizer: Tokenizer) -> Tokenizer:
    """``tokenizer`` with linear-time suffix search and without whitespace special cases (see the module
    doc); it splits every text exactly as before. Returns it."""
    search = tokenizer.suffix_search
    if search is not None and not getattr(search, "_streams_windowed", False):
        windowed = _windowed(search)
        windowed._streams_windowed = True  # type: ignore[attr-defined]
        tokenizer.suffix_search = windowed
    rules = tokenizer.rules or {}
    if any(key.isspace() for key in rules):
        for key, pieces in rules.items():
            if key.isspace() and len(pieces) == 1 and NORM in pieces[0]:  # "\xa0" is normed to two spaces
                tokenizer.vocab[key].norm_ = pieces[0][NORM]
        tokenizer.rules = {key: value for key, value in rules.items() if not key.isspace()}
    return tokenizer


def punct_run_chars(text: str) -> int:
    """Characters of ``text`` in runs of three or more punctuation marks."""
    return sum(map(len, _PUNCT_RUN.findall(text)))


def plain_doc(vocab: Any, text: str) -> Doc:
    """``text`` as words (letters and digits, with inner apostrophes, dots and hyphens), runs of
    punctuation and whitespace, with spaCy's whitespace convention: one space after a token is its
    ``whitespace_``, any other whitespace is a token of its own."""
    words: list[str] = []
    spaces: list[bool] = []
    for piece in _PLAIN.findall(text):
        if not piece[0].isspace():
            words.append(piece)
            spaces.append(False)
        elif piece[0] == " " and words:
            spaces[-1] = True
            if len(piece) > 1:
                words.append(piece[1:])
                spaces.append(False)
        else:
            words.append(piece)
            spaces.append(False)
    doc = Doc(vocab, words=words, spaces=spaces)
    doc.user_data[USER_DATA_KEY] = True
    return doc


def _cache_of(tokenizer: Tokenizer) -> Any:
    """spaCy's cache of ``tokenizer``, to read its size: a C-level attribute, reached as the first of the
    two maps among the tokenizer's referents (the other holds its special cases); None if not found."""
    maps = [ref for ref in gc.get_referents(tokenizer) if type(ref).__name__ == "PreshMap"]
    return maps[0] if len(maps) == 2 else None


def renewed(tokenizer: Tokenizer) -> tuple[Tokenizer, Any] | None:
    """A new tokenizer with ``tokenizer``'s rules and an empty cache, and the pool that holds its special
    cases; keep the pool as long as the tokenizer. None inside a memory zone (they do not nest), or if
    building it would have added to the vocabulary."""
    vocab = tokenizer.vocab
    if vocab.in_memory_zone:
        return None
    before = (len(vocab.strings), len(vocab))
    with vocab.memory_zone() as pool:  # the special cases' tokens are allocated from ``pool``, not the vocabulary's
        new = Tokenizer(vocab, rules=tokenizer.rules, prefix_search=tokenizer.prefix_search,
                        suffix_search=tokenizer.suffix_search, infix_finditer=tokenizer.infix_finditer,
                        token_match=tokenizer.token_match, url_match=tokenizer.url_match,
                        faster_heuristics=tokenizer.faster_heuristics, max_cache_size=tokenizer.max_cache_size)
        added = (len(vocab.strings), len(vocab)) != before  # its strings and lexemes would go with the zone
    return None if added else (new, pool)


class BoundedTokenizer:
    """``nlp.tokenizer`` that hands texts full of punctuation runs to :func:`plain_doc` and everything
    else to spaCy's (hardened) tokenizer, renewed when its cache could fill within the next text; other
    attributes are the spaCy tokenizer's."""

    def __init__(self, tokenizer: Tokenizer, max_punct_run_chars: int = MAX_PUNCT_RUN_CHARS) -> None:
        tokenizer = harden(tokenizer)
        tokenizer.max_cache_size = CACHE_WORDS
        self._current: tuple[Tokenizer, Any] = (tokenizer, None)
        self._cache = _cache_of(tokenizer)
        self.max_punct_run_chars = max_punct_run_chars
        #: times the spaCy tokenizer was replaced by one with an empty cache
        self.renewals = 0

    @property
    def tokenizer(self) -> Tokenizer:
        """The spaCy tokenizer in use."""
        return self._current[0]

    def renew(self) -> bool:
        """Replace the spaCy tokenizer by one with an empty cache (see the module doc); False if it could
        not be."""
        fresh = renewed(self.tokenizer)
        if fresh is None:
            return False
        self._current, self._cache = fresh, _cache_of(fresh[0])
        self.renewals += 1
        return True

    def __call__(self, text: str) -> Doc:
        current = self._current  # holds the pool of its special cases until the text is split
        if len(text) > self.max_punct_run_chars and punct_run_chars(text) > self.max_punct_run_chars:
            return plain_doc(current[0].vocab, text)
        cache = self._cache
        # a text of n characters adds at most ~n/2 words to the cache
        if cache is not None and 0 < len(cache) and (
                len(cache) + max(len(text), RENEW_FOR_CHARS) // 2 > current[0].max_cache_size):
            if self.renew():
                current = self._current
        if len(text) > REPEATS_FROM_CHARS:
            self._cache_repeated(text)
        return current[0](text)

    def _cache_repeated(self, text: str) -> None:
        """Split each word ``text`` repeats that the cache lacks on its own, so that it is cached (see the
        module doc)."""
        cache, split = self._cache, self._current[0]
        if cache is None:
            return
        for word, count in Counter(text.split()).items():
            if count > 1 and cache[hash_string(word)] is None:
                split(word)

    def __getattr__(self, name: str) -> Any:
        if name == "_current":
            raise AttributeError(name)
        return getattr(self._current[0], name)
