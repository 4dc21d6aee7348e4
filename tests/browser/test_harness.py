"""The browser harness itself: Chromium starts, renders Chinese, and reaches the mock on loopback."""

from __future__ import annotations

import shutil
import subprocess


def test_chromium_reaches_the_mock_and_renders_chinese(page, live_mock, screenshots):
    page.goto(f"{live_mock.url}/__mock__/health")
    assert '"ok": true' in page.content()
    page.set_content("<h1 id=t>签名错误 mockwx</h1>")
    assert page.inner_text("#t") == "签名错误 mockwx"
    if shutil.which("fc-list"):  # a CJK font is installed, so Chinese renders as text, not boxes
        assert subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip()
    page.screenshot(path=screenshots / "harness.png")
