"""Enriched articles for store tests and benchmarks, built at run time from real text in ../shared.

The enrichment stage is built by others, so these are made here: the canonical sample article
gets its hand annotation (entities with every mention, quotes with speakers, IPTC topics) turned
into the output contract of ``shared/eval/README.md``; corpus articles get entities and quotes found
by simple, deterministic patterns over their real text (title-case names, quoted passages with a
"said"-type cue) and topics from their source labels. Nothing from ../shared is copied into the repo.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from streams.core.model import Article, EnrichedArticle

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SAMPLE_ID = "wire-menafn-ukrinform-2026-01-13"
SAMPLE_TEXT = SHARED / "samples" / f"{SAMPLE_ID}.txt"
SAMPLE_GOLD = SHARED / "samples" / f"{SAMPLE_ID}.gold.json"
NEWS_SAMPLE = SHARED / "corpus" / "news_sample.jsonl"
REUTERS = SHARED / "corpus" / "reuters21578.jsonl"

ECONOMY = {"code": "medtop:04000000", "label": "economy, business and finance"}
POLITICS = {"code": "medtop:11000000", "label": "politics"}
CONFLICT = {"code": "medtop:16000000", "label": "conflict, war and peace"}

_NAME = re.compile(r"\b(?:[A-Z][a-z]+|[A-Z]\.)(?:[ \t]+(?:[A-Z][a-z]+|[A-Z]\.|of|de|van|von)){0,3}[ \t]+[A-Z][a-z]+\b")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_QUOTE = re.compile(r"[\"“]([^\"“”\n]{20,600}?)[\"”]")
_CUE = re.compile(r"\b(said|says|told|added|noted|stressed|warned|emphasized|according to)\b")
_ORG_WORDS = {"Corp", "Inc", "Ltd", "Co", "Bank", "Group", "Association", "Council", "Commission", "Board",
              "Ministry", "Department", "Party", "Union", "Exchange", "Fund", "Agency", "Committee"}
_PLACE_WORDS = {"United States", "New York", "West Germany", "Hong Kong", "Buenos Aires", "Saudi Arabia",
                "South Africa", "Soviet Union", "European Community", "Washington"}


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    for fmt in ("%d-%b-%Y %H:%M:%S.%f", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%SZ", "%a, %d %b %Y %H:%M:%S %z"):
        try:
            parsed = datetime.strptime(raw.strip(), fmt)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def _mentions(text: str, surface: str) -> list[dict[str, Any]]:
    return [
        {"start": m.start(), "end": m.end(), "text": m.group(0)}
        for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", text)
    ]


def sample_article(*, version: int = 1, versioncreated: str = "2026-01-13T10:00:00Z") -> EnrichedArticle:
    """The canonical wire article with its hand annotation as enrichment output."""
    text = SAMPLE_TEXT.read_text(encoding="utf-8")
    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))
    entities = []
    for kind, names in gold["entities_expected"].items():
        for name in names:
            mentions = _mentions(text, name)
            for alias in gold["aliases"].get(name, []):
                if alias[:1].isupper() and alias not in ("She", "The EU's top diplomat") and alias != name:
                    mentions += _mentions(text, alias)
            mentions.sort(key=lambda m: m["start"])
            if mentions:
                entities.append({"name": name, "type": kind, "mentions": mentions})
    quotes = []
    for q in gold["quotes"]:
        quote: dict[str, Any] = {"kind": q["kind"], "start": q["start"], "end": q["end"],
                                 "segments": q.get("segments") or [[q["start"], q["end"]]],
                                 "speaker": q.get("speaker"), "speaker_mention": q.get("speaker_mention")}
        if isinstance(q.get("cue"), dict):
            quote["cue"] = q["cue"]
        quotes.append(quote)
    topics = [{**POLITICS, "score": 0.82}, {**CONFLICT, "score": 0.91}]
    article = Article(
        id=SAMPLE_ID, body_text=text, headline="Kallas: security guarantees for Ukraine must be tangible",
        language="en", versioncreated=versioncreated, provider="MENAFN", source="Ukrinform", version=version,
        received_at=_iso(datetime.now(timezone.utc)),
    )
    return EnrichedArticle(article=article, language="en", entities=entities, quotes=quotes, topics=topics,
                           keywords=["security guarantees", "Coalition of the Willing"],
                           dedupe={"signature": "sample", "cluster_id": "cluster-sample", "duplicate_of": None})


def pattern_enrich(article: Article, *, places: set[str] = frozenset(), extra_topics: list[dict[str, Any]] = ()
                   ) -> EnrichedArticle:
    """Entities, quotes and topics found by simple patterns over the real text."""
    text = article.body_text
    found: dict[str, list[dict[str, Any]]] = {}
    for m in itertools.chain(_NAME.finditer(text), _ACRONYM.finditer(text)):
        found.setdefault(m.group(0), []).append({"start": m.start(), "end": m.end(), "text": m.group(0)})
    entities = []
    for name, mentions in found.items():
        last = name.split()[-1]
        if name.isupper() or last in _ORG_WORDS:
            kind = "ORG"
        elif name in _PLACE_WORDS or name.lower() in places:
            kind = "GPE"
        else:
            kind = "PERSON"
        entities.append({"name": name, "type": kind, "mentions": mentions})
    people = [e for e in entities if e["type"] == "PERSON"]
    quotes = []
    for m in _QUOTE.finditer(text):
        after = text[m.end(): m.end() + 120]
        if not _CUE.search(after):
            continue
        speaker = next((p for p in people for mm in p["mentions"] if m.end() <= mm["start"] < m.end() + 120), None)
        mention = next((mm for mm in speaker["mentions"] if mm["start"] >= m.end()), None) if speaker else None
        quotes.append({"kind": "direct", "start": m.start(1), "end": m.end(1), "segments": [[m.start(1), m.end(1)]],
                       "speaker": speaker["name"] if speaker else None, "speaker_mention": mention})
    topics = [{**ECONOMY, "score": 0.7}, *extra_topics]
    return EnrichedArticle(article=article, language="en", entities=entities, quotes=quotes, topics=topics)


def news_sample_articles() -> Iterator[EnrichedArticle]:
    """The 95 mixed full-text articles of news_sample.jsonl, with their near-duplicate groups as clusters."""
    with NEWS_SAMPLE.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            row = json.loads(line)
            when = _parse_date(row.get("date")) or datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(hours=i)
            article = Article(id=row["id"], body_text=row["text"], headline=row.get("title"), language="en",
                              versioncreated=_iso(when), source=row.get("publisher"),
                              provider=row.get("source_dataset"), uri=row.get("url"),
                              received_at=_iso(datetime.now(timezone.utc)))
            ea = pattern_enrich(article)
            if row.get("dup_group"):
                ea.dedupe = {"cluster_id": row["dup_group"], "duplicate_of": None}
            yield ea


def reuters_articles(limit: int, *, start: int = 0) -> Iterator[EnrichedArticle]:
    """Reuters-21578 stories (non-empty bodies) as enriched articles."""
    with REUTERS.open(encoding="utf-8") as fh:
        n = 0
        for line in itertools.islice(fh, start, None):
            row = json.loads(line)
            if not row.get("text", "").strip():
                continue
            when = _parse_date(row.get("date")) or datetime(1987, 3, 1, tzinfo=timezone.utc)
            article = Article(id=row["id"], body_text=row["text"], headline=row.get("title") or None,
                              language="en", versioncreated=_iso(when), source="Reuters", provider="Reuters",
                              located=(row.get("dateline") or "").split(",")[0] or None,
                              received_at=_iso(datetime.now(timezone.utc)))
            yield pattern_enrich(article, places=set(row.get("places") or []))
            n += 1
            if n >= limit:
                return


def corpus(n: int) -> list[EnrichedArticle]:
    """``n`` enriched articles: the sample, the news sample, then Reuters as needed."""
    out = [sample_article(), *itertools.islice(news_sample_articles(), max(0, n - 1))]
    seen = {ea.id for ea in out}
    if len(out) < n:
        out += [ea for ea in reuters_articles(n - len(out) + 50) if ea.id not in seen][: n - len(out)]
    return out[:n]
