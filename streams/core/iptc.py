"""The IPTC Media Topics vocabulary bundled with streams (read by the topics component and alert rules)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

#: IPTC NewsCodes Media Topic vocabulary as JSON (CC BY 4.0, see data/iptc/NOTICE.md)
TAXONOMY_PATH = Path(__file__).resolve().parent / "data" / "iptc" / "mediatopics_en.json"


@lru_cache(maxsize=1)
def media_topics() -> dict[str, Any]:
    """The parsed vocabulary: ``{"concepts": [{"code", "label_en_gb", "ancestors", "retired", ...}]}``."""
    return json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))
