"""docker-compose.yml: valid against the Compose Specification schema, and consistent with the repo.

The schema is vendored (compose-spec.json, Apache-2.0, see compose-spec.NOTICE); nothing is fetched.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from streams.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
STREAMS_SERVICES = ("topics", "ingest", "worker", "store", "api", "lag")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _errors(validator: jsonschema.Draft7Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_matches_the_compose_specification(compose: dict, validator: jsonschema.Draft7Validator) -> None:
    assert _errors(validator, compose) == []


def test_the_schema_rejects_a_broken_compose_file(compose: dict, validator: jsonschema.Draft7Validator) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["worker"]["containername"] = "typo"  # unknown key
    broken["services"]["kafka"]["volumes"] = "kafka-data"  # a string where a list is required
    errors = _errors(validator, broken)
    assert any("containername" in e for e in errors)
    assert any(e.startswith("services/kafka/volumes") for e in errors)


def test_workers_can_be_scaled(compose: dict) -> None:
    worker = compose["services"]["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker  # fixed host ports would collide between replicas


def test_kafka_runs_kraft_from_the_official_image(compose: dict) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.1"
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "zookeeper" not in json.dumps(compose).lower()
    assert all(s["environment"]["STREAMS_KAFKA_BOOTSTRAP"] == "kafka:9092"
               for name, s in compose["services"].items() if name in STREAMS_SERVICES)


def test_dependencies_name_existing_services(compose: dict) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown service {dep}"


def test_published_ports_bind_loopback_only(compose: dict) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_bind_mounts_and_dockerfile_exist(compose: dict) -> None:
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_streams_commands_parse_with_the_real_cli(compose: dict) -> None:
    """Every ``streams`` command in the file is accepted by the command line as built today."""
    parser = build_parser()
    available = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for name in STREAMS_SERVICES:
        service = compose["services"][name]
        if service.get("entrypoint"):
            continue  # python -m streams.kafka.lag, checked below
        argv = service["command"]
        assert argv[0] in {"topics", "ingest", "worker", "store", "serve"}, name
        if argv[0] in available:
            parser.parse_args(argv)  # SystemExit on an unknown option fails the test


def test_lag_exporter_watches_the_worker_and_store_groups(compose: dict) -> None:
    from streams.core.settings import load_settings
    from streams.kafka.lag import parse_watch
    from streams.store.consumer import store_group_id

    lag = compose["services"]["lag"]
    assert lag["entrypoint"] == ["python", "-m", "streams.kafka.lag"]
    argv = lag["command"]
    watches = dict(parse_watch(argv[i + 1]) for i, a in enumerate(argv) if a == "--watch")
    settings = load_settings({"STREAMS_APP_ID": compose["x-streams-env"]["STREAMS_APP_ID"]})
    assert watches == {settings.app_id: ["articles.raw"], store_group_id(settings): ["articles.enriched"]}


def test_prometheus_scrapes_the_compose_services(compose: dict) -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    port = compose["x-streams-env"]["STREAMS_METRICS_PORT"]
    hosts = set()
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            hosts |= {t.rsplit(":", 1)[0] for t in static["targets"] if t.endswith(f":{port}")}
        for dns in job.get("dns_sd_configs", []):
            assert str(dns["port"]) == port
            hosts |= set(dns["names"])
    assert hosts == {"ingest", "worker", "store", "lag"}
    assert hosts <= set(compose["services"])


def test_dockerfile_copies_only_what_exists() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.findall(r"^FROM .*$", dockerfile, re.M) == ["FROM python:3.11-slim"]
    assert "java" not in dockerfile.lower().replace("no java here", "")
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            *sources, _dest = shlex.split(line)[1:]
            for source in sources:
                if not source.endswith("*"):  # optional files (README.md*) may be absent
                    assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert "constraints.txt" in dockerfile and "-c constraints.txt" in dockerfile


def test_grafana_loads_the_dashboard_from_where_compose_mounts_it(compose: dict) -> None:
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/streams.yml").read_text())
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    grafana = compose["services"]["grafana"]
    mounts = dict(v.rsplit(":", 1)[0].split(":", 1) for v in grafana["volumes"] if v.startswith("./"))
    assert mounts["./deploy/grafana/dashboards"] == provider["providers"][0]["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert (ROOT / "deploy/grafana/dashboards/streams.json").is_file()
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
    assert "prometheus" in compose["services"]
