"""The quotes component: finds every quotation of an article and resolves its speaker.

The steps, each in a module of this package (see the package docstring for the output format):
quote marks (:mod:`~streams.enrich.components.quotes.marks`) give direct and mixed quotes
(:mod:`~streams.enrich.components.quotes.direct`); unattributed ones take the speaker carried
over (:mod:`~streams.enrich.components.quotes.attribution`); scare quotes, titles and headline
quotes are dropped (:mod:`~streams.enrich.components.quotes.scare`,
:mod:`~streams.enrich.components.quotes.headlines`); transcript lines become turns
(:mod:`~streams.enrich.components.quotes.transcripts`); then indirect speech is added
(:mod:`~streams.enrich.components.quotes.indirect`) and every speaker is resolved to an entity.
"""

from __future__ import annotations

import functools
from typing import Any

from streams.core.errors import PipelineConfigError
from streams.enrich.components.quotes.attribution import inherit, last_speaker, resolve_speaker
from streams.enrich.components.quotes.direct import direct_quotes
from streams.enrich.components.quotes.extent import closed_only
from streams.enrich.components.quotes.headlines import headline_line, headline_reports, in_headline
from streams.enrich.components.quotes.indirect import indirect_quotes
from streams.enrich.components.quotes.lexicon import Lexicon, load_lexicon
from streams.enrich.components.quotes.marks import MarkedQuote, find_marked_quotes, paragraphs
from streams.enrich.components.quotes.mentions import Resolver, collect_mentions, entities_from_doc
from streams.enrich.components.quotes.scare import is_scare
from streams.enrich.components.quotes.sentences import split_sentences
from streams.enrich.components.quotes.state import ArticleState, Found
from streams.enrich.components.quotes.parse_batch import run_together
from streams.enrich.components.quotes.syntax import load_parser, parse_texts
from streams.enrich.components.quotes.transcripts import transcript_turns
from streams.enrich.pipeline import Context


class QuoteComponent:
    """Finds direct, mixed and indirect quotes and resolves their speakers (fills ``ctx.quotes``)."""

    name = "quotes"
    requires = ("doc", "entities")
    provides = ("quotes",)
    english_only = True

    def __init__(
        self,
        *,
        single_quotes: str = "auto",
        double_apostrophes: bool = False,
        indirect: bool = True,
        max_scare_words: int = 4,
        syntax: bool = True,
        open_quotes: bool = False,
    ) -> None:
        """``single_quotes``/``double_apostrophes``: see :func:`find_marked_quotes`. Quotes of at
        most ``max_scare_words`` words with no reporting verb nearby are scare quotes or titles and
        are dropped. ``indirect``: also report indirect speech. ``syntax``: parse the few sentences
        the rules cannot read (see :mod:`.syntax`; off: about 3x faster, fewer indirect quotes).
        ``open_quotes``: also report the stretches a quote mark opens and never closes (the
        paragraphs of a multi-paragraph quotation before its last, a stray mark's text up to the
        paragraph end); off by default, as the gold sets do not count them (see :mod:`.extent`)."""
        if single_quotes not in ("auto", "always", "never"):
            raise PipelineConfigError(f"quotes: single_quotes must be 'auto', 'always' or 'never', not {single_quotes!r}")
        if max_scare_words < 0:
            raise PipelineConfigError(f"quotes: max_scare_words must be >= 0, not {max_scare_words}")
        self.single_quotes = single_quotes
        self.double_apostrophes = double_apostrophes
        self.indirect = indirect
        self.max_scare_words = max_scare_words
        self.syntax = syntax
        self.open_quotes = open_quotes
        self.lexicon: Lexicon = load_lexicon()
        if syntax:
            load_parser()  # at start-up, not on the first article that needs a parse

    def pipe(self, ctxs: list[Context]) -> None:
        """The quotes of several articles, their parses run together (see :mod:`.parse_batch`): the
        same output as article by article, for less parser time."""
        if not self.syntax:
            for ctx in ctxs:
                self(ctx)
            return
        run_together([functools.partial(self, ctx) for ctx in ctxs], parse_texts)

    def __call__(self, ctx: Context) -> None:
        entities = ctx.entities
        if not entities and ctx.doc is not None:
            entities = entities_from_doc(ctx.doc, ctx.text)
        ctx.quotes = extract_quotes(
            ctx.text,
            doc=ctx.doc,
            entities=entities,
            noise=ctx.noise_spans(),
            lexicon=self.lexicon,
            single_quotes=self.single_quotes,
            double_apostrophes=self.double_apostrophes,
            indirect=self.indirect,
            max_scare_words=self.max_scare_words,
            title=ctx.title,
            syntax=self.syntax,
            open_quotes=self.open_quotes,
        )


