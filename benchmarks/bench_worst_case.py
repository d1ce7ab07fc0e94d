"""Worst-case enrichment time: the slowest articles of each component, on the corpus and on adversarial texts.

    .venv/bin/python benchmarks/bench_worst_case.py [-n N] [--top 5] [--budget 1.0] [--no-corpus] [--sizes 100000]

Runs every default component (those that exist in this checkout, or ``--components``) article by
article, as a worker does, over (1) every article of ``../shared/corpus/*.jsonl`` (read in place;
``-n`` keeps the first N of each file) and (2) adversarial texts made here: results lists and
scoreboards (golf with countries in brackets and names broken across line ends, standings, soccer
tables, closing prices), lists of names, a one-paragraph article of 100 KB, repeated punctuation, one word of
punctuation, long runs of capitals, long title-case runs, a word without spaces, unbalanced quote
marks, quotations in doubled apostrophes. Each shape is made at about 800 characters, 10 KB and 100 KB.

Times are CPU seconds of this process (``time.process_time``), so that other load on a shared machine
does not count. Prints, per component and for the whole enrichment of an article (``total``: every
component), the slowest articles (seconds, length, id) and, at the end, every article that took more
than ``--budget`` seconds (default 1.0) in one component or in all of them. Exits 1 when one did.
An article that runs past ``--timeout`` CPU seconds in one component is stopped there and reported
(its later components do not run). The load average is printed before and after: CPU seconds still
grow on a machine loaded past its cores (shared caches, frequency), so say it with any figure.
As in a worker (``streams/worker/runner.py``), the objects of the loaded pipeline are frozen out of
the garbage collector's scans before the timed articles (``--no-gc-freeze``: not; a 100 KB article
then pays 0.1-0.3 s more for collections that walk the model's ~170,000 objects).
"""

from __future__ import annotations

import argparse
import gc
import heapq
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.core.model import Article  # noqa: E402
from streams.enrich.pipeline import Context, Pipeline  # noqa: E402

from bench_enrich import available_default  # noqa: E402  (benchmarks/ is on sys.path: run as a script)

CORPUS_DIR = ROOT.parent / "shared" / "corpus"
SIZES = (800, 10_000, 100_000)
#: the row of the whole enrichment of an article: every component's seconds added up
TOTAL = "total"

_PLAYERS = ["Greg Norman (Australia)", "Nick Price (Zimbabwe)", "Ernie Els (South Africa)", "Mark O'Meara",
            "Jose Maria Olazabal (Spain)", "Colin Montgomerie (Scotland)", "Costantino Rocca (Italy)",
            "Ian Woosnam (Wales)", "Masashi Ozaki (Japan)", "Frank Nobilo (New Zealand)", "Vijay Singh (Fiji)",
            "Sven Struver (Germany)", "Jesper Parnevik (Sweden)", "Retief Goosen (South Africa)", "Tom Lehman",
            "Miguel Angel Jimenez (Spain)", "Peter O'Malley (Australia)", "Eduardo Romero (Argentina)"]
_TEAMS = ["NEW YORK", "BALTIMORE", "BOSTON", "TORONTO", "DETROIT", "CLEVELAND", "CHICAGO", "MINNESOTA",
          "Manchester United", "Aston Villa", "Blackburn", "Nottingham Forest", "Sheffield Wednesday"]
_SENTENCE = ("The finance minister of Ruritania, Anna Example, told reporters in Springfield on Tuesday that "
             "Acme Mining Corp would sell its stake in Northern Brewing Ltd to the European Investment Bank, "
             "a deal valued at 1.2 billion dollars, after talks with the United Nations and the World Bank. ")


