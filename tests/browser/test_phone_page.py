"""The phone as a page of the dashboard: the dashboard's top bar (every section, the clock, the language
switch), and a phone whose insides keep to themselves: the dashboard's styles do not reach into the
mini program, the mini program's WXSS does not reach out, and a long error stays inside the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .phone_support import LiveShop, log_statuses, phone_setup, phone_url, wait_for_calls

WAIT = 15_000


@pytest.fixture
def shop(live_mock, tmp_path):
    with LiveShop(live_mock, tmp_path / "merchant.sqlite3") as running:
        yield running


def test_the_phone_is_a_section_of_the_dashboard(page, live_mock, shop):
    page.goto(phone_url(live_mock, shop.url))
    page.locator("#screen .product").first.wait_for(timeout=WAIT)
    nav = page.locator(".topbar .nav a")
    expect(nav).to_have_text(["Journal", "Orders", "Signature playground", "Control panel", "Phone"])
    expect(page.locator(".topbar .nav a.active")).to_have_attribute("href", "/__mock__/ui/phone")
    expect(page.locator("#clock .clock-kind")).to_have_text("virtual")
    page.get_by_role("link", name="Control panel").click()  # the dashboard's pages link back to the phone
    page.locator(".topbar .nav").get_by_role("link", name="Phone").click()
    expect(page.locator("#nav-title")).to_have_text("mockwx 咖啡")  # the shop, with no backend this time
    page.goto(phone_url(live_mock, shop.url))
    page.locator(".lang-switch").get_by_role("link", name="中文").click()  # keeps ?backend=
    page.locator("#screen .product").first.wait_for(timeout=WAIT)
    expect(nav.last).to_have_text("手机")
    expect(page.locator(".panel h2").first).to_have_text("拿着手机的人")
    page.locator("#wxlog li").first.locator("summary").click()
    expect(page.locator("#wxlog li").first.locator("h4").first).to_have_text("参数")  # the panel's script's texts


def test_styles_stop_at_the_phones_edge(page, live_mock, shop):
    page.goto(phone_url(live_mock, shop.url))
    page.locator("#screen .product").first.wait_for(timeout=WAIT)
    looks = page.evaluate(
        """() => {
            const inside = document.getElementById('device').shadowRoot;
            const style = (el) => getComputedStyle(el);
            return {
                shopMuted: style(inside.querySelector('.hero-sub')).fontSize,
                panelMuted: style(document.querySelector('.panel .muted')).fontSize,
                shopCardBorder: style(inside.querySelector('.card')).borderTopWidth,
                shopLinkBackground: style(inside.querySelector('.links button')).backgroundColor,
            };
        }"""
    )
    # the shop's WXSS sets .muted to 26rpx and its own .card; the dashboard's .muted is 12px, its .card has
    # a border, its button.link is a bare blue link: neither side reaches the other
    assert looks["panelMuted"] == "12px"
    assert looks["shopMuted"] != "12px"
    assert looks["shopCardBorder"] == "0px"
    assert looks["shopLinkBackground"] == "rgb(242, 242, 242)"  # WeChat's default (grey) button
    page.evaluate("() => { wx.showModal({ title: 'Pay now?', content: 'ok' }); }")
    title = page.locator(".modal h3")
    expect(title).to_have_css("text-transform", "none")  # the dashboard's h3 is upper-case and grey
    expect(title).to_have_css("color", "rgba(0, 0, 0, 0.9)")


def test_a_long_error_stays_inside_the_page(page, live_mock):
    phone_setup(live_mock).miniprogram = "http://127.0.0.1:9/" + "a-mini-program-that-is-not-there/" * 8
    try:
        page.goto(phone_url(live_mock))
        page.locator("#screen .boot-error").wait_for(timeout=WAIT)
        expect(page.locator("#wxlog li.error")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        page.locator("#wxlog li.error summary").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    finally:
        phone_setup(live_mock).miniprogram = ""


def test_a_backend_outside_the_domain_list_is_named_on_the_page(page, live_mock):
    # 192.0.2.2 (TEST-NET-1): refused by the mock before any connection is tried
    page.goto(phone_url(live_mock, "http://192.0.2.2:18901"))
    warning = page.locator("#backend-refused")
    expect(warning).to_contain_text("192.0.2.2 is not on the phone's request domain list")
    expect(warning).to_contain_text("--backend http://192.0.2.2:18901")
    wait_for_calls(page, "wx.request", 1)
    assert log_statuses(page, "wx.request")[0] == "request:fail url not in domain list"
    page.goto(phone_url(live_mock, "http://127.0.0.1:9", lang="zh"))  # loopback: no warning
    page.locator("#nav-title").wait_for()
    expect(warning).to_have_count(0)
