"""Dedupe signature and stream index on real wire text (read from ../shared at test time)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.core.model import Article
from streams.enrich.components.dedupe import (
    BANDS,
    FINGERPRINT_BYTES,
    NUM_PERM,
    DedupeSignature,
    fingerprint,
    signature_of,
    sketch_similarity,
)
from streams.enrich.pipeline import Context, Pipeline
from streams.worker.story_index import StoryIndex

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.txt"
HEADER = "date 2026-01-13 MENAFN - UkrinForm)"

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")


@pytest.fixture(scope="module")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def corpus() -> dict[str, dict]:
    with (SHARED / "corpus" / "news_sample.jsonl").open(encoding="utf-8") as f:
        return {r["id"]: r for r in map(json.loads, f)}


def run_signature(text: str, spans: list[dict] | None = None) -> dict:
    art = Article(id="t", body_text=text)
    ctx = Context(article=art, text=text, spans=spans or [])
    DedupeSignature()(ctx)
    return ctx.dedupe


def test_component_contract_and_registry() -> None:
    pipe = Pipeline.from_names(["dedupe"])
    assert pipe.names == ["dedupe"]
    comp = pipe.components[0]
    assert comp.provides == ("dedupe",) and "text" in comp.requires


def test_signature_shape(sample_text: str) -> None:
    d = run_signature(sample_text)
    assert set(d) == {"exact", "bands", "sketch", "shingles"}
    assert len(d["bands"]) == BANDS and all(isinstance(v, int) and 0 <= v < 1 << 32 for v in d["bands"])
    assert len(bytes.fromhex(d["sketch"])) == NUM_PERM and max(bytes.fromhex(d["sketch"])) < 64
    assert len(fingerprint(d)) == FINGERPRINT_BYTES <= 200
    assert d == run_signature(sample_text)  # deterministic (no per-process hash seed)


def test_exact_hash_ignores_spacing_case_and_punctuation(sample_text: str) -> None:
    resent = sample_text.replace("\n\n", "\n").upper().replace("“", '"').replace("”", '"')
    assert run_signature(resent)["exact"] == run_signature(sample_text)["exact"]
    edited = sample_text.replace("Kallas noted", "Kallas added")
    assert run_signature(edited)["exact"] != run_signature(sample_text)["exact"]


def test_noise_spans_are_ignored(sample_text: str) -> None:
    start = sample_text.index(HEADER)
    spans = [{"start": start, "end": start + len(HEADER), "kind": "header"}]
    other_header = "KYIV, Jan 13 (Ukrinform via Example Wire) -"
    copy = other_header + sample_text[start + len(HEADER):]
    copy_spans = [{"start": 0, "end": len(other_header), "kind": "header"}]
    a = run_signature(sample_text, spans)
    b = run_signature(copy, copy_spans)
    assert a["exact"] == b["exact"]
    assert run_signature(copy)["exact"] != a["exact"]  # without the span the header counts


def test_syndicated_copy_and_light_rewrite_join_the_first(sample_text: str) -> None:
    index = StoryIndex()
    first = index.assign("ukrinform-1", signature_of(sample_text))
    assert first == {"cluster_id": "ukrinform-1", "duplicate_of": None, "is_duplicate": False, "similarity": None}
    syndicated = "By Staff Writer, Example Wire\n\n" + sample_text + "\n\n(c) 2026 Example Wire. All rights reserved."
    rewrite = (sample_text.replace("an Ukrinform correspondent reports", "a correspondent said")
               .replace("Kallas emphasized", "Kallas stressed")
               .replace("Every week", "Each week"))
    s = index.assign("syndicated-2", signature_of(syndicated))
    r = index.assign("rewrite-3", signature_of(rewrite))
    for res in (s, r):
        assert res["cluster_id"] == "ukrinform-1" and res["duplicate_of"] == "ukrinform-1" and res["is_duplicate"]
        assert res["similarity"] > 0.6


def test_resend_is_exact_duplicate_and_reprocessing_is_idempotent(sample_text: str) -> None:
    index = StoryIndex()
    sig = signature_of(sample_text)
    index.assign("a", sig)
    resend = index.assign("b", signature_of(sample_text.replace("  ", " ")))
    assert resend["duplicate_of"] == "a" and resend["similarity"] == 1.0
    held = index.articles
    again = index.assign("b", sig)  # a redelivery: the first answer, nothing added
    assert (again["cluster_id"], again["duplicate_of"]) == ("a", "a") and index.articles == held
    assert index.assign("a", sig)["is_duplicate"] is False and index.articles == held


def test_the_same_log_gives_the_same_answers_in_every_reader(corpus: dict[str, dict], sample_text: str) -> None:
    """Two workers follow one log: whatever order their own articles were enriched in, the log's order
    decides, and a worker that starts later replays it to the same answers."""
    records = [(i, float(n), fingerprint(signature_of(r["text"]))) for n, (i, r) in enumerate(corpus.items())]
    story = fingerprint(signature_of(sample_text))
    records[50:50] = [("copy-b", 50.0, story), ("copy-a", 50.0, story)]  # two copies, one moment
    records.append(("copy-a", 99_999.0, story))  # redelivered much later
    first, second = StoryIndex(), StoryIndex()
    answers = [first.apply(*r) for r in records]
    assert [second.apply(*r) for r in records] == answers
    by_id = {r[0]: a for r, a in zip(records, answers)}
    assert by_id["copy-b"].cluster_id == "copy-b" and by_id["copy-a"].duplicate_of == "copy-b"
    assert answers[-1] == (by_id["copy-b"].cluster_id, "copy-b", None)


def test_state_stays_under_200_bytes_an_article() -> None:
    index = StoryIndex()
    with (SHARED / "corpus" / "reuters21578.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(5000), f)]
    for n, row in enumerate(rows):
        index.apply(row["id"], float(n), fingerprint(signature_of(row["text"])))
    assert index.articles == len(rows) == 5000
    assert index.nbytes / index.articles < 200


def test_different_stories_stay_apart(corpus: dict[str, dict]) -> None:
    index = StoryIndex()
    ids = [i for i, r in corpus.items() if r.get("dup_group") is None][:40]
    results = [index.assign(i, signature_of(corpus[i]["text"])) for i in ids]
    assert not any(r["is_duplicate"] for r in results)
    assert len({r["cluster_id"] for r in results}) == len(ids)


def test_listed_near_duplicate_pairs_cluster_together(corpus: dict[str, dict]) -> None:
    with (SHARED / "corpus" / "near_dup_pairs.jsonl").open(encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f]
    index = StoryIndex()
    cluster = {i: index.assign(i, signature_of(r["text"]))["cluster_id"] for i, r in corpus.items()}
    together = sum(cluster[p["a"]] == cluster[p["b"]] for p in pairs)
    assert together >= 0.95 * len(pairs)


def test_sketch_similarity_tracks_overlap(sample_text: str) -> None:
    half = sample_text[: len(sample_text) // 2]
    full = signature_of(sample_text)["sketch"]
    assert sketch_similarity(full, full) == 1.0
    assert 0.2 < sketch_similarity(full, signature_of(half)["sketch"]) < 0.8


def test_symbol_only_bodies_never_cluster() -> None:
    index = StoryIndex()
    a = index.assign("x1", signature_of("******"))
    b = index.assign("x2", signature_of("******"))
    assert not b["is_duplicate"] and a["cluster_id"] != b["cluster_id"]
    assert index.assign("x1", signature_of("******")) == a  # a redelivery still gets its answer



def _other_stories(corpus: dict[str, dict], n: int) -> list[tuple[str, dict]]:
    ids = [i for i, r in corpus.items() if r.get("dup_group") is None][:n]
    return [(i, signature_of(corpus[i]["text"])) for i in ids]


def test_index_forgets_stories_older_than_its_window_and_stays_bounded(
    sample_text: str, corpus: dict[str, dict]
) -> None:
    window = 3600.0
    index = StoryIndex(window_s=window)
    story = signature_of(sample_text)
    now = 1_000_000.0
    index.assign("a", story, now)
    now += window - 1
    assert index.assign("b", story, now)["duplicate_of"] == "a"  # inside the window: a copy
    sizes = []
    others = _other_stories(corpus, 60)
    for k in range(5000):  # unrelated stories (and their re-sends), one every 2 s
        other_id, other = others[k % len(others)]
        now += 2
        index.assign(f"{other_id}-{k}", other, now)
        sizes.append(index.articles)
    late = index.assign("c", story, now)
    assert (late["cluster_id"], late["is_duplicate"]) == ("c", False)  # the first copies were forgotten
    assert index.lookup("a", fingerprint(story)) is None
    assert max(sizes[3000:]) <= 1.34 * window / 2  # bounded: the window, plus at most a third not yet dropped
    assert min(sizes[3000:]) >= window / 2 - 1


def test_a_story_outlives_its_first_article(sample_text: str) -> None:
    index = StoryIndex(window_s=100.0)
    story = signature_of(sample_text)
    index.assign("a", story, 0.0)
    index.assign("b", story, 90.0)
    for k in range(3000):  # "a" is dropped from memory; "b" keeps the story going
        index.assign(f"filler-{k}", signature_of(f"filler story {k} " * 3), 100.0 + k * 0.03)
    assert index.assign("c", story, 189.0) == {"cluster_id": "a", "duplicate_of": "a", "is_duplicate": True,
                                               "similarity": 1.0}


def test_no_window_keeps_everything(sample_text: str) -> None:
    index = StoryIndex(window_s=None)
    index.assign("a", signature_of(sample_text), 0.0)
    assert index.assign("b", signature_of(sample_text), 10 * 365 * 86400.0)["duplicate_of"] == "a"
