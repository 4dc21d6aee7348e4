"""English and Chinese: a Chinese browser gets Chinese (Accept-Language), the switch changes it and is
remembered; the pages at phone width, with Chinese rendered."""

from __future__ import annotations

from playwright.sync_api import expect

from mockwx.config import DEMO_SECRET
from mockwx.wire import render_xml, with_sign

from .dashboard import api, pay_order, receiver


def test_a_chinese_phone_gets_chinese_and_the_switch_is_remembered(phone, live_mock, screenshots):
    with receiver(live_mock) as merchant:
        pay_order(live_mock, "B20261127000030", merchant.url)
        api(live_mock, lambda c: c.advance(0))
    phone.goto(f"{live_mock.url}/__mock__/ui/")
    expect(phone.locator("nav.nav")).to_contain_text("请求日志")
    expect(phone.locator("h1")).to_have_text("请求日志")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    phone.screenshot(path=screenshots / "phone-journal.png", full_page=True)
    phone.goto(f"{live_mock.url}/__mock__/ui/orders/B20261127000030")
    expect(phone.locator("#diagram svg .head").first).to_contain_text("小程序")
    expect(phone.locator("#diagram svg")).to_contain_text("支付结果通知")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the diagram scrolls in its card
    phone.screenshot(path=screenshots / "phone-story.png", full_page=True)

    phone.get_by_role("link", name="EN", exact=True).click()
    expect(phone.locator("h1")).to_have_text("B20261127000030")
    expect(phone.locator("#diagram svg")).to_contain_text("payment notification")
    phone.goto(f"{live_mock.url}/__mock__/ui/playground")  # the cookie outlives the page
    expect(phone.locator("h1")).to_have_text("Signature playground")
    phone.get_by_role("link", name="中文", exact=True).click()
    expect(phone.locator("h1")).to_have_text("签名实验室")


def test_the_doctor_speaks_chinese(phone, live_mock, screenshots):
    fields = with_sign({"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "out_trade_no": "B4"}, DEMO_SECRET)
    api(live_mock, lambda c: c.session.post(f"{c.url}/pay/orderquery", data=render_xml(fields)))
    phone.goto(f"{live_mock.url}/__mock__/ui/?problems=1")
    phone.locator("#journal tbody tr.row").first.click()
    doctor = phone.locator("[data-testid=doctor]")
    expect(doctor.locator(".mistake")).to_have_text(["把AppSecret当成了API密钥"])
    expect(doctor.locator(".fix")).to_contain_text("32位API密钥")
    doctor.get_by_role("link", name="在签名实验室中打开 →").click()
    expect(phone.locator("[data-testid=verdict]")).to_have_text("✗ 签名不一致。")
    phone.screenshot(path=screenshots / "phone-playground.png", full_page=True)


def test_the_control_panel_speaks_chinese(phone, live_mock, screenshots):
    phone.goto(f"{live_mock.url}/__mock__/ui/control")
    expect(phone.locator("#magic tr[data-fee='999901']")).to_contain_text("用户在 wx.requestPayment 中取消支付")
    expect(phone.locator("#fault-form")).to_contain_text("匹配（字段=值）")
    expect(phone.locator("#fault-form")).to_contain_text("生效次数")
    english = [w for w in ("the user cancels", "match (field=value)", "delay (s)") if w in phone.content()]
    assert english == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=screenshots / "phone-control.png", full_page=True)
