"""The rule language: a tree of ``and`` / ``or`` / ``not`` over leaf conditions. Pure code.

A rule's ``when`` is plain data (YAML or JSON), read by :func:`parse` into frozen nodes::

    and:
      - speaker: Kaja Kallas                     # a quote attributed to her
      - topic: conflict, war and peace           # or a descendant topic
      - not: {topic: sport}
      - or:
          - near: {terms: [Kallas, sanctions], within: 10}
          - quote: {text: security guarantees, speaker: Kallas}

A mapping with several keys is the ``and`` of them; a string where a list is expected is a list
of one. Leaves (every text comparison case-insensitive, on whole words; no regular expressions):

* ``text``: a phrase (or any of a list) in the headline or body;
* ``entity``: names (or ``{name, type, min_salience}``): an entity named so (or by an alias),
  of that type, at least that salient; ``{type: PERSON}`` alone is any person;
* ``speaker``: names (or ``{name, role}``): a quote attributed to that person; ``role`` is a phrase
  in the speaker's roles ("foreign minister");
* ``quote``: phrases (or ``{text, speaker, kind}``): a quote whose own words contain the phrase;
* ``topic``: IPTC Media Topic codes or labels (descendants match);
* ``source`` / ``provider`` / ``language``: equality with the article field;
* ``near``: ``{terms: [A, B], within: N}``: phrase A within N words of phrase B (either order).

Rules come from people and from a topic anyone with access can write to, so everything is bounded:
depth, nodes, values, characters; an error names the path of the part that is wrong
(``when.and[1].not: unknown condition 'topc' (did you mean 'topic'?)``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Mapping, Union

from streams.alerts.taxonomy import normalize_topic
from streams.core.errors import ValidationError

MAX_DEPTH = 8  # nested and / or / not
MAX_NODES = 64  # every node of one rule, leaves included
MAX_TERMS = 200  # every value of every leaf of one rule
MAX_VALUES = 100  # values of one leaf
MAX_VALUE_CHARS = 200
MAX_WITHIN = 50  # words, for near
DEFAULT_WITHIN = 10
QUOTE_KINDS = ("direct", "indirect", "mixed")
BOOLEANS = ("and", "or", "not")
LEAVES = ("text", "entity", "speaker", "quote", "topic", "source", "provider", "language", "near")
FIELDS = ("source", "provider", "language")


# -- the nodes --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class All:
    """Every child holds."""

    children: tuple["Node", ...]


@dataclass(frozen=True)
class Any_:
    """At least one child holds."""

    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    """The child does not hold."""

    child: "Node"


@dataclass(frozen=True)
class Text:
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class EntityCond:
    names: tuple[str, ...] = ()  # empty: any entity (of the type)
    type: str | None = None
    min_salience: float | None = None


@dataclass(frozen=True)
class SpeakerCond:
    names: tuple[str, ...] = ()  # empty: any attributed speaker (with the role)
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuoteCond:
    phrases: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    kind: str | None = None


@dataclass(frozen=True)
class TopicCond:
    codes: tuple[str, ...]  # medtop: codes


@dataclass(frozen=True)
class FieldCond:
    name: str  # source | provider | language
    values: tuple[str, ...]


@dataclass(frozen=True)
class Near:
    first: tuple[str, ...]
    second: tuple[str, ...]
    within: int


Node = Union[All, Any_, Not, Text, EntityCond, SpeakerCond, QuoteCond, TopicCond, FieldCond, Near]


# -- parsing ----------------------------------------------------------------------------------------
class _Budget:
    """Counts nodes and values of one rule against the bounds."""

    def __init__(self) -> None:
        self.nodes = 0
        self.terms = 0

    def node(self, path: str) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ValidationError(f"the rule has more than {MAX_NODES} conditions; split it into several rules",
                                  field=path)

    def values(self, count: int, path: str) -> None:
        self.terms += count
        if self.terms > MAX_TERMS:
            raise ValidationError(f"the rule has more than {MAX_TERMS} values in all; split it into several rules",
                                  field=path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def str_values(value: Any, path: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    """A string or a list of strings → distinct, whitespace-normalized values (bounded)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValidationError(f"expected a string or a list of strings, got {type(value).__name__}", field=path)
    out: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ValidationError(f"expected a string, got {type(item).__name__}", field=f"{path}[{i}]")
        item = " ".join(item.split())
        if not item:
            raise ValidationError("must not be empty", field=f"{path}[{i}]")
        if len(item) > MAX_VALUE_CHARS:
            raise ValidationError(f"is longer than {MAX_VALUE_CHARS} characters", field=f"{path}[{i}]")
        if item not in out:
            out.append(item)
    if len(out) > MAX_VALUES:
        raise ValidationError(f"more than {MAX_VALUES} values", field=path)
    if not out and not allow_empty:
        raise ValidationError("needs at least one value", field=path)
    return tuple(out)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def codes_as_text(value: Any) -> Any:
    """Topic codes written as numbers (``topic: 16000000`` in YAML) as strings; anything else unchanged."""
    if _whole(value):
        return str(value)
    if isinstance(value, list):
        return [str(v) if _whole(v) else v for v in value]
    return value


