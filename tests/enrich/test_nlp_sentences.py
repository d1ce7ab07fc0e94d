"""nlp: the sentence starts of paragraph breaks, set as one array (the token setter was quadratic)."""

from __future__ import annotations

import pytest
from spacy.attrs import SENT_START
from spacy.tokens import Doc

from streams.enrich.components import nlp as nlp_module
from streams.enrich.components.nlp import load_model, paragraph_sentences

_STORY = ("The finance minister of Norway, Anna Berg, told reporters in Oslo on Tuesday that Statoil would sell "
          "its stake in the Norsk Hydro unit to a group led by Deutsche Bank. Anna Berg said talks with the "
          "European Commission had ended. Shares rose 3 percent.\n\n")


def _sentences_by_the_token_setter(doc: Doc) -> Doc:
    """What ``paragraph_sentences`` did before, token by token (``Token.is_sent_start``'s setter)."""
    for i, tok in enumerate(doc):
        if tok.is_space and i + 1 < len(doc):
            if nlp_module._PARAGRAPH_WS.search(tok.text) or (i > 0 and doc[i - 1].is_sent_end):
                doc[i + 1].is_sent_start = True
            if i > 0:
                tok.is_sent_start = False
    return doc


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def _sentencized(nlp, text: str) -> Doc:
    return nlp.get_pipe("sentencizer")(nlp.make_doc(text))


@pytest.mark.parametrize("text", [
    "", "\n", "One.", "A b.\n\nC d.\n  E f. G", "x \n\t y", "Head\n\n\nBody.  \n\n", "\n\nA. B.\n   C",
    "NEW YORK 60 50 .540 2.5\nBOSTON 61 49 .555 1.5\n" * 30, _STORY * 3 + "\tIndented old-wire paragraph.\n  Another.",
])
def test_paragraph_breaks_start_sentences_as_the_token_setter_did(nlp, text: str) -> None:
    ours = paragraph_sentences(_sentencized(nlp, text))
    theirs = _sentences_by_the_token_setter(_sentencized(nlp, text))
    assert ours.to_array([SENT_START]).tolist() == theirs.to_array([SENT_START]).tolist()
    assert [s.start for s in ours.sents] == [s.start for s in theirs.sents]
