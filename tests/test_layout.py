"""The shape of the package: import contracts, module size, declared dependencies.

The contracts themselves are in ``[tool.importlinter]`` of pyproject.toml: layers that follow the
data path (core < kafka, text < enrich < ingest, worker, store, alerts, devtools < cli), pure
enrichment (no Kafka, database or network client) and no import cycle between siblings anywhere.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "streams"
#: a module longer than this holds more than one idea: split it (docs/DEVELOPING.md)
MAX_MODULE_LINES = 600


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_no_module_is_longer_than_the_limit() -> None:
    sizes = {p.relative_to(REPO).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    too_long = {path: n for path, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_every_imported_distribution_is_declared() -> None:
    """A third-party package that streams imports is a runtime (or optional) dependency in pyproject."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirement_names(project["dependencies"])
    optional = set().union(*(_requirement_names(reqs) for reqs in project.get("optional-dependencies", {}).values()))
    graph = grimp.build_graph("streams", include_external_packages=True, cache_dir=None)
    external = {m for m in graph.modules if not m.startswith("streams")}
    to_dist = importlib.metadata.packages_distributions()
    undeclared = {}
    for module in sorted(external - set(sys.stdlib_module_names)):
        dists = {d.lower().replace("_", "-") for d in to_dist.get(module, [])}
        if not dists & (runtime | optional):
            undeclared[module] = sorted(dists) or "not installed"
    assert not undeclared, f"imported by streams but not declared in pyproject.toml: {undeclared}"
