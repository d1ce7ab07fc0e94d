"""Rule files: YAML or JSON documents of rules, read strictly and written back. Pure code.

A file holds ``rules:`` (a list), a bare list, or one rule. A rule is what the rules topic holds —
``id``, ``name``, ``when`` (:mod:`streams.alerts.language`), ``webhook`` and the shorthand fields
— except that ``id`` may be left out: it is then made from the name (``"Kallas on war"`` →
``kallas-on-war``), so adding the same file again replaces its rules instead of duplicating them.

Files come from people: an error names the path into the document (``rules[2].when.and[1].not:
unknown condition 'topc'``). YAML is read with the safe loader, without aliases (``*name``: one
alias can stand for millions of nodes), and a file is bounded in bytes and rules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import orjson
import yaml

from streams.alerts.model import Rule
from streams.core.errors import ValidationError

MAX_FILE_BYTES = 1 << 20
MAX_RULES = 1000


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases (they let a small file expand without bound)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - PyYAML's hook
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise ValidationError(f"line {mark.line + 1}: YAML aliases (*name) are not accepted in rule files")
        return super().compose_node(parent, index)


def slug(name: str) -> str:
    """A rule id made from its name: lower-case words joined by ``-`` (at most 64 characters)."""
    out = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return out or "rule"


def _relative(exc: ValidationError, path: str) -> ValidationError:
    """``exc`` with ``path`` put in front of the field it names."""
    message = str(exc)
    if exc.field is not None and message.startswith(f"{exc.field}: "):
        message = message[len(exc.field) + 2:]
    return ValidationError(message, field=f"{path}.{exc.field}" if exc.field else path)


def parse_document(raw: bytes | str, *, fmt: str = "yaml", where: str = "rules") -> list[Rule]:
    """Every rule of a YAML (``fmt="yaml"``) or JSON document; the first error names its path."""
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"{size} bytes: a rule file holds at most {MAX_FILE_BYTES} bytes; split it", field=where)
    try:
        data = orjson.loads(raw) if fmt == "json" else yaml.load(raw, Loader=_NoAliasLoader)  # noqa: S506 - safe
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON: {exc}", field=where) from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"not valid YAML: {' '.join(str(exc).split())}", field=where) from None
    if isinstance(data, dict) and "rules" in data:
        extra = sorted(set(data) - {"rules"})
        if extra:
            raise ValidationError(f"unknown key(s) {', '.join(map(str, extra))} beside 'rules'", field=where)
        data = data["rules"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValidationError(f"expected `rules:` with a list of rules, got {type(data).__name__}", field=where)
    if len(data) > MAX_RULES:
        raise ValidationError(f"{len(data)} rules: a file holds at most {MAX_RULES}", field=where)
    rules = [_rule(item, f"{where}[{i}]") for i, item in enumerate(data)]
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules):
        if rule.id in seen:
            raise ValidationError(f"id {rule.id!r} is also the id of rules[{seen[rule.id]}] (give each rule its own "
                                  "id or name)", field=f"{where}[{i}].id")
        seen[rule.id] = i
    return rules


def _rule(item: Any, path: str) -> Rule:
    if not isinstance(item, dict):
        raise ValidationError(f"a rule must be a mapping (id, name, when, webhook), got {type(item).__name__}",
                              field=path)
    data = dict(item)
    data.pop("created_at", None)  # a rule added from a file is new now
    if "id" not in data and isinstance(data.get("name"), str):
        data["id"] = slug(data["name"])
    try:
        return Rule.from_dict(data)
    except ValidationError as exc:
        raise _relative(exc, path) from None


def load_rules(path: str | Path, text: bytes | None = None) -> list[Rule]:
    """The rules of a file (``.json`` is JSON, anything else YAML); ``text``: its content, already read."""
    name = str(path)
    if text is None:
        try:
            file = Path(path)
            if file.stat().st_size > MAX_FILE_BYTES:
                raise ValidationError(f"a rule file holds at most {MAX_FILE_BYTES} bytes; split it", field=name)
            text = file.read_bytes()
        except OSError as exc:
            raise ValidationError(f"cannot read: {exc.strerror or exc}", field=name) from None
    fmt = "json" if name.endswith(".json") else "yaml"
    return parse_document(text, fmt=fmt)


def dump_rules(rules: Iterable[Rule], *, fmt: str = "yaml") -> str:
    """The rules as a file :func:`parse_document` reads back to rules with the same conditions."""
    documents = {"rules": [rule.document() for rule in rules]}
    if fmt == "json":
        return orjson.dumps(documents, option=orjson.OPT_INDENT_2).decode() + "\n"
    return yaml.safe_dump(documents, sort_keys=False, allow_unicode=True, width=100)

