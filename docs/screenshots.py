"""Take the README's dashboard screenshots (docs/img/dashboard-*.png): a payment with retries, a
refund and a signature made with the AppSecret, on a mock with a virtual clock, in Chromium.

    python docs/screenshots.py [--lang en|zh]

Needs Chromium and the test extras (Playwright). Writes three PNGs, each a clip of one page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from mockwx.config import DEMO_SECRET  # noqa: E402
from mockwx.testing.client import MockClient  # noqa: E402
from mockwx.testing.server import MockServer, mock_config  # noqa: E402
from tests.support import Receiver, Reply  # noqa: E402

NUMBER = "T20261127000042"


async def story(url: str, merchant: Receiver) -> None:
    async with MockClient(url) as client:
        login = await client.login("alice")
        await client.code2session(login["code"])
        merchant.plan = [Reply(status=500), Reply(body=b"<xml><return_code>FAIL</return_code></xml>")]
        order = await client.unifiedorder(NUMBER, 1800, notify_url=merchant.url, openid=login["openid"], body="咖啡")
        await client.v2("/pay/orderquery", {"out_trade_no": "T20261127000041"}, key=DEMO_SECRET)
        params = client.payment_params(order["prepay_id"])
        await client.pay(params, outcome="cancel")
        await client.pay(params)
        for seconds in (0, 15, 15):
            await client.advance(seconds)
        await client.v2("/pay/orderquery", {"out_trade_no": NUMBER})
        await client.refund(NUMBER, "R20261127000001", 1800, total_fee=1800, notify_url=merchant.url)
        await client.advance(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", default="en", choices=("en", "zh"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with MockServer.threaded(mock_config()) as mock:
        merchant = Receiver()
        mock.run(merchant.__aenter__())
        mock.run(story(mock.url, merchant))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            locale = "zh-CN" if args.lang == "zh" else "en-US"
            page = browser.new_page(viewport={"width": 1280, "height": 640}, locale=locale)
            page.goto(f"{mock.url}/__mock__/ui/?lang={args.lang}")
            page.locator("#journal tr[data-api='notify']").first.click()
            page.wait_for_timeout(300)
            page.screenshot(path=out / "dashboard-journal.png")
            page.set_viewport_size({"width": 1280, "height": 1500})  # the whole diagram, no scrolling
            page.goto(f"{mock.url}/__mock__/ui/orders/{NUMBER}")
            page.locator("#diagram").screenshot(path=out / "dashboard-story.png")
            page.set_viewport_size({"width": 1280, "height": 1400})
            page.goto(f"{mock.url}/__mock__/ui/?problems=1")
            page.locator("#journal tbody tr.row").first.click()
            page.locator("#detail-body [data-testid=doctor] a").click()
            page.wait_for_timeout(300)
            page.locator("#play-result").screenshot(path=out / "dashboard-playground.png")
            browser.close()
        mock.run(merchant.__aexit__(None, None, None))
    for name in ("journal", "story", "playground"):
        path = out / f"dashboard-{name}.png"
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
