"""Language identification: langdetect against py3langid and lingua-language-detector, on articles and
on short items (accuracy, time per item, load time), and the enrichment component as it runs.

    .venv/bin/python benchmarks/bench_language.py [--shared ../shared] [--reuters 400] [--no-lingua]

Sets (labels: the corpora are English news; the foreign items are spaCy's example sentences of each
language, which ship inside the installed ``spacy`` package, plus a few short news lines written for
this benchmark):

* ``articles-en``: headline + the first 1,500 characters of ``corpus/news_sample.jsonl`` and the first
  ``--reuters`` articles of ``corpus/reuters21578.jsonl`` (what the component looks at);
* ``short-en``: their headlines (Reuters' are in capitals), their first sentences, and short items full
  of names ("Kaja Kallas said hello.");
* ``short-foreign``: one sentence each, in every language all three detectors know;
* ``articles-foreign``: all of a language's sentences as one text.

For each detector: accuracy (the best guess is the label), for English sets the share called
confidently foreign (what would skip the English-only components: entities, quotes, topics), and
milliseconds per item (median of 3 passes). The libraries are needed only here: ``pip install
py3langid lingua-language-detector`` (py3langid is a runtime dependency of streams, langdetect a dev one; lingua is not). ``component`` is
streams' ``language`` component as the pipeline runs it: a language it returns skips the English-only
components whatever the confidence; None (undetermined) runs them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.core.model import Article  # noqa: E402
from streams.enrich.components.language import LanguageDetector, identify  # noqa: E402
from streams.enrich.components.textspans import TextSpans  # noqa: E402
from streams.enrich.pipeline import Context  # noqa: E402

Detect = Callable[[str], tuple[str | None, float]]
#: a guess at least this confident counts as a decision (the component's threshold)
CONFIDENT = 0.8
SHORT_EN = [
    "Kaja Kallas said hello.", "Kaja Kallas: Ukraine needs guarantees", "Merz meets Macron in Berlin",
    "Zelensky thanks Tusk", "Kallas to visit Tallinn", "Sanchez wins Spanish vote", "Putin, Xi sign gas deal",
    "Orban blocks EU aid", "Nvidia beats forecasts", "Erdogan hosts Aliyev and Pashinyan",
    "Macron names Bayrou prime minister", "Scholz loses confidence vote", "Stubb and Kristersson meet in Turku",
    "Guterres urges ceasefire in Gaza", "Rutte: NATO must spend more", "Kaja Kallas met Annalena Baerbock.",
]
SHORT_FOREIGN = [  # written for this benchmark: short news lines
    ("et", "Kaja Kallas kohtus Tallinnas ministritega."), ("et", "Valitsus kinnitas eelarve."),
    ("de", "Merz trifft Macron in Berlin"), ("de", "Die Regierung hat den Haushalt beschlossen."),
    ("fr", "Macron reçoit Scholz à l'Élysée"), ("es", "Sánchez gana las elecciones"),
    ("fi", "Hallitus hyväksyi budjetin."), ("uk", "Зеленський зустрівся з Туском у Києві"),
    ("ru", "Путин встретился с Си Цзиньпином"), ("pl", "Tusk spotkał się z Zełenskim w Kijowie"),
    ("it", "Meloni incontra von der Leyen a Roma"), ("nl", "Het kabinet is gevallen"),
]
ALIASES = {"nb": "no", "nn": "no"}


def norm(code: str | None) -> str | None:
    if not code:
        return None
    code = code.lower().split("-")[0]
    return ALIASES.get(code, code)


# -- detectors ----------------------------------------------------------------------------------
def load_langdetect() -> tuple[Detect, set[str]]:
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory
    from langdetect.lang_detect_exception import LangDetectException

    init_factory()
    from langdetect import detector_factory

    factory: DetectorFactory = detector_factory._factory
    factory.set_seed(0)

    def detect(text: str) -> tuple[str | None, float]:
        d = factory.create()
        d.n_trial = 3  # as streams ran it
        d.set_max_text_length(600)
        d.append(text)
        try:
            best = d.get_probabilities()
        except LangDetectException:
            return None, 0.0
        return (norm(best[0].lang), best[0].prob) if best else (None, 0.0)

    return detect, {norm(c) for c in factory.get_lang_list()}


def load_py3langid() -> tuple[Detect, set[str]]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def detect(text: str) -> tuple[str | None, float]:
        lang, p = ident.classify(text)
        return norm(lang), p

    return detect, {norm(c) for c in ident.labels}


def load_lingua() -> tuple[Detect, set[str]]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def detect(text: str) -> tuple[str | None, float]:
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None, 0.0
        return norm(values[0].language.iso_code_639_1.name), values[0].value

    from lingua import Language

    return detect, {norm(lang.iso_code_639_1.name) for lang in Language.all()}


def load_component() -> tuple[Detect, set[str]]:
    """streams' ``language`` component as the pipeline runs it (noise spans first; None = undetermined)."""
    spans, component = TextSpans(), LanguageDetector()

    def detect(text: str) -> tuple[str | None, float]:
        ctx = Context(article=Article(id="b", body_text=text), text=text)
        spans(ctx)
        component(ctx)
        # the component's answer is final: a language it gives skips the English-only components
        return ctx.language, 1.0 if ctx.language else float(ctx.provenance["language_detection"].get("confidence", 0))

    return detect, set()


