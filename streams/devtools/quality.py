"""The quality gate: dev-set scores computed now, against the figures committed with the code.

    .venv/bin/python -m streams.devtools.quality [SET ...] [--update] [--eval-dir DIR]

Each gold set of ``../shared/eval`` (see its README) has a figures file of its own in
``tests/quality/figures/<set>.json`` (one file per set, so that whoever works on one task updates
only theirs): which components to run, which figures of ``score.py`` to hold, and their values.
The gate runs the components over the set in this process, scores the output with the shared
``score.py`` itself (loaded from the eval folder, never copied), and reports every figure that
fell by more than :data:`TOLERANCE` points. ``--update`` writes the figures measured now into the
files (after an improvement, or a drop that is meant: say why in the commit).

``make test`` runs it through ``tests/quality/test_quality_gate.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from streams.core.model import Article
from streams.enrich.pipeline import Pipeline

#: points a figure may fall before the gate fails
TOLERANCE = 0.5
ROOT = Path(__file__).resolve().parents[2]
FIGURES_DIR = ROOT / "tests" / "quality" / "figures"
#: where the shared gold sets are unless STREAMS_EVAL_DIR says otherwise
DEFAULT_EVAL_DIR = ROOT.parent / "shared" / "eval"


@dataclass
class GateResult:
    """One set's figures: committed, measured now, and those that fell by more than the tolerance."""

    name: str
    committed: dict[str, float]
    measured: dict[str, float]
    seconds: float

    @property
    def drops(self) -> list[str]:
        """One line per figure that fell by more than :data:`TOLERANCE` points."""
        return [f"{self.name}: {key} fell from {old} to {self.measured.get(key)} (more than {TOLERANCE} points)"
                for key, old in self.committed.items()
                if self.measured.get(key) is None or self.measured[key] < old - TOLERANCE]


def eval_dir() -> Path:
    """The shared eval folder (``STREAMS_EVAL_DIR`` or ``../shared/eval`` beside the repository)."""
    return Path(os.environ.get("STREAMS_EVAL_DIR") or DEFAULT_EVAL_DIR)


def figure_sets() -> list[str]:
    """Names of the sets that have a committed figures file."""
    return sorted(p.stem for p in FIGURES_DIR.glob("*.json"))


def load_spec(name: str) -> dict[str, Any]:
    """The committed figures file of set ``name``."""
    path = FIGURES_DIR / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"no figures file {path}; the sets that have one: {', '.join(figure_sets())}")
    return json.loads(path.read_text(encoding="utf-8"))


def load_scorer(folder: Path) -> ModuleType:
    """The shared ``score.py`` as a module."""
    path = folder / "score.py"
    if not path.exists():
        raise FileNotFoundError(f"the shared scorer is not at {path}: set STREAMS_EVAL_DIR to the shared eval folder")
    spec = importlib.util.spec_from_file_location("shared_eval_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict(gold: list[dict[str, Any]], components: str) -> dict[str, dict[str, Any]]:
    """The enrichment output of ``components`` for every gold record, by id (as ``streams enrich`` writes it)."""
    pipeline = Pipeline.from_names(components)
    preds: dict[str, dict[str, Any]] = {}
    for start in range(0, len(gold), 16):
        batch = gold[start:start + 16]
        articles = [Article(id=str(r["id"]), body_text=r["text"], headline=r.get("title") or None) for r in batch]
        for rec, out in zip(batch, pipeline.run_many(articles)):
            if isinstance(out, Exception):
                raise RuntimeError(f"enrichment failed on {rec['id']}: {out}") from out
            preds[str(rec["id"])] = json.loads(json.dumps(out.to_dict(), default=str))
    return preds


def figure(result: dict[str, Any], key: str) -> float:
    """A figure of the scorer's result by path ('strict/f1', 'direct@0.3/f1', 'top1_accuracy')."""
    value: Any = result
    for part in key.split("/"):
        value = value[part]
    return float(value)


def measure(name: str, folder: Path | None = None) -> GateResult:
    """Run and score set ``name`` as its figures file says."""
    spec = load_spec(name)
    folder = folder or eval_dir()
    scorer = load_scorer(folder)
    gold_path = folder / spec["gold"]
    if not gold_path.exists():
        raise FileNotFoundError(f"gold set {gold_path} is missing: set STREAMS_EVAL_DIR to the shared eval folder")
    gold = scorer.load(str(gold_path))
    started = time.perf_counter()
    preds = predict(gold, spec["components"])
    if spec["task"] == "entities":
        result = scorer.score_entities(gold, preds)
    elif spec["task"] == "quotes":
        result = scorer.score_quotes(gold, preds)
    else:
        result = scorer.score_topics(gold, preds, scorer.load_taxonomy(folder / "iptc" / "mediatopics_en.json"))
    measured = {key: figure(result, key) for key in spec["figures"]}
    return GateResult(name, dict(spec["figures"]), measured, time.perf_counter() - started)


def update(result: GateResult) -> None:
    """Write the measured figures into the set's figures file."""
    path = FIGURES_DIR / f"{result.name}.json"
    spec = load_spec(result.name)
    spec["figures"] = result.measured
    path.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="*", help=f"sets to run (default: all: {', '.join(figure_sets())})")
    ap.add_argument("--update", action="store_true", help="write the measured figures into the figures files")
    ap.add_argument("--eval-dir", help="the shared eval folder (default: $STREAMS_EVAL_DIR or ../shared/eval)")
    args = ap.parse_args(argv)
    folder = Path(args.eval_dir) if args.eval_dir else None
    failed = False
    for name in args.sets or figure_sets():
        result = measure(name, folder)
        shown = ", ".join(f"{k} {v} (committed {result.committed.get(k)})" for k, v in result.measured.items())
        print(f"{name} [{result.seconds:.0f} s]: {shown}")
        for line in result.drops:
            print(f"  DROP {line}")
        failed = failed or bool(result.drops)
        if args.update:
            update(result)
    return 1 if failed and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
