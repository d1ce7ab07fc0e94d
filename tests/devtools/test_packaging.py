"""The broker's Maven pom and log4j configs ship inside the package, so an installed wheel can start it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from streams.devtools.broker import paths

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "streams"
BROKER_FILES = ("pom.xml", "log4j.properties", "log4j2.properties")


def test_the_broker_reads_its_pom_and_log4j_configs_from_the_package() -> None:
    package_dir = PACKAGE / "devtools" / "broker"
    assert paths.POM == package_dir / "pom.xml" and paths.POM.is_file()
    for name in BROKER_FILES:
        assert (paths.LOG4J_DIR / name).is_file(), name


def test_deploy_kafka_still_offers_the_same_files() -> None:
    for name in BROKER_FILES:
        deployed = ROOT / "deploy" / "kafka" / name
        assert deployed.read_bytes() == (PACKAGE / "devtools" / "broker" / name).read_bytes(), name


def build_wheel(tmp_path: Path) -> Path:
    """``pip wheel --no-deps`` of this checkout (from a copy: an in-tree build writes build/ into it)."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(ROOT / "pyproject.toml", src)
    shutil.copy(ROOT / "README.md", src)
    shutil.copytree(PACKAGE, src / "streams", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = out.glob("streams-*.whl")
    return wheel


@pytest.mark.slow
def test_the_built_wheel_contains_the_pom_and_log4j_configs(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in BROKER_FILES:
            member = f"streams/devtools/broker/{name}"
            assert member in names, f"{member} is not in {wheel.name}"
            assert archive.read(member) == (PACKAGE / "devtools" / "broker" / name).read_bytes()
