"""The NER's greedy decoding in numpy: spaCy's decisions, without its per-token cost.

spaCy's NER (a transition-based model) reads a batch of docs in two parts: the network's bulk work,
done once per batch (token vectors and each token's share of the hidden layer, "precomputed"), then a
loop in C that takes one action per token: sum three precomputed rows, maxout, the output layer,
the valid actions, the best. In spaCy 3.8.8-3.8.18 (built with Cython 3.1) that loop takes the GIL
on every read of the parser state (``StateC.B``; ``PyGILState_Ensure``/``Release``, a third of the
NER's CPU in mutex calls): ~60-70 µs a token against ~1 in 3.8.7, whose wheel cannot be installed
beside the confection, weasel and pydantic versions the rest needs. :func:`decode` takes the same
steps for every doc of the batch at once, one position at a time, with numpy: the same sums in the
same order (float32), the same output layer (BLIS's ``sgemm``, which spaCy's loop calls), the same
validity rules (``spacy/pipeline/_parser_internals/ner.pyx``) and the same choice (the first best
valid action). The entities are identical: ``tests/enrich/test_nlp_decode.py`` compares them with
spaCy's own on the shared corpus and gold texts.

Only what the enrichment gives the NER is decoded here: docs without preset entities (``ent_iob``
0 everywhere). :func:`supported` says whether a doc is; others go to spaCy's loop.
"""

from __future__ import annotations

from typing import Any

import numpy
from blis.py import gemm
from spacy.attrs import ENT_IOB, IS_SPACE, SENT_START
from spacy.tokens import Doc

#: action kinds, as spaCy's NER names them (``B-ORG``, ``O``, ``U-`` ...)
_KINDS = "MBILUO"


