"""The enrichment engine: named components that declare what they need and what they add.

A component is any object with ``name``, ``requires``, ``provides``, ``english_only`` and a
``__call__(ctx: Context) -> None`` that reads and fills attributes of the :class:`Context`.
Components are registered by name (lazily: a ``"module:factory"`` path, so listing them loads
no model) and assembled into a :class:`Pipeline` that is checked when it is built: unknown names
list the valid ones, and a component whose requirement no earlier component provides is refused.

Pure Python: nothing here (or in any component) imports Kafka.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol, runtime_checkable

from streams.core.errors import EnrichmentError, PipelineConfigError
from streams.core.model import Article, EnrichedArticle
from streams.text.wire import HEADLINE_DERIVED

#: what every context has before the first component runs
BASE_FIELDS: frozenset[str] = frozenset({"text", "title", "article"})


@dataclass
class Context:
    """The working state of one article while components run over it.

    ``text`` is ``article.body_text`` exactly as received. Components never rewrite it: noise
    (header lines, datelines, inline related headlines, credit lines) is recorded in ``spans``.
    """

    article: Article
    text: str
    title: str | None = None
    language: str | None = None
    spans: list[dict[str, Any]] = field(default_factory=list)  # {"start","end","kind"}: header, dateline...
    provenance: dict[str, Any] = field(default_factory=dict)
    doc: Any = None  # spaCy Doc over ``text`` (set by the "nlp" component)
    entities: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    dedupe: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)  # scratch space shared between components
    skipped: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def noise_spans(self, *kinds: str) -> list[tuple[int, int]]:
        """(start, end) of spans of the given kinds (all noise kinds when none are given: not a derived headline)."""
        if not kinds:
            return [(s["start"], s["end"]) for s in self.spans if s["kind"] != HEADLINE_DERIVED]
        return [(s["start"], s["end"]) for s in self.spans if s["kind"] in kinds]

    def to_enriched(self) -> EnrichedArticle:
        return EnrichedArticle(
            article=self.article,
            language=self.language,
            entities=self.entities,
            quotes=self.quotes,
            topics=self.topics,
            keywords=self.keywords,
            spans=self.spans,
            provenance=self.provenance,
            dedupe=self.dedupe,
            skipped=self.skipped,
            timings={k: round(v, 6) for k, v in self.timings.items()},
        )


@runtime_checkable
class Component(Protocol):
    """What the engine needs of a component."""

    name: str
    requires: tuple[str, ...]  # Context fields that must be filled before it runs
    provides: tuple[str, ...]  # Context fields it fills
    english_only: bool  # skipped (not failed) when the article is not English

    def __call__(self, ctx: Context) -> None: ...


# name -> "module:factory". A factory takes keyword options and returns a Component.
REGISTRY: dict[str, str] = {
    "textspans": "streams.enrich.components.textspans:TextSpans",
    "language": "streams.enrich.components.language:LanguageDetector",
    "nlp": "streams.enrich.components.nlp:SpacyAnalyzer",
    "entities": "streams.enrich.components.entities:EntityComponent",
    "quotes": "streams.enrich.components.quotes.component:QuoteComponent",
    "topics": "streams.enrich.components.topics:TopicComponent",
    "dedupe": "streams.enrich.components.dedupe:DedupeSignature",
}

DEFAULT_PIPELINE: tuple[str, ...] = ("textspans", "language", "nlp", "entities", "quotes", "topics", "dedupe")


def register(name: str, target: str) -> None:
    """Register (or replace) a component factory by ``"module:attribute"`` path."""
    REGISTRY[name] = target


def _check_known(name: str) -> None:
    if name not in REGISTRY and ":" not in name:
        valid = ", ".join(sorted(REGISTRY))
        raise PipelineConfigError(
            f"unknown enrichment component {name!r}; valid components: {valid} (or a 'package.module:Factory' path)"
        )


def _load_factory(name: str) -> Callable[..., Component]:
    """The factory registered as ``name``, or the one a ``"module:attribute"`` path names (plugins)."""
    _check_known(name)
    module_name, _, attr = REGISTRY.get(name, name).partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise PipelineConfigError(f"enrichment component {name!r} cannot be loaded: {exc}") from exc


class Pipeline:
    """An ordered, checked list of components."""

    def __init__(self, components: Iterable[Component]) -> None:
        self.components: list[Component] = list(components)
        self._check()

    @classmethod
    def from_names(cls, names: Iterable[str] | str | None = None, **options: Any) -> "Pipeline":
        """Build a pipeline from component names (a list or a comma-separated string).

        ``options`` maps a component name to a dict of keyword options for its factory.
        """
        if names is None or names == "":
            names = DEFAULT_PIPELINE
        if names == "none":  # pass-through: articles are wrapped, nothing is added
            return cls([])
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        names = list(names)
        for name in names:
            _check_known(name)
        factories = [(n, _load_factory(n)) for n in names]  # fail on any unknown name before loading models
        return cls(factory(**options.get(n, {})) for n, factory in factories)

    def _check(self) -> None:
        available = set(BASE_FIELDS)
        seen: set[str] = set()
        for comp in self.components:
            if not isinstance(comp, Component):
                raise PipelineConfigError(f"{comp!r} is not a component (needs name, requires, provides, __call__)")
            if comp.name in seen:
                raise PipelineConfigError(f"component {comp.name!r} appears twice in the pipeline")
            missing = [r for r in comp.requires if r not in available]
            if missing:
                raise PipelineConfigError(
                    f"component {comp.name!r} requires {', '.join(missing)}, which no earlier component provides; "
                    f"order so far: {', '.join(c.name for c in self.components[: len(seen)]) or '(none)'}"
                )
            seen.add(comp.name)
            available.update(comp.provides)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    def run(self, article: Article) -> EnrichedArticle:
        """Enrich one article. A failing component raises :class:`EnrichmentError` naming it."""
        result = self.run_many([article])[0]
        if isinstance(result, EnrichmentError):
            raise result
        return result

    __call__ = run

    def run_many(self, articles: list[Article]) -> list[EnrichedArticle | EnrichmentError]:
        """Enrich several articles; one result per article, in order: the enriched article, or the
        :class:`EnrichmentError` that stopped it (the others are not affected).

        Components with a ``pipe(ctxs)`` method (the spaCy analyser) get the whole batch at once,
        which is faster; the output is the same as article by article.
        """
        ctxs = [Context(article=a, text=a.body_text, title=a.headline, language=a.language) for a in articles]
        failed: dict[int, EnrichmentError] = {}
        for comp in self.components:
            todo = []
            for i, ctx in enumerate(ctxs):
                if i in failed:
                    continue
                if comp.english_only and ctx.language not in (None, "en"):
                    ctx.skipped.append(comp.name)
                else:
                    todo.append(i)
            pipe = getattr(comp, "pipe", None)
            if pipe is not None and len(todo) > 1:
                started = time.perf_counter()
                try:
                    pipe([ctxs[i] for i in todo])
                    share = (time.perf_counter() - started) / len(todo)
                    for i in todo:
                        ctxs[i].timings[comp.name] = ctxs[i].timings.get(comp.name, 0.0) + share
                    continue
                except Exception:  # noqa: BLE001 - fall back to one by one, to find the failing article
                    pass
            for i in todo:
                error = self._run_component(comp, ctxs[i])
                if error is not None:
                    failed[i] = error
        return [failed[i] if i in failed else ctx.to_enriched() for i, ctx in enumerate(ctxs)]

    @staticmethod
    def _run_component(comp: Component, ctx: Context) -> EnrichmentError | None:
        started = time.perf_counter()
        try:
            comp(ctx)
            return None
        except EnrichmentError as exc:
            return exc
        except Exception as exc:  # a component bug must name the component, not crash the caller
            error = EnrichmentError(f"component {comp.name!r} failed: {type(exc).__name__}: {exc}", component=comp.name)
            error.__cause__ = exc
            return error
        finally:
            ctx.timings[comp.name] = ctx.timings.get(comp.name, 0.0) + time.perf_counter() - started


_default: Pipeline | None = None


def enrich(article: Article) -> EnrichedArticle:
    """Enrich one article with the default pipeline (built once, on first use)."""
    global _default
    if _default is None:
        _default = Pipeline.from_names(DEFAULT_PIPELINE)
    return _default.run(article)
