"""nlp_decode: the numpy decoding of spaCy's NER finds exactly the entities spaCy's own loop finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.tokens import Doc

from streams.enrich.components.nlp import load_model, one_blas_thread
from streams.enrich.components.nlp_decode import Decoder

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def _words(nlp, text: str) -> Doc:
    """The compact doc the analyzer gives the NER: the words, without whitespace tokens."""
    return Doc(nlp.vocab, words=[t.text for t in nlp.make_doc(text) if not t.is_space])


def _texts() -> list[str]:
    texts = [(SHARED / "samples" / "wire-menafn-ukrinform-2026-01-13.txt").read_text(encoding="utf-8")]
    for path, count in ((SHARED / "corpus" / "news_sample.jsonl", 120), (SHARED / "corpus" / "reuters21578.jsonl", 120),
                        (SHARED / "eval" / "entities" / "conll2003_dev_detok.jsonl", 60),
                        (SHARED / "eval" / "quotes" / "polnear_dev.jsonl", 12)):
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f):
                if n >= count:
                    break
                text = json.loads(line).get("text")
                if isinstance(text, str) and text.strip():
                    texts.append(text)
    return texts


def _spacy(ner, docs: list[Doc]) -> list[list[tuple[int, int, int]]]:
    return [[(e.start, e.end, e.label) for e in d.ents] for d in ner.pipe(docs, batch_size=len(docs))]


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared is not present")
@pytest.mark.parametrize("batch", [1, 7, 32])
def test_the_decoder_finds_the_entities_spacys_loop_finds(nlp, batch: int) -> None:
    ner = nlp.get_pipe("ner")
    decoder = Decoder(ner)
    texts = _texts()[: 120 if batch == 1 else None]
    found = 0
    with one_blas_thread():
        for i in range(0, len(texts), batch):
            docs = [_words(nlp, t) for t in texts[i:i + batch]]
            expected = _spacy(ner, docs)
            assert decoder.decode(docs) == expected, f"batch {i // batch}"
            found += sum(map(len, expected))
    assert found > 1000  # the texts have entities of every kind to decide


def test_edge_cases_decode_as_spacy_does(nlp) -> None:
    ner = nlp.get_pipe("ner")
    decoder = Decoder(ner)
    texts = ["", "Paris", "Anna Berg", "In Oslo.", "Deutsche Bank AG", "Berlin, Paris, Rome", "1996", "a b c"]
    docs = [_words(nlp, t) for t in texts]
    assert decoder.decode(docs) == _spacy(ner, docs)
    whole = Doc(nlp.vocab, words=["They", "met", "in", "New", "York", "City", "today"])
    split = Doc(nlp.vocab, words=["They", "met", "in", "New", "York", "City", "today"],
                sent_starts=[True, False, False, False, True, False, False])
    assert any(end - start > 1 for start, end, _ in decoder.decode([whole])[0])
    assert decoder.decode([whole, split]) == _spacy(ner, [whole, split])  # no entity across a sentence start


def test_a_doc_with_preset_entities_is_left_to_spacy(nlp) -> None:
    doc = Doc(nlp.vocab, words=["Anna", "Berg", "went", "home"], ents=["B-PERSON", "I-PERSON", "O", "O"])
    assert not Decoder.supported(doc)
    assert Decoder.supported(_words(nlp, "Anna Berg went home"))
