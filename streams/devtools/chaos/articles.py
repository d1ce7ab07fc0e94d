"""The chaos run's input: seeded synthetic wire articles, syndicated copies, and poison of every kind.

Nothing here needs the shared corpus, so ``make chaos`` works from a fresh clone. Each poison
item is listed with the dead-letter reason the pipeline must give it, so the verifier can compare
dead letters by reason with what was injected.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import orjson

#: the word of the chaos alert rule: one story in ~25 mentions it
ALERT_WORD = "lighthouse"
#: STREAMS_MAX_ARTICLE_BYTES during a chaos run: small, so "too large" poison stays cheap
MAX_ARTICLE_BYTES = 64 * 1024

_PLACES = ["Tallinn", "Riga", "Vilnius", "Helsinki", "Gdansk", "Kyiv", "Lviv", "Oslo", "Bergen", "Turku"]
_PEOPLE = ["Kaja Kallas", "Edgars Rinkevics", "Gitanas Nauseda", "Alexander Stubb", "Donald Tusk", "Jonas Gahr Store"]
_TOPICS = ["the port authority", "the grain exporters", "the central bank", "the rail operator", "the energy regulator",
           "the fishing fleet", "the ferry company", "the parliament's budget committee"]
_VERBS = ["said", "told reporters", "announced", "warned", "confirmed"]


@dataclass
class ChaosInput:
    """What is sent: lines for ``streams ingest`` files, raw messages for articles.raw, and the expectations."""

    lines: list[bytes] = field(default_factory=list)  # JSON Lines for ingest, in order
    raw_poison: list[bytes] = field(default_factory=list)  # sent straight to articles.raw (a foreign producer)
    good_ids: list[str] = field(default_factory=list)  # must end in the archive
    injected: dict[str, int] = field(default_factory=dict)  # dead-letter reason -> how many were injected

    @property
    def poison(self) -> int:
        return sum(self.injected.values())


def _story(rng: random.Random, n: int) -> tuple[str, str]:
    place, person, topic = rng.choice(_PLACES), rng.choice(_PEOPLE), rng.choice(_TOPICS)
    sentences = [
        f"{place} (Wire) - {person} {rng.choice(_VERBS)} on day {n} that {topic} would review its plans.",
        f"\"We will not accept delays,\" {person} said after meeting representatives of {topic}.",
        f"Officials in {place} expect a decision within {rng.randint(2, 30)} days, according to a statement.",
        f"The review covers {rng.randint(3, 900)} contracts signed since {rng.randint(1995, 2025)}.",
    ]
    if rng.random() < 0.04:
        sentences.append(f"The old {ALERT_WORD} at the harbour entrance will be restored as part of the plan.")
    rng.shuffle(sentences[1:])
    return f"{place}: {topic} to review plans ({n})", " ".join(sentences)


def _poison(rng: random.Random, n: int) -> tuple[bytes, str]:
    """One poison line for ingest and the reason it must be dead-lettered with."""
    kind = n % 6
    if kind == 0:
        return b'{"id": "poison-%d", "body_text": "cut off' % n, "malformed_json"
    if kind == 1:
        return orjson.dumps({"id": f"poison-{n}", "body_text": ""}), "empty_body"
    if kind == 2:
        return orjson.dumps({"id": f"poison-{n}", "body_text": "\u0000\u0000\u0001"}), "empty_body"
    if kind == 3:
        return orjson.dumps({"id": n, "body_text": "an id that is a number"}), "invalid"
    if kind == 4:
        return orjson.dumps({"id": f"poison-{n}", "body_text": "x" * (MAX_ARTICLE_BYTES + 10)}), "too_large"
    return b'{"id": "poison-%d", "body_text": "\xff\xfe not utf-8"}' % n, "undecodable"


def make_input(articles: int, seed: int, poison_rate: float = 0.01, copy_rate: float = 0.02) -> ChaosInput:
    """``articles`` good articles (some syndicated copies of earlier ones), poison at ``poison_rate``."""
    rng = random.Random(seed)
    out = ChaosInput()
    bodies: list[tuple[str, str]] = []
    n_poison = max(6, round(articles * poison_rate))
    poison_at = set(rng.sample(range(articles), min(articles, n_poison)))
    for i in range(articles):
        if i in poison_at:
            line, reason = _poison(rng, out.poison)
            out.lines.append(line)
            out.injected[reason] = out.injected.get(reason, 0) + 1
        if bodies and rng.random() < copy_rate:  # a syndicated copy: another provider's header, same story
            headline, body = rng.choice(bodies)
            body = body.replace("(Wire) -", "(Other Wire) -", 1)
        else:
            headline, body = _story(rng, i)
            bodies.append((headline, body))
        article_id = f"chaos-{seed}-{i}"
        out.lines.append(orjson.dumps({"id": article_id, "headline": headline, "body_text": body}))
        out.good_ids.append(article_id)
    for k in range(max(2, n_poison // 10)):  # a foreign producer's garbage, straight into articles.raw
        if k % 2:
            out.raw_poison.append(b"\xff\xfe\x00 raw bytes, not json %d" % k)
            out.injected["undecodable"] = out.injected.get("undecodable", 0) + 1
        else:
            out.raw_poison.append(b'{"id": "raw-%d", "body_text": ' % k)
            out.injected["malformed_json"] = out.injected.get("malformed_json", 0) + 1
    return out
