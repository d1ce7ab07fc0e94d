"""Articles for the console tests: the sample with the real textspans' noise spans, and a hostile one."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from streams.core.model import Article, EnrichedArticle
from streams.enrich.pipeline import Pipeline
from tests.store.articles import SAMPLE_GOLD, sample_article

HOSTILE_ID = "hostile-<script>-1"
#: every payload sets window.__pwned: a browser test asserts it stays undefined
HOSTILE_HEADLINE = '<script>window.__pwned="headline"</script><img src=x onerror="window.__pwned=\'img\'"> Markets'
HOSTILE_SPEAKER = '"><script>window.__pwned="speaker"</script><b onmouseover="window.__pwned=1">Mallory</b>'
HOSTILE_BODY = (
    'BERLIN <script>window.__pwned="body"</script> The minister spoke.\n\n'
    '"Click <a href="javascript:window.__pwned=\'link\'">here</a> and <img src=x onerror="window.__pwned=\'onerror\'">'
    ' now," said Mallory.\n\n'
    'Attribute injection: " onfocus="window.__pwned=\'attr\'" autofocus x=" and </textarea></mark></a><svg onload='
    '"window.__pwned=\'svg\'">.\n'
)


def sample_with_noise() -> EnrichedArticle:
    """The canonical sample with its hand annotation, and the noise spans the real textspans finds."""
    ea = sample_article()
    ea.spans = Pipeline.from_names(["textspans"]).run(ea.article).spans
    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))
    text = ea.article.body_text
    for quote, annotated in zip(ea.quotes, gold["quotes"]):
        cue, mention = annotated.get("cue"), annotated.get("speaker_mention")
        if isinstance(cue, str) and mention:  # the gold names the verb: its occurrence nearest the speaker
            found = [m.start() for m in re.finditer(rf"\b{re.escape(cue)}\b", text)]
            if found:
                at = min(found, key=lambda i: abs(i - mention["start"]))
                quote["cue"] = {"start": at, "end": at + len(cue), "text": cue}
    return ea


def hostile_article() -> EnrichedArticle:
    """Script tags, ``javascript:`` links and event-handler attributes in every field a page shows."""
    body = HOSTILE_BODY
    q_start = body.index('"Click') + 1
    q_end = body.index(' now,"') + len(" now,")
    speaker_at = body.index("Mallory")
    script_at = body.index("<script>")
    article = Article(
        id=HOSTILE_ID, body_text=body, headline=HOSTILE_HEADLINE, language="en",
        versioncreated="2026-01-14T09:00:00Z", provider='<img src=x onerror="window.__pwned=\'provider\'">',
        source='<script>window.__pwned="source"</script>Evil Wire', uri="javascript:window.__pwned='uri'",
        received_at=datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
    entities = [
        {"name": HOSTILE_SPEAKER, "type": "PERSON",
         "mentions": [{"start": speaker_at, "end": speaker_at + 7, "text": "Mallory"}]},
        {"name": '<svg onload="window.__pwned=\'entity\'">', "type": '"><script>window.__pwned=1</script>',
         "mentions": [{"start": script_at, "end": script_at + 8, "text": "<script>"}]},
    ]
    quotes = [{"kind": "direct", "start": q_start, "end": q_end, "segments": [[q_start, q_end]],
               "speaker": HOSTILE_SPEAKER, "speaker_mention": {"start": speaker_at, "end": speaker_at + 7,
                                                                "text": "Mallory"},
               "cue": {"start": speaker_at - 5, "end": speaker_at - 1, "text": "said"}}]
    topics = [{"code": "medtop:04000000", "label": '<script>window.__pwned="topic"</script>', "score": 0.9}]
    spans = [{"kind": "<img src=x onerror=window.__pwned=1>", "start": 0, "end": 6},
             {"kind": "header", "start": -5, "end": 10_000}]  # out of range: skipped, not a crash
    return EnrichedArticle(article=article, language="en", entities=entities, quotes=quotes, topics=topics,
                           spans=spans, dedupe={"cluster_id": '"><script>window.__pwned="cluster"</script>',
                                                "duplicate_of": None})
