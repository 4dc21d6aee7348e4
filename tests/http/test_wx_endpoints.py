"""What the phone's wx object asks the mock (``/__mock__/wx/...``), on a real socket: the session, the
scopes, open data, the cashier's checks before the sheet opens, wx.request sent on from the mock,
and the mini program's files (protocol/miniprogram-client.md)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from yarl import URL

from mockwx.http.keys import BACKEND
from mockwx.http.wx import PHONE
from mockwx.testing.client import MockRefused

from ..support import Reply


async def test_scopes_are_remembered_per_user_and_forgotten_with_the_app(client):
    assert (await client.control("GET", "/wx/settings", params={"user": "alice"}))["authSetting"] == {}
    denied = await client.control(
        "POST", "/wx/settings", {"user": "alice", "scope": "scope.userLocation", "granted": False}
    )
    assert denied["authSetting"] == {"scope.userLocation": False}
    assert (await client.control("GET", "/wx/settings", params={"user": "bob"}))["authSetting"] == {}
    allowed = await client.control(
        "POST", "/wx/settings", {"user": "alice", "scope": "scope.userLocation", "granted": True}
    )
    assert allowed["authSetting"] == {"scope.userLocation": True}
    forgotten = await client.control("POST", "/wx/settings/forget", {"user": "alice"})
    assert forgotten["authSetting"] == {}
    assert (await client.control("GET", "/wx/settings", params={"user": "alice"}))["authSetting"] == {}


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"user": "alice", "scope": "scope.teleport", "granted": True}, 400, "is not a scope"),
        ({"user": "alice", "scope": "scope.record", "granted": "yes"}, 400, "granted"),
        ({"scope": "scope.record", "granted": True}, 400, "whose phone"),
        ({"user": "x" * 65, "scope": "scope.record", "granted": True}, 400, "user must be a name"),
        ({"appid": "wx0000000000000009", "user": "alice", "scope": "scope.record", "granted": True}, 404, "no mini"),
    ],
)
async def test_scope_mistakes_are_4xx_that_say_why(client, body, status, says):
    with pytest.raises(MockRefused, match=f"{status}.*{says}"):
        await client.control("POST", "/wx/settings", body)


async def test_profile_refuses_unknown_modes(client):
    with pytest.raises(MockRefused, match="400.*mode"):
        await client.control("POST", "/wx/profile", {"user": "alice", "mode": "famous"})


async def test_the_profile_is_journaled_under_the_api_the_mini_program_called(client):
    await client.control("POST", "/wx/profile", {"user": "alice", "api": "getUserInfo"})
    await client.control("POST", "/wx/profile", {"user": "alice"})
    apis = [e["api"] for e in await client.requests()]
    assert apis[-2:] == ["wx.getUserInfo", "wx.getUserProfile"]


# -- the cashier ------------------------------------------------------------------------------------


async def placed(client, number, total_fee=1800, **fields):
    answer = await client.unifiedorder(number, total_fee, body="Flat white", **fields)
    return client.payment_params(answer["prepay_id"])


async def test_the_cashier_shows_payee_body_and_amount_and_takes_no_money(client):
    params = await placed(client, "P20261127000001")
    sheet = await client.control("POST", "/wx/cashier", params)
    assert sheet == {
        "payee": "mockwx demo merchant",
        "body": "Flat white",
        "total_fee": 1800,
        "fee_type": "CNY",
        "out_trade_no": "P20261127000001",
        "appid": "wxd930ea5d5a258f4f",
    }
    assert (await client.order("P20261127000001"))["trade_state"] == "NOTPAY"


async def test_a_bad_pay_sign_is_refused_before_the_sheet_with_the_doctors_diagnosis(client):
    params = await placed(client, "P20261127000002")
    params["paySign"] = params["paySign"].lower()
    refused = await client.control("POST", "/wx/cashier", params)
    assert refused["errMsg"] == "requestPayment:fail 支付验证签名失败"
    assert refused["mockwx"]["diagnosis"]["mistakes"] == ["lowercase_hex"]
    problem = (await client.problems())[-1]
    assert problem["api"] == "wx.requestPayment" and problem["id"] == refused["mockwx"]["journal_id"]


async def test_the_cashier_refuses_a_paid_order_and_a_number_time_stamp(client):
    params = await placed(client, "P20261127000003")
    await client.pay(params)
    refused = await client.control("POST", "/wx/cashier", params)
    assert refused["errMsg"] == "requestPayment:fail 该订单已支付"
    refused = await client.control("POST", "/wx/cashier", {**params, "timeStamp": 1700000000})
    assert refused["errMsg"] == (
        "requestPayment:fail parameter error: parameter.timeStamp should be String instead of Number;"
    )


# -- wx.request ---------------------------------------------------------------------------------------


@pytest.fixture
async def backend_server(aiohttp_server):
    seen = []

    async def echo(request: web.Request) -> web.Response:
        seen.append({"method": request.method, "headers": dict(request.headers), "body": await request.text()})
        status = int(request.query.get("status", 200))
        return web.json_response({"ok": True, "path": request.path}, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    server = await aiohttp_server(app)
    server.seen = seen
    return server


async def test_wx_request_goes_out_from_the_mock_and_any_status_is_a_success(client, backend_server):
    url = str(backend_server.make_url("/api/orders?status=409"))
    answer = await client.control(
        "POST",
        "/wx/request",
        {"url": url, "method": "POST", "header": {"content-type": "application/json"}, "body": '{"a": 1}'},
    )
    assert answer["errMsg"] == "request:ok" and answer["statusCode"] == 409
    assert answer["data"] == '{"ok": true, "path": "/api/orders"}'
    sent = backend_server.seen[-1]
    assert sent["method"] == "POST" and sent["body"] == '{"a": 1}'
    assert sent["headers"]["Referer"] == "https://servicewechat.com/wxd930ea5d5a258f4f/devtools/page-frame.html"


@pytest.mark.parametrize(
    "body",
    [
        {"method": "GET"},
        {"url": "http://127.0.0.1:9/", "header": ["content-type"]},
        {"url": "http://127.0.0.1:9/", "timeout": "soon"},
        {"url": "http://127.0.0.1:9/", "timeout": -1},
        {"url": "http://127.0.0.1:9/", "method": 7},
    ],
)
async def test_a_malformed_wx_request_is_a_400_that_says_what_to_send(client, body):
    with pytest.raises(MockRefused, match="400.*expected"):
        await client.control("POST", "/wx/request", body)


async def test_wx_request_timeout_is_in_milliseconds(client, aiohttp_server):
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_get("/slow", slow)
    server = await aiohttp_server(app)
    answer = await client.control("POST", "/wx/request", {"url": str(server.make_url("/slow")), "timeout": 200})
    assert answer == {"errMsg": "request:fail timeout"}


@pytest.mark.parametrize("chunked", [False, True])
async def test_wx_request_reads_a_reply_that_comes_in_two_tcp_chunks_to_its_end(client, receiver, chunked):
    """Review M6: a 20-byte answer sent in two chunks came back as its first 10 bytes."""
    receiver.default = Reply(status=200, body=b"01234567890123456789", pause=0.1, chunked=chunked)
    answer = await client.control("POST", "/wx/request", {"url": receiver.url, "method": "POST", "body": "x"})
    assert answer["errMsg"] == "request:ok" and answer["data"] == "01234567890123456789"


async def test_wx_request_outside_the_domain_list_fails_as_in_wechat(client):
    answer = await client.control("POST", "/wx/request", {"url": "https://shop.example.com/api", "method": "GET"})
    assert answer["errMsg"] == "request:fail url not in domain list"
    assert "shop.example.com" in answer["mockwx"]["hint"]


async def test_wx_request_to_nobody_is_a_fail_not_a_crash(client, unused_tcp_port):
    answer = await client.control("POST", "/wx/request", {"url": f"http://127.0.0.1:{unused_tcp_port}/x"})
    assert answer["errMsg"].startswith("request:fail")


# -- the mini program's files and the page ------------------------------------------------------------


async def get(client, path):
    async with client.session.get(f"{client.url}{path}") as answer:
        return answer.status, answer.headers, await answer.read()


async def test_the_demo_shop_is_served_and_nothing_outside_it(client):
    status, headers, body = await get(client, "/__mock__/wx/app/app.json")
    assert status == 200 and b'"pages"' in body
    for path in (
        "a%00b.js",
        "x" * 5000 + ".js",
        "../../../../../pyproject.toml",
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "pages/no.js",
    ):
        async with client.session.get(URL(f"{client.url}/__mock__/wx/app/{path}", encoded=True)) as answer:
            assert answer.status in (404, 501) and b"build-system" not in await answer.read()


async def test_a_folder_given_on_the_command_line_is_served(client, mock, tmp_path):
    (tmp_path / "app.json").write_text('{"pages": ["pages/home/home"]}')
    mock_app_setup(mock).miniprogram = str(tmp_path)
    status, _, body = await get(client, "/__mock__/wx/app/app.json")
    assert status == 200 and body == b'{"pages": ["pages/home/home"]}'


def mock_app_setup(mock):
    app = mock._runner.app
    assert app[BACKEND] is mock.backend
    return app[PHONE]


async def test_the_phone_page_renders_in_chinese_with_a_strict_policy(client):
    async with client.session.get(f"{client.url}/__mock__/ui/phone", headers={"Accept-Language": "zh-CN"}) as answer:
        html = await answer.text()
        assert answer.status == 200
        assert "script-src" not in answer.headers["Content-Security-Policy"]  # default-src 'self': no inline script
        assert "'unsafe-eval'" not in answer.headers["Content-Security-Policy"]
    assert '<html lang="zh-CN"' in html
    assert "/__mock__/ui/static/phone/wx.js" in html
