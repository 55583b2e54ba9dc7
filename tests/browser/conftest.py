"""Headless Chromium (the Debian package, driven by Playwright) against ``specmock serve`` on a free
loopback port. Without Chromium or Playwright the browser tests skip, except in CI (``CI=true``),
where they fail: CI installs both (``.ci/apt-packages`` and the ``test`` extra)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.requirements import unavailable
from tests.server_process import ROOT, ServerProcess

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:
    sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def _missing() -> str | None:
    if sync_playwright is None:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium chromium-driver, see .ci/apt-packages)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    missing = _missing()
    if missing:
        unavailable(f"browser tests: {missing}")
    # Playwright starts Chromium on a fresh temporary profile (user-data-dir) every launch.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess(free_port(), "--validate-responses") as process:
        yield process


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context: no stored authorisation carried over from another test."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot(page: Page):
    """Save the page as ``artifacts/screenshots/<name>.png`` (full length with ``full_page``)."""

    def save(name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
