"""Alert rules evaluated on enriched articles (the article view and the matcher): pure code, no Kafka.

A :class:`Rule`'s condition is a tree (:mod:`streams.alerts.language`): ``and`` / ``or`` / ``not``
over leaf conditions; the flat fields of a rule (``entity``, ``topic``...) are shorthand for an
``and`` of leaves. ``match(rule, enriched)`` returns a :class:`Match` saying which leaves held and
with what evidence (the entity, the quote, the text found), or ``None``.

Leaves:

* ``text``: words or phrases in the headline or body; case-insensitive, on word boundaries, any
  run of whitespace in the phrase matches any run in the text.
* ``entity``: an entity whose name or one of its mentions (its aliases in this article, e.g.
  "Kallas" for "Kaja Kallas") equals the value, case-insensitively; narrowed by type (PERSON, ORG,
  GPE, LOC, ...) and minimum salience when given. A type alone means "an entity of that type".
* ``speaker``: a quote whose resolved speaker is the value (by name, or by an alias of the
  speaker's entity); ``role``: a phrase in the roles of the speaker's entity.
* ``quote``: a quote whose own words contain the phrase (optionally by a speaker, of a kind).
* ``topic``: an IPTC Media Topic by code (``medtop:16000000`` or ``16000000``) or by its English
  label; a code also matches articles tagged with any of its descendants.
* ``near``: two phrases within N words of each other, in the headline or in the body.
* ``source`` / ``provider`` / ``language``: equality, case-insensitive, on the article fields.

An ``and`` is evaluated cheapest part first (fields, topics, entities before text searches) and
stops at the first part that fails; each rule is compiled once into closures and kept with it.
The data types live in :mod:`streams.alerts.model` and are re-exported here: :class:`Rule` (strict
validation, every error names the path; JSON with orjson), :class:`Match`, :class:`Alert`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Iterable, TypeVar

from streams.alerts.language import (
    All,
    Any_,
    EntityCond,
    FieldCond,
    Near,
    Node,
    Not,
    QuoteCond,
    SpeakerCond,
    Text,
    TopicCond,
    describe,
)
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
)
from streams.alerts.taxonomy import topic_ancestors, topic_label
from streams.core.model import EnrichedArticle
from streams.core.records import Entity, Quote, Topic, readable

T = TypeVar("T")

__all__ = [
    "ALERT_SCHEMA", "SNIPPET_CHARS", "Alert", "ArticleView", "Hit", "Match", "Rule", "alert_key",
    "article_topic_codes", "check_webhook", "cluster_id", "match", "new_rule_id", "normalize_topic", "topic_label",
    "view",
]

SNIPPET_CHARS = 160
MAX_OCCURRENCES = 200  # of one phrase, for near: bounds the pairs compared
_WORD = re.compile(r"\w+")
Hits = tuple[Hit, ...]
Check = Callable[["ArticleView"], Hits | None]


# -- the article as rules see it -------------------------------------------------------------
def _fold(value: str) -> str:
    return " ".join(value.replace("’", "'").casefold().split())


_value = lru_cache(maxsize=1 << 16)(_fold)  # a rule's value, folded once for every article


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
    type: str
    salience: float

    @cached_property
    def aliases(self) -> frozenset[str]:
        """Folded name and mention texts: only name conditions read them (a type alone never folds)."""
        return _aliases(self.record)


@dataclass(frozen=True)
class _Quote:
    record: Quote
    names: frozenset[str]  # folded speaker name and the speaker entity's aliases
    roles: tuple[str, ...]  # the speaker entity's roles, lower-cased
    role_names: tuple[str, ...]  # the same as written
    text: str  # the quote's words, lower-cased (for phrase search)


class ArticleView:
    """What rules look at in one enriched article (build with :func:`view`), each part prepared on first use.

    Evaluating many rules on one article costs the parts they read plus a few set lookups per rule; a
    rule set that never reads the text or the names never pays for folding them (the matcher's two
    typical rules, a language and an entity type, read neither).
    """

    def __init__(self, enriched: EnrichedArticle) -> None:
        self.enriched = enriched
        self.words: dict[int, list[int]] = {}  # text slot -> word starts, lazily
        self.memo: dict[str, Hits | None] = {}  # leaf -> its result, many rules share

    @cached_property
    def headline(self) -> str | None:
        """Lower-cased, ’ as ' (None if that would move offsets)."""
        return _lowered(self.enriched.article.headline or "")

    @cached_property
    def body(self) -> str | None:
        return _lowered(self.enriched.article.body_text)

    @cached_property
    def folded(self) -> str:
        """Headline + body case-folded: a cheap substring pre-check before the regex."""
        article = self.enriched.article
        return _fold(f"{article.headline or ''}\n{article.body_text}")

    @cached_property
    def _records(self) -> list[Entity | None]:
        # invalid ones read as None, in place: a quote's speaker_entity indexes this list
        return readable(Entity, self.enriched.entities)

    @cached_property
    def entities(self) -> tuple[_Entity, ...]:
        return tuple(_Entity(e, (e.type or "").upper(), float(e.salience or 0.0))
                     for e in self._records if e is not None)

    @cached_property
    def quotes(self) -> tuple[_Quote, ...]:
        """Attributed quotes, direct ones first (a direct quote is the best evidence)."""
        records = self._records
        quotes = [_quote(q, records) for q in readable(Quote, self.enriched.quotes) if q is not None and q.speaker]
        quotes.sort(key=lambda q: q.record.kind != "direct")
        return tuple(quotes)

    @cached_property
    def by_alias(self) -> dict[str, tuple[_Entity, ...]]:
        """Folded alias -> entities."""
        return _grouped(self.entities, lambda entity: entity.aliases)

    @cached_property
    def by_speaker(self) -> dict[str, tuple[_Quote, ...]]:
        """Folded speaker name or alias -> quotes, direct first."""
        return _grouped(self.quotes, lambda quote: quote.names)

    @cached_property
    def topic_codes(self) -> frozenset[str]:
        return frozenset(article_topic_codes(self.enriched))

    @cached_property
    def language(self) -> str:
        return _fold(self.enriched.language or self.enriched.article.language or "")

    @cached_property
    def source(self) -> str:
        return _fold(self.enriched.article.source or "")

    @cached_property
    def provider(self) -> str:
        return _fold(self.enriched.article.provider or "")

    @cached_property
    def quoted(self) -> str:
        """Every attributed quote's words, lower-cased: a pre-check before searching each quote."""
        return "\n".join(q.text for q in self.quotes)

    @cached_property
    def roles(self) -> str:
        """Every quoted speaker's roles, lower-cased: the same for roles."""
        return "\n".join(r for q in self.quotes for r in q.roles)


