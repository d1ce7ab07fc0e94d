#!/usr/bin/env python3
"""Entity figures on the dev sets, whole and by fold: tune on some folds, accept on the others.

    .venv/bin/python scripts/eval_entities_folds.py [--model sm|md|NAME_OR_PATH] [--folds 5] [--held-out 3,4]

Each document of ``conll2003_dev_detok.jsonl`` and ``gum_news_dev.jsonl`` falls in a fold by a hash of
its id (stable across runs and machines, independent of the file's order). A change is written while
looking at the tuning folds only and kept only if the held-out folds improve too. Prints, per set,
strict F1 (CoNLL-style) and overlap F1 (GUM-style) on the whole set, the tuning folds and the held-out
folds, and the entities component's mean milliseconds per article (with nlp: the model's share too).
Scored with the shared ``score.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.core.model import Article  # noqa: E402
from streams.devtools.quality import eval_dir, load_scorer  # noqa: E402
from streams.enrich.pipeline import Context, Pipeline  # noqa: E402

SETS = ("entities/conll2003_dev_detok.jsonl", "entities/gum_news_dev.jsonl")


def fold_of(doc_id: str, folds: int) -> int:
    """The fold of a document: a stable hash of its id."""
    return int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % folds


def run(pipeline: Pipeline, gold: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Predictions by id and seconds spent per component."""
    preds: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    for rec in gold:
        article = Article(id=str(rec["id"]), body_text=rec["text"], headline=rec.get("title") or None)
        ctx = Context(article=article, text=article.body_text, title=article.headline)
        for comp in pipeline.components:
            if comp.english_only and ctx.language not in (None, "en"):
                continue
            started = time.process_time()
            comp(ctx)
            seconds[comp.name] = seconds.get(comp.name, 0.0) + time.process_time() - started
        preds[str(rec["id"])] = {"id": str(rec["id"]), "entities": ctx.entities}
    return preds, seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="spaCy model of the nlp component: sm, md (see streams/enrich/components/"
                                    "nlp_models.py), a package name or a path (default: STREAMS_NLP_MODEL, else sm)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--held-out", default="3,4", help="held-out folds, comma-separated (default 3,4)")
    args = ap.parse_args()
    held = {int(f) for f in args.held_out.split(",")}
    folder = eval_dir()
    scorer = load_scorer(folder)
    options = {"nlp": {"model": args.model}} if args.model else {}
    pipeline = Pipeline.from_names("textspans,language,nlp,entities", **options)
    for name in SETS:
        gold = scorer.load(str(folder / name))
        preds, seconds = run(pipeline, gold)
        parts = {"all": gold,
                 "tune": [g for g in gold if fold_of(str(g["id"]), args.folds) not in held],
                 "held-out": [g for g in gold if fold_of(str(g["id"]), args.folds) in held]}
        shown = []
        for part, docs in parts.items():
            res = scorer.score_entities(docs, preds)
            shown.append(f"{part} ({len(docs)} docs) strict {res['strict']['f1']} overlap {res['partial_overlap']['f1']}")
        ms = {k: round(1000 * v / len(gold), 2) for k, v in seconds.items() if k in ("nlp", "entities")}
        print(f"{Path(name).stem}: " + "; ".join(shown) + f"; ms/article {ms}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
