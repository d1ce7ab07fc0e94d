"""Dedupe signature and stream index on real wire text (read from ../shared at test time)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.core.model import Article
from streams.enrich.components.dedupe import (
    DedupeSignature,
    signature_of,
    sketch_similarity,
)
from streams.enrich.pipeline import Context, Pipeline
from streams.worker.story_index import DedupeIndex

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
    assert set(d) >= {"exact", "signature", "bands", "sketch"}
    assert len(d["signature"]) == 120 and all(isinstance(v, int) for v in d["signature"])
    assert len(d["bands"]) == 40 and len(set(d["bands"])) == 40
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
    index = DedupeIndex()
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
    store: dict[str, str] = {}
    index = DedupeIndex(store)
    sig = signature_of(sample_text)
    index.assign("a", sig)
    resend = index.assign("b", signature_of(sample_text.replace("  ", " ")))
    assert resend["duplicate_of"] == "a" and resend["similarity"] == 1.0
    snapshot = dict(store)
    again = DedupeIndex(store).assign("b", sig)  # a redelivery after a restart, same backing table
    assert (again["cluster_id"], again["duplicate_of"]) == ("a", "a")
    assert store == snapshot
    assert DedupeIndex(store).assign("a", sig)["is_duplicate"] is False
    assert all(isinstance(k, str) and isinstance(v, str) and len(v) < 1024 for k, v in store.items())


def test_different_stories_stay_apart(corpus: dict[str, dict]) -> None:
    index = DedupeIndex()
    ids = [i for i, r in corpus.items() if r.get("dup_group") is None][:40]
    results = [index.assign(i, signature_of(corpus[i]["text"])) for i in ids]
    assert not any(r["is_duplicate"] for r in results)
    assert len({r["cluster_id"] for r in results}) == len(ids)


def test_listed_near_duplicate_pairs_cluster_together(corpus: dict[str, dict]) -> None:
    with (SHARED / "corpus" / "near_dup_pairs.jsonl").open(encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f]
    index = DedupeIndex()
    cluster = {i: index.assign(i, signature_of(r["text"]))["cluster_id"] for i, r in corpus.items()}
    together = sum(cluster[p["a"]] == cluster[p["b"]] for p in pairs)
    assert together >= 0.95 * len(pairs)


def test_sketch_similarity_tracks_overlap(sample_text: str) -> None:
    half = sample_text[: len(sample_text) // 2]
    full = signature_of(sample_text)["sketch"]
    assert sketch_similarity(full, full) == 1.0
    assert 0.2 < sketch_similarity(full, signature_of(half)["sketch"]) < 0.8


def test_symbol_only_bodies_never_cluster() -> None:
    index = DedupeIndex()
    a = index.assign("x1", signature_of("******"))
    b = index.assign("x2", signature_of("******"))
    assert not b["is_duplicate"] and a["cluster_id"] != b["cluster_id"]



class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _other_stories(corpus: dict[str, dict], n: int) -> list[tuple[str, dict]]:
    ids = [i for i, r in corpus.items() if r.get("dup_group") is None][:n]
    return [(i, signature_of(corpus[i]["text"])) for i in ids]


def test_index_forgets_stories_older_than_its_window_and_stays_bounded(
    sample_text: str, corpus: dict[str, dict]
) -> None:
    clock = _Clock()
    window = 3600.0
    index = DedupeIndex(window_s=window, clock=clock)
    story = signature_of(sample_text)
    index.assign("a", story)
    clock.now += window - 1
    assert index.assign("b", story)["duplicate_of"] == "a"  # inside the window: a copy
    sizes = []
    for other_id, other in _other_stories(corpus, 30):  # unrelated stories, one every 20 minutes
        clock.now += 1200
        index.assign(other_id, other)
        sizes.append(len(index.store))
    late = index.assign("c", story)
    assert (late["cluster_id"], late["is_duplicate"]) == ("c", False)  # the first copies were forgotten
    assert "a:a" not in index.store and "a:b" not in index.store
    assert not any(v in ("a", "b") for v in index.store.values())
    assert max(sizes[5:]) <= 1.5 * min(sizes[5:])  # bounded: about 3 stories' keys in any hour


def test_window_survives_a_restart_over_the_same_table_including_older_records(
    sample_text: str, corpus: dict[str, dict]
) -> None:
    clock = _Clock()
    store: dict[str, str] = {}
    DedupeIndex(store, window_s=3600, clock=clock).assign("a", signature_of(sample_text))
    store["a:legacy"] = "legacy\t\t" + store["a:a"].split("\t")[2]  # written before the window existed
    clock.now += 7200
    restarted = DedupeIndex(store, window_s=3600, clock=clock)
    assert restarted.assign("b", signature_of(sample_text))["is_duplicate"] is False  # "a" expired first
    assert "a:a" not in store and "a:legacy" in store  # the legacy record's clock starts at the restart
    clock.now += 7200
    other_id, other = _other_stories(corpus, 1)[0]
    restarted.assign(other_id, other)
    assert "a:legacy" not in store and "a:b" not in store


def test_no_window_keeps_everything(sample_text: str) -> None:
    clock = _Clock()
    index = DedupeIndex(window_s=None, clock=clock)
    index.assign("a", signature_of(sample_text))
    clock.now += 10 * 365 * 86400
    assert index.assign("b", signature_of(sample_text))["duplicate_of"] == "a"
