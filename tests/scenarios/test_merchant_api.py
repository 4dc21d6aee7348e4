"""setup.merchant_api: the login, order and refund steps against a backend that is not the reference
merchant (its own paths, methods, field names and answer shapes), checked on load, and failing
reports that quote an answer without dumping it."""

from __future__ import annotations

import secrets
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID, DEMO_SECRET
from mockwx.http.serving import listen
from mockwx.scenarios import Runner, ScenarioError
from mockwx.scenarios.excerpt import excerpt
from mockwx.scenarios.model import parse_scenario
from mockwx.testing.server import MockServer, mock_config
from mockwx.wire import new_nonce, pay_sign, render_xml, verify, with_sign
from mockwx.wire import parse_xml as read_xml

from ..docs.blocks import blocks

README = Path(__file__).resolve().parents[2] / "README.md"
ACK = "<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>"


def readme_scenario() -> dict:
    """The README's example of a scenario against another backend (the block that maps merchant_api)."""
    (block,) = [b for b in blocks(README) if b.kind == "yaml" and b.section == "Your own backend"]
    return yaml.safe_load(block.text)


def tiny_shop(mock_url: str, operator_token: str) -> web.Application:
    """A shop that is not the reference merchant: other paths, camelCase fields, answers under data,
    its token in X-Token. Enough of a backend to pay, be notified and refund."""
    sessions: dict[str, str] = {}
    orders: dict[str, dict] = {}
    app = web.Application()

    async def wechat(path: str, fields: dict) -> dict:
        async with aiohttp.ClientSession() as http, http.post(f"{mock_url}{path}", data=render_xml(fields)) as r:
            return read_xml(await r.read())

    async def session(request: web.Request) -> web.Response:
        code = (await request.json())["jsCode"]
        params = {"appid": DEMO_APPID, "secret": DEMO_SECRET, "js_code": code, "grant_type": "authorization_code"}
        async with aiohttp.ClientSession() as http, http.get(f"{mock_url}/sns/jscode2session", params=params) as r:
            openid = (await r.json(content_type=None))["openid"]
        token = secrets.token_hex(8)
        sessions[token] = openid
        return web.json_response({"code": 0, "data": {"accessToken": token}})

    async def checkout(request: web.Request) -> web.Response:
        openid = sessions.get(request.headers.get("X-Token", ""))
        if openid is None:
            return web.json_response({"code": 401}, status=401)
        body = await request.json()
        number = f"S{secrets.token_hex(6).upper()}"
        fee = 1 * int(body["count"])  # every product is 0.01 CNY here
        answer = await wechat(
            "/pay/unifiedorder",
            with_sign(
                {
                    "appid": DEMO_APPID,
                    "mch_id": DEMO_MCH_ID,
                    "nonce_str": new_nonce(),
                    "body": str(body["sku"]),
                    "out_trade_no": number,
                    "total_fee": fee,
                    "spbill_create_ip": "127.0.0.1",
                    "notify_url": f"{request.url.origin()}/pay-callback",
                    "trade_type": "JSAPI",
                    "openid": openid,
                },
                DEMO_API_KEY,
            ),
        )
        orders[number] = {"fee": fee, "paid": False}
        params = {"timeStamp": "1764200000", "nonceStr": new_nonce(), "package": f"prepay_id={answer['prepay_id']}"}
        params["signType"] = "MD5"
        params["paySign"] = pay_sign(DEMO_APPID, *params.values(), DEMO_API_KEY)
        return web.json_response({"code": 0, "data": {"orderNo": number, "payment": params}})

    async def callback(request: web.Request) -> web.Response:
        fields = read_xml(await request.read())
        if verify(fields, DEMO_API_KEY) and int(fields["total_fee"]) == orders[fields["out_trade_no"]]["fee"]:
            orders[fields["out_trade_no"]]["paid"] = True
            return web.Response(text=ACK, content_type="text/xml")
        return web.Response(text="<xml><return_code>FAIL</return_code></xml>", content_type="text/xml")

    async def refund(request: web.Request) -> web.Response:
        if request.headers.get("X-Token") != operator_token:
            return web.json_response({"code": 403}, status=403)
        number, amount = request.match_info["no"], int((await request.json())["amount"])
        fields = {"appid": DEMO_APPID, "mch_id": DEMO_MCH_ID, "nonce_str": new_nonce(), "out_trade_no": number}
        fields.update(out_refund_no=f"R{number}", total_fee=orders[number]["fee"], refund_fee=amount)
        answer = await wechat("/secapi/pay/refund", with_sign(fields, DEMO_API_KEY))
        return web.json_response({"code": 0, "data": {"result": answer["result_code"]}})

    async def not_found(request: web.Request) -> web.Response:
        page = "<!DOCTYPE html><html><head><title>404 Not Found</title><style>body{color:red}</style></head>"
        return web.Response(text=page + "<body><h1>Not Found</h1>" + "<p>padding</p>" * 2000 + "</body></html>",
                            status=404, content_type="text/html")  # fmt: skip

    app.router.add_post("/wx/session", session)
    app.router.add_post("/shop/checkout", checkout)
    app.router.add_post("/pay-callback", callback)
    app.router.add_post("/admin/orders/{no}/refunds", refund)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app


