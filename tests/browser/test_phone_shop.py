"""The demo shop in the phone, clicked through in headless Chromium against the reference merchant:
log in, deny then allow a scope, the profile the merchant verifies, the phone number it exchanges,
buy, cancel on the sheet, pay, PAID only once WeChat's notification lands, refund from the
operator's page, and the wx.* log and the link to the order's sequence diagram on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mockwx.config import DEMO_API_KEY, DEMO_APPID
from mockwx.ids import Ids

from .phone_support import (
    OPERATOR,
    LiveShop,
    cjk_glyphs,
    control,
    log_statuses,
    phone_url,
    rendered_fonts,
    wait_for_calls,
)

WAIT = 15_000  # ms: generous, the machine is shared


@pytest.fixture
def shop(live_mock, tmp_path):
    with LiveShop(live_mock, tmp_path / "merchant.sqlite3") as running:
        yield running


def test_a_student_buys_a_coffee_with_clicks_only(page, live_mock, shop, screenshots):
    page.goto(phone_url(live_mock, shop.url))
    products = page.locator("#screen .product")
    products.first.wait_for(timeout=WAIT)
    assert products.count() == 3 and "澳白 Flat white" in products.first.inner_text()
    assert log_statuses(page, "wx.login") == ["login:ok"]
    page.screenshot(path=screenshots / "phone-1-catalogue.png")

    # -- deny a scope, then allow it in the settings page --------------------------------------
    page.get_by_text("我的资料").click()
    page.click("#locate-button")
    page.locator(".auth-sheet").wait_for()
    assert "获取你的位置信息" in page.inner_text(".auth-sheet")
    page.wait_for_timeout(300)  # let the sheet finish sliding in
    page.screenshot(path=screenshots / "phone-2-permission.png")
    page.click('.auth-sheet >> text="拒绝"')
    page.locator("#setting-button").wait_for()
    assert page.inner_text("#location") == "getLocation:fail auth deny"
    page.click("#locate-button")  # denied: no dialog this time, an immediate fail
    wait_for_calls(page, "wx.getLocation", 2)
    assert page.locator(".auth-sheet").count() == 0
    assert log_statuses(page, "wx.getLocation") == ["getLocation:fail auth deny"] * 2
    page.click("#setting-button")
    page.check('.setting-row input[data-scope="scope.userLocation"]')
    page.click(".settings-back")
    page.click("#locate-button")
    expect(page.locator("#location")).to_contain_text("22.540503")
    answer = control(live_mock, "GET", "/wx/settings?user=alice")
    assert answer["authSetting"] == {"scope.userLocation": True}

    # -- the profile, verified by the merchant with the session_key -------------------------------
    page.select_option("#profile-mode", "real")
    page.click("#profile-button")
    page.locator(".profile-sheet").wait_for()
    page.click('.profile-sheet >> text="允许"')
    page.locator("#profile-name").wait_for(timeout=WAIT)
    assert page.inner_text("#profile-name") == "alice"
    assert "watermark.appid = wxd930ea5d5a258f4f" in page.inner_text("#profile-note")

    # -- the phone number: the button's code, exchanged by the merchant -----------------------------
    page.click("#phone-button")
    page.locator(".phone-sheet").wait_for()
    number = Ids.phone_number("alice")
    assert f"{number[:3]}****{number[-4:]}" in page.inner_text(".phone-sheet")
    page.click('.phone-sheet >> text="允许"')
    page.locator("#phone-number").wait_for(timeout=WAIT)
    assert page.inner_text("#phone-number") == number
    journal = control(live_mock, "GET", "/requests")["requests"]
    assert [(e["api"], e["outcome"]) for e in journal if e["api"] == "getuserphonenumber"] == [
        ("getuserphonenumber", "ok")
    ]

    # -- buy, cancel on the sheet, pay ---------------------------------------------------------------
    page.click("#nav-back")
    page.locator("#screen .buy").first.click()
    page.locator("#pay-button").wait_for(timeout=WAIT)
    assert "待支付 PENDING" in page.inner_text("#order-status")
    number = page.inner_text("#order-no")
    page.click("#pay-button")
    sheet = page.locator(".cashier")
    sheet.wait_for()
    assert "mockwx demo merchant" in sheet.inner_text() and "¥18.00" in sheet.inner_text()
    assert "澳白 Flat white" in sheet.inner_text()
    page.wait_for_timeout(300)  # let the sheet finish sliding in
    page.screenshot(path=screenshots / "phone-3-cashier.png")
    page.click(".cashier-close")
    page.locator("#order-note").wait_for()
    assert "支付已取消" in page.inner_text("#order-note")
    assert log_statuses(page, "wx.requestPayment") == ["requestPayment:fail cancel"]

    page.click("#pay-button")  # 再次支付: fresh parameters from the merchant
    page.click(".pay-button")
    for key in "123456":
        page.click(f'.key[data-key="{key}"]')
    page.locator(".result.ok").wait_for(timeout=WAIT)
    page.wait_for_timeout(300)  # let the sheet finish sliding in
    page.screenshot(path=screenshots / "phone-4-paid.png")
    page.click(".done-button")
    wait_for_calls(page, "wx.requestPayment", 1, kind="ok")
    assert log_statuses(page, "wx.requestPayment") == ["requestPayment:fail cancel", "requestPayment:ok"]
    # requestPayment:ok is the client's word: the page polls the merchant, which says PAID once WeChat's
    # notification has landed (and been acknowledged)
    page.locator("#order-status.status-PAID").wait_for(timeout=WAIT)
    assert page.inner_text("#order-status") == "已支付 PAID"
    assert "商户已收到微信的支付通知" in page.inner_text("#order-note")
    order = control(live_mock, "GET", f"/orders/{number}")
    assert order["trade_state"] == "SUCCESS" and [p["outcome"] for p in order["payments"]] == ["cancel", "ok"]
    assert [n["status"] for n in order["notifications"]] == ["acked"]
    assert page.get_attribute("#diagram-link", "href") == f"/__mock__/ui/orders/{number}"
    page.screenshot(path=screenshots / "phone-5-paid-order.png")

    # -- refund from the operator's page -----------------------------------------------------------------
    page.click("#refund-button")
    page.fill("#ops-token", OPERATOR)
    page.click("#ops-refund")
    page.locator("#ops-result").wait_for(timeout=WAIT)
    assert "退款已受理" in page.inner_text("#ops-result")
    control(live_mock, "POST", "/clock/advance", {"seconds": 60})  # WeChat settles the refund a minute later
    expect(page.locator("#ops-status")).to_have_text("REFUNDED", timeout=WAIT)
    page.screenshot(path=screenshots / "phone-6-refunded.png")
    apis = {e["api"] for e in control(live_mock, "GET", "/requests?limit=0")["requests"]}
    assert {"wx.getUserProfile", "wx.getPhoneNumber", "wx.requestPayment", "pay", "refund"} <= apis


def test_an_ended_session_logs_in_again_with_a_new_session_key(page, live_mock, shop):
    page.goto(phone_url(live_mock, shop.url))
    page.locator("#screen .product").first.wait_for(timeout=WAIT)
    before = control(live_mock, "POST", "/login", {"user": "alice"})["openid"]
    page.click("#end-session")
    page.locator("#end-session.done").wait_for(timeout=WAIT)
    page.click("#relaunch")
    page.locator("#screen .product").first.wait_for(timeout=WAIT)
    wait_for_calls(page, "wx.login", 2)
    assert "checkSession:fail session time out, need relogin" in log_statuses(page, "wx.checkSession")
    assert control(live_mock, "GET", "/wx/session?user=alice")["valid"] is True
    assert control(live_mock, "POST", "/login", {"user": "alice"})["openid"] == before


def test_profile_data_signed_under_an_ended_session_is_refused_in_chinese(page, live_mock, shop, screenshots):
    """The lesson's minutes 7-10: after 登录态过期 the shop logs in again, the merchant's new session_key
    does not match the data's signature, and the refusal reads in the shop's language."""
    page.goto(phone_url(live_mock, shop.url))
    page.locator("#screen .product").first.wait_for(timeout=WAIT)
    page.get_by_text("我的资料").click()
    page.select_option("#profile-mode", "real")
    page.click("#end-session")
    page.locator("#end-session.done").wait_for(timeout=WAIT)
    page.click("#profile-button")
    page.click('.profile-sheet >> text="允许"')
    note = page.locator("#profile-note")
    expect(note).to_contain_text("商户拒绝了这份资料：rawData 与签名不符", timeout=WAIT)
    assert note.inner_text().endswith("（BAD_SIGNATURE）") and "does not match" not in note.inner_text()
    page.screenshot(path=screenshots / "phone-profile-refused.png")


def test_the_logged_five_parameters_of_a_payment_check_in_the_playground(page, live_mock, shop, screenshots):
    """The lesson's minutes 16-18: wx.requestPayment's five parameters (no appId) pasted into paySign mode."""
    page.goto(phone_url(live_mock, shop.url))
    page.locator("#screen .buy").first.click(timeout=WAIT)
    page.locator("#pay-button").click(timeout=WAIT)
    page.locator(".cashier").wait_for(timeout=WAIT)
    calls = control(live_mock, "GET", "/requests")["requests"]
    fields = next(e["fields"] for e in calls if e["api"] == "wx.requestPayment")
    five = {k: v for k, v in fields.items() if k != "appid"}  # appid: which mini program the phone runs
    assert sorted(five) == ["nonceStr", "package", "paySign", "signType", "timeStamp"]
    page.goto(f"{live_mock.url}/__mock__/ui/playground?lang=en")
    page.get_by_role("button", name="paySign (wx.requestPayment)").click()
    page.fill("#play-text", "\n".join(f"{k}={v}" for k, v in five.items()))
    page.fill("#play-key", DEMO_API_KEY)
    page.get_by_role("button", name="Sign it").click()
    steps = page.locator("#play-steps")
    expect(steps.locator("[data-testid=verdict]")).to_have_text("✓ The sign matches.")
    expect(steps.locator("[data-testid=play-filled]")).to_contain_text(
        f"appId {DEMO_APPID} is filled in from the order"
    )
    page.screenshot(path=screenshots / "phone-lesson-paysign.png", full_page=True)


def test_another_user_holds_the_phone(page, live_mock, shop):
    page.goto(phone_url(live_mock, shop.url))
    page.locator("#screen .product").first.wait_for(timeout=WAIT)
    page.fill("#new-user", "carol")
    page.click("#new-user-form button")
    wait_for_calls(page, "wx.login", 2)
    assert page.input_value("#user") == "carol"
    page.get_by_text("我的资料").click()
    page.click("#phone-button")
    page.click('.phone-sheet >> text="不允许"')
    page.locator("#phone-note").wait_for()
    assert page.inner_text("#phone-note") == "getPhoneNumber:fail user deny"
    carol = Ids.phone_number("carol")
    page.click("#phone-button")
    assert f"{carol[-4:]}" in page.inner_text(".phone-sheet")


def test_it_reads_as_a_phone_in_chinese(phone, live_mock, shop, screenshots):
    phone.goto(phone_url(live_mock, shop.url))
    phone.locator("#screen .product").first.wait_for(timeout=WAIT)
    box = phone.locator("#device").bounding_box()
    assert box["x"] == 0 and box["width"] == 390  # the phone is the screen; the panel follows below
    assert phone.inner_text("#nav-title") == "mockwx 咖啡"
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"
    title = 'document.getElementById("device").shadowRoot.getElementById("nav-title")'
    assert cjk_glyphs(rendered_fonts(phone, title)) == 2  # 咖啡 drawn by a CJK font, not as boxes
    phone.screenshot(path=screenshots / "phone-390.png", full_page=True)
