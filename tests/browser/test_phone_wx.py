"""The wx object's calling convention and errMsg texts in a real browser (protocol/miniprogram-client.md
1-3, 6-7): promise or callbacks (never both), callbacks asynchronous and complete last, WeChat's fail
texts, the TAP-gesture rule, the scope state machine, storage, the page stack."""

from __future__ import annotations

import pytest

from .phone_support import LiveShop, control, phone_url

WAIT = 15_000


@pytest.fixture
def shop_page(page, live_mock, tmp_path):
    with LiveShop(live_mock, tmp_path / "merchant.sqlite3") as shop:
        page.goto(phone_url(live_mock, shop.url))
        page.locator("#screen .product").first.wait_for(timeout=WAIT)
        yield page


def settle(page, call: str):
    """Run ``call`` (an expression giving a promise) in the page; its value, or what it rejected with."""
    return page.evaluate(f"() => ({call}).then((ok) => ({{ ok }}), (failed) => ({{ failed }}))")


def test_promise_style_without_callbacks_and_callbacks_without_a_promise(shop_page):
    assert settle(shop_page, "wx.showToast({ title: 'hi' })") == {"ok": {"errMsg": "showToast:ok"}}
    order = shop_page.evaluate(
        """() => new Promise((resolve) => {
            const seen = [];
            const returned = wx.showToast({
                title: 'hi',
                success: (r) => seen.push('success ' + r.errMsg),
                complete: (r) => { seen.push('complete ' + r.errMsg); resolve({ seen, returned: String(returned) }); },
            });
            seen.push('after the call');
        })"""
    )
    assert order == {
        "seen": ["after the call", "success showToast:ok", "complete showToast:ok"],
        "returned": "undefined",
    }
    task = shop_page.evaluate(
        "() => { const t = wx.request({ url: 'http://127.0.0.1:9/x' }); return [typeof t.abort, t instanceof Promise] }"
    )
    assert task == ["function", False]  # wx.request returns a RequestTask, never a promise


@pytest.mark.parametrize(
    ("call", "errmsg"),
    [
        ("wx.navigateTo({ url: '/pages/nope/nope' })", 'navigateTo:fail page "pages/nope/nope" is not found'),
        ("wx.navigateBack()", "navigateBack:fail cannot navigate back at first page."),
        ("wx.getUserProfile({ desc: '用于展示' })", "getUserProfile:fail can only be invoked by user TAP gesture."),
        ("wx.openSetting()", "openSetting:fail can only be invoked by user TAP gesture."),
        ("wx.switchTab({ url: '/pages/index/index' })", "switchTab:fail this mini program has no tabBar"),
        ("wx.getStorage({ key: 'nothing-here' })", "getStorage:fail data not found"),
        (
            "wx.requestPayment({ timeStamp: 1490840662, nonceStr: 'n', package: 'prepay_id=wx1', paySign: 'X' })",
            "requestPayment:fail parameter error: parameter.timeStamp should be String instead of Number;",
        ),
        ("wx.authorize({ scope: 'scope.teleport' })", "authorize:fail invalid scope"),
    ],
)
def test_fail_texts_are_wechats(shop_page, call, errmsg):
    assert settle(shop_page, call) == {"failed": {"errMsg": errmsg}}


def test_a_request_outside_the_domain_list_fails_and_says_where_to_look(shop_page):
    result = shop_page.evaluate(
        """() => new Promise((resolve) => wx.request({ url: 'https://shop.example.com/api', fail: resolve }))"""
    )
    assert result == {"errMsg": "request:fail url not in domain list"}
    assert "shop.example.com" in shop_page.inner_text("#wxlog")


def test_storage_keeps_types_and_a_missing_key_reads_empty(shop_page):
    values = shop_page.evaluate(
        """() => { wx.setStorageSync('cart', [{ id: 'coffee', n: 2 }]); wx.setStorageSync('n', 3);
                   return [wx.getStorageSync('cart'), wx.getStorageSync('n'), wx.getStorageSync('none')]; }"""
    )
    assert values == [[{"id": "coffee", "n": 2}], 3, ""]


def test_the_scope_state_machine(shop_page, live_mock):
    shop_page.evaluate("() => { window.first = wx.authorize({ scope: 'scope.record' }).catch((e) => e); }")
    shop_page.locator(".auth-sheet").wait_for()
    assert "使用你的麦克风" in shop_page.inner_text(".auth-sheet")
    shop_page.click('.auth-sheet >> text="拒绝"')
    assert shop_page.evaluate("() => window.first") == {"errMsg": "authorize:fail auth deny"}
    # denied: no dialog any more, an immediate fail, until the settings page changes it
    assert settle(shop_page, "wx.authorize({ scope: 'scope.record' })") == {
        "failed": {"errMsg": "authorize:fail auth deny"}
    }
    assert shop_page.locator(".auth-sheet").count() == 0
    assert settle(shop_page, "wx.getSetting()") == {
        "ok": {"authSetting": {"scope.record": False}, "errMsg": "getSetting:ok"}
    }
    # scope.userInfo has been granted without a dialog since 2021
    assert settle(shop_page, "wx.authorize({ scope: 'scope.userInfo' })") == {"ok": {"errMsg": "authorize:ok"}}
    control(live_mock, "POST", "/wx/settings", {"user": "alice", "scope": "scope.record", "granted": True})
    assert settle(shop_page, "wx.authorize({ scope: 'scope.record' })") == {"ok": {"errMsg": "authorize:ok"}}
    shop_page.click("#delete-app")  # deleting the mini program forgets every decision
    shop_page.locator("#delete-app.done").wait_for(timeout=WAIT)
    assert control(live_mock, "GET", "/wx/settings?user=alice")["authSetting"] == {}


def test_get_user_info_has_no_dialog_and_carries_the_openid_inside(shop_page, live_mock):
    result = settle(shop_page, "wx.getUserInfo()")["ok"]
    assert result["errMsg"] == "getUserInfo:ok" and result["userInfo"]["nickName"] == "微信用户"
    assert set(result) == {"userInfo", "rawData", "signature", "encryptedData", "iv", "errMsg"}
    assert shop_page.locator(".profile-sheet").count() == 0


def test_navigation_runs_the_page_lifecycle_and_the_stack_limit(shop_page):
    assert settle(shop_page, "wx.navigateTo({ url: '/pages/me/me' })")["ok"]["errMsg"] == "navigateTo:ok"
    assert shop_page.inner_text("#nav-title") == "我的资料"
    assert shop_page.evaluate("() => getCurrentPages().map((p) => p.route)") == ["pages/index/index", "pages/me/me"]
    for _ in range(8):
        settle(shop_page, "wx.navigateTo({ url: '/pages/me/me' })")
    assert settle(shop_page, "wx.navigateTo({ url: '/pages/me/me' })") == {
        "failed": {"errMsg": "navigateTo:fail webview count limit exceed"}
    }
    assert settle(shop_page, "wx.navigateBack({ delta: 20 })")["ok"] == {"errMsg": "navigateBack:ok"}
    assert shop_page.evaluate("() => getCurrentPages().length") == 1
    assert shop_page.inner_text("#nav-title") == "mockwx 咖啡"