class Decoder:
    """Greedy NER decoding for one loaded ``ner`` pipe (see the module doc)."""

    def __init__(self, ner: Any) -> None:
        self.ner = ner
        model = ner.model
        tok2vec, lower, upper = model.layers[0], model.layers[1], model.layers[-1]
        if not model.attrs.get("has_upper", False) or lower.get_dim("nF") != 3:
            raise ValueError("not a spaCy NER model of the shape this decoder reads (3 features, an output layer)")
        self.tok2vec, self.lower = tok2vec, lower
        self.W = numpy.ascontiguousarray(upper.get_param("W"), dtype=numpy.float32)
        self.b = numpy.asarray(upper.get_param("b"), dtype=numpy.float32)
        self.bias = numpy.asarray(lower.get_param("b"), dtype=numpy.float32)  # (nO, nP)
        names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
        strings = ner.vocab.strings
        kinds, labels = [], []
        for name in names:
            kind, _, label = name.partition("-")
            kinds.append(_KINDS.index(kind))
            labels.append(strings.add(label) if label else 0)
        self.kinds = numpy.array(kinds)
        self.labels = numpy.array(labels, dtype=numpy.uint64)
        # the distinct labels an open entity may have: index 0 is "none open"
        self.label_ids = [0] + sorted({lab for lab, k in zip(labels, kinds) if lab and k in (1, 2, 3, 4)})
        self._index = {lab: i for i, lab in enumerate(self.label_ids)}
        self.move_label = numpy.array([self._index.get(lab, -1) for lab in labels])
        unseen = sorted(model.attrs.get("unseen_classes") or ())
        self.unseen = numpy.array(unseen, dtype=numpy.int64)
        self.table = self._validity()

    def _validity(self) -> numpy.ndarray:
        """valid[open label index, last token, next starts a sentence, token is space, action]: spaCy's
        ``is_valid`` of each action for a state without preset entities."""
        n_open = len(self.label_ids)
        table = numpy.zeros((n_open, 2, 2, 2, len(self.kinds)), dtype=bool)
        for o in range(n_open):
            for last in (0, 1):
                for next_start in (0, 1):
                    for space in (0, 1):
                        for a, (kind, lab) in enumerate(zip(self.kinds, self.move_label)):
                            is_open, has_label = o != 0, self.labels[a] != 0
                            if kind == 1:  # B: no entity open, not the last token, the next one in the sentence
                                ok = not is_open and not last and has_label and not next_start and not space
                            elif kind == 2:  # I: inside an entity of this label, not at the end
                                ok = is_open and not last and has_label and lab == o and not next_start
                            elif kind == 3:  # L: closes an entity of this label
                                ok = is_open and has_label and lab == o
                            elif kind == 4:  # U: a one-token entity
                                ok = not is_open and has_label and not space
                            elif kind == 5:  # O
                                ok = not is_open
                            else:  # M: never predicted
                                ok = False
                            table[o, last, next_start, space, a] = ok
        return table

    @staticmethod
    def supported(doc: Doc) -> bool:
        """``doc`` has no preset entity annotation (what :meth:`decode` assumes)."""
        return not len(doc) or not doc.to_array([ENT_IOB]).any()

    def decode(self, docs: list[Doc]) -> list[list[tuple[int, int, int]]]:
        """The entities spaCy's NER would set on each doc, as (start token, end token, label id).

        The batch is read as spaCy reads it (same docs, same order: the matrix products then round alike).
        """
        out: list[list[tuple[int, int, int]]] = [[] for _ in docs]
        keep = [i for i, d in enumerate(docs) if len(d)]
        if not keep:
            return out
        batch = [docs[i] for i in keep]
        tokvecs = self.tok2vec.predict(batch)
        cached, _ = self.lower(tokvecs, False)  # (tokens + 1, 3, nO, nP); row 0 is the padding
        cached = numpy.asarray(cached, dtype=numpy.float32)
        lengths = numpy.array([len(d) for d in batch])
        offsets = numpy.concatenate([[0], numpy.cumsum(lengths)[:-1]]) + 1  # cached row of each doc's first token
        ends = offsets + lengths  # one past each doc's last row
        total = int(lengths.sum())
        cols = numpy.concatenate([d.to_array([IS_SPACE, SENT_START]) for d in batch]).astype(numpy.int64)
        space = numpy.concatenate([[False], cols[:, 0] != 0])  # by cached row
        starts = numpy.zeros(total + 2, dtype=bool)
        starts[1:total + 1] = cols[:, 1] == 1
        f0, f1, f2 = cached[:, 0], cached[:, 1], cached[:, 2]
        open_idx = numpy.zeros(len(batch), dtype=numpy.int64)  # index into label_ids; 0: none open
        open_row = numpy.zeros(len(batch), dtype=numpy.int64)  # cached row of the open entity's first token
        found: list[list[tuple[int, int, int]]] = [[] for _ in batch]
        table, kinds, move_label, labels = self.table, self.kinds, self.move_label, self.labels
        for t in range(int(lengths.max())):
            act = numpy.flatnonzero(lengths > t)  # unfinished docs, in batch order (as spaCy's loop keeps them)
            rows = offsets[act] + t
            o_idx = open_idx[act]
            opened = o_idx != 0
            unmaxed = f0[rows] + f1[numpy.where(opened, open_row[act], 0)] + f2[numpy.where(opened, rows - 1, 0)]
            unmaxed += self.bias
            scores = gemm(unmaxed.max(axis=2), self.W, trans2=True)
            scores += self.b
            if len(self.unseen):
                scores[:, self.unseen] = scores.min()
            last = rows + 1 == ends[act]
            valid = table[o_idx, last.astype(numpy.int64), (starts[rows + 1] & ~last).astype(numpy.int64),
                          space[rows].astype(numpy.int64)]
            action = numpy.where(valid, scores, -numpy.inf).argmax(axis=1)
            kind = kinds[action]
            closing = (kind == 3) | (kind == 4)
            for j in numpy.flatnonzero(closing).tolist():
                d = int(act[j])
                start = int(open_row[d]) if kind[j] == 3 else int(rows[j])
                found[d].append((start - int(offsets[d]), t + 1, int(labels[action[j]])))
            begin = kind == 1
            open_idx[act] = numpy.where(begin, move_label[action], numpy.where(closing, 0, o_idx))
            open_row[act] = numpy.where(begin, rows, open_row[act])
        for i, ents in zip(keep, found):
            out[i] = ents
        return out
