"""Alert rules evaluated on enriched articles (the article view and the matcher): pure code, no Kafka.

A :class:`Rule` is a named set of conditions on an :class:`~streams.core.model.EnrichedArticle`.
Different conditions are AND-combined; the values of one condition are alternatives (any of them
may hit). ``match(rule, enriched)`` returns a :class:`Match` saying which conditions hit and with
what (the entity, the quote, the text snippet), or ``None``.

Conditions:

* ``text``: words or phrases in the headline or body; case-insensitive, on word boundaries, any
  run of whitespace in the phrase matches any run in the text.
* ``entity``: an entity whose name or one of its mentions (its aliases in this article, e.g.
  "Kallas" for "Kaja Kallas") equals the value, case-insensitively; narrowed by ``entity_type``
  (PERSON, ORG, GPE, LOC, ...) and ``min_salience`` when given. ``entity_type`` alone means "an
  entity of that type".
* ``speaker``: a quote whose resolved speaker is the value (by name, or by an alias of the
  speaker's entity).
* ``topic``: an IPTC Media Topic by code (``medtop:16000000`` or ``16000000``) or by its English
  label; a code also matches articles tagged with any of its descendants.
* ``source`` / ``provider`` / ``language``: equality, case-insensitive, on the article fields.

The data types live in :mod:`streams.alerts.model` and are re-exported here: :class:`Rule` (strict
validation, every error names the field; JSON with orjson), :class:`Match`, :class:`Alert`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from streams.alerts.model import (
    ALERT_SCHEMA,
    Alert,
    Hit,
    Match,
    Rule,
    alert_key,
    check_webhook,
    cluster_id,
    new_rule_id,
    normalize_topic,
    topic_ancestors,
    topic_label,
)
from streams.core.model import EnrichedArticle
from streams.core.records import Entity, Quote, Topic, readable

__all__ = [
    "ALERT_SCHEMA", "SNIPPET_CHARS", "Alert", "ArticleView", "Hit", "Match", "Rule", "alert_key",
    "article_topic_codes", "check_webhook", "cluster_id", "match", "new_rule_id", "normalize_topic", "topic_label",
    "view",
]

SNIPPET_CHARS = 160


# -- the article as rules see it -------------------------------------------------------------
def _fold(value: str) -> str:
    return " ".join(value.replace("’", "'").casefold().split())


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in _fold(phrase).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _snippet(text: str, start: int, end: int) -> str:
    pad = max(0, (SNIPPET_CHARS - (end - start)) // 2)
    lo, hi = max(0, start - pad), min(len(text), end + pad)
    out = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + out + ("…" if hi < len(text) else "")


@dataclass(frozen=True)
class _Entity:
    record: Entity
    aliases: frozenset[str]  # folded name and mention texts
    type: str
    salience: float


@dataclass(frozen=True)
class _Quote:
    record: Quote
    names: frozenset[str]  # folded speaker name and the speaker entity's aliases


@dataclass(frozen=True)
class ArticleView:
    """What rules look at in one enriched article, folded once (build with :func:`view`).

    Evaluating many rules on one article costs one view plus a few set lookups per rule.
    """

    enriched: EnrichedArticle
    headline: str | None  # lower-cased, ’ as ' (None if that would move offsets)
    body: str | None
    folded: str  # headline + body case-folded: a cheap substring pre-check before the regex
    entities: tuple[_Entity, ...]
    quotes: tuple[_Quote, ...]  # attributed quotes, direct ones first
    by_alias: dict[str, tuple[_Entity, ...]]  # folded alias -> entities
    by_speaker: dict[str, tuple[_Quote, ...]]  # folded speaker name or alias -> quotes, direct first
    topic_codes: frozenset[str]
    language: str
    source: str
    provider: str


def _aliases(entity: Entity) -> frozenset[str]:
    names = {_fold(entity.name)}
    for mention in entity.mentions:
        if mention.text:
            names.add(_fold(mention.text))
    names.discard("")
    return frozenset(names)


def view(enriched: EnrichedArticle) -> ArticleView:
    """Prepare ``enriched`` for matching (entities' aliases, speakers, topic codes with ancestors)."""
    article = enriched.article
    records = readable(Entity, enriched.entities)  # invalid ones read as None, in place: speaker_entity indexes
    entities = tuple(_Entity(e, _aliases(e), (e.type or "").upper(), float(e.salience or 0.0))
                     for e in records if e is not None)
    quotes = []
    for quote in readable(Quote, enriched.quotes):
        if quote is None or not quote.speaker:
            continue
        names = {_fold(quote.speaker)}
        index = quote.speaker_entity
        if index is not None and 0 <= index < len(records) and (entity := records[index]) is not None:
            names |= _aliases(entity)
        quotes.append(_Quote(quote, frozenset(names)))
    quotes.sort(key=lambda q: q.record.kind != "direct")  # a direct quote is the best evidence
    by_alias: dict[str, list[_Entity]] = {}
    for entity in entities:
        for alias in entity.aliases:
            by_alias.setdefault(alias, []).append(entity)
    by_speaker: dict[str, list[_Quote]] = {}
    for quote in quotes:
        for name in quote.names:
            by_speaker.setdefault(name, []).append(quote)
    return ArticleView(
        enriched=enriched,
        headline=_lowered(article.headline or ""),
        body=_lowered(article.body_text),
        folded=_fold(f"{article.headline or ''}\n{article.body_text}"),
        entities=entities,
        quotes=tuple(quotes),
        by_alias={k: tuple(v) for k, v in by_alias.items()},
        by_speaker={k: tuple(v) for k, v in by_speaker.items()},
        topic_codes=frozenset(article_topic_codes(enriched)),
        language=_fold(enriched.language or article.language or ""),
        source=_fold(article.source or ""),
        provider=_fold(article.provider or ""),
    )


# -- matching ---------------------------------------------------------------------------------
def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@lru_cache(maxsize=4096)
def _phrase_parts(phrase: str) -> tuple[str, re.Pattern[str]]:
    """(first word, pattern of the whole phrase ending on a word boundary), lower-cased."""
    words = phrase.replace("’", "'").lower().split()
    return words[0], re.compile(r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def _find_phrase(lowered: str, phrase: str) -> tuple[int, int] | None:
    """Span of ``phrase`` in lower-cased text on word boundaries; ``str.find`` picks the candidates,
    which is much faster than a case-insensitive regex with a look-behind scanning every position."""
    first, pattern = _phrase_parts(phrase)
    pos = lowered.find(first)
    while pos >= 0:
        if pos == 0 or not _is_word_char(lowered[pos - 1]):
            found = pattern.match(lowered, pos)
            if found:
                return found.span()
        pos = lowered.find(first, pos + 1)
    return None


def _lowered(text: str) -> str | None:
    """``text`` lower-cased with ’ as ', if that keeps every offset (it nearly always does)."""
    lowered = text.replace("’", "'").lower()
    return lowered if len(lowered) == len(text) else None


def _match_text(rule: Rule, v: ArticleView) -> Hit | None:
    originals = (v.enriched.article.headline or "", v.enriched.article.body_text)
    for phrase in rule.text:
        if not all(word in v.folded for word in _fold(phrase).split()):
            continue  # most rules miss most articles: skip the search
        for lowered, original in zip((v.headline, v.body), originals):
            if lowered is not None:
                span = _find_phrase(lowered, phrase)
            else:
                found = _phrase_pattern(phrase).search(original.replace("’", "'"))
                span = found.span() if found else None
            if span:
                return Hit("text", phrase, original[span[0]:span[1]], _snippet(original, *span))
    return None


def _entity_ok(rule: Rule, entity: _Entity) -> bool:
    if rule.entity_type is not None and entity.type != rule.entity_type:
        return False
    return rule.min_salience is None or entity.salience >= rule.min_salience


def _match_entity(rule: Rule, v: ArticleView) -> Hit | None:
    if not rule.entity:  # entity_type (and maybe min_salience) alone
        candidates = [e for e in v.entities if _entity_ok(rule, e)]
        if candidates:
            best = max(candidates, key=lambda e: e.salience)
            return Hit("entity_type", rule.entity_type or "", best.record.name)
        return None
    for value in rule.entity:
        for entity in v.by_alias.get(_fold(value), ()):
            if _entity_ok(rule, entity):
                shown = f"{entity.record.name} (salience {entity.salience:.2f})"
                return Hit("entity", value, shown, _entity_snippet(v.enriched, entity.record))
    return None


def _entity_snippet(enriched: EnrichedArticle, entity: Entity) -> str | None:
    first = entity.mentions[0] if entity.mentions else None
    return None if first is None else _snippet(enriched.article.body_text, first.start, first.end)


def _match_speaker(rule: Rule, v: ArticleView) -> Hit | None:
    for value in rule.speaker:
        for quote in v.by_speaker.get(_fold(value), ()):
            text = " ".join((quote.record.text or "").split())
            snippet = text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
            return Hit("speaker", value, quote.record.speaker or "", f"“{snippet}”" if snippet else None)
    return None


def article_topic_codes(enriched: EnrichedArticle) -> set[str]:
    """The article's ``medtop:`` codes and all their ancestors."""
    codes: set[str] = set()
    for topic in filter(None, readable(Topic, enriched.topics)):  # a topic that is not a valid record: left out
        code = topic.code.removeprefix("medtop:")
        codes.add(code)
        codes.update(topic_ancestors(code))
    return {f"medtop:{c}" for c in codes}


def _match_topic(rule: Rule, v: ArticleView) -> Hit | None:
    for code in rule.topic:
        if code in v.topic_codes:
            return Hit("topic", code, f"{code} ({topic_label(code)})")
    return None


def _match_field(name: str, wanted: Iterable[str], folded: str, shown: str | None) -> Hit | None:
    if not folded:
        return None
    for value in wanted:
        if _fold(value) == folded:
            return Hit(name, value, shown or value)
    return None


def match(rule: Rule, article: EnrichedArticle | ArticleView) -> Match | None:
    """The :class:`Match` if every condition of ``rule`` holds for the article, else None.

    Pass an :class:`ArticleView` (:func:`view`) to evaluate many rules on one article cheaply.
    Cheap conditions (fields, topics) are checked first, text last.
    """
    v = article if isinstance(article, ArticleView) else view(article)
    a = v.enriched.article
    hits: list[Hit] = []
    fields_ = (("language", v.language, v.enriched.language or a.language), ("source", v.source, a.source),
               ("provider", v.provider, a.provider))
    for name, folded, shown in fields_:
        wanted = getattr(rule, name)
        if wanted:
            if (hit := _match_field(name, wanted, folded, shown)) is None:
                return None
            hits.append(hit)
    for wanted, check in ((rule.topic, _match_topic), (rule.entity or rule.entity_type, _match_entity),
                          (rule.speaker, _match_speaker), (rule.text, _match_text)):
        if wanted:
            if (hit := check(rule, v)) is None:
                return None
            hits.append(hit)
    return Match(rule.id, rule.name, v.enriched.id, tuple(hits))