def extract_quotes(
    text: str,
    *,
    doc: Any = None,
    entities: list[dict[str, Any]] | None = None,
    noise: list[tuple[int, int]] | None = None,
    lexicon: Lexicon | None = None,
    single_quotes: str = "auto",
    double_apostrophes: bool = False,
    indirect: bool = True,
    max_scare_words: int = 4,
    title: str | None = None,
    syntax: bool = True,
    open_quotes: bool = False,
) -> list[dict[str, Any]]:
    """All quotes of ``text`` in the output format (see :mod:`streams.enrich.components.quotes`), in text order.

    ``title``: the article's headline; when the text opens with it, that line is read as a
    headline (its quote marks are not quotations; "Sanders: Clinton needs to ..." is reported speech).
    ``syntax``: parse the sentences the rules cannot read (see :mod:`.syntax`).
    ``open_quotes``: keep the stretches a mark opens and never closes (see :mod:`.extent`).
    """
    art = _article_state(
        text, doc, entities or [], noise or [], lexicon or load_lexicon(), single_quotes, double_apostrophes, title
    )
    art.syntax = syntax
    found = direct_quotes(art)
    inherit(art, found)
    found = [f for f in found if not is_scare(art, f, max_scare_words) and not in_headline(art, f)]
    last_speaker(art, found)
    found = transcript_turns(art, found)
    unreported: list[Found] = []
    if not open_quotes:
        found, unreported = closed_only(found)
    if indirect:
        # the writer's "I" speaks the quotations they report (“Okay,” I said), but the writer's
        # own "I think ..." is opinion, not reported speech: no "I" as an indirect speaker
        art.mentions = [m for m in art.mentions if m.text != "I"]
        art.m_starts = [m.start for m in art.mentions]
        if art.headline is not None:
            found.extend(headline_reports(art, *art.headline))
        found.extend(indirect_quotes(art))
    else:
        found = [f for f in found if f.kind != "indirect"]
    out = []
    silent = {id(f) for f in unreported}
    for f in sorted([*found, *unreported], key=lambda f: f.segments[0][0]):
        if id(f) in silent:
            resolve_speaker(art, f)  # not reported, but its speaker is the one a "he" after it may mean
        else:
            out.append(_output(art, f))
    return out


def _article_state(
    text: str, doc: Any, entities: list[dict[str, Any]], noise: list[tuple[int, int]], lexicon: Lexicon,
    single_quotes: str, double_apostrophes: bool, title: str | None,
) -> ArticleState:
    """Everything the steps share about the article: its quote marks, paragraphs, headline,
    sentences and speaker candidates."""
    marks = find_marked_quotes(text, single_quotes=single_quotes, double_apostrophes=double_apostrophes)
    marks = [q for q in marks if not _markup_value(text, q)]
    quoted = [(q.open_mark, (q.close_mark + 1) if q.close_mark is not None else q.end) for q in marks]
    open_marks = [q.open_mark for q in marks]
    close_ends = sorted(q.close_mark + 1 for q in marks if q.close_mark is not None)
    pars = paragraphs(text)
    par_starts = [p[0] for p in pars]
    headline = headline_line(text, pars, title)
    sents = split_sentences(text, pars, doc)
    mentions = collect_mentions(text, entities, lexicon, quoted)
    m_starts = [m.start for m in mentions]
    resolver = Resolver(text, entities, mentions, lexicon.first_name_gender, lexicon.noun_kinds)
    return ArticleState(
        text=text, lex=lexicon, noise=noise, marks=marks, quoted=quoted, open_marks=open_marks, close_ends=close_ends,
        pars=pars, par_starts=par_starts, headline=headline, sents=sents, mentions=mentions, m_starts=m_starts,
        resolver=resolver,
    )


def _markup_value(text: str, q: MarkedQuote) -> bool:
    """A quoted attribute value in leftover markup: <tweet id="...">."""
    before = text[max(0, q.open_mark - 1) : q.open_mark]
    return before == "="


def _output(art: ArticleState, f: Found) -> dict[str, Any]:
    """One quote in the output format (see :mod:`streams.enrich.components.quotes`)."""
    start, end = f.segments[0][0], f.segments[-1][1]
    entity, name = resolve_speaker(art, f)
    return {
        "kind": f.kind,
        "start": start,
        "end": end,
        "segments": [[s, e] for s, e in f.segments],
        "text": " … ".join(art.text[s:e] for s, e in f.segments) if len(f.segments) > 1 else art.text[start:end],
        "speaker": name,
        "speaker_mention": f.speaker.as_dict() if f.speaker is not None else None,
        "cue": {"start": f.cue[0], "end": f.cue[1], "text": art.text[f.cue[0] : f.cue[1]]} if f.cue else None,
        "speaker_entity": entity,
    }
