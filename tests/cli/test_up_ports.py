"""`streams up` gives each process a fixed, configurable /metrics port that the shipped Prometheus config
scrapes, and says clearly when one is taken (pure: sockets on 127.0.0.1, no broker)."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest
import yaml

from streams.cli import up_ports
from streams.cli.commands.up import _metrics_ports
from streams.core.errors import StreamsError
from streams.core.settings import load_settings

UP_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "prometheus.up.yml"


def _args(workers: int = 1, watch: Path | None = Path("var/inbox")) -> argparse.Namespace:
    return argparse.Namespace(workers=workers, watch=watch)


def _free_first_port(span: int = 12) -> int:
    """A first port whose next ``span`` ports are free now."""
    for first in range(41000, 60000, 97):
        if all(up_ports._bindable("127.0.0.1", p) for p in range(first, first + span)):
            return first
    raise AssertionError("no free port range")


def test_the_default_ports_are_fixed_and_one_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STREAMS_UP_METRICS_PORT", raising=False)
    settings = load_settings()
    ports = up_ports.plan(settings.up_metrics_port, ["up", "store", "alerts", "alert-delivery", "alert-webhooks",
                                                     "ingest-watch", "worker-1", "worker-2"])
    assert ports == {"up": 9110, "store": 9111, "alerts": 9112, "alert-delivery": 9113, "alert-webhooks": 9114,
                     "ingest-watch": 9115, "worker-1": 9116, "worker-2": 9117}


def test_the_shipped_scrape_config_scrapes_every_process_of_make_run_at_its_port() -> None:
    ports = up_ports.plan(9110, ["up", "store", "alerts", "alert-delivery", "alert-webhooks", "ingest-watch",
                                 "worker-1"])
    config = yaml.safe_load(UP_CONFIG.read_text())
    scraped = {group["labels"]["process"]: target for job in config["scrape_configs"]
               for group in job["static_configs"] for target in group["targets"]}
    assert scraped == {name: f"127.0.0.1:{port}" for name, port in ports.items()}


def test_up_plans_a_port_for_each_process_it_starts_from_the_setting() -> None:
    first = _free_first_port()
    ports = _metrics_ports(_args(workers=2), load_settings(up_metrics_port=first, metrics_host="127.0.0.1"))
    assert sorted(ports.values()) == list(range(first, first + 8))
    assert ports["worker-2"] == first + 7 and ports["store"] == first + 1
    assert "ingest-watch" not in _metrics_ports(_args(watch=None), load_settings(up_metrics_port=first))


def test_a_taken_port_is_a_clear_error_naming_the_port_the_process_and_the_setting() -> None:
    first = _free_first_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", first + 1))
        holder.listen()
        with pytest.raises(StreamsError) as err:
            _metrics_ports(_args(), load_settings(up_metrics_port=first, metrics_host="127.0.0.1"))
    said = str(err.value)
    assert f"{first + 1} (store)" in said and "STREAMS_UP_METRICS_PORT" in said and "in use" in said
    assert f"{first} (up)" not in said


def test_zero_means_free_ports_for_several_stacks_on_one_machine() -> None:
    ports = _metrics_ports(_args(), load_settings(up_metrics_port=0))
    assert len(set(ports.values())) == len(ports) and all(p > 0 for p in ports.values())


def test_free_ports_lie_below_the_range_outgoing_connections_take_theirs_from() -> None:
    low, high = up_ports.ephemeral_range()
    assert 1024 <= low <= high
    ports = {up_ports.free_port() for _ in range(20)}
    assert all(up_ports.FREE_PORTS_FROM <= port < low for port in ports) and len(ports) > 1
    for port in ports:  # and free: a listener binds it
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))


def test_unknown_process_names_and_ports_past_the_range_are_refused() -> None:
    with pytest.raises(ValueError):
        up_ports.offset("lag")
    with pytest.raises(StreamsError, match="65535"):
        up_ports.plan(65530, ["worker-6"])
