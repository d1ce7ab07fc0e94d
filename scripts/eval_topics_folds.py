"""Top-1 of the topics component on the BBC dev set split in two folds, whole stories and title + lead.

    .venv/bin/python scripts/eval_topics_folds.py                    # the fold table
    .venv/bin/python scripts/eval_topics_folds.py --errors A         # what fold A's errors were labelled
    .venv/bin/python scripts/eval_topics_folds.py --fit-calibration  # fit the score map on A, check on B
    .venv/bin/python scripts/eval_topics_folds.py --fit-calibration --fit-fold B  # the other way round

Fold A is ``md5(id) % 2 == 0`` (486 stories), fold B the rest (546). A change is kept only when it
improves the fold it was not tuned on (tune on A, confirm on B, then the other way round). Every
story is scored twice: whole, and cut to its title plus first paragraph (the text up to the first
blank line), the shape of a short wire item. Top-1 follows ``../shared/eval/score.py``: the
best-scored top level of the output must be the gold one. ``crime`` counts the items whose best top
level is crime, law and justice (a class the BBC set does not have: each one is a drift).

The set is read from ``../shared/eval`` (or ``--eval-dir``) at run time; nothing is copied.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter
from typing import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.core.model import Article  # noqa: E402
from streams.enrich.components.topics import Calibration, TopicComponent  # noqa: E402
from streams.enrich.pipeline import Context  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = ROOT.parent / "shared" / "eval"
SET_PATH = "topics/bbc_news_dev.jsonl"
CRIME = "02000000"
KINDS = ("full", "short")
FOLDS = ("A", "B")
NAMES = {"01000000": "arts", "02000000": "crime", "03000000": "disaster", "04000000": "economy",
         "05000000": "education", "06000000": "environment", "07000000": "health", "08000000": "human interest",
         "09000000": "labour", "10000000": "lifestyle", "11000000": "politics", "12000000": "religion",
         "13000000": "science/tech", "14000000": "society", "15000000": "sport", "16000000": "conflict",
         "17000000": "weather", "": "none"}


@dataclass(frozen=True)
class Item:
    id: str
    fold: str
    kind: str
    title: str | None
    text: str
    gold: str  # top-level code without the medtop: prefix


@dataclass(frozen=True)
class Row:
    item: Item
    best: str  # best-scored top level ('' when the component returned none)
    score: float
    n_levels: int

    @property
    def right(self) -> bool:
        return self.best == self.item.gold


def fold_of(doc_id: str) -> str:
    """'A' for md5(id) % 2 == 0, else 'B'."""
    return "A" if int(hashlib.md5(doc_id.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "B"


def lead(text: str) -> str:
    """The first non-empty paragraph (text up to the first blank line)."""
    return next((p for p in text.split("\n\n") if p.strip()), text)


def load_items(path: Path) -> list[Item]:
    """Every story of the set twice: whole and as title + lead."""
    items = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            gold = rec["labels_iptc_mapped"][0].split(":", 1)[1]
            fold = fold_of(str(rec["id"]))
            for kind, text in (("full", rec["text"]), ("short", lead(rec["text"]))):
                items.append(Item(str(rec["id"]), fold, kind, rec.get("title") or None, text, gold))
    return items


def predict(component: TopicComponent, item: Item) -> Row:
    """The component's best top level for one item, as score.py picks it."""
    art = Article(id=item.id, body_text=item.text, headline=item.title)
    ctx = Context(article=art, text=item.text, title=item.title)
    component(ctx)
    levels: dict[str, float] = {}
    concepts = component.tagger.lex.concepts
    for t in ctx.topics:
        top = concepts[t["code"].split(":", 1)[1]].top
        levels[top] = max(levels.get(top, 0.0), float(t["score"]))
    if not levels:
        return Row(item, "", 0.0, 0)
    best = max(levels, key=levels.get)  # type: ignore[arg-type]
    return Row(item, best, levels[best], len(levels))


def cell(rows: list[Row]) -> str:
    return f"{100 * sum(r.right for r in rows) / max(1, len(rows)):.1f}"


