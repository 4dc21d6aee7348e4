"""The control panel in a real browser: secrets revealed on click, the clock moved to a time, fault
rules and magic amounts added and removed, a notification resent, the mock reset."""

from __future__ import annotations

from playwright.sync_api import expect

from mockwx.config import DEMO_API_KEY, DEMO_SECRET
from mockwx.wire import to_dashed

from ..support import Reply
from .dashboard import api, pay_order, receiver


def test_secrets_are_masked_until_revealed(page, live_mock):
    page.goto(f"{live_mock.url}/__mock__/ui/control")
    key, secret = page.locator("#mch-key-0"), page.locator("#app-secret-0")
    expect(key).to_have_text("1920************************6a2d")
    assert DEMO_API_KEY not in page.content() and DEMO_SECRET not in page.content()
    page.locator("[data-reveal='#mch-key-0']").click()
    expect(key).to_have_text(DEMO_API_KEY)
    page.locator("[data-reveal='#app-secret-0']").click()
    expect(secret).to_have_text(DEMO_SECRET)
    page.locator("[data-reveal='#mch-key-0']").click()
    expect(key).to_have_text("1920************************6a2d")


def test_faults_magic_amounts_resend_clock_and_reset(page, live_mock, screenshots):
    page.goto(f"{live_mock.url}/__mock__/ui/control")
    page.select_option("#fault-api", "unifiedorder")
    page.select_option("select[name=err_code]", "SYSTEMERROR")
    page.fill("#fault-match", "total_fee=101")
    page.fill("#fault-times", "1")
    page.get_by_role("button", name="Add", exact=True).click()
    rule = page.locator("#faults tr[data-fault]").filter(has_text="err_code=SYSTEMERROR")
    expect(rule).to_contain_text("total_fee=101")
    assert api(live_mock, lambda c: c.unifiedorder("B20261127000020", 101))["err_code"] == "SYSTEMERROR"
    rule.get_by_role("button", name="Remove").click()
    expect(page.locator("#faults tr[data-fault]").filter(has_text="err_code=SYSTEMERROR")).to_have_count(0)

    magic = page.locator("#magic tr").filter(has_text="999901")
    magic.get_by_role("button", name="Remove").click()
    expect(page.locator("#magic tr").filter(has_text="999901").get_by_role("button", name="Add")).to_have_count(1)
    page.locator("#magic tr").filter(has_text="999901").get_by_role("button", name="Add").click()
    expect(page.locator("#magic tr").filter(has_text="999901")).to_contain_text("active")

    with receiver(live_mock, Reply(status=500)) as merchant:
        pay_order(live_mock, "B20261127000021", merchant.url)
        api(live_mock, lambda c: c.advance(0))
        page.reload()
        expect(page.locator("#jobs")).to_contain_text("notify:")  # the retry waiting on the clock
        expect(page.locator("#jobs")).to_contain_text("in 15s")
        row = page.locator("#notifications tr[data-notification]").filter(has_text="B20261127000021")
        expect(row).to_contain_text("pending")
        row.get_by_role("button", name="Resend").click()
        expect(page.locator(".toast")).to_contain_text("Resent: acked")
        expect(page.locator("#notifications tr[data-notification]").filter(has_text="B20261127000021")).to_contain_text(
            "acked"
        )
    target = to_dashed(int(api(live_mock, lambda c: c.clock())["now"]) + 2 * 86400)  # Beijing time
    page.fill("#advance-target", target.replace(" ", "T"))
    page.get_by_role("button", name="Go").click()
    expect(page.locator("#clock-now")).to_have_text(target)
    assert api(live_mock, lambda c: c.clock())["beijing"] == target
    page.screenshot(path=screenshots / "control.png", full_page=True)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset the mock").click()
    expect(page.locator("#notifications .empty")).to_be_visible()
    assert api(live_mock, lambda c: c.control("GET", "/orders"))["orders"] == []
