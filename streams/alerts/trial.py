"""Trying rules before they go live: what they would have fired on given articles, and why. Pure code.

``try_rules(rules, articles)`` evaluates every rule on every article in the order given (oldest
first, as the stream would have seen them) and applies the matcher's once-per-story rule: the
first matching article of a story cluster *fires*; later matches in that cluster (syndicated
copies, new versions) are reported as ``same story``, as the live matcher would skip them. Each
:class:`Outcome` carries the :class:`~streams.alerts.model.Match` with its evidence (the entity,
the quote, the topic, the text found). ``streams alerts test`` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from streams.alerts.model import Hit, Match, Rule, cluster_id
from streams.alerts.rules import match, view
from streams.core.model import EnrichedArticle


@dataclass(frozen=True)
class Outcome:
    """One rule matched one article: would it have fired, and why."""

    rule: Rule
    article: EnrichedArticle
    found: Match
    cluster: str
    fires: bool  # False: its story fired this rule before (the matcher would skip it)

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``: rule, article, cluster, fires, reason and every hit with its evidence."""
        article = self.article.article
        return {
            "rule_id": self.rule.id, "rule_name": self.rule.name, "article_id": self.article.id,
            "headline": self.article.display_headline, "published": article.versioncreated or article.received_at,
            "cluster_id": self.cluster, "fires": self.fires, "reason": self.found.reason(),
            "hits": [h.__dict__.copy() for h in self.found.hits],
        }


@dataclass
class Trial:
    """What a set of rules did over a set of articles."""

    checked: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def fired(self, rule_id: str | None = None) -> list[Outcome]:
        """The outcomes that would have produced an alert (of one rule, or of all)."""
        return [o for o in self.outcomes if o.fires and (rule_id is None or o.rule.id == rule_id)]

    def matched(self, rule_id: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.rule.id == rule_id]


def try_rules(rules: Sequence[Rule], articles: Iterable[EnrichedArticle]) -> Trial:
    """Evaluate ``rules`` on ``articles`` in order, once per rule and story cluster, keeping the evidence."""
    trial = Trial()
    fired: set[tuple[str, str]] = set()
    for enriched in articles:
        trial.checked += 1
        prepared = view(enriched)
        cluster = cluster_id(enriched)
        for rule in rules:
            found = match(rule, prepared)
            if found is None:
                continue
            fires = (rule.id, cluster) not in fired
            fired.add((rule.id, cluster))
            trial.outcomes.append(Outcome(rule, enriched, found, cluster, fires))
    return trial


def evidence(hit: Hit) -> str:
    """A hit in words: ``speaker 'Kaja Kallas': Kaja Kallas — “We are discussing…”``."""
    line = f"{hit.condition} {hit.value!r}: {hit.matched}" if hit.value else f"{hit.condition}: {hit.matched}"
    return f"{line} — {hit.snippet}" if hit.snippet else line