# -- data -----------------------------------------------------------------------------------------
def english_sets(shared: Path, reuters: int) -> tuple[list[str], list[str]]:
    rows = [json.loads(x) for x in (shared / "corpus" / "news_sample.jsonl").open(encoding="utf-8") if x.strip()]
    with (shared / "corpus" / "reuters21578.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("text", "").strip():
                rows.append(row)
            if len(rows) >= 95 + reuters:
                break
    articles = [((r.get("title") or "") + "\n" + r["text"][:1500]).strip() for r in rows]
    short = [r["title"] for r in rows if r.get("title")]
    for r in rows:
        first = re.split(r"(?<=[.!?])\s+", " ".join(r["text"].split()), maxsplit=1)[0]
        if 3 <= len(first.split()) <= 30:
            short.append(first)
    return articles, short + SHORT_EN


def foreign_sets(languages: set[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    import spacy

    lang_dir = Path(spacy.__file__).parent / "lang"
    short, articles = [], []
    for examples in sorted(lang_dir.glob("*/examples.py")):
        code = norm(examples.parent.name)
        if code not in languages or code == "en":
            continue
        sentences = [s for s in importlib.import_module(f"spacy.lang.{examples.parent.name}.examples").sentences
                     if isinstance(s, str) and len(s.split()) >= 3]
        short += [(code, s) for s in sentences]
        if len(sentences) >= 4:
            articles.append((code, " ".join(sentences)))
    short += [(c, s) for c, s in SHORT_FOREIGN if c in languages]
    return short, articles


# -- measuring ------------------------------------------------------------------------------------
def run(detect: Detect, items: list[tuple[str, str]]) -> tuple[float, float, float, float]:
    """(accuracy, share confidently foreign when English, share undetermined, ms per item)."""
    times, guesses = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        guesses = [detect(text) for _, text in items]
        times.append((time.perf_counter() - t0) / len(items) * 1000)
    right = sum(g == label for (label, _), (g, _) in zip(items, guesses))
    english = [(g, p) for (label, _), (g, p) in zip(items, guesses) if label == "en"]
    skipped = sum(g not in (None, "en") and p >= CONFIDENT for g, p in english)
    undetermined = sum(g is None for g, _ in guesses)
    return right / len(items), skipped / len(english) if english else 0.0, undetermined / len(items), \
        statistics.median(times)


def sweep(sets: dict[str, list[tuple[str, str]]]) -> None:
    """The component's threshold: English items a py3langid guess would skip, foreign items it gets right."""
    english = [t for k in ("articles-en", "short-en") for _, t in sets[k]]
    foreign = [x for k in ("short-foreign", "articles-foreign") for x in sets[k]]
    found_en = [identify(t, min_confidence=0.0) for t in english]
    found_fo = [(label, identify(t, min_confidence=0.0)) for label, t in foreign]
    print("\ncomponent threshold (min_confidence): English skipped / foreign right / foreign confidently wrong")
    for th in (0.5, 0.6, 0.7, 0.8, 0.9):
        skip = sum(f.get("guess") not in (None, "en") and f["confidence"] >= th for f in found_en)
        right = sum(f.get("guess") == label and f["confidence"] >= th for label, f in found_fo)
        wrong = sum(f.get("guess") not in (None, "en", label) and f["confidence"] >= th for label, f in found_fo)
        print(f"  {th:.1f}: {skip}/{len(english)}  {right}/{len(foreign)}  {wrong}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--reuters", type=int, default=400, help="Reuters articles besides the news sample")
    parser.add_argument("--no-lingua", action="store_true", help="skip lingua (96 MB of models, ~1 GB of RAM)")
    args = parser.parse_args()

    loaders = {"langdetect": load_langdetect, "py3langid": load_py3langid}
    if not args.no_lingua:
        loaders["lingua"] = load_lingua
    detectors, loads = {}, {}
    for name, load in loaders.items():
        t0 = time.perf_counter()
        detectors[name] = load()
        loads[name] = time.perf_counter() - t0
    common = set.intersection(*(langs for _, langs in detectors.values()))
    t0 = time.perf_counter()
    detectors["component"] = load_component()
    loads["component"] = time.perf_counter() - t0

    en_articles, en_short = english_sets(args.shared, args.reuters)
    fo_short, fo_articles = foreign_sets(common)
    sets = {"articles-en": [("en", t) for t in en_articles], "short-en": [("en", t) for t in en_short],
            "short-foreign": fo_short, "articles-foreign": fo_articles}
    print(f"{len(common)} languages known to every library; items: "
          + ", ".join(f"{k} {len(v)}" for k, v in sets.items()))
    print(f"a guess counts as confident at p >= {CONFIDENT}\n")
    print(f"{'detector':<11} {'load s':>6}  " + "  ".join(f"{k:>30}" for k in sets))
    print(f"{'':<11} {'':>6}  " + "  ".join(f"{'acc  en-skip  undet    ms':>30}" for _ in sets))
    for name, (detect, _) in detectors.items():
        cells = []
        for items in sets.values():
            acc, skip, undet, ms = run(detect, items)
            cells.append(f"{acc:6.1%} {skip:7.1%} {undet:6.1%} {ms:7.3f}")
        print(f"{name:<11} {loads[name]:6.2f}  " + "  ".join(f"{c:>30}" for c in cells))
    sweep(sets)
    try:
        import resource

        print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
