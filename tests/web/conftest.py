"""Fixtures of the console tests: a SQLite archive served by the console on 127.0.0.1.

``browser`` tests also get headless Chromium through Selenium; ``scripts/ensure_chromium.sh``
installs Debian's ``chromium`` and ``chromium-driver`` when they are missing (CI starts clean).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from streams.store.archive import Archive
from streams.store.backends import open_archive
from streams.web.server import ConsoleServer

REPO = Path(__file__).resolve().parents[2]
ENSURE_CHROMIUM = REPO / "scripts" / "ensure_chromium.sh"
SCREENSHOTS = REPO / "docs" / "screenshots"


@pytest.fixture()
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    open_archive(url).close()  # created and migrated, empty
    return url


@pytest.fixture()
def writer(database_url: str) -> Iterator[Archive]:
    """The archive as the storage consumer writes it (its own connection, like `streams store`)."""
    with open_archive(database_url) as archive:
        yield archive


@pytest.fixture()
def console(database_url: str) -> Iterator[ConsoleServer]:
    """The console and API over a read-only view of the archive, as `streams serve` runs them."""
    with open_archive(database_url, read_only=True) as archive:
        server = ConsoleServer(archive, "127.0.0.1", 0).start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture()
def client(console: ConsoleServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console.url, timeout=10) as c:
        yield c


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver (installed by scripts/ensure_chromium.sh if missing)."""
    out = subprocess.run(["bash", str(ENSURE_CHROMIUM)], check=True, capture_output=True, text=True, timeout=1800)
    lines = out.stdout.split()
    assert len(lines) == 2, f"ensure_chromium.sh printed {out.stdout!r}; stderr: {out.stderr[-2000:]}"
    return lines[0], lines[1]


@pytest.fixture()
def browser(chromium: tuple[str, str]) -> Iterator["object"]:
    """A headless Chromium driven by Selenium (a fresh profile per test)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=chromium[1]), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
