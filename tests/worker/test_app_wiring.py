"""The Faust app's wiring that needs no broker: building it."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.core.errors import ConfigError

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


def test_every_rebalance_wait_is_bounded_by_the_worker_timeouts_and_a_join_outlasts_no_rebalance(tmp_path: Path) -> None:
    # Faust's defaults (request 90 s, rebalance 60 s) let one stuck join or offset fetch stall the group 110-120 s
    app = create_app(load_settings(home=tmp_path / "home", app_id="timeouts"), runner=EnrichmentRunner("none", 5.0))
    assert app.conf.broker_request_timeout == 15.0 and app.conf.broker_rebalance_timeout == 10.0
    assert app.conf.broker_session_timeout <= app.conf.broker_rebalance_timeout < app.conf.broker_request_timeout
    tuned = load_settings(home=tmp_path / "home", app_id="tuned", worker_request_timeout_s=40.0,
                          worker_rebalance_timeout_s=30.0)
    assert create_app(tuned, runner=EnrichmentRunner("none", 5.0)).conf.broker_rebalance_timeout == 30.0
    for request, rebalance in ((10.0, 10.0), (5.0, 2.0), (20.0, 0.0)):
        bad = load_settings(home=tmp_path / "home", app_id="bad", worker_request_timeout_s=request,
                            worker_rebalance_timeout_s=rebalance)
        with pytest.raises(ConfigError, match="STREAMS_WORKER_REQUEST_TIMEOUT"):
            create_app(bad, runner=EnrichmentRunner("none", 5.0))


def test_a_topic_missing_at_a_rebalance_is_found_again_within_seconds(tmp_path: Path) -> None:
    # a rebalance while a restarted broker still loads its topics assigns no articles.raw partition;
    # only a metadata refresh brings the topic back (Faust's default: every 5 min; 120 s stalls seen)
    app = create_app(load_settings(home=tmp_path / "home", app_id="metadata"), runner=EnrichmentRunner("none", 5.0))
    assert app.conf.consumer_metadata_max_age_ms <= 10_000