def _grouped(items: Iterable[T], keys: Callable[[T], Iterable[str]]) -> dict[str, tuple[T, ...]]:
    """Each key -> the items that have it, in their order."""
    found: dict[str, list[T]] = {}
    for item in items:
        for key in keys(item):
            found.setdefault(key, []).append(item)
    return {k: tuple(v) for k, v in found.items()}


def _aliases(entity: Entity) -> frozenset[str]:
    names = {_fold(entity.name)}
    for mention in entity.mentions:
        if mention.text:
            names.add(_fold(mention.text))
    names.discard("")
    return frozenset(names)


def _quote(quote: Quote, records: list[Entity | None]) -> _Quote:
    names = {_fold(quote.speaker or "")}
    roles: tuple[str, ...] = ()
    index = quote.speaker_entity
    if index is not None and 0 <= index < len(records) and (entity := records[index]) is not None:
        names |= _aliases(entity)
        roles = entity.roles or ()
    lowered = tuple(r.replace("’", "'").lower() for r in roles)
    return _Quote(quote, frozenset(names), lowered, tuple(roles), (quote.text or "").replace("’", "'").lower())


def view(enriched: EnrichedArticle) -> ArticleView:
    """Prepare ``enriched`` for matching (entities' aliases, speakers, topic codes with ancestors: on first use)."""
    return ArticleView(enriched)


