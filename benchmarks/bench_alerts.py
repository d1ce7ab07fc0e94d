"""Alert matching speed: every rule on every enriched article, against decoding the article.

    .venv/bin/python benchmarks/bench_alerts.py [--shared ../shared] [--articles 60] [--rules 100 1000]

Enriches the first N articles of ``corpus/news_sample.jsonl`` (and the sample wire story) with the
real default pipeline, serializes them as they travel on ``articles.enriched``, and builds rules
(seeded) from the vocabulary of those articles — entity names, quote speakers, IPTC codes, keywords
— mixed with names that occur nowhere, so some rules hit and most miss, as in practice.

Per article it times what the matcher does: decode the JSON (``EnrichedArticle.from_json``, the
baseline: the matcher has to do it anyway), prepare the view, evaluate every rule. Printed: ms per
article and the ratio of matching to decoding, for each rule count. Half the rules are written in
the rule language (and / or / not, quote text, speaker role, salience, near); then the headline
figure: rules evaluated per second against 1,000 rules on the one sample wire story.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.alerts.rules import Rule, match, view  # noqa: E402
from streams.core.model import Article, EnrichedArticle  # noqa: E402
from streams.enrich.pipeline import Pipeline  # noqa: E402


def enriched_corpus(shared: Path, limit: int) -> list[bytes]:
    pipeline = Pipeline.from_names()
    with (shared / "corpus" / "news_sample.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle][:limit]
    articles = [Article(id=r["id"], body_text=r["text"], headline=r.get("title"), source=r.get("publisher"))
                for r in rows if r.get("text", "").strip()]
    sample = next((shared / "samples").glob("*.txt"))
    articles.append(Article(id=sample.stem, body_text=sample.read_text(encoding="utf-8"), provider="MENAFN"))
    return [pipeline.run(a).to_json() for a in articles]


def make_rules(corpus: list[EnrichedArticle], count: int, seed: int = 7) -> list[Rule]:
    rng = random.Random(seed)
    entities = sorted({e["name"] for a in corpus for e in a.entities})
    speakers = sorted({q["speaker"] for a in corpus for q in a.quotes if q.get("speaker")}) or ["Nobody"]
    codes = sorted({t["code"] for a in corpus for t in a.topics})
    keywords = sorted({k for a in corpus for k in a.keywords})
    rules = []
    for i in range(count):
        absent = f"Name{i} Nowhere"
        if i % 2:
            rules.append(language_rule(i, rng, entities, speakers, codes, keywords, absent))
            continue
        kind = (i // 2) % 5
        if kind == 0:
            rules.append(Rule(id=f"e{i}", name="entity", entity=(rng.choice(entities + [absent] * len(entities)),)))
        elif kind == 1:
            rules.append(Rule(id=f"et{i}", name="entity+topic", entity=(rng.choice(entities),),
                              topic=(rng.choice(codes),)))
        elif kind == 2:
            rules.append(Rule(id=f"s{i}", name="speaker", speaker=(rng.choice(speakers + [absent]),)))
        elif kind == 3:
            rules.append(Rule(id=f"t{i}", name="text", text=(rng.choice(keywords + [absent] * len(keywords)),)))
        else:
            rules.append(Rule(id=f"tt{i}", name="text+topic", text=(rng.choice(keywords), absent),
                              topic=(rng.choice(codes),)))
    return rules


def language_rule(i: int, rng: random.Random, entities: list[str], speakers: list[str], codes: list[str],
                  keywords: list[str], absent: str) -> Rule:
    """A rule of the language: boolean structure over the newer leaves, from the corpus' vocabulary."""
    kind = (i // 2) % 5
    if kind == 0:  # "X quoted and topic T and not sport"
        when = {"and": [{"speaker": rng.choice(speakers + [absent])}, {"topic": rng.choice(codes)},
                        {"not": {"topic": "medtop:15000000"}}]}
    elif kind == 1:  # either of two entities, salient
        when = {"or": [{"entity": {"name": rng.choice(entities), "min_salience": 0.3}},
                       {"entity": {"name": rng.choice(entities + [absent]), "type": "PERSON"}}]}
    elif kind == 2:  # words near each other
        when = {"near": {"terms": [rng.choice(entities), rng.choice(keywords + [absent])], "within": 10}}
    elif kind == 3:  # a quote's words, by a speaker of some role
        when = {"or": [{"quote": rng.choice(keywords + [absent])}, {"speaker": {"role": rng.choice(["minister",
                                                                                                   absent])}}]}
    else:  # text, but not about a topic
        when = {"and": [{"text": rng.choice(keywords)}, {"not": {"or": [{"topic": rng.choice(codes)},
                                                                          {"text": absent}]}}]}
    return Rule(id=f"w{i}", name="language", when=when)


def rules_per_second(value: bytes, rules: list[Rule], seconds: float = 2.0) -> tuple[float, int]:
    """Rules evaluated per second on one article, as the matcher does it: per pass a fresh view (its
    memo of shared leaves starts empty), then every rule; the JSON decoding is left out. And matches."""
    enriched = EnrichedArticle.from_json(value)
    matched = sum(1 for rule in rules if match(rule, view(enriched)) is not None)  # compiles every rule once
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        prepared = view(enriched)
        for rule in rules:
            match(rule, prepared)
        done += len(rules)
    return done / (time.perf_counter() - started), matched


def time_per_article(raw: list[bytes], rules: list[Rule], repeat: int) -> tuple[float, float, int]:
    """(seconds decoding, seconds decoding + matching) per article, and matches per pass."""
    best_decode = best_total = float("inf")
    matches = 0
    for _ in range(repeat):
        started = time.perf_counter()
        for value in raw:
            EnrichedArticle.from_json(value)
        best_decode = min(best_decode, (time.perf_counter() - started) / len(raw))
        started = time.perf_counter()
        matches = 0
        for value in raw:
            prepared = view(EnrichedArticle.from_json(value))
            matches += sum(1 for rule in rules if match(rule, prepared) is not None)
        best_total = min(best_total, (time.perf_counter() - started) / len(raw))
    return best_decode, best_total, matches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--rules", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    raw = enriched_corpus(args.shared, args.articles)
    corpus = [EnrichedArticle.from_json(v) for v in raw]
    print(f"{len(raw)} enriched articles, mean {sum(map(len, raw)) / len(raw) / 1024:.1f} KiB of JSON each")
    for count in args.rules:
        rules = make_rules(corpus, count)
        decode, total, matches = time_per_article(raw, rules, args.repeat)
        print(f"{count:>5} rules: decode {decode * 1e3:.2f} ms/article (baseline), decode+match "
              f"{total * 1e3:.2f} ms/article = {total / decode:.1f}x baseline, "
              f"{(total - decode) / count * 1e6:.1f} us per rule; {matches} matches per pass")
    rules = make_rules(corpus, 1000)
    rate, matched = rules_per_second(raw[-1], rules)
    print(f"1000 rules on the sample wire story: {rate:,.0f} rules/s ({1e6 / rate:.1f} us per rule, "
          f"{1000 / rate * 1e3:.1f} ms for all 1000); {matched} of them match it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
