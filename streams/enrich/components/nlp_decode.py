"""The NER's greedy decoding in numpy: spaCy's decisions, without its per-token cost.

spaCy's NER (a transition-based model) reads a batch of docs in two parts: the network's bulk work,
done once per batch (token vectors and each token's share of the hidden layer, "precomputed"), then a
loop in C that takes one action per token: sum three precomputed rows, maxout, the output layer,
the valid actions, the best. In spaCy 3.8.8-3.8.18, as their wheels are built, that loop takes the GIL
on every read of the parser state (``StateC.B``; ``PyGILState_Ensure``/``Release``, a third of the
NER's CPU in mutex calls under ``perf``): ~60-70 µs a token against a few in 3.8.7, whose wheel
cannot be installed beside the confection, weasel and pydantic versions the rest needs.
:meth:`Decoder.decode` takes the same steps with numpy: the same sums in the same order (float32), the same output layer (BLIS's
``sgemm``, which spaCy's loop calls), the same validity rules (``spacy/pipeline/_parser_internals/
ner.pyx``) and the same choice (the first best valid action). Outside an entity a state reads only its
own token (the other two features are padding), so those scores come from one matrix product over
every token of the batch; only the tokens after an entity's first are decided one at a time. The
entities are identical: ``tests/enrich/test_nlp_decode.py`` compares them with spaCy's own on the
shared corpus and gold texts, in batches of 1, 7 and 32.

Only what the enrichment gives the NER is decoded here: docs without preset entities (``ent_iob`` 0
everywhere), by a model without unseen classes. :meth:`Decoder.supported` says whether a doc is; the
others, and other models, go to spaCy's loop.
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
        index = {lab: i for i, lab in enumerate(self.label_ids)}
        self.move_label = numpy.array([index.get(lab, -1) for lab in labels])
        if model.attrs.get("unseen_classes"):
            raise ValueError("a model with unseen classes: their scores depend on the batch (spaCy's loop reads it)")
        self.table = self._validity()

    def _validity(self) -> numpy.ndarray:
        """valid[open label index, last token, next starts a sentence, token is space, action]: spaCy's
        ``is_valid`` of each action for a state without preset entities."""
        shape = (len(self.label_ids), 2, 2, 2, len(self.kinds))
        opened = numpy.arange(shape[0]).reshape(-1, 1, 1, 1, 1)  # 0: no entity open
        last = numpy.arange(2).reshape(1, 2, 1, 1, 1) == 1
        next_start = numpy.arange(2).reshape(1, 1, 2, 1, 1) == 1
        space = numpy.arange(2).reshape(1, 1, 1, 2, 1) == 1
        kind, labelled = self.kinds, self.labels != 0
        same = labelled & (self.move_label == opened)  # the action's label is the open entity's
        closed = opened == 0
        return numpy.select(
            [kind == 1,  # B: no entity open, not the last token, the next one in the sentence, not a space
             kind == 2,  # I: inside an entity of this label, not at the end nor before a sentence start
             kind == 3,  # L: closes an entity of this label
             kind == 4,  # U: a one-token entity
             kind == 5],  # O
            [closed & ~last & labelled & ~next_start & ~space,
             ~closed & ~last & same & ~next_start,
             ~closed & same,
             closed & labelled & ~space,
             numpy.broadcast_to(closed, shape)],
            default=False)  # M: never predicted

    @staticmethod
    def supported(doc: Doc) -> bool:
        """``doc`` has no preset entity annotation (what :meth:`decode` assumes)."""
        return not len(doc) or not doc.to_array([ENT_IOB]).any()

    def decode(self, docs: list[Doc]) -> list[list[tuple[int, int, int]]]:
        """The entities spaCy's NER would set on each doc, as (start token, end token, label id).

        A state with no entity open reads its token and the padding rows only, so its scores are computed for
        every token at once (one matrix product); only the tokens after an entity's first are decided one by
        one. The sums are spaCy's, in its order: ((token + entity start) + previous token) + bias.
        """
        out: list[list[tuple[int, int, int]]] = [[] for _ in docs]
        keep = [i for i, d in enumerate(docs) if len(d)]
        if not keep:
            return out
        batch = [docs[i] for i in keep]
        cached, _ = self.lower(self.tok2vec.predict(batch), False)  # (tokens + 1, 3, nO, nP); row 0: padding
        cached = numpy.asarray(cached, dtype=numpy.float32)
        f0, f1, f2 = cached[:, 0], cached[:, 1], cached[:, 2]
        closed = f0[1:] + f1[0]
        closed += f2[0]
        closed += self.bias
        scores = gemm(numpy.ascontiguousarray(closed.max(axis=2)), self.W, trans2=True)
        scores += self.b
        lengths = [len(d) for d in batch]
        ends = numpy.cumsum(lengths)
        cols = numpy.concatenate([d.to_array([IS_SPACE, SENT_START]) for d in batch]).astype(numpy.int64)
        last = numpy.zeros(len(cols), dtype=numpy.int64)
        last[ends - 1] = 1
        following = numpy.zeros(len(cols), dtype=numpy.int64)  # the next token of the doc starts a sentence
        following[:-1] = (cols[1:, 1] == 1) & (last[:-1] == 0)
        space = (cols[:, 0] != 0).astype(numpy.int64)
        valid = self.table[0][last, following, space]
        chosen = numpy.where(valid, scores, -numpy.inf).argmax(axis=1)
        kinds = self.kinds[chosen].tolist()
        labels = self.labels[chosen].tolist()
        opens = self.move_label[chosen].tolist()
        last_l, following_l, space_l = last.tolist(), following.tolist(), space.tolist()
        table, all_kinds, all_labels, W, b, bias = self.table, self.kinds, self.labels, self.W, self.b, self.bias
        start = 0
        for i, end in zip(keep, ends.tolist()):
            ents = out[i]
            g = start
            while g < end:
                kind = kinds[g]
                if kind == 4:  # U
                    ents.append((g - start, g - start + 1, int(labels[g])))
                elif kind == 1:  # B: the entity's next tokens are read with it open
                    first, label = g, opens[g]
                    while True:
                        g += 1
                        x = f0[g + 1] + f1[first + 1]
                        x += f2[g]
                        x += bias
                        s = gemm(x.max(axis=1)[None, :], W, trans2=True)[0]
                        s += b
                        a = int(numpy.where(table[label, last_l[g], following_l[g], space_l[g]], s, -numpy.inf).argmax())
                        if all_kinds[a] == 3:  # L (the only other valid action is I)
                            ents.append((first - start, g - start + 1, int(all_labels[a])))
                            break
                g += 1
            start = end
        return out
