"""JSON bombs on the control API: deep nesting, huge numbers, non-JSON constants and oversized bodies
get a 400/413 with a message, never a 500, and nothing downstream chokes on what was let in
(issue 8, finding 6)."""

from __future__ import annotations

import json
import time

import pytest

from mockwx.http.control import MAX_JSON_DEPTH, ROUTES

JSON = {"Content-Type": "application/json"}
WRITES = sorted({(method, path) for method, path, _ in ROUTES if method in ("POST", "PATCH") and "{" not in path})


async def send(client, method, path, raw: bytes):
    async with client.session.request(method, f"{client.url}{path}", data=raw, headers=JSON) as response:
        return response.status, await response.json(content_type=None)


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("depth", [100_000, 2_000])
async def test_deeply_nested_json_is_a_400_on_every_endpoint(client, method, path, depth):
    status, body = await send(client, method, path, b'{"a": ' + b"[" * depth + b"]" * depth + b"}")
    if path in ("/__mock__/reset",):  # takes no body at all
        assert status == 200
        return
    assert status == 400 and "nested" in body["error"], body


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b'{"seconds": NaN}', "NaN"),
        (b'{"seconds": -Infinity}', "Infinity"),
        (b'{"seconds": ' + b"9" * 5000 + b"}", "digits"),
        (b'{"seconds": 1e999}', "finite"),
    ],
)
async def test_numbers_json_cannot_hold_are_refused(client, raw, needle):
    status, body = await send(client, "POST", "/__mock__/clock/advance", raw)
    assert status == 400 and needle in body["error"], body


async def test_an_oversized_control_body_is_a_413_json_answer(mock, client):
    raw = b'{"user": "' + b"a" * (mock.backend.settings.max_body_bytes + 1) + b'"}'
    status, body = await send(client, "POST", "/__mock__/login", raw)
    assert status == 413 and "max_body_bytes" in body["error"]


async def test_what_nesting_is_let_in_does_not_break_the_journal(client):
    deepest = b'{"out_trade_no": "NOPE", "deep": ' + b"[" * (MAX_JSON_DEPTH - 1) + b"]" * (MAX_JSON_DEPTH - 1) + b"}"
    assert (await send(client, "POST", "/__mock__/pay", deepest))[0] == 404
    entries = await client.requests(api="pay")
    assert entries and entries[-1]["fields"]["out_trade_no"] == "NOPE"


# -- API v3 and login's JSON APIs share the guarded loader (issue 9 review, items 2 and 3) -------------

V3_WRITES = ("/v3/pay/transactions/jsapi", "/v3/refund/domestic/refunds", "/v3/pay/transactions/out-trade-no/B1/close")
DEEP = b"[" * 100_000 + b"]" * 100_000


def strict(raw: bytes):
    """JSON as a browser's JSON.parse reads it: NaN and Infinity are no JSON."""

    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(raw, parse_constant=refuse)


@pytest.mark.parametrize("path", V3_WRITES)
@pytest.mark.parametrize(
    "raw",
    [DEEP, b'{"a": ' + DEEP + b"}", b'{"mchid": NaN}', b'{"mchid": Infinity}', b'{"mchid": 1e999}'],
    ids=["deep", "deep-member", "nan", "infinity", "1e999"],
)
async def test_hostile_v3_bodies_are_wechats_400_never_a_500(client, path, raw):
    answer = await client.v3("POST", path, raw)
    assert (answer.status, strict(answer.body)["code"]) == (400, "PARAM_ERROR"), answer.body[:300]
    assert "v3 bodies are JSON objects" in answer.headers["X-Mockwx-Hint"]


async def test_a_v3_body_with_5000_digits_is_refused_whether_signed_right_or_not(client, mock):
    body = b'{"mchid": "10000100", "amount": {"total": ' + b"9" * 5000 + b"}}"
    signed = await client.v3("POST", "/v3/pay/transactions/jsapi", body)
    assert signed.status == 400 and "5000 digits" in signed.headers["X-Mockwx-Hint"]
    keys = await client.v3_keys()
    from mockwx.wire.v3 import build_authorization, load_private_key

    header = build_authorization(  # signed over another body: the doctor looks at this one and must not choke
        "POST",
        "/v3/pay/transactions/jsapi",
        b"x",
        mchid="10000100",
        serial_no=keys["merchant_serial"],
        private_key=load_private_key(keys["merchant_private_key"]),
        timestamp=int(time.time()),
    )
    async with client.session.post(
        f"{mock.url}/v3/pay/transactions/jsapi", data=body, headers={"Authorization": header}
    ) as r:
        assert r.status == 401 and strict(await r.read())["code"] == "SIGN_ERROR"


@pytest.mark.parametrize("timestamp", ["9" * 5000, "9" * 20])
async def test_an_authorization_timestamp_of_many_digits_is_a_401(client, mock, timestamp):
    header = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="10000100",nonce_str="a",signature="b",timestamp="{timestamp}",serial_no="c"'
    )
    async with client.session.get(f"{mock.url}/v3/certificates", headers={"Authorization": header}) as response:
        answer = strict(await response.read())
    assert (
        response.status == 401 and answer["message"] == "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟"
    )
    assert "digits" in response.headers["X-Mockwx-Hint"]


async def test_nan_never_reaches_the_journal_or_the_problems(client):
    raw = b'{"appid": "wxd930ea5d5a258f4f", "mchid": "10000100", "amount": {"total": NaN}}'
    assert (await client.v3("POST", "/v3/pay/transactions/jsapi", raw)).status == 400
    for path in ("/__mock__/requests", "/__mock__/problems"):
        async with client.session.get(f"{client.url}{path}") as response:
            strict(await response.read())  # what a page's JSON.parse reads; it failed on NaN (item 3)


@pytest.mark.parametrize(
    "raw",
    [DEEP, b'{"appid": NaN}', b'{"appid": ' + b"9" * 5000 + b"}", b'{"appid": "\\ud800"}'],
    ids=["deep", "nan", "digits", "surrogate"],
)
async def test_login_json_apis_answer_data_format_error(client, mock, raw):
    async with client.session.post(f"{mock.url}/cgi-bin/stable_token", data=raw) as response:
        answer = strict(await response.read())
    assert response.status == 200 and answer["errcode"] == 47001, answer


async def test_a_login_json_body_over_the_limit_is_answered_in_wechat_s_form(client, mock):
    """aiohttp's plain-text 413 was no answer a WeChat SDK reads: {"errcode", "errmsg"} as for any bad body."""
    limit = mock.backend.settings.max_body_bytes
    async with client.session.post(
        f"{mock.url}/cgi-bin/stable_token", data=b"{" + b" " * (limit + 10) + b"}"
    ) as response:
        answer = strict(await response.read())
    assert response.status == 200 and answer["errcode"] == 47001 and answer["errmsg"], answer
