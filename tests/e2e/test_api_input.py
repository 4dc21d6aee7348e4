"""Every input is validated: bad input gets a 4xx JSON error that says what to do, tokens are
opaque and expire, other users' orders do not exist, and nothing leaks a stack trace."""

from __future__ import annotations

import pytest

from .conftest import pay

ORDER = {"product_id": "beans", "quantity": 1}


async def test_login_answer_holds_only_an_opaque_token(shop, client):
    code = (await client.login("alice"))["code"]
    status, body = await shop.call("POST", "/api/login", json={"code": code})
    assert status == 200 and set(body) == {"token", "expires_in", "expires_at"} and body["expires_in"] == 7200
    account = await client.code2session((await client.login("alice"))["code"])
    assert account["openid"] not in str(body) and account["session_key"] not in str(body)
    (row,) = shop.rows("SELECT token_hash, openid FROM sessions")
    assert row[0] != body["token"] and len(row[0]) == 64  # only a hash of the token is stored
    assert row[1] == account["openid"]


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("bogus", 400, "INVALID_CODE"),
        ("reused", 400, "CODE_USED"),
        ({"api": "code2session", "errcode": 45011}, 429, "LOGIN_RATE_LIMITED"),
        ({"api": "code2session", "errcode": -1}, 502, "WECHAT_BUSY"),
        ({"api": "code2session", "errcode": 40226}, 403, "LOGIN_BLOCKED"),
        ({"api": "code2session", "drop": True}, 502, "WECHAT_UNAVAILABLE"),
    ],
    ids=["invalid-code", "code-used", "rate-limited", "system-error", "blocked", "unreachable"],
)
async def test_login_errors_are_clear(shop, client, setup, status, code):
    minted = (await client.login("alice"))["code"]
    if setup == "bogus":
        minted = "0" * 32
    elif setup == "reused":
        assert (await shop.call("POST", "/api/login", json={"code": minted}))[0] == 200
    else:
        await client.fault(**setup)
    got, body = await shop.call("POST", "/api/login", json={"code": minted})
    assert (got, body["code"]) == (status, code) and body["error"]
    assert shop.rows("SELECT COUNT(*) FROM sessions") == [(1,) if setup == "reused" else (0,)]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "BAD_JSON"),
        (b"{not json", "BAD_JSON"),
        (b"[1, 2]", "BAD_JSON"),
        (b'"code"', "BAD_JSON"),
        (b"{}", "BAD_CODE"),
        (b'{"code": 123}', "BAD_CODE"),
        (b'{"code": ""}', "BAD_CODE"),
        (b'{"code": "has space"}', "BAD_CODE"),
        (b'{"code": "' + b"x" * 200 + b'"}', "BAD_CODE"),
    ],
)
async def test_bad_login_input(shop, client, body, code):
    status, answer = await shop.call("POST", "/api/login", data=body, headers={"Content-Type": "application/json"})
    assert (status, answer["code"]) == (400, code)
    assert await client.requests(api="code2session") == []  # refused before WeChat is asked


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"product_id": "caviar", "quantity": 1}, "UNKNOWN_PRODUCT"),
        ({"product_id": "beans"}, "BAD_QUANTITY"),
        ({"product_id": "beans", "quantity": 0}, "BAD_QUANTITY"),
        ({"product_id": "beans", "quantity": 100}, "BAD_QUANTITY"),
        ({"product_id": "beans", "quantity": -1}, "BAD_QUANTITY"),
        ({"product_id": "beans", "quantity": True}, "BAD_QUANTITY"),
        ({"product_id": "beans", "quantity": "1"}, "BAD_QUANTITY"),
        ({"product_id": "beans", "quantity": 1.5}, "BAD_QUANTITY"),
        ({"product_id": "beans", "quantity": 1e300}, "BAD_QUANTITY"),
        ({"quantity": 1}, "BAD_PRODUCT_ID"),
        ({"product_id": 7, "quantity": 1}, "BAD_PRODUCT_ID"),
        ({"product_id": "../etc", "quantity": 1}, "BAD_PRODUCT_ID"),
        ([ORDER], "BAD_JSON"),
    ],
)
async def test_bad_order_input(shop, client, token, body, code):
    status, answer = await shop.call("POST", "/api/orders", token=token, json=body)
    assert (status, answer["code"]) == (400, code), answer
    assert await client.requests(api="unifiedorder") == []
    assert shop.rows("SELECT COUNT(*) FROM orders") == [(0,)]


