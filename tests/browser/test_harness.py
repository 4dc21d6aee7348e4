"""The browser harness itself: Chromium starts, renders Chinese, and reaches the mock on loopback."""

from __future__ import annotations

import shutil
import subprocess

from .phone_support import cjk_glyphs, rendered_fonts


def test_chromium_reaches_the_mock_and_renders_chinese(page, live_mock, screenshots):
    page.goto(f"{live_mock.url}/__mock__/health")
    assert '"ok": true' in page.content()
    page.set_content("<h1 id=t>签名错误 mockwx</h1><p id=latin>mockwx</p>")
    assert page.inner_text("#t") == "签名错误 mockwx"
    assert cjk_glyphs(rendered_fonts(page, "document.getElementById('t')")) == 4  # 签名错误, not boxes
    assert cjk_glyphs(rendered_fonts(page, "document.getElementById('latin')")) == 0  # the check can tell
    if shutil.which("fc-list"):  # a CJK font is installed, so Chinese renders as text, not boxes
        assert subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip()
    page.screenshot(path=screenshots / "harness.png")
