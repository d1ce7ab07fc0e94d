"""What the archive's read mixins (:mod:`views`, :mod:`trends`) call on the archive, for the type checker."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence


class ArchiveHooks:
    """The hooks ``_execute``, ``_in``, ``_ts_*``, ``_lock`` and friends: provided by Archive and its backends."""

    if TYPE_CHECKING:
        _lock: threading.RLock

        def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
        def _in(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]: ...
        def _ts_param(self, value: datetime) -> Any: ...
        def _ts_out(self, value: Any) -> str | None: ...
        def _attach_topics(self, results: list[dict[str, Any]]) -> None: ...
        def _derived_headlines(self, results: list[dict[str, Any]], id_key: str) -> None: ...
