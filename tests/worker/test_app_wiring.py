"""The Faust app's wiring that needs no broker: building it."""

from __future__ import annotations

from pathlib import Path

from streams.core.settings import load_settings
from streams.kafka import topics
from streams.worker.app import create_app
from streams.worker.runner import EnrichmentRunner


def test_worker_data_lives_under_streams_home_and_the_story_index_has_the_configured_window(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", app_id="wiring", dedupe_window_s=60.0)
    app = create_app(settings, runner=EnrichmentRunner("none", 5.0))
    assert Path(app.conf.datadir).parent == tmp_path / "home" / "faust"
    assert (tmp_path / "home" / "faust").is_dir()  # Faust itself creates only the last level
    clusters = app.streams_logic.clusters  # type: ignore[attr-defined]
    assert clusters.index.window_s == 60.0 and clusters.topic == topics.FINGERPRINTS.name(settings)
    assert not app.tables  # no changelog-backed table: the fingerprint log is the state