@pytest.fixture
async def world():
    """A mock (virtual clock) and the tiny shop, wired to each other."""
    async with MockServer(mock_config()) as mock:
        runner, port = await listen(tiny_shop(mock.url, readme_scenario()["setup"]["operator_token"]), "127.0.0.1", 0)
        yield mock, f"http://127.0.0.1:{port}"
        await runner.cleanup()


async def test_the_readme_example_pays_and_refunds_on_another_backend(world, tmp_path):
    mock, shop = world
    scenario = parse_scenario(readme_scenario(), tmp_path / "readme.yaml")
    result = await Runner(mock_url=mock.url, merchant_url=shop).run(scenario)
    assert result.passed, (result.message, result.diff)
    assert [s.title for s in result.steps][:3] == ["login alice", "order tea x1", "pay (ok)"]
    paid = [o for o in (await mock_orders(mock.url)) if o["trade_state"] == "REFUND"]
    assert len(paid) == 1 and paid[0]["out_trade_no"].startswith("S")  # the shop's own number, read from data.orderNo


async def mock_orders(url: str) -> list[dict]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/__mock__/orders") as response:
        return (await response.json())["orders"]


async def test_a_wrong_answer_path_says_where_it_looked_and_what_came(world, tmp_path):
    mock, shop = world
    data = readme_scenario()
    data["setup"]["merchant_api"]["order"]["out_trade_no"] = "data.order_no"
    result = await Runner(mock_url=mock.url, merchant_url=shop).run(parse_scenario(data, tmp_path / "s.yaml"))
    assert not result.passed and result.failure.number == 2
    assert "setup.merchant_api: out_trade_no is 'data.order_no', but the merchant's answer has no 'order_no'" in (
        result.failure.message
    )
    assert "'orderNo'" in result.failure.diff[0]  # what the answer holds instead


async def test_an_unmapped_backend_gets_a_short_report_and_the_way_out(world, tmp_path):
    mock, shop = world
    data = {"name": "reference paths", "setup": {"merchant": shop}, "steps": [{"login": "alice"}]}
    result = await Runner(mock_url=mock.url, merchant_url=shop).run(parse_scenario(data, tmp_path / "s.yaml"))
    failure = result.failure
    assert failure.message == "the merchant's answer to POST /api/login answered HTTP 404"
    page, hint = failure.diff
    assert page.startswith("HTML page, as text: 404 Not Found Not Found padding") and len(page) < 400
    assert page.endswith("more characters cut]") and "color:red" not in page
    assert "setup.merchant_api" in hint


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("nope", "setup.merchant_api must be a mapping with login, order, refund and/or auth"),
        ({"logn": {}}, "setup.merchant_api: unknown key(s) logn; known: login, order, refund, auth"),
        ({"login": {"path": "/x"}}, "setup.merchant_api.login: unknown key(s) path; allowed: request, json, token"),
        ({"order": {"request": "/shop"}}, "setup.merchant_api.order.request: write it as `METHOD /path`"),
        ({"order": {"out_trade_no": "data..no"}}, "setup.merchant_api.order.out_trade_no: where the answer keeps it"),
        ({"login": {"json": "code"}}, "setup.merchant_api.login.json: the body as a mapping, with ${...} for code"),
        ({"refund": {"json": {"a": "${order.x}"}}}, "${order.x} is not a field name"),
        ({"auth": {"header": "X-Token", "value": "secret"}}, "setup.merchant_api.auth.value: write where the token"),
        ({"auth": {"header": "bad header"}}, "setup.merchant_api.auth.header: an HTTP header name"),
    ],
)
def test_mapping_mistakes_are_named_on_load(mapping, message, tmp_path):
    data = {"name": "x", "setup": {"merchant_api": mapping}, "steps": [{"advance": 1}]}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, tmp_path / "s.yaml")
    assert str(caught.value).startswith(f"{tmp_path / 's.yaml'}: ") and message in str(caught.value)


def test_excerpts_keep_short_text_and_cut_long_text():
    assert excerpt('{"error": "no such product"}') == '{"error": "no such product"}'
    assert excerpt("") == "(an empty body)"
    assert excerpt("x" * 1000, limit=10) == "xxxxxxxxxx... [990 more characters cut]"
    html = "<html><script>var a = 1;</script><p>Bad&nbsp;gateway</p></html>"
    assert excerpt(html) == "HTML page, as text: Bad gateway"  # the script is not text
