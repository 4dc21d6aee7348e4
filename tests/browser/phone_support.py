"""What the phone's page tests share: the reference merchant running beside the live mock (on its
loop thread, on its virtual clock), the mock's control API from synchronous code, and the phone's
selectors."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from aiohttp import web

from mockwx.http.wx import PHONE, PhoneSetup
from mockwx.merchant import create_app, demo_config
from mockwx.merchant.config import DEMO_SHOP_PRODUCTS
from mockwx.testing.server import MockServer
from tests.e2e.conftest import listening_socket

OPERATOR = "operator-token-for-the-phone-tests"


def control(mock: MockServer, method: str, path: str, body: Any = None) -> Any:
    """One call to the mock's control API (JSON, as the phone sends it)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{mock.url}/__mock__{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


class LiveShop:
    """The reference merchant selling the demo shop's catalogue, on the live mock's loop and clock."""

    def __init__(self, mock: MockServer, db_path: Path) -> None:
        self.mock = mock
        self._sock = listening_socket()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.config = demo_config(
            mock.url,
            self.url,
            str(db_path),
            products=DEMO_SHOP_PRODUCTS,
            operator_token=OPERATOR,
            retry_backoff=0,
        )
        self._runner: web.AppRunner | None = None

    def __enter__(self) -> LiveShop:
        assert self.mock.backend is not None
        app = create_app(self.config, clock=self.mock.backend.clock.now)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
        self.mock.run(self._start(self._runner))
        return self

    async def _start(self, runner: web.AppRunner) -> None:
        await runner.setup()
        await web.SockSite(runner, self._sock).start()

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            self.mock.run(self._runner.cleanup())


def phone_setup(mock: MockServer) -> PhoneSetup:
    """What the live mock's phone runs (the CLI's --miniprogram and --backend), to change in a test."""
    assert mock._runner is not None
    return mock._runner.app[PHONE]


def phone_url(mock: MockServer, backend: str = "", **query: str) -> str:
    params = "&".join(f"{k}={v}" for k, v in {"backend": backend, **query}.items() if v)
    return f"{mock.url}/__mock__/ui/phone" + (f"?{params}" if params else "")


def log_statuses(page: Any, api: str) -> list[str]:
    """The result column of the wx.* log for one API, oldest first."""
    texts = page.locator(f'#wxlog li[data-api="{api}"] .log-status').all_inner_texts()
    return [t.split(" · ")[0] for t in reversed(texts)]


def wait_for_calls(page: Any, api: str, count: int, *, kind: str = "", timeout: float = 15_000) -> None:
    """Wait until the wx.* log holds ``count`` finished calls of ``api`` (``kind``: only "ok" or "failed" ones)."""
    selector = f'#wxlog li[data-api="{api}"]' + (f".{kind}" if kind else ":not(.pending)")
    page.wait_for_function(
        "([selector, count]) => document.querySelectorAll(selector).length >= count",
        arg=[selector, count],
        timeout=timeout,
    )


def rendered_fonts(page: Any, expression: str) -> dict[str, int]:
    """The fonts Chromium drew the text of the element ``expression`` evaluates to with (family -> glyphs),
    from DevTools' CSS.getPlatformFontsForNode: unlike document.fonts.check, which is true for any name
    no web font claims, it names only an installed font that really had the glyphs."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
        found = cdp.send("Runtime.evaluate", {"expression": expression})
        node = cdp.send("DOM.requestNode", {"objectId": found["result"]["objectId"]})
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    finally:
        cdp.detach()
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def cjk_glyphs(fonts: dict[str, int]) -> int:
    """How many glyphs of ``rendered_fonts`` came from a CJK font (Noto Sans CJK SC and its kin)."""
    return sum(count for family, count in fonts.items() if "CJK" in family)
