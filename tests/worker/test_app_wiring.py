"""The Faust app's wiring that needs no broker: building it, and its rebalance hook."""

from __future__ import annotations

import asyncio
import collections
from pathlib import Path

from streams.core.settings import load_settings
from streams.worker.app import create_app
from streams.worker.runner import EnrichmentRunner


def test_worker_data_lives_under_streams_home_and_a_revoke_resets_the_dedupe_expiry_order(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", app_id="wiring", dedupe_window_s=60.0)
    app = create_app(settings, runner=EnrichmentRunner("none", 5.0))
    assert Path(app.conf.datadir).parent == tmp_path / "home" / "faust"
    assert (tmp_path / "home" / "faust").is_dir()  # Faust itself creates only the last level
    index = app.streams_logic.index  # type: ignore[attr-defined]
    assert index.window_s == 60.0
    index._expiry = collections.deque()
    asyncio.run(app.on_partitions_revoked.send(set()))
    assert index._expiry is None  # rebuilt from the table on next use: another worker may have added to it
