"""The journal in a real browser: the mock's address leads to it, calls appear live without a
reload, a row opens its raw request and answer, filters narrow it, a problem leads to its page."""

from __future__ import annotations

import urllib.request

from playwright.sync_api import expect

from mockwx.config import DEMO_SECRET
from mockwx.wire import render_xml, with_sign

from ..support import Reply
from .dashboard import api, pay_order, receiver

LONG_NUMBER = "B2026112703290606054641731234567"  # 32 characters, the most out_trade_no takes


def test_calls_appear_live_and_open_their_raw_messages(page, live_mock, screenshots):
    page.goto(live_mock.url + "/")  # a browser at the mock's address lands on the dashboard
    assert page.url == f"{live_mock.url}/__mock__/ui/"
    expect(page.locator(".live-dot.on")).to_have_count(1)  # the live stream is open
    page.evaluate("window.notReloaded = true")
    with receiver(live_mock) as merchant:
        pay_order(live_mock, "B20261127000001", merchant.url)
        api(live_mock, lambda c: c.advance(0))
        rows = page.locator("#journal tbody tr.row")
        expect(rows.filter(has_text="requestPayment:ok")).to_have_count(1)
        expect(page.locator("#journal tr[data-api='notify']").filter(has_text="acked")).to_have_count(1)
        apis = [r.get_attribute("data-api") for r in rows.all()]
        assert {"control", "login", "code2session", "unifiedorder", "pay", "notify"} <= set(apis)
        ids = [int(r.get_attribute("data-id")) for r in rows.all()]
        assert ids == sorted(ids, reverse=True)  # newest first, by when each call started
        assert page.evaluate("window.notReloaded") is True  # no reload happened
        page.locator("#journal tr[data-api='unifiedorder']").click()
        detail = page.locator("#detail-body")
        expect(detail.locator(".start-line").first).to_have_text("POST /pay/unifiedorder")
        expect(detail.locator("pre.body").first).to_contain_text(
            "<out_trade_no><![CDATA[B20261127000001]]></out_trade_no>"
        )
        expect(detail.locator("pre.body").nth(1)).to_contain_text("<prepay_id>")
        expect(detail.locator("[data-testid=verdict]")).to_contain_text("SUCCESS")
        page.screenshot(path=screenshots / "journal.png")
        page.locator("#journal tr[data-api='notify']").click()
        expect(detail).to_contain_text("Sent by the mock")
        expect(detail.locator("pre.body").first).to_contain_text("<result_code><![CDATA[SUCCESS]]></result_code>")


def test_filters_and_a_problem_leads_to_its_page_and_the_playground(page, live_mock):
    fields = with_sign({"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "out_trade_no": "B2"}, DEMO_SECRET)
    request = urllib.request.Request(f"{live_mock.url}/pay/orderquery", data=render_xml(fields), method="POST")
    with urllib.request.urlopen(request) as answer:
        link = answer.headers["X-Mockwx-Problem"]
    api(live_mock, lambda c: c.v2("/pay/orderquery", {"out_trade_no": "B3"}))
    page.goto(f"{live_mock.url}/__mock__/ui/?problems=1")
    expect(page.locator("#journal tbody tr.row")).to_have_count(1)
    page.goto(f"{live_mock.url}/__mock__/ui/?api=orderquery&outcome=ORDERNOTEXIST")
    expect(page.locator("#journal tbody tr.row")).to_have_count(1)
    page.goto(f"{live_mock.url}/__mock__/ui/")
    page.fill("#f-order", "B3")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#journal tbody tr.row")).to_have_count(1)
    expect(page.locator("#journal tbody tr.row .order-link")).to_have_text("B3")
    page.goto(link)  # the header a developer finds in a log
    doctor = page.locator("[data-testid=doctor]")
    expect(doctor.locator(".mistake")).to_have_text(["signed with the AppSecret instead of the merchant API key"])
    expect(doctor).to_contain_text("key=1920************************6a2d")
    doctor.get_by_role("link", name="Open in the playground").click()
    expect(page.locator("[data-testid=verdict]")).to_have_text("✗ The sign does not match.")
    appsecret = "signed with the AppSecret instead of the merchant API key"
    expect(page.locator("#play-steps .mistake")).to_have_text([appsecret])
    expect(page.locator("[data-testid=diff] del")).not_to_have_count(0)


def test_every_column_stays_in_view_at_1280_px_with_long_values(page, live_mock, screenshots):
    """Issue 11, review item 9: the Outcome column was cut off ("SUCCE", "reques") by a 26-character
    out_trade_no and a notify URL. And a retry delivered during a clock advance is listed above it."""
    page.goto(f"{live_mock.url}/__mock__/ui/")
    with receiver(live_mock, Reply(status=500)) as merchant:
        pay_order(live_mock, LONG_NUMBER, merchant.url)
        api(live_mock, lambda c: c.advance(0))
        api(live_mock, lambda c: c.advance(15))  # the retry is delivered while the advance runs
        rows = page.locator("#journal tbody tr.row")
        expect(rows.filter(has_text="requestPayment:ok")).to_have_count(1)
        expect(page.locator("#journal tr[data-api='notify']")).to_have_count(2)
        expect(page.locator("#journal tr[data-api='control']")).to_have_count(2)
    retry, advance = rows.all()[:2]  # the retry started after the advance, and finished before it
    assert (retry.get_attribute("data-api"), advance.get_attribute("data-api")) == ("notify", "control")
    assert int(retry.get_attribute("data-seq")) < int(advance.get_attribute("data-seq"))
    page.reload()  # the server's order is the live page's order
    assert [r.get_attribute("data-id") for r in rows.all()] == sorted(
        (r.get_attribute("data-id") for r in rows.all()), key=int, reverse=True
    )
    card = page.locator("#journal").locator("xpath=ancestor::section[contains(@class, 'card')]")
    right = card.bounding_box()["x"] + card.bounding_box()["width"]
    assert page.evaluate("document.querySelector('#journal').scrollWidth") <= card.bounding_box()["width"]
    for badge in page.locator("#journal .badge.outcome").all():
        box = badge.bounding_box()
        assert box["x"] + box["width"] <= right, badge.inner_text()
    outcome = rows.filter(has_text="requestPayment:ok").locator(".badge.outcome")
    assert outcome.evaluate("b => b.scrollWidth <= b.clientWidth")  # shown whole, not cut
    expect(page.locator(f"#journal tr[data-api='unifiedorder'] td.order[title='{LONG_NUMBER}']")).to_have_count(1)
    page.screenshot(path=screenshots / "journal-1280-long.png")
