"""Just enough of PromQL to name the metrics an expression reads, and the series streams exposes.

:func:`metric_names` tokenizes an expression (string literals, label matchers, range and subquery
brackets, durations, numbers, identifiers) and keeps the identifiers that stand for series:
not functions or aggregations (followed by ``(``, ``by`` or ``without``), not label lists (after ``by``, ``without``,
``on``, ``ignoring``, ``group_left``, ``group_right``), not operators or keywords. A selector
``{__name__="x"}`` names ``x``.

:func:`exposed_series` lists the series names the client library writes for each defined metric:
a counter ``c`` as ``c_total`` and ``c_created``, a histogram ``h`` as ``h_bucket``, ``h_sum``,
``h_count`` and ``h_created``, a gauge ``g`` as ``g``.
"""

from __future__ import annotations

import re
from types import ModuleType

from prometheus_client.metrics import MetricWrapperBase

IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
NUMBER = re.compile(r"(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)(?:[smhdwy]|ms)*")
LABEL_LIST_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "start", "end"})
SUFFIXES_BY_TYPE = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
}


class PromQLSyntaxError(ValueError):
    """The expression cannot be tokenized (unterminated string, bracket or selector)."""


def _read_string(expr: str, i: int) -> tuple[str, int]:
    quote = expr[i]
    j = i + 1
    out = []
    while j < len(expr):
        c = expr[j]
        if c == "\\" and quote != "`":
            out.append(expr[j : j + 2])
            j += 2
            continue
        if c == quote:
            return "".join(out), j + 1
        out.append(c)
        j += 1
    raise PromQLSyntaxError(f"unterminated string at {i} in {expr!r}")


def _read_selector(expr: str, i: int) -> tuple[list[tuple[str, str, str]], int]:
    """Label matchers of ``{...}`` starting at ``expr[i] == '{'``: (label, op, value) triples."""
    matchers = []
    j = i + 1
    while True:
        while j < len(expr) and expr[j] in " \t\n\r,":
            j += 1
        if j >= len(expr):
            raise PromQLSyntaxError(f"unterminated selector at {i} in {expr!r}")
        if expr[j] == "}":
            return matchers, j + 1
        if expr[j] in "\"'`":  # a quoted metric name (Prometheus 3 UTF-8 names)
            name, j = _read_string(expr, j)
            matchers.append(("__name__", "=", name))
            continue
        m = IDENT.match(expr, j)
        if not m:
            raise PromQLSyntaxError(f"bad label matcher at {j} in {expr!r}")
        label = m.group()
        j = m.end()
        while expr[j : j + 1].isspace():
            j += 1
        op = next((o for o in ("=~", "!~", "!=", "=") if expr.startswith(o, j)), None)
        if op is None:
            raise PromQLSyntaxError(f"expected a matcher operator at {j} in {expr!r}")
        j += len(op)
        while expr[j : j + 1].isspace():
            j += 1
        if expr[j : j + 1] not in ("'", '"', "`"):
            raise PromQLSyntaxError(f"expected a string at {j} in {expr!r}")
        value, j = _read_string(expr, j)
        matchers.append((label, op, value))


def tokenize(expr: str) -> list[tuple[str, str]]:
    """(kind, text) tokens; kinds: ident, number, string, selector, range, punct."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(expr):
        c = expr[i]
        if c.isspace():
            i += 1
        elif c == "#":
            nl = expr.find("\n", i)
            i = len(expr) if nl < 0 else nl
        elif c in "\"'`":
            text, i = _read_string(expr, i)
            tokens.append(("string", text))
        elif c == "{":
            matchers, end = _read_selector(expr, i)
            tokens.append(("selector", repr(matchers)))
            tokens.extend(("name", v) for label, op, v in matchers if label == "__name__" and op == "=")
            i = end
        elif c == "[":
            end = expr.find("]", i)
            if end < 0:
                raise PromQLSyntaxError(f"unterminated range at {i} in {expr!r}")
            tokens.append(("range", expr[i : end + 1]))
            i = end + 1
        elif c.isdigit() or (c == "." and expr[i + 1 : i + 2].isdigit()):
            m = NUMBER.match(expr, i)
            assert m is not None
            tokens.append(("number", m.group()))
            i = m.end()
        elif IDENT.match(expr, i):
            m = IDENT.match(expr, i)
            assert m is not None
            tokens.append(("ident", m.group()))
            i = m.end()
        else:
            tokens.append(("punct", c))
            i += 1
    return tokens


def metric_names(expr: str) -> set[str]:
    """Names of the series an expression selects."""
    tokens = tokenize(expr)
    names: set[str] = set()
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if kind == "name":
            names.add(text)
        elif kind == "ident":
            word = text.lower()
            if word in LABEL_LIST_KEYWORDS and following == ("punct", "("):
                close = next((k for k in range(i + 1, len(tokens)) if tokens[k] == ("punct", ")")), None)
                if close is None:
                    raise PromQLSyntaxError(f"unterminated label list in {expr!r}")
                i = close
            elif following == ("punct", "(") or following[1].lower() in ("by", "without"):
                pass  # function or aggregation (`sum(...)`, `sum by (l) (...)`)
            elif word in KEYWORDS or word in LABEL_LIST_KEYWORDS:
                pass  # operator keyword
            else:
                names.add(text)
        i += 1
    return names


def exposed_series(module: ModuleType) -> dict[str, str]:
    """Every series name the metrics defined in ``module`` can expose -> the metric's family name."""
    series: dict[str, str] = {}
    for value in vars(module).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        for family in value.describe():
            for suffix in SUFFIXES_BY_TYPE[family.type]:
                series[family.name + suffix] = family.name
    return series
