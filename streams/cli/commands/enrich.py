"""``streams enrich FILE|-``: run the enrichment pipeline over files, without Kafka.

Input is JSON Lines (one article per line: ``{"id", "text", "title"?}``, a full Article JSON with
``body_text``, or a ninjs 1.x-3.x document) or a single plain wire text file (the id is the file name
without extension), read exactly as ``streams ingest`` reads them.
Output is one enriched JSON object per line (``EnrichedArticle.to_dict()``: ``id``, ``entities``,
``quotes``, ``topics`` at top level, the contract of ``shared/eval/README.md``). An article that
fails becomes an error record on stderr (with its ``file:line``) and is counted; the run goes on, and
exits 1 when any article failed, naming where (a script must not take a partial run for a whole one).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import sys
from pathlib import Path
from typing import IO, Any, Iterator

import orjson

from streams.core.errors import (
    ConfigError,
    DecodeError,
    PipelineConfigError,
    StreamsError,
    ValidationError,
)
from streams.core.model import Article
from streams.core.ninjs import to_ninjs
from streams.core.settings import Settings
from streams.enrich.pipeline import DEFAULT_PIPELINE, REGISTRY, Pipeline
from streams.ingest.formats import article_from_record, article_from_text, decode_text

#: input lines above which a progress bar is shown (on a terminal)
PROGRESS_MIN_LINES = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "enrich",
        help="enrich articles from a JSON Lines or plain text file (no Kafka); writes enriched JSON Lines",
        description="Run the enrichment pipeline over FILE (JSON Lines of {id, text, title?} or Article JSON, "
        "or one plain wire text file) and write one enriched JSON object per line.",
    )
    p.add_argument("file", metavar="FILE|-", help="input file, or - for standard input")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    p.add_argument(
        "--components",
        metavar="A,B,C",
        help=f"comma-separated components (default: STREAMS_PIPELINE or {','.join(DEFAULT_PIPELINE)}); "
        f"valid: {', '.join(sorted(REGISTRY))}",
    )
    p.add_argument("--format", choices=("auto", "jsonl", "text"), default="auto",
                   help="input format (auto: JSON Lines if the first non-blank character is '{')")
    p.add_argument("--output-format", choices=("contract", "ninjs"), default="contract",
                   help="contract: the enriched JSON of shared/eval/README.md (default); ninjs: IPTC ninjs 2.2 "
                   "documents with the 'streams' extension (schema: streams/core/data/ninjs/streams-ninjs-2.2.json)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    names = args.components or settings.pipeline or ",".join(DEFAULT_PIPELINE)
    try:
        pipeline = Pipeline.from_names(names)
    except ModuleNotFoundError as exc:
        raise PipelineConfigError(
            f"a component of the pipeline {names!r} is not available ({exc.name} is not installed or not built "
            f"yet); choose others with --components, valid names: {', '.join(sorted(REGISTRY))}"
        ) from exc
    # as the worker's child does: the model's ~170,000 objects out of the collector's scans (gen-2
    # collections walking them cost 0.1-0.3 s of a 100 KB article; benchmarks/bench_worst_case.py)
    gc.freeze()
    raw, origin = _read_input(args.file)
    if not raw.strip():
        raise ConfigError(f"{origin} is empty: nothing to enrich (give JSON Lines or a wire text)")
    records = list(_records(raw, origin, args.format))
    out: IO[bytes] = open(args.output, "wb") if args.output else sys.stdout.buffer
    failed: list[str] = []
    try:
        with _progress(len(records), enabled=not args.no_progress) as advance:
            for start in range(0, len(records), BATCH):
                failed += _enrich_batch(pipeline, records[start:start + BATCH], origin, out, advance,
                                        ninjs=args.output_format == "ninjs")
    finally:
        if args.output:
            out.close()
        else:
            out.flush()
    done = len(records) - len(failed)
    print(f"streams enrich: {done} enriched, {len(failed)} failed ({', '.join(pipeline.names)})", file=sys.stderr)
    if failed:
        shown = ", ".join(failed[:MAX_LISTED]) + (f" and {len(failed) - MAX_LISTED} more" if len(failed) > MAX_LISTED
                                                   else "")
        print(f"streams enrich: failed at {shown} (one JSON error record each above)", file=sys.stderr)
    return 1 if failed else 0


#: failed places listed in the closing line; every one has its error record anyway
MAX_LISTED = 10


#: articles per engine call, as the stream workers batch them (spaCy batches its model work)
BATCH = 8


def _enrich_batch(pipeline: Pipeline, batch: list[tuple[int, Any]], origin: str, out: IO[bytes],
                  advance: Any, *, ninjs: bool = False) -> list[str]:
    """Enrich one batch, writing results in input order; returns the ``file:line`` of each failure."""
    failed: list[str] = []
    articles: list[tuple[int, Any, Article]] = []
    for lineno, item in batch:
        try:
            articles.append((lineno, item, item if isinstance(item, Article) else _to_article(item)))
        except StreamsError as exc:
            failed.append(f"{origin}:{lineno}")
            _error_record(origin, lineno, item, exc)
            advance()
    outcomes = pipeline.run_many([article for _, _, article in articles])
    for (lineno, item, _), outcome in zip(articles, outcomes):
        if isinstance(outcome, StreamsError):
            failed.append(f"{origin}:{lineno}")
            _error_record(origin, lineno, item, outcome)
        else:
            out.write((orjson.dumps(to_ninjs(outcome)) if ninjs else outcome.to_json()) + b"\n")
        advance()
    return failed


def _read_input(path: str) -> tuple[str, str]:
    """The input's text and its name; UTF-8, else Windows-1252 with a note on stderr; binary is refused."""
    if path == "-":
        raw, origin = sys.stdin.buffer.read(), "<stdin>"
    else:
        if not Path(path).is_file():
            raise ConfigError(f"input file {path} does not exist")
        raw, origin = Path(path).read_bytes(), path
    try:
        text, encoding = decode_text(raw, origin)
    except DecodeError as exc:
        raise ConfigError(str(exc)) from exc
    if encoding:
        print(f"streams enrich: {origin} is not UTF-8; read as {encoding} (Windows-1252/Latin-1)", file=sys.stderr)
    return text, origin


