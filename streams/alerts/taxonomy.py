"""The IPTC Media Topics as alert rules use them: codes, labels, ancestors. Pure code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from streams.core.errors import ValidationError
from streams.core.iptc import media_topics

TOPIC_CODE_RE = re.compile(r"^(?:medtop:)?(\d{8})$")


# -- the IPTC taxonomy (read once; the same bundled file the topics component uses) -------------
@dataclass(frozen=True)
class _Taxonomy:
    labels: dict[str, str]  # 8-digit code -> English label
    by_label: dict[str, str]  # lower-cased label -> code
    ancestors: dict[str, tuple[str, ...]]  # code -> ancestor codes


@lru_cache(maxsize=1)
def _taxonomy() -> _Taxonomy:
    concepts = media_topics()["concepts"]
    active = [c for c in concepts if not c["retired"]]
    return _Taxonomy(
        labels={c["code"]: c["label_en_gb"] for c in active},
        by_label={c["label_en_gb"].lower(): c["code"] for c in active}
        | {c["label_en_us"].lower(): c["code"] for c in active if c.get("label_en_us")},
        ancestors={c["code"]: tuple(c["ancestors"]) for c in active},
    )


def normalize_topic(value: str) -> str:
    """``medtop:16000000``, ``16000000`` or a label such as ``"conflict, war and peace"`` → ``medtop:NNNNNNNN``."""
    tax = _taxonomy()
    m = TOPIC_CODE_RE.match(value.strip())
    if m:
        if m.group(1) not in tax.labels:
            raise ValidationError(f"{value!r} is not an active IPTC Media Topic code", field="topic")
        return f"medtop:{m.group(1)}"
    code = tax.by_label.get(" ".join(value.lower().split()))
    if code is None:
        raise ValidationError(
            f"{value!r} is neither an IPTC Media Topic code (medtop:16000000) nor an English label of one",
            field="topic",
        )
    return f"medtop:{code}"


def topic_label(code: str) -> str | None:
    """English label of ``medtop:NNNNNNNN`` (None if unknown)."""
    return _taxonomy().labels.get(code.removeprefix("medtop:"))


def topic_ancestors(code: str) -> tuple[str, ...]:
    """The 8-digit codes of the ancestors of an 8-digit IPTC Media Topic code (none if unknown)."""
    return _taxonomy().ancestors.get(code, ())
