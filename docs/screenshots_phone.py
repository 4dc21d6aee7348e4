"""Take the README's phone screenshot (docs/img/phone-cashier.png): the demo shop against the reference
merchant, a coffee bought and the payment sheet open, the wx.* log beside it, under the dashboard's nav,
in Chinese, in Chromium.

    python docs/screenshots_phone.py [--lang zh|en]

Needs Chromium and the test extras (Playwright). The dashboard's screenshots: docs/screenshots.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from mockwx.testing.server import MockServer, mock_config  # noqa: E402
from tests.browser.phone_support import LiveShop, phone_url  # noqa: E402

WAIT = 15_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", default="zh", choices=("en", "zh"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "phone-cashier.png"
    with tempfile.TemporaryDirectory() as folder, MockServer.threaded(mock_config()) as mock:
        with LiveShop(mock, Path(folder) / "merchant.sqlite3") as shop, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            locale = "zh-CN" if args.lang == "zh" else "en-US"
            page = browser.new_page(viewport={"width": 1160, "height": 900}, locale=locale)
            page.goto(phone_url(mock, shop.url, lang=args.lang))
            page.locator("#screen .buy").first.click(timeout=WAIT)
            page.locator("#pay-button").click(timeout=WAIT)
            page.locator(".cashier").wait_for(timeout=WAIT)
            page.wait_for_timeout(400)  # the sheet slides in
            page.evaluate("window.scrollTo(0, 0)")
            stage = page.locator(".stage").bounding_box()
            assert stage is not None
            # the page from its top (the dashboard's nav, the Phone tab lit) to below the phone; an element
            # screenshot would scroll and put the sticky nav over the phone's top
            clip = {"x": 0, "y": 0, "width": 1160, "height": stage["y"] + stage["height"] + 16}
            page.screenshot(path=path, clip=clip, full_page=True)
            browser.close()
    print(f"{path}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