def _repeat(unit: str, size: int) -> str:
    """``unit`` repeated to ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def _golf_line(i: int) -> str:
    names = [_PLAYERS[(i * 3 + k) % len(_PLAYERS)] for k in range(4)]
    rounds = " ".join(str(65 + (i * 7 + r) % 9) for r in range(4))
    return f"{270 + i} " + ", ".join(f"{n} {rounds}" for n in names) + " (Norman won at first play-off hole)"


def golf_results(size: int) -> str:
    """A golf leaderboard: totals, players with their country in brackets, four round scores, four players
    a line and a remark after them; every third line is wrapped inside a name."""
    body = ("GOLF - LEADING SCORES AT EUROPEAN OPEN.\nDUBLIN 1996-08-22\nLeading scores after the final round "
            "of the European Open (British unless stated):\n")
    i = 0
    while len(body) < size:
        line = _golf_line(i)
        if i % 3 == 1:
            space = line.index(" ", line.index(", ") + 2)  # inside the second player's name
            line = line[:space] + "\n" + line[space + 1:]
        body += line + "\n"
        i += 1
    return body[:size]


def scoreboard(size: int) -> str:
    """Baseball standings and soccer tables: team names between columns of figures."""
    head = "BASEBALL - MAJOR LEAGUE STANDINGS.\nNEW YORK 1996-08-30\nStandings after Thursday's games:\nW L PCT GB\n"
    rows = "".join(f"{_TEAMS[i % len(_TEAMS)]} {60 + i % 20} {50 + i % 17} .{500 + i % 99} {i % 12}.5\n"
                   for i in range(size // 25))
    return (head + rows)[:size]


def soccer_table(size: int) -> str:
    head = "SOCCER - ENGLISH LEAGUE STANDINGS.\nLONDON 1996-08-31\n"
    rows = "".join(f"{_TEAMS[8 + i % 5]} {i % 9} {i % 5} {i % 3} {i % 4} {i % 11} {i % 7} {i % 20}\n"
                   for i in range(size // 30))
    return (head + rows)[:size]


_SHARES = ["ABBEY NATL", "ALLIED DOMECQ", "BARCLAYS", "BASS", "BOOTS", "BP", "BT", "CADBURY", "GLAXO", "HSBC",
           "LLOYDS TSB", "MARKS & SPENCER"]


def price_table(size: int) -> str:
    """Closing prices: a share, its price, change and volume a line; the numbers hardly repeat (each is a
    new word to the tokenizer and the vocabulary)."""
    rows = "".join(f"{_SHARES[i % 12]} {(i * 7919) % 99_900 / 100 + 1:.2f} {(i * 104_729) % 1_800 / 100 - 9:+.2f} "
                   f"{(i * 15_485_863) % 9_999_000 + 1000:,}\n" for i in range(size // 25))
    return ("LONDON STOCK EXCHANGE CLOSING PRICES.\nLONDON 1996-08-30\n" + rows)[:size]


def name_list(size: int) -> str:
    first = ["Anna", "Boris", "Carl", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jan"]
    last = ["Smith", "Petrov", "Olsen", "Ivanova", "Haddad", "Kim", "Tanaka", "Silva", "Novak", "Berg"]
    names = "".join(f"{first[i % 10]} {last[(i * 7) % 10]}, " for i in range(size // 12))
    return ("Those present included " + names)[:size - 1] + "."


def one_paragraph(size: int) -> str:
    return _repeat(_SENTENCE, size)


def punctuation(size: int) -> str:
    return _repeat("Wait!!!!!!!!!!?????....------,,,,,;;;;\"\"\"\"''''((((()))))**** ", size)


def punctuation_run(size: int) -> str:
    """One "word" of exclamation marks (spaCy's tokenizer was quadratic in such a word: 11 s for 10,000)."""
    return "Wait" + "!" * (size - 4)


def capitals(size: int) -> str:
    return _repeat("THE MINISTER OF FINANCE AND THE CENTRAL BANK OF RURITANIA SAID ", size)


def capital_letters(size: int) -> str:
    return _repeat("A B C D E F G H I J K L M N O P Q R S T U V W X Y Z ", size)


def title_case_run(size: int) -> str:
    return "He met " + _repeat("Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa ", size)


def long_word(size: int) -> str:
    return "Start " + "Ab" * (size // 2)


def quote_marks(size: int) -> str:
    return _repeat('"Yes," he said, "no \u201cmaybe\u201d\u2019 \u201c" she said \u2018and ', size)


def doubled_quotations(size: int) -> str:
    """Quotations in doubled apostrophes (the New York Times' convention) with their attribution before and after,
    in one paragraph: every sentence is a report to the quotes component."""
    return _repeat("''We will win,'' Ms. Lane said: ''The vote is ours. ", size)


def doubled_reports(size: int) -> str:
    """One attribution opening a doubled-apostrophe quotation, repeated: reports that never close."""
    return _repeat("Mr. Lee said: ''It is done. ", size)


ADVERSARIAL = {
    "golf-results": golf_results, "scoreboard": scoreboard, "soccer-table": soccer_table, "price-table": price_table,
    "name-list": name_list,
    "one-paragraph": one_paragraph, "punctuation": punctuation, "punctuation-run": punctuation_run,
    "capitals": capitals,
    "capital-letters": capital_letters, "title-case-run": title_case_run, "long-word": long_word,
    "quote-marks": quote_marks, "doubled-quotations": doubled_quotations, "doubled-reports": doubled_reports,
}


def adversarial_articles(sizes: tuple[int, ...] = SIZES) -> Iterator[Article]:
    """Every adversarial shape at every size."""
    for name, make in ADVERSARIAL.items():
        for size in sizes:
            yield Article(id=f"adversarial:{name}:{size}", body_text=make(size))


def corpus_articles(n: int | None) -> Iterator[Article]:
    """Articles of every ``*.jsonl`` file of the shared corpus that has a ``text`` (first ``n`` of each)."""
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        count = 0
        with path.open(encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if not isinstance(rec.get("text"), str) or not rec["text"].strip():
                    continue
                yield Article(id=str(rec.get("id", f"{path.stem}:{count}")), body_text=rec["text"],
                              headline=rec.get("title") or None)
                count += 1
                if n is not None and count >= n:
                    break


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Timeout


def _sizes(value: str) -> tuple[int, ...]:
    """``--sizes``: comma-separated lengths in characters."""
    try:
        sizes = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes lengths in characters such as 800,10000, not {value!r}")
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes needs positive lengths, not {value!r}")
    return sizes


def time_article(pipeline: Pipeline, article: Article, timeout: float) -> dict[str, float]:
    """CPU seconds each component took on ``article`` (a component stopped at ``timeout`` counts as ``inf``)."""
    ctx = Context(article=article, text=article.body_text, title=article.headline, language=article.language)
    out: dict[str, float] = {}
    for comp in pipeline.components:
        if comp.english_only and ctx.language not in (None, "en"):
            continue
        started = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, timeout)  # CPU time, as measured: a loaded machine stops nothing early
        try:
            comp(ctx)
        except _Timeout:
            out[comp.name] = float("inf")
            break
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        out[comp.name] = time.process_time() - started
    out[TOTAL] = sum(out.values())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, help="articles of each corpus file (default: all)")
    ap.add_argument("--top", type=int, default=5, help="slowest articles printed per component (default 5)")
    ap.add_argument("--budget", type=float, default=1.0,
                    help="CPU seconds an article may take in one component, and in all (default 1.0)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="stop a component after this many CPU seconds (default 60)")
    ap.add_argument("--components", help="comma-separated components (default: the default pipeline, those that exist)")
    ap.add_argument("--no-corpus", action="store_true", help="adversarial texts only")
    ap.add_argument("--sizes", type=_sizes, default=SIZES,
                    help=f"lengths of the adversarial texts, in characters (default {','.join(map(str, SIZES))})")
    ap.add_argument("--no-gc-freeze", action="store_true",
                    help="leave the pipeline's objects in the garbage collector's scans (a worker freezes them)")
    args = ap.parse_args()
    names = args.components.split(",") if args.components else available_default()
    pipeline = Pipeline.from_names(names)
    signal.signal(signal.SIGPROF, _alarm)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for warm in adversarial_articles((800,)):
        time_article(pipeline, warm, args.timeout)
    if not args.no_gc_freeze:
        gc.freeze()  # as the worker does once its pipeline is loaded

    slowest: dict[str, list[tuple[float, int, str]]] = {c.name: [] for c in pipeline.components}
    slowest[TOTAL] = []
    over: list[tuple[str, str, int, float]] = []
    adversarial = adversarial_articles(args.sizes)
    articles = adversarial if args.no_corpus else _chain(adversarial, corpus_articles(args.n))
    count = 0
    started = time.perf_counter()
    for article in articles:
        count += 1
        for name, seconds in time_article(pipeline, article, args.timeout).items():
            entry = (seconds, len(article.body_text), article.id)
            heap = slowest[name]
            heapq.heappush(heap, entry) if len(heap) < args.top else heapq.heappushpop(heap, entry)
            if seconds > args.budget:
                over.append((name, article.id, len(article.body_text), seconds))
    print(f"{count} articles in {time.perf_counter() - started:.0f} s; components: {', '.join(pipeline.names)}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, heap in slowest.items():
        print(f"== {name}: slowest {len(heap)}")
        for seconds, length, aid in sorted(heap, reverse=True):
            print(f"  {_fmt(seconds)}  {length:>7} chars  {aid}")
    if over:
        print(f"OVER BUDGET ({args.budget:.1f} s in one component or in total): {len(over)}")
        for name, aid, length, seconds in over:
            print(f"  {name}: {_fmt(seconds)}  {length} chars  {aid}")
        return 1
    print(f"no article over {args.budget:.1f} s in any component, nor in total")
    return 0


def _fmt(seconds: float) -> str:
    return f">{'timeout':>8}" if seconds == float("inf") else f"{seconds:8.3f} s"


def _chain(*its: Iterator[Article]) -> Iterator[Article]:
    for it in its:
        yield from it


if __name__ == "__main__":
    sys.exit(main())
