"""Write topic predictions for a JSON Lines file of articles, in the format ``score.py`` reads.

    .venv/bin/python scripts/build_topics_eval.py ../shared/eval/topics/bbc_news_dev.jsonl pred.jsonl
    python ../shared/eval/score.py topics ../shared/eval/topics/bbc_news_dev.jsonl pred.jsonl

Each input line needs ``id`` and ``text`` (``title`` is used when present). Each output line is
``{"id", "topics", "keywords"}`` from :class:`streams.enrich.components.topics.TopicComponent`. The time per
article is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.core.model import Article  # noqa: E402
from streams.enrich.components.topics import TopicComponent  # noqa: E402
from streams.enrich.pipeline import Context  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("articles", type=Path, help="input JSON Lines: id, text, optional title")
    ap.add_argument("out", type=Path, help="output JSON Lines: id, topics, keywords")
    args = ap.parse_args()
    comp = TopicComponent()
    n = 0
    elapsed = 0.0
    with args.articles.open(encoding="utf-8") as src, args.out.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            rec = json.loads(line)
            art = Article(id=str(rec["id"]), body_text=rec["text"], headline=rec.get("title"))
            ctx = Context(article=art, text=art.body_text, title=art.headline)
            started = time.perf_counter()
            comp(ctx)
            elapsed += time.perf_counter() - started
            dst.write(json.dumps({"id": art.id, "topics": ctx.topics, "keywords": ctx.keywords}) + "\n")
            n += 1
    print(f"{n} articles, {1e3 * elapsed / max(1, n):.2f} ms per article -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