async def test_quantity_bounds_are_accepted(shop, token):
    for quantity, amount in ((1, 1200), (99, 99 * 1200)):
        status, params = await shop.call(
            "POST", "/api/orders", token=token, json={"product_id": "bagel", "quantity": quantity}
        )
        assert status == 201 and params["amount_fen"] == amount


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "NO_TOKEN"),
        ({"Authorization": "Basic YWxpY2U6"}, "NO_TOKEN"),
        ({"Authorization": "Bearer"}, "NO_TOKEN"),
        ({"Authorization": "Bearer not-a-token-we-issued"}, "BAD_TOKEN"),
    ],
)
async def test_user_endpoints_need_a_valid_token(shop, client, headers, code):
    for method, path in (
        ("POST", "/api/orders"),
        ("GET", "/api/orders/M20260101000000123"),
        ("POST", "/api/orders/M20260101000000123/pay"),
    ):
        status, body = await shop.call(method, path, json=ORDER, headers=headers)
        assert (status, body["code"]) == (401, code), (method, path)
    assert await client.requests(api="unifiedorder") == []


async def test_token_expires(shop, client, token):
    await client.advance(7199)
    assert (await shop.call("POST", "/api/orders", token=token, json=ORDER))[0] == 201
    await client.advance(1)
    status, body = await shop.call("POST", "/api/orders", token=token, json=ORDER)
    assert (status, body["code"]) == (401, "TOKEN_EXPIRED")
    status, summary = await shop.ops("/ops/reconcile")
    assert summary["sessions_dropped"] == 1
    status, body = await shop.call("POST", "/api/orders", token=token, json=ORDER)
    assert (status, body["code"]) == (401, "BAD_TOKEN")  # gone for good


async def test_another_users_order_does_not_exist(shop, client, token):
    params = await shop.order(token)
    number = params["out_trade_no"]
    bob = await shop.login(client, "bob")
    for method, path in (("GET", f"/api/orders/{number}"), ("POST", f"/api/orders/{number}/pay")):
        status, body = await shop.call(method, path, token=bob)
        assert (status, body["code"]) == (404, "NO_SUCH_ORDER")
        status, missing = await shop.call(method, path.replace(number, "M99999999999999999999999"), token=bob)
        assert missing == {**body, "error": body["error"].replace(number, "M99999999999999999999999")}  # same answer
    await pay(client, params)
    await client.wait(out_trade_no=number, status="acked")
    assert (await shop.call("GET", f"/api/orders/{number}", token=bob))[0] == 404


@pytest.mark.parametrize("number", ["short", "x" * 33, "M2026%20space", "M2026'--"])
async def test_bad_out_trade_no_in_the_path(shop, token, number):
    status, body = await shop.call("GET", f"/api/orders/{number}", token=token)
    assert (status, body["code"]) == (400, "BAD_OUT_TRADE_NO")


async def test_unknown_route_and_method_are_json(shop):
    status, body = await shop.call("GET", "/api/nothing-here")
    assert (status, body["code"]) == (404, "NOT_FOUND")
    status, body = await shop.call("DELETE", "/api/orders")
    assert (status, body["code"]) == (405, "METHOD_NOT_ALLOWED")


async def test_oversized_body_is_refused(shop, token):
    status, body = await shop.call("POST", "/api/orders", token=token, data=b"{" + b" " * 70_000 + b"}")
    assert (status, body["code"]) == (413, "BODY_TOO_LARGE")


async def test_operator_endpoints(shop, token):
    status, body = await shop.call("POST", "/ops/reconcile")
    assert (status, body["code"]) == (401, "NO_TOKEN")
    status, body = await shop.call("POST", "/ops/reconcile", token=token)
    assert (status, body["code"]) == (403, "NOT_OPERATOR")
    assert (await shop.ops("/ops/reconcile"))[0] == 200


async def test_operator_endpoints_are_off_without_a_token(make_shop):
    shop = await make_shop(operator_token="")
    status, body = await shop.call("POST", "/ops/reconcile", token="anything-at-all-really")
    assert (status, body["code"]) == (403, "OPERATOR_DISABLED")


async def test_internal_error_leaks_nothing(shop, token, monkeypatch, caplog):
    from mockwx.merchant.services import SERVICES

    async def broken(*args, **kwargs):
        raise RuntimeError("secret detail /etc/merchant.yaml")

    monkeypatch.setattr(shop.app[SERVICES].store, "add_order", broken)
    status, body = await shop.call("POST", "/api/orders", token=token, json=ORDER)
    assert (status, body) == (500, {"error": "internal error", "code": "INTERNAL"})
    assert "secret detail" in caplog.text and "Traceback" in caplog.text  # in the log only
