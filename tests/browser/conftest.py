"""Pages in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).

Browser tests are synchronous tests (Playwright's sync API) against a mock running on its own
thread (``MockServer.threaded``). Without Chromium they skip with a message saying what to
install, except where ``MOCKWX_REQUIRE_BROWSER=1`` (CI sets it): there a missing browser fails.
Screenshots go to ``$MOCKWX_SCREENSHOTS`` (default: a ``mockwx-screenshots`` folder in the temp
directory) so a human can look at them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockwx.testing.server import MockServer, mock_config

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _chromium() -> str | None:
    return os.environ.get("MOCKWX_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium, once per module: Playwright's sync API runs an event loop of its own while it is
    open, so it must be closed before the suite's async tests run (modules run one after another)."""
    executable = _chromium()
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the playwright package (pip install -e '.[test]')"
    if executable is None:
        missing = "Chromium (apt-get install chromium fonts-noto-cjk)"
    if missing:
        if os.environ.get("MOCKWX_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests need {missing}, and MOCKWX_REQUIRE_BROWSER=1 says they must run")
        pytest.skip(f"browser tests need {missing}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page (1280 px) in a fresh browser context."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390 px), Chinese locale."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def live_mock() -> Iterator[MockServer]:
    """The mock on its own thread (virtual clock, in memory), for synchronous browser tests."""
    with MockServer.threaded(mock_config()) as mock:
        yield mock


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("MOCKWX_SCREENSHOTS") or Path(tempfile.gettempdir()) / "mockwx-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