def salience(value: Any, path: str) -> float:
    """A number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError("must be a number between 0 and 1", field=path)
    if not 0.0 <= value <= 1.0:
        raise ValidationError(f"{value} is not between 0 and 1", field=path)
    return float(value)


def entity_type(value: Any, path: str) -> str:
    """An entity type label, upper-cased (PERSON, ORG, GPE...)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise ValidationError("must be an entity type such as PERSON, ORG, GPE, LOC", field=path)
    return value.strip().upper()


def _options(value: Any, path: str, main: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    """A leaf's value: a string or list (its ``main`` option), or a mapping of ``allowed`` options."""
    if not isinstance(value, Mapping):
        return {main: value}
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValidationError(f"unknown option {unknown[0]!r}{_did_you_mean(unknown[0], allowed)}; "
                              f"known: {', '.join(allowed)}", field=path)
    if not value:
        raise ValidationError(f"give at least one of {', '.join(allowed)}", field=path)
    return dict(value)


def _did_you_mean(word: Any, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _leaf(key: str, value: Any, path: str, budget: _Budget) -> Node:
    if key == "text":
        phrases = str_values(value, path)
        budget.values(len(phrases), path)
        return Text(phrases)
    if key == "topic":
        codes = str_values(codes_as_text(value), path)
        budget.values(len(codes), path)
        normalized = []
        for i, code in enumerate(codes):
            try:
                normalized.append(normalize_topic(code))
            except ValidationError as exc:
                raise ValidationError(str(exc).removeprefix("topic: "), field=f"{path}[{i}]") from None
        return TopicCond(tuple(dict.fromkeys(normalized)))
    if key in FIELDS:
        values = str_values(value, path)
        budget.values(len(values), path)
        return FieldCond(key, tuple(v.lower() for v in values) if key == "language" else values)
    if key == "entity":
        return _entity(_options(value, path, "name", ("name", "type", "min_salience")), path, budget)
    if key == "speaker":
        opts = _options(value, path, "name", ("name", "role"))
        names = str_values(opts.get("name", []), _join(path, "name"), allow_empty=True)
        roles = str_values(opts.get("role", []), _join(path, "role"), allow_empty=True)
        if not names and not roles:
            raise ValidationError("give a name or a role", field=path)
        budget.values(len(names) + len(roles), path)
        return SpeakerCond(names, roles)
    if key == "quote":
        opts = _options(value, path, "text", ("text", "speaker", "kind"))
        phrases = str_values(opts.get("text", []), _join(path, "text"), allow_empty=True)
        speakers = str_values(opts.get("speaker", []), _join(path, "speaker"), allow_empty=True)
        kind = opts.get("kind")
        if kind is not None and kind not in QUOTE_KINDS:
            raise ValidationError(f"{kind!r} is not one of {', '.join(QUOTE_KINDS)}", field=_join(path, "kind"))
        if not phrases and not speakers and kind is None:
            raise ValidationError("give a text, a speaker or a kind", field=path)
        budget.values(len(phrases) + len(speakers), path)
        return QuoteCond(phrases, speakers, kind)
    return _near(value, path, budget)


def _entity(opts: dict[str, Any], path: str, budget: _Budget) -> EntityCond:
    names = str_values(opts.get("name", []), _join(path, "name"), allow_empty=True)
    kind = entity_type(opts["type"], _join(path, "type")) if opts.get("type") is not None else None
    least = salience(opts["min_salience"], _join(path, "min_salience")) \
        if opts.get("min_salience") is not None else None
    if not names and kind is None:
        raise ValidationError("give a name or a type", field=path)
    budget.values(len(names), path)
    return EntityCond(names, kind, least)


def _near(value: Any, path: str, budget: _Budget) -> Near:
    if not isinstance(value, Mapping):
        raise ValidationError("expected {terms: [A, B], within: N}", field=path)
    opts = _options(value, path, "terms", ("terms", "within"))
    terms = opts.get("terms")
    if not isinstance(terms, (list, tuple)) or len(terms) != 2:
        raise ValidationError("expected two terms: [A, B] (each a phrase or a list of phrases)",
                              field=_join(path, "terms"))
    first = str_values(terms[0], f"{path}.terms[0]")
    second = str_values(terms[1], f"{path}.terms[1]")
    within = opts.get("within", DEFAULT_WITHIN)
    if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= MAX_WITHIN:
        raise ValidationError(f"must be a whole number of words from 1 to {MAX_WITHIN}", field=_join(path, "within"))
    budget.values(len(first) + len(second), path)
    return Near(first, second, within)


def _node(data: Any, path: str, depth: int, budget: _Budget) -> Node:
    if depth > MAX_DEPTH:
        raise ValidationError(f"nested more than {MAX_DEPTH} levels deep", field=path)
    if not isinstance(data, Mapping):
        raise ValidationError(f"expected a condition (a mapping such as {{topic: sport}}), got "
                              f"{type(data).__name__}", field=path)
    if not data:
        raise ValidationError("empty condition", field=path)
    parts: list[Node] = []
    for key, value in data.items():
        if key not in BOOLEANS and key not in LEAVES:
            raise ValidationError(f"unknown condition {key!r}{_did_you_mean(key, BOOLEANS + LEAVES)}", field=path)
        where = _join(path, key)
        budget.node(where)
        if key == "not":
            parts.append(Not(_node(value, where, depth + 1, budget)))
        elif key in ("and", "or"):
            if not isinstance(value, (list, tuple)) or not value:
                raise ValidationError("expected a non-empty list of conditions", field=where)
            children = tuple(_node(v, f"{where}[{i}]", depth + 1, budget) for i, v in enumerate(value))
            parts.append(children[0] if len(children) == 1 else (All if key == "and" else Any_)(children))
        else:
            parts.append(_leaf(key, value, where, budget))
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def parse(data: Any, path: str = "when") -> Node:
    """Validate a condition tree (plain data) and build its nodes; errors name the path."""
    return _node(data, path, 1, _Budget())


def count_nodes(node: Node) -> int:
    """Nodes of a tree, leaves included."""
    if isinstance(node, (All, Any_)):
        return 1 + sum(count_nodes(c) for c in node.children)
    if isinstance(node, Not):
        return 1 + count_nodes(node.child)
    return 1


def check_bounds(node: Node, path: str = "when") -> None:
    """Refuse a tree built in code that is bigger than a parsed one may be."""
    if count_nodes(node) > MAX_NODES:
        raise ValidationError(f"the rule has more than {MAX_NODES} conditions; split it into several rules",
                              field=path)


# -- back to data, and to words -------------------------------------------------------------------
def _one(values: tuple[str, ...]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def to_data(node: Node) -> dict[str, Any]:
    """The canonical plain data of a tree (what :func:`parse` reads back to an equal tree)."""
    if isinstance(node, All):
        return {"and": [to_data(c) for c in node.children]}
    if isinstance(node, Any_):
        return {"or": [to_data(c) for c in node.children]}
    if isinstance(node, Not):
        return {"not": to_data(node.child)}
    if isinstance(node, Text):
        return {"text": _one(node.phrases)}
    if isinstance(node, TopicCond):
        return {"topic": _one(node.codes)}
    if isinstance(node, FieldCond):
        return {node.name: _one(node.values)}
    if isinstance(node, EntityCond):
        if node.type is None and node.min_salience is None:
            return {"entity": _one(node.names)}
        opts: dict[str, Any] = {"name": _one(node.names)} if node.names else {}
        if node.type is not None:
            opts["type"] = node.type
        if node.min_salience is not None:
            opts["min_salience"] = node.min_salience
        return {"entity": opts}
    if isinstance(node, SpeakerCond):
        if not node.roles:
            return {"speaker": _one(node.names)}
        return {"speaker": ({"name": _one(node.names)} if node.names else {}) | {"role": _one(node.roles)}}
    if isinstance(node, QuoteCond):
        if not node.speakers and node.kind is None:
            return {"quote": _one(node.phrases)}
        opts = {"text": _one(node.phrases)} if node.phrases else {}
        if node.speakers:
            opts["speaker"] = _one(node.speakers)
        if node.kind is not None:
            opts["kind"] = node.kind
        return {"quote": opts}
    return {"near": {"terms": [_one(node.first), _one(node.second)], "within": node.within}}


def _alts(values: tuple[str, ...]) -> str:
    return "|".join(values)


def describe(node: Node, top: bool = True) -> str:
    """The tree in one line: ``speaker=Kaja Kallas AND topic=medtop:16000000 AND NOT topic=medtop:15000000``."""
    if isinstance(node, (All, Any_)):
        word = " AND " if isinstance(node, All) else " OR "
        inner = word.join(describe(c, False) for c in node.children)
        return inner if top and isinstance(node, All) else f"({inner})"
    if isinstance(node, Not):
        return f"NOT {describe(node.child, False)}"
    if isinstance(node, Text):
        return f"text={_alts(node.phrases)}"
    if isinstance(node, TopicCond):
        return f"topic={_alts(node.codes)}"
    if isinstance(node, FieldCond):
        return f"{node.name}={_alts(node.values)}"
    if isinstance(node, EntityCond):
        parts = [f"entity={_alts(node.names)}" if node.names else "entity_type=" + (node.type or "")]
        if node.names and node.type:
            parts.append(f"entity_type={node.type}")
        if node.min_salience is not None:
            parts.append(f"min_salience={node.min_salience:g}")
        return " ".join(parts)
    if isinstance(node, SpeakerCond):
        said = f"speaker={_alts(node.names)}" if node.names else "speaker=*"
        return said + (f" role={_alts(node.roles)}" if node.roles else "")
    if isinstance(node, QuoteCond):
        parts = [f"quote={_alts(node.phrases)}" if node.phrases else "quote=*"]
        if node.speakers:
            parts.append(f"by={_alts(node.speakers)}")
        if node.kind:
            parts.append(f"kind={node.kind}")
        return " ".join(parts)
    return f"near({_alts(node.first)}, {_alts(node.second)}, {node.within} words)"


def conjuncts(node: Node) -> tuple[Node, ...]:
    """The parts of a top-level ``and`` (the node itself otherwise)."""
    return node.children if isinstance(node, All) else (node,)


def leaf_names(node: Node) -> list[str]:
    """The leaf kinds a tree uses, in order, each once (``["speaker", "topic"]``)."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, (All, Any_)):
            for c in n.children:
                walk(c)
        elif isinstance(n, Not):
            walk(n.child)
        else:
            name = {Text: "text", EntityCond: "entity", SpeakerCond: "speaker", QuoteCond: "quote",
                    TopicCond: "topic", Near: "near"}.get(type(n)) or getattr(n, "name", "")
            if name not in out:
                out.append(name)

    walk(node)
    return out
