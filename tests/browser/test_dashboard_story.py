"""An order's story in a real browser: the sequence diagram's arrows and verdicts, retries appearing
live as the clock is advanced from the control panel's button, an arrow opening its raw message, the
diagram downloaded as SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from playwright.sync_api import expect

from ..support import Reply
from .dashboard import api, pay_order, receiver

SVG = "{http://www.w3.org/2000/svg}"


def test_the_story_grows_live_as_the_clock_moves(page, live_mock, screenshots):
    with receiver(live_mock, Reply(status=500), Reply(body=b"FAIL")) as merchant:
        pay_order(live_mock, "B20261127000010", merchant.url)
        api(live_mock, lambda c: c.advance(0))
        page.goto(f"{live_mock.url}/__mock__/ui/orders/B20261127000010")
        diagram = page.locator("#diagram svg")
        calls = diagram.locator("g.msg[data-kind=call]")
        expect(calls).to_have_count(5)  # wx.login, code2session, unifiedorder, wx.requestPayment, notify #1
        expect(diagram.locator("g.msg[data-kind=reply]")).to_have_count(5)
        expect(diagram.locator("g.msg[data-verdict]:not([data-verdict=''])")).to_have_count(1)
        expect(diagram.locator("g.msg[data-verdict=http_error]")).to_have_count(1)
        expect(diagram.locator("g.note").filter(has_text="next attempt in 15s")).to_have_count(1)

        control = page.context.new_page()  # the control panel beside the story
        control.goto(f"{live_mock.url}/__mock__/ui/control")
        for _ in range(2):
            control.get_by_role("button", name="+15 s").click()
            control.wait_for_load_state()
        expect(diagram.locator("g.msg[data-verdict]:not([data-verdict=''])")).to_have_count(3)
        expect(diagram.locator("g.msg[data-verdict=acked]")).to_have_count(1)  # not still in flight
        verdicts = [g.get_attribute("data-verdict") for g in diagram.locator("g.msg[data-verdict]").all()]
        assert [v for v in verdicts if v] == ["http_error", "rejected", "acked"]
        expect(diagram.locator("g.gap-row")).to_have_text(["retry after 15s", "retry after 15s"])
        expect(page.locator("#trade-state")).to_have_text("SUCCESS")

        async def query_and_refund(client):
            await client.v2("/pay/orderquery", {"out_trade_no": "B20261127000010"})
            await client.refund("B20261127000010", "R1", 1, total_fee=1, notify_url=merchant.url)
            await client.advance(60)  # the refund settles and its notification is acknowledged

        api(live_mock, query_and_refund)
        expect(diagram.locator("g.msg[data-api=orderquery][data-kind=call]")).to_have_count(1)
        expect(diagram.locator("g.msg[data-api=refund][data-kind=call]")).to_contain_text(["refund R1"])
        expect(diagram.locator("g.msg[data-api=refund_notify][data-verdict=acked]")).to_have_count(1)
        expect(diagram.locator("g.note").filter(has_text="refund settled R1")).to_have_count(1)
        expect(page.locator("#trade-state")).to_have_text("REFUND")
        page.screenshot(path=screenshots / "story.png", full_page=True)

        diagram.locator("g.msg[data-api=notify][data-verdict=acked]").click()
        drawer = page.locator("#drawer.open")
        expect(drawer).to_contain_text("The merchant's reply")
        expect(drawer.locator("pre.body").first).to_contain_text("<out_trade_no><![CDATA[B20261127000010]]>")
        page.keyboard.press("Escape")
        expect(page.locator("#drawer.open")).to_have_count(0)

        with page.expect_download() as download:
            page.locator("#download").click()
        svg = ET.parse(download.value.path()).getroot()
        assert svg.tag == f"{SVG}svg" and svg.get("data-arrows") == "20"
        links = [a.get("href") for a in svg.iter(f"{SVG}a")]
        assert len(links) == 20 and all(h.startswith(f"{live_mock.url}/__mock__/ui/entries/") for h in links)
        page.goto(links[0])
        expect(page.locator("h1")).to_have_text(f"Call #{links[0].rsplit('/', 1)[1]}")


def test_orders_list_leads_to_stories(page, live_mock):
    with receiver(live_mock) as merchant:
        pay_order(live_mock, "B20261127000011", merchant.url, total_fee=2500)
        page.goto(f"{live_mock.url}/__mock__/ui/orders")
        row = page.locator("#orders tbody tr").filter(has_text="B20261127000011")
        expect(row).to_contain_text("¥25.00")
        expect(row).to_contain_text("SUCCESS")
        row.get_by_role("link").click()
        expect(page.locator("h1")).to_have_text("B20261127000011")
        api(live_mock, lambda c: c.unifiedorder("B20261127000012", 1))
        api(live_mock, lambda c: c.v2("/pay/closeorder", {"out_trade_no": "B20261127000012"}))
        page.goto(f"{live_mock.url}/__mock__/ui/orders?out_trade_no=B20261127000012")  # the search box's query
        closed = page.locator("#diagram svg g.msg[data-api=closeorder]")
        expect(closed).to_have_count(2)
        expect(closed.nth(1)).to_contain_text("SUCCESS")
        expect(page.locator("#trade-state")).to_have_text("CLOSED")
        page.goto(f"{live_mock.url}/__mock__/ui/orders/NOPE")
        expect(page.locator("main")).to_contain_text("No order NOPE in the mock.")