def _records(raw: str, origin: str, fmt: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed dict or error) for JSON Lines; one Article for a plain text file."""
    if fmt == "text" or (fmt == "auto" and not raw.lstrip().startswith("{")):
        stem = Path(origin).stem if origin != "<stdin>" else "stdin"
        try:
            # read as `streams ingest` reads it (dateline, provider, source, date), keeping the file's name as id
            article = article_from_text(raw, namespace="text", max_bytes=len(raw.encode()) + 1, identifier=stem)
            yield 1, dataclasses.replace(article, id=stem)
        except ValidationError as exc:
            yield 1, ValidationError(f"{origin}: {exc}", reason=exc.reason)
        return
    for lineno, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield lineno, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield lineno, ValidationError(f"not valid JSON: {exc}", reason="malformed_json")


def _to_article(item: Any) -> Article:
    """An Article from an input record, read as `streams ingest` reads it (the corpus / eval form
    ``{"id", "text", "title"?}``, Article JSON, ninjs 1.x-3.x); the record's own ``id`` is kept as is."""
    if isinstance(item, StreamsError):
        raise item
    if not isinstance(item, dict):
        raise ValidationError(f"expected a JSON object, got {type(item).__name__}")
    if "text" in item and "id" not in item:
        raise ValidationError("a record needs 'id' and 'text' (or Article JSON with 'body_text', or ninjs)")
    article = article_from_record(item, namespace="json")
    given = item.get("id")
    if isinstance(given, (str, int)) and not isinstance(given, bool) and str(given).strip():
        article = dataclasses.replace(article, id=str(given))
    return article


def _error_record(origin: str, lineno: int, item: Any, exc: StreamsError) -> None:
    rec = {"error": type(exc).__name__, "reason": exc.reason, "message": f"{origin}:{lineno}: {exc}", "input": origin,
           "line": lineno,
           "id": item.get("id") if isinstance(item, dict) else getattr(item, "id", None)}
    sys.stderr.write(orjson.dumps(rec).decode() + "\n")


class _progress:
    """A rich progress bar on stderr when there are many records and stderr is a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and total >= PROGRESS_MIN_LINES and sys.stderr.isatty()
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TimeRemainingColumn,
        )

        self._bar = Progress("enriching", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                             console=Console(stderr=True))
        self._bar.__enter__()
        task = self._bar.add_task("enrich", total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
