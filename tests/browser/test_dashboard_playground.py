"""The signature playground in a real browser: WeChat's documented example step by step, a body
signed with the AppSecret diagnosed by name with its diff, a paySign mistake, the key revealed."""

from __future__ import annotations

from playwright.sync_api import expect

from mockwx.config import DEMO_API_KEY, DEMO_SECRET
from mockwx.wire import pay_sign_fields, render_xml, sign, with_sign


def test_documented_example_and_a_pasted_appsecret_sign(page, live_mock, screenshots):
    page.goto(f"{live_mock.url}/__mock__/ui/playground")
    page.get_by_role("button", name="WeChat's documented example").click()
    steps = page.locator("#play-steps")
    expect(steps.locator("[data-testid=sign]")).to_have_text("9A0A8659F005D6984697E2CA0A9CF3B7")
    expect(steps.locator("[data-testid=verdict]")).to_have_text("✓ The sign matches.")
    expect(steps.locator("[data-testid=joined]")).to_have_text(
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA"
    )

    body = with_sign(
        {"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "nonce_str": "n1", "attach": "", "out_trade_no": "B1"},
        DEMO_SECRET,
    )
    page.fill("#play-text", render_xml(body).decode())
    page.fill("#play-key", DEMO_API_KEY)
    page.fill("#play-received", "")
    page.get_by_role("button", name="Sign it").click()
    expect(steps.locator("[data-testid=verdict]")).to_have_text("✗ The sign does not match.")
    expect(steps.locator(".mistake")).to_have_text(["signed with the AppSecret instead of the merchant API key"])
    expect(steps.locator(".field-list .badge.fail")).to_have_text(["empty: left out", "sign: left out"])
    expect(steps.locator("[data-testid=diff] del")).to_contain_text(["1920"])
    expect(steps.locator("[data-testid=diff] ins")).to_contain_text(["a1b2"])
    key = steps.locator("#play-secret")
    expect(key).to_have_text("1920************************6a2d")
    steps.get_by_role("button", name="reveal").click()
    expect(key).to_have_text(DEMO_API_KEY)
    page.screenshot(path=screenshots / "playground.png", full_page=True)


def test_paysign_mode_names_a_lowercase_field_name(page, live_mock):
    five = pay_sign_fields("wxd930ea5d5a258f4f", "1490840662", "n0nce", "prepay_id=wx1", "MD5")
    wrong = sign({k.lower(): v for k, v in five.items()}, DEMO_API_KEY)
    page.goto(f"{live_mock.url}/__mock__/ui/playground")
    page.get_by_role("button", name="paySign (wx.requestPayment)").click()
    page.fill("#play-text", "\n".join(f"{k}={v}" for k, v in five.items()) + f"\npaySign={wrong}")
    page.fill("#play-key", DEMO_API_KEY)
    page.get_by_role("button", name="Sign it").click()
    steps = page.locator("#play-steps")
    expect(steps.locator("[data-testid=sign]")).to_have_text(sign(five, DEMO_API_KEY))
    expect(steps.locator(".mistake")).to_have_text(["paySign field names in lower case (appid, timestamp...)"])
    expect(steps.locator(".field-list .badge.fail")).to_have_text(["not one of paySign's five fields"])


def test_bad_input_is_explained(page, live_mock):
    page.goto(f"{live_mock.url}/__mock__/ui/playground")
    page.fill("#play-text", "<xml><a>1</xml>")
    page.fill("#play-key", DEMO_API_KEY)
    page.get_by_role("button", name="Sign it").click()
    expect(page.locator("[data-testid=play-error]")).to_contain_text("this XML does not parse")
