"""Static checks of the Kubernetes manifests in deploy/k8s (no cluster needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.cli.main import build_parser
from streams.core.settings import Settings

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
WORKLOAD_KINDS = {"Deployment", "Job"}


def load_all() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                doc["__file__"] = path.name
                docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return load_all()


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def config(docs: list[dict[str, Any]]) -> dict[str, str]:
    return by_kind(docs, "ConfigMap")["streams-config"]["data"]


def test_every_document_has_the_required_fields(docs: list[dict[str, Any]]) -> None:
    assert len(docs) >= 12
    for doc in docs:
        where = f"{doc['__file__']}: {doc.get('kind')}"
        assert isinstance(doc.get("apiVersion"), str) and doc["apiVersion"], where
        assert isinstance(doc.get("kind"), str) and doc["kind"], where
        assert doc.get("metadata", {}).get("name"), where
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "streams", where


def test_workloads_select_their_own_pods_and_run_containers(docs: list[dict[str, Any]]) -> None:
    workloads = [d for d in docs if d["kind"] in WORKLOAD_KINDS]
    assert {d["metadata"]["name"] for d in workloads} >= {
        "streams-worker", "streams-store", "streams-ingest", "streams-api", "streams-lag", "streams-topics"
    }
    for doc in workloads:
        labels = doc["spec"]["template"]["metadata"]["labels"]
        if doc["kind"] == "Deployment":
            selector = doc["spec"]["selector"]["matchLabels"]
            assert selector.items() <= labels.items(), doc["metadata"]["name"]
        containers = pod_spec(doc)["containers"]
        assert containers and all(c.get("name") and c.get("image") for c in containers)


def test_env_references_exist_and_name_real_settings(docs: list[dict[str, Any]]) -> None:
    config_maps = by_kind(docs, "ConfigMap")
    secrets = by_kind(docs, "Secret")
    known_env = {f.metadata["env"] for f in Settings.__dataclass_fields__.values()}
    for name, cm in config_maps.items():
        assert set(cm["data"]) <= known_env, f"ConfigMap {name} sets unknown settings"
    for name, secret in secrets.items():
        assert set(secret["stringData"]) <= known_env, f"Secret {name} sets unknown settings"
    for doc in docs:
        if doc["kind"] not in WORKLOAD_KINDS:
            continue
        for container in pod_spec(doc)["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets


def test_secrets_hold_the_api_key_and_database_url_and_the_configmap_does_not(docs: list[dict[str, Any]]) -> None:
    secret = by_kind(docs, "Secret")["streams-secrets"]["stringData"]
    assert {"STREAMS_API_KEY", "STREAMS_DATABASE_URL"} <= set(secret)
    assert not {"STREAMS_API_KEY", "STREAMS_DATABASE_URL"} & set(config(docs))


def test_worker_replicas_are_bounded_by_partitions(docs: list[dict[str, Any]]) -> None:
    partitions = int(config(docs)["STREAMS_PARTITIONS"])
    worker = by_kind(docs, "Deployment")["streams-worker"]
    hpa = by_kind(docs, "HorizontalPodAutoscaler")["streams-worker"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "streams-worker"
    assert 1 <= worker["spec"]["replicas"] <= partitions
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions
    assert "partition" in (K8S / "worker.yaml").read_text().split("apiVersion")[0].lower()  # the why is said


def test_services_select_existing_pods(docs: list[dict[str, Any]]) -> None:
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in docs if d["kind"] in WORKLOAD_KINDS]
    services = by_kind(docs, "Service")
    assert "streams-metrics" in services
    for name, service in services.items():
        selector = service["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pod_labels), name
    metrics_port = services["streams-metrics"]["spec"]["ports"][0]
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        annotations = doc["spec"]["template"]["metadata"].get("annotations", {})
        ports = {p["name"]: p["containerPort"] for c in pod_spec(doc)["containers"] for p in c.get("ports", [])}
        if annotations.get("prometheus.io/scrape") == "true":  # what is scraped exposes the metrics port
            assert ports.get(metrics_port["targetPort"]) == int(config(docs)["STREAMS_METRICS_PORT"])
            assert annotations["prometheus.io/port"] == config(docs)["STREAMS_METRICS_PORT"]
    scraped = {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"
               and d["spec"]["template"]["metadata"].get("annotations", {}).get("prometheus.io/scrape") == "true"}
    assert scraped == {"streams-ingest", "streams-worker", "streams-store", "streams-lag"}


def test_container_commands_parse_with_the_real_cli(docs: list[dict[str, Any]]) -> None:
    parser = build_parser()
    available = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for doc in docs:
        if doc["kind"] not in WORKLOAD_KINDS:
            continue
        for container in pod_spec(doc)["containers"]:
            if container.get("command"):
                assert container["command"] == ["python", "-m", "streams.kafka.lag"]
                continue
            args = container["args"]
            assert args[0] in {"topics", "ingest", "worker", "store", "serve"}
            if args[0] in available:
                parser.parse_args(args)


def test_strimzi_cluster_runs_kraft_with_a_node_pool(docs: list[dict[str, Any]]) -> None:
    kafka = by_kind(docs, "Kafka")["streams"]
    pools = [p for p in by_kind(docs, "KafkaNodePool").values()
             if p["metadata"]["labels"]["strimzi.io/cluster"] == "streams"]
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    assert "zookeeper" not in kafka["spec"]
    assert {"controller", "broker"} <= {role for p in pools for role in p["spec"]["roles"]}
    assert config(docs)["STREAMS_KAFKA_BOOTSTRAP"].startswith("streams-kafka-bootstrap")
    replication = int(config(docs)["STREAMS_REPLICATION"])
    assert replication <= sum(p["spec"]["replicas"] for p in pools)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