# -- phrases ------------------------------------------------------------------------------------
def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@lru_cache(maxsize=4096)
def _phrase_parts(phrase: str) -> tuple[str, re.Pattern[str]]:
    """(first word, pattern of the whole phrase ending on a word boundary), lower-cased."""
    words = phrase.replace("’", "'").lower().split()
    return words[0], re.compile(r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def _find_phrases(lowered: str, phrase: str, limit: int = 1) -> list[tuple[int, int]]:
    """Spans (at most ``limit``) of ``phrase`` in lower-cased text on word boundaries; ``str.find``
    picks the candidates, which is much faster than a case-insensitive regex with a look-behind."""
    first, pattern = _phrase_parts(phrase)
    out: list[tuple[int, int]] = []
    pos = lowered.find(first)
    while pos >= 0 and len(out) < limit:
        if pos == 0 or not _is_word_char(lowered[pos - 1]):
            found = pattern.match(lowered, pos)
            if found:
                out.append(found.span())
        pos = lowered.find(first, pos + 1)
    return out


def _lowered(text: str) -> str | None:
    """``text`` lower-cased with ’ as ', if that keeps every offset (it nearly always does)."""
    lowered = text.replace("’", "'").lower()
    return lowered if len(lowered) == len(text) else None


def _spans_in(v: ArticleView, slot: int, phrase: str, limit: int) -> list[tuple[int, int]]:
    """Spans of ``phrase`` in the headline (slot 0) or body (slot 1), offsets into the original."""
    lowered = v.headline if slot == 0 else v.body
    if lowered is not None:
        return _find_phrases(lowered, phrase, limit)
    original = _original(v, slot).replace("’", "'")
    return [m.span() for _, m in zip(range(limit), _phrase_pattern(phrase).finditer(original))]


def _original(v: ArticleView, slot: int) -> str:
    return (v.enriched.article.headline or "") if slot == 0 else v.enriched.article.body_text


def _words_of(v: ArticleView, slot: int) -> list[int]:
    starts = v.words.get(slot)
    if starts is None:
        starts = v.words[slot] = [m.start() for m in _WORD.finditer(_original(v, slot))]
    return starts


# -- leaves -----------------------------------------------------------------------------------------
def _match_text(node: Text, v: ArticleView) -> Hits | None:
    for phrase in node.phrases:
        if not all(word in v.folded for word in _value(phrase).split()):
            continue  # most rules miss most articles: skip the search
        for slot in (0, 1):
            spans = _spans_in(v, slot, phrase, 1)
            if spans:
                original, (start, end) = _original(v, slot), spans[0]
                return (Hit("text", phrase, original[start:end], _snippet(original, start, end)),)
    return None


def _entity_ok(node: EntityCond, entity: _Entity) -> bool:
    if node.type is not None and entity.type != node.type:
        return False
    return node.min_salience is None or entity.salience >= node.min_salience


def _match_entity(node: EntityCond, v: ArticleView) -> Hits | None:
    if not node.names:  # a type (and maybe a salience) alone
        candidates = [e for e in v.entities if _entity_ok(node, e)]
        if candidates:
            best = max(candidates, key=lambda e: e.salience)
            return (Hit("entity_type", node.type or "", best.record.name),)
        return None
    for value in node.names:
        for entity in v.by_alias.get(_value(value), ()):
            if _entity_ok(node, entity):
                shown = f"{entity.record.name} (salience {entity.salience:.2f})"
                return (Hit("entity", value, shown, _entity_snippet(v.enriched, entity.record)),)
    return None


def _entity_snippet(enriched: EnrichedArticle, entity: Entity) -> str | None:
    first = entity.mentions[0] if entity.mentions else None
    return None if first is None else _snippet(enriched.article.body_text, first.start, first.end)


def _quoted(quote: _Quote) -> str | None:
    text = " ".join((quote.record.text or "").split())
    snippet = text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
    return f"“{snippet}”" if snippet else None


def _candidates(v: ArticleView, names: tuple[str, ...]) -> Iterable[tuple[str | None, _Quote]]:
    if not names:
        return ((None, q) for q in v.quotes)
    return ((name, q) for name in names for q in v.by_speaker.get(_value(name), ()))


def _words_in(phrase: str, haystack: str) -> bool:
    """Whether every word of ``phrase`` occurs in ``haystack`` (lower-cased): necessary for a phrase match."""
    return all(word in haystack for word in phrase.replace("’", "'").lower().split())


def _has_role(quote: _Quote, roles: tuple[str, ...]) -> str | None:
    for role in roles:
        if any(_find_phrases(held, role) for held in quote.roles):
            return role
    return None


def _match_speaker(node: SpeakerCond, v: ArticleView) -> Hits | None:
    if node.roles and not any(_words_in(role, v.roles) for role in node.roles):
        return None
    for name, quote in _candidates(v, node.names):
        role = _has_role(quote, node.roles) if node.roles else None
        if node.roles and role is None:
            continue
        speaker = quote.record.speaker or ""
        if role is not None:
            entity_roles = ", ".join(shown for held, shown in zip(quote.roles, quote.role_names)
                                     if _find_phrases(held, role))
            return (Hit("speaker", name or role, f"{speaker} ({entity_roles})", _quoted(quote)),)
        return (Hit("speaker", name or "", speaker, _quoted(quote)),)
    return None


def _match_quote(node: QuoteCond, v: ArticleView) -> Hits | None:
    if node.phrases and not any(_words_in(phrase, v.quoted) for phrase in node.phrases):
        return None
    for _, quote in _candidates(v, node.speakers):
        if node.kind is not None and quote.record.kind_or_direct != node.kind:
            continue
        if not node.phrases:
            return (Hit("quote", f"kind={node.kind}" if node.kind else "*", quote.record.speaker or "",
                        _quoted(quote)),)
        for phrase in node.phrases:
            if _find_phrases(quote.text, phrase):
                return (Hit("quote", phrase, quote.record.speaker or "", _quoted(quote)),)
    return None


def article_topic_codes(enriched: EnrichedArticle) -> set[str]:
    """The article's ``medtop:`` codes and all their ancestors."""
    codes: set[str] = set()
    for topic in filter(None, readable(Topic, enriched.topics)):  # a topic that is not a valid record: left out
        code = topic.code.removeprefix("medtop:")
        codes.add(code)
        codes.update(topic_ancestors(code))
    return {f"medtop:{c}" for c in codes}


def _match_topic(node: TopicCond, v: ArticleView) -> Hits | None:
    for code in node.codes:
        if code in v.topic_codes:
            return (Hit("topic", code, f"{code} ({topic_label(code)})"),)
    return None


def _match_field(node: FieldCond, v: ArticleView) -> Hits | None:
    folded = getattr(v, node.name)
    if not folded:
        return None
    a = v.enriched.article
    shown = {"language": v.enriched.language or a.language, "source": a.source, "provider": a.provider}[node.name]
    for value in node.values:
        if _value(value) == folded:
            return (Hit(node.name, value, shown or value),)
    return None


def _word_spans(v: ArticleView, slot: int, phrases: tuple[str, ...]) -> list[tuple[int, int, str, int, int]]:
    """(first word, last word, phrase, start, end) of every occurrence of the phrases, bounded."""
    starts = _words_of(v, slot)
    out = []
    for phrase in phrases:
        for start, end in _spans_in(v, slot, phrase, MAX_OCCURRENCES):
            out.append((bisect.bisect_right(starts, start) - 1, bisect.bisect_left(starts, end) - 1, phrase, start, end))
    return out


def _match_near(node: Near, v: ArticleView) -> Hits | None:
    if not any(all(w in v.folded for w in _value(p).split()) for p in node.first) or \
            not any(all(w in v.folded for w in _value(p).split()) for p in node.second):
        return None
    for slot in (0, 1):
        seconds = _word_spans(v, slot, node.second)
        if not seconds:
            continue
        for a in _word_spans(v, slot, node.first):
            for b in seconds:
                lo, hi = (a, b) if a[0] <= b[0] else (b, a)
                gap = hi[0] - lo[1]  # 1 when adjacent
                if 0 < gap <= node.within:
                    original = _original(v, slot)
                    found = f"{original[lo[3]:lo[4]]} … {original[hi[3]:hi[4]]} ({gap} word{'s' * (gap != 1)} apart)"
                    return (Hit("near", f"{a[2]} ~{node.within}~ {b[2]}", found,
                                _snippet(original, lo[3], hi[4])),)
    return None


# -- compiling a tree -------------------------------------------------------------------------------
_LEAF: dict[type, tuple[int, Callable[..., Hits | None]]] = {  # cost rank, evaluator
    FieldCond: (0, _match_field), TopicCond: (1, _match_topic), EntityCond: (2, _match_entity),
    SpeakerCond: (3, _match_speaker), QuoteCond: (4, _match_quote), Text: (5, _match_text), Near: (6, _match_near),
}


def _cost(node: Node) -> int:
    if isinstance(node, (All, Any_)):
        return max(_cost(c) for c in node.children)
    if isinstance(node, Not):
        return _cost(node.child)
    return _LEAF[type(node)][0]


def _all(checks: list[Check]) -> Check:
    def check(v: ArticleView) -> Hits | None:
        hits: list[Hit] = []
        for part in checks:
            found = part(v)
            if found is None:
                return None
            hits.extend(found)
        return tuple(hits)
    return check


def _any(checks: list[Check]) -> Check:
    def check(v: ArticleView) -> Hits | None:
        for part in checks:
            found = part(v)
            if found is not None:
                return found
        return None
    return check


def _not(inner: Check, shown: str) -> Check:
    absent = (Hit("not", shown, "absent"),)
    return lambda v: absent if inner(v) is None else None


def compile_tree(node: Node) -> Check:
    """A function of an :class:`ArticleView`: the hits of the tree, or None when it does not hold."""
    if isinstance(node, (All, Any_)):
        parts = [compile_tree(c) for c in sorted(node.children, key=_cost)]  # stable: cheap parts first
        return _all(parts) if isinstance(node, All) else _any(parts)
    if isinstance(node, Not):
        return _not(compile_tree(node.child), describe(node.child, False))
    evaluate, key = _LEAF[type(node)][1], repr(node)  # equal leaves of different rules share one result

    def leaf(v: ArticleView) -> Hits | None:
        memo = v.memo
        if key in memo:
            return memo[key]
        found = memo[key] = evaluate(node, v)
        return found
    return leaf


def _compiled(rule: Rule) -> Check:
    check = rule.__dict__.get("_check")
    if check is None:
        check = compile_tree(rule.tree)
        object.__setattr__(rule, "_check", check)  # a rule is immutable: compile it once
    return check  # type: ignore[no-any-return]


def match(rule: Rule, article: EnrichedArticle | ArticleView) -> Match | None:
    """The :class:`Match` if the condition of ``rule`` holds for the article, else None.

    Pass an :class:`ArticleView` (:func:`view`) to evaluate many rules on one article cheaply.
    """
    v = article if isinstance(article, ArticleView) else view(article)
    hits = _compiled(rule)(v)
    return None if hits is None else Match(rule.id, rule.name, v.enriched.id, hits)