def print_table(rows: list[Row]) -> None:
    """Top-1, crime drift, breadth and calibration error (points) per fold and kind (Markdown), then the
    calibration error per fold."""
    cols = [(f, k) for k in KINDS for f in FOLDS] + [("AB", k) for k in KINDS]
    groups = {(f, k): [r for r in rows if r.item.fold in f and r.item.kind == k] for f, k in cols}

    def line(label: str, value: Callable[[list[Row]], str]) -> None:
        print(f"| {label} | " + " | ".join(value(groups[c]) for c in cols) + " |")

    print("| | " + " | ".join(f"{'all' if f == 'AB' else 'fold ' + f} {'full' if k == 'full' else 'title+lead'}"
                              for f, k in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    line("top-1", cell)
    line("best = crime", lambda g: str(sum(r.best == CRIME for r in g)))
    line("no topic", lambda g: str(sum(r.best == "" for r in g)))
    line("top levels", lambda g: f"{sum(r.n_levels for r in g) / max(1, len(g)):.2f}")
    line("items", lambda g: str(len(g)))
    line("calibration error", lambda g: f"{100 * ece(g):.1f}")
    for f in FOLDS:
        err = ece([r for r in rows if r.item.fold == f])
        print(f"calibration error of the best top level's score, fold {f} (full + title+lead): {100 * err:.1f} points")


def ece(rows: list[Row], bins: int = 10) -> float:
    """Expected calibration error of the best top level's score (items without a topic count as score 0, wrong)."""
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        band = [r for r in rows if lo <= r.score < hi or (b == bins - 1 and r.score == 1.0)]
        if band:
            gap = abs(sum(r.score for r in band) / len(band) - sum(r.right for r in band) / len(band))
            total += gap * len(band) / len(rows)
    return total


def print_errors(rows: list[Row], fold: str) -> None:
    """Gold -> predicted counts of one fold's errors, both kinds."""
    for kind in KINDS:
        wrong = Counter((NAMES[r.item.gold], NAMES[r.best]) for r in rows
                        if r.item.fold == fold and r.item.kind == kind and not r.right)
        print(f"fold {fold} {kind}: " + ", ".join(f"{g}->{p} {n}" for (g, p), n in wrong.most_common(12)))


def calibration_rows(component: TopicComponent, items: list[Item]) -> list[tuple[float, float, bool]]:
    """(evidence of the best top level, of the second, right) per item, the calibration's inputs."""
    tagger = component.tagger
    out = []
    for item in items:
        top, _, _ = tagger.evidence(item.text, item.title)
        if not top or sum(top.values()) < tagger.min_evidence:
            continue
        ranked = sorted(top.items(), key=lambda kv: -kv[1])
        rival = ranked[1][1] if len(ranked) > 1 else 0.0
        out.append((ranked[0][1], rival, ranked[0][0] == item.gold))
    return out


def fit_logistic(rows: list[tuple[float, float, bool]], ridge: float = 0.01) -> tuple[float, float, float]:
    """(w_own, w_rival, bias) by Newton's method on ln(1 + own evidence), ln(1 + rival's evidence)."""
    w = [0.0, 0.0, 0.0]
    xs = [(math.log1p(own), math.log1p(rival), 1.0) for own, rival, _ in rows]
    ys = [1.0 if ok else 0.0 for _, _, ok in rows]
    for _ in range(50):
        g = [ridge * wi for wi in w]
        h = [[ridge * (i == j) for j in range(3)] for i in range(3)]
        for x, y in zip(xs, ys):
            p = 1.0 / (1.0 + math.exp(-sum(wi * xi for wi, xi in zip(w, x))))
            for i in range(3):
                g[i] += (p - y) * x[i]
                for j in range(3):
                    h[i][j] += p * (1 - p) * x[i] * x[j]
        step = solve3(h, g)
        w = [wi - si for wi, si in zip(w, step)]
    return w[0], w[1], w[2]


def solve3(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve a 3x3 linear system by Cramer's rule."""
    def det(m: list[list[float]]) -> float:
        return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
    d = det(a)
    return [det([[b[r] if c == k else a[r][c] for c in range(3)] for r in range(3)]) / d for k in range(3)]


def print_calibration(component: TopicComponent, items: list[Item], fit_fold: str = "A") -> None:
    """Fit the score map on one fold (whole + title+lead), show its reliability on both."""
    fit_rows = calibration_rows(component, [i for i in items if i.fold == fit_fold])
    fit = Calibration(*fit_logistic(fit_rows))
    print(f'fit on fold {fit_fold} ({len(fit_rows)} items): "w_own": {fit.w_own:.3f}, "w_rival": {fit.w_rival:.3f}, '
          f'"bias": {fit.bias:.3f}')
    for fold in FOLDS:
        rows = calibration_rows(component, [i for i in items if i.fold == fold])
        probs = [fit.probability(own, rival) for own, rival, _ in rows]
        now = [component.tagger.calibration.probability(own, rival) for own, rival, _ in rows]
        print(f"fold {fold}: calibration error {100 * band_error(now, rows):.1f} points with the bundled map, "
              f"{100 * band_error(probs, rows):.1f} with this fit")
        print("| score band | items | right | mean score |\n|---|---|---|---|")
        for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
            band = [(p, ok) for p, (_, _, ok) in zip(probs, rows) if lo <= p < lo + 0.2 or (lo == 0.8 and p >= 1.0)]
            if band:
                right = 100 * sum(ok for _, ok in band) / len(band)
                mean = sum(p for p, _ in band) / len(band)
                print(f"| {lo:.1f}–{lo + 0.2:.1f} | {len(band)} | {right:.0f} % | {mean:.2f} |")


def band_error(probs: list[float], rows: list[tuple[float, float, bool]], bins: int = 10) -> float:
    """Expected calibration error of probabilities against the rows' outcomes."""
    total = 0.0
    for b in range(bins):
        band = [(p, ok) for p, (_, _, ok) in zip(probs, rows)
                if b / bins <= p < (b + 1) / bins or (b == bins - 1 and p >= 1.0)]
        if band:
            total += abs(sum(p for p, _ in band) - sum(ok for _, ok in band)) / len(rows)
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR,
                    help="the shared eval folder (default ../shared/eval)")
    ap.add_argument("--errors", choices=FOLDS, help="also print the confusions of this fold")
    ap.add_argument("--fit-calibration", action="store_true",
                    help="fit the score map (data/iptc/calibration.json) on fold A and check it on both folds")
    ap.add_argument("--fit-fold", choices=FOLDS, default="A",
                    help="the fold --fit-calibration fits on (default A, the bundled map's; B checks the method)")
    args = ap.parse_args(argv)
    path = args.eval_dir / SET_PATH
    if not path.exists():
        ap.error(f"{path} not found: pass --eval-dir with the shared eval folder")
    component = TopicComponent()
    items = load_items(path)
    rows = [predict(component, item) for item in items]
    print_table(rows)
    if args.errors:
        print_errors(rows, args.errors)
    if args.fit_calibration:
        print_calibration(component, items, args.fit_fold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
