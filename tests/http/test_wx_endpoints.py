"""What the phone's wx object asks the mock (``/__mock__/wx/...``), on a real socket: the session, the
scopes, open data, the cashier's checks before the sheet opens, wx.request sent on from the mock,
and the mini program's files (protocol/miniprogram-client.md)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from mockwx.http import miniprogram
from mockwx.http.keys import BACKEND
from mockwx.http.wx import PHONE, ROUTES, PhoneSetup
from mockwx.testing.client import MockRefused

from ..support import Reply


async def test_the_control_index_lists_the_phones_endpoints(client):
    listed = (await client.control("GET", ""))["control"]
    phone = [f"{method} {path}" for method, path, _ in ROUTES]
    assert len(phone) == 9 and set(phone) <= set(listed)
    assert "POST /__mock__/pay" in listed and len(listed) == len(set(listed))


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
        ({"user": "a\u0000b", "scope": "scope.record", "granted": True}, 400, "control or formatting character"),
        ({"user": "\u202e evil", "scope": "scope.record", "granted": True}, 400, "control or formatting character"),
        ({"appid": "wx0000000000000009", "user": "alice", "scope": "scope.record", "granted": True}, 404, "no mini"),
    ],
)
async def test_scope_mistakes_are_4xx_that_say_why(client, body, status, says):
    with pytest.raises(MockRefused, match=f"{status}.*{says}"):
        await client.control("POST", "/wx/settings", body)


@pytest.mark.parametrize("name", ["张三", "Zoë O'Brien", "bob 2"])
async def test_a_user_name_may_be_any_printable_text(client, name):
    assert (await client.control("POST", "/login", {"user": name}))["user"] == name


@pytest.mark.parametrize("name", ["a\nb", "\x1b[31mred", "al\u200bice", "\u2066x\u2069"])
async def test_a_user_name_that_could_forge_a_line_or_reorder_text_is_refused_at_login(client, name):
    with pytest.raises(MockRefused, match="400.*control or formatting character"):
        await client.control("POST", "/login", {"user": name})


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


async def test_the_five_parameters_of_wx_request_payment_check_in_the_playground(client, mock):
    """The lesson's minutes 16-18: the logged five parameters (no appId) pasted into paySign mode."""
    params = await placed(client, "P20261127000009")
    text = "\n".join(f"{name}={value}" for name, value in params.items())
    lowered_sign = text.replace(params["paySign"], params["paySign"].lower())
    form = {"mode": "paysign", "text": text, "key": client.api_key}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{mock.url}/__mock__/ui/playground", json=form) as answer:
            accepted = await answer.json()
        async with http.post(f"{mock.url}/__mock__/ui/playground", json={**form, "text": lowered_sign}) as answer:
            lowered = await answer.json()
    assert accepted["matches"] is True and accepted["filled"] == {"appId": "wxd930ea5d5a258f4f"}
    assert 'data-testid="play-filled"' in accepted["html"] and "missing" not in accepted["html"]
    assert accepted["sign"] == params["paySign"]
    assert lowered["matches"] is False and lowered["mistakes"] == ["lowercase_hex"]


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
    hint = answer["mockwx"]["hint"]
    assert "shop.example.com is not on the phone's request domain list" in hint
    assert "--backend https://shop.example.com" in hint and "notify" not in hint  # a fix that works


def test_the_backend_given_on_the_command_line_joins_the_domain_list():
    phone = PhoneSetup(backend="http://192.0.2.2:18901")
    assert phone.refusal("http://192.0.2.2:18901/api/login") == ""
    assert phone.refusal("http://127.0.0.1:8000/api") == "" and phone.refusal("http://localhost/x") == ""
    assert "--backend http://192.0.2.3:18901" in phone.refusal("http://192.0.2.3:18901/api")
    assert "192.0.2.2" in PhoneSetup().refusal("http://192.0.2.2:18901/api")  # a page's ?backend= does not widen it
    assert "not an http(s) URL" in phone.refusal("ftp://192.0.2.2/x")
    assert "not an http(s) URL" in phone.refusal("http://[::1")


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


URL_MINI_PROGRAM = {
    "app.json": '{"pages": ["pages/home/home", 7]}',
    "app.js": "const config = require('./config');\nApp({});",
    "config.js": "module.exports = {};",
    "pages/home/home.js": """const api = require("../../utils/api.js");
const named = require(name);  // computed: not followed
require("../../../../etc/passwd");  // out of the mini program: not followed
Page({});""",
    "utils/api.js": "const http = require('./http'); module.exports = {};",
    "utils/http.js": "require('./api.js'); require('/utils/gone.js'); module.exports = {};",  # a cycle; a missing file
}


@pytest.fixture
async def url_mini_program(aiohttp_server, mock):
    async def serve(request: web.Request) -> web.Response:
        text = URL_MINI_PROGRAM.get(request.match_info["path"])
        return web.Response(text=text) if text is not None else web.Response(status=404)

    app = web.Application()
    app.router.add_get("/mp/{path:.*}", serve)
    server = await aiohttp_server(app)
    mock_app_setup(mock).miniprogram = str(server.make_url("/mp/"))
    return server


async def test_a_mini_program_at_a_url_lists_what_its_files_require(client, url_mini_program):
    status, _, body = await get(client, "/__mock__/wx/modules")
    listed = json.loads(body)
    assert status == 200 and listed["listed"] == "required"
    assert sorted(listed["modules"]) == ["app.js", "config.js", "pages/home/home.js", "utils/api.js", "utils/http.js"]
    status, _, body = await get(client, "/__mock__/wx/app/utils/http.js")  # served as a module
    assert status == 200 and body.startswith(b'__wxDefine("utils/http.js", function (require, module, exports) {')


async def test_the_modules_followed_from_a_url_are_bounded(client, url_mini_program, monkeypatch):
    monkeypatch.setattr(miniprogram, "MAX_MODULES", 3)
    status, _, body = await get(client, "/__mock__/wx/modules")
    assert status == 200 and json.loads(body)["modules"] == ["app.js", "pages/home/home.js", "config.js"]


@pytest.mark.parametrize(
    ("base", "name", "path"),
    [
        ("pages/a/a.js", "../../utils/api.js", "utils/api.js"),
        ("pages/a/a.js", "./b", "pages/a/b.js"),
        ("pages/a/a.js", "lib/x", "pages/a/lib/x.js"),  # no ./: still from the file's folder, as in WeChat
        ("pages/a/a.js", "/utils/api", "utils/api.js"),
        ("app.js", "../x.js", ""),
        ("app.js", "", ""),
    ],
)
def test_module_paths_resolve_as_the_runtime_resolves_them(base, name, path):
    assert miniprogram.module_path(base, name) == path


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
