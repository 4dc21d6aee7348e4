"""The control API: what it does, and a clear 4xx JSON for every bad call."""

from __future__ import annotations

import pytest

from mockwx.config import DEMO_APPID


async def raw(client, method, path, body=None, data=None):
    headers = {"Content-Type": "application/json"} if method != "GET" else None  # every write says JSON
    async with client.session.request(
        method, f"{client.url}/__mock__{path}", json=body, data=data, headers=headers
    ) as response:
        return response.status, await response.json(content_type=None)


async def test_index_lists_the_api(client):
    status, body = await raw(client, "GET", "")
    assert status == 200 and body["apps"] == [DEMO_APPID] and body["clock"]["kind"] == "virtual"
    assert "POST /__mock__/pay" in body["control"]


@pytest.mark.parametrize(
    ("method", "path", "body", "data", "status", "needle"),
    [
        ("POST", "/login", None, b"{not json", 400, "not valid JSON"),
        ("POST", "/login", None, b"[1, 2]", 400, "JSON object"),
        ("POST", "/login", None, b"", 400, "needs a JSON object"),
        ("POST", "/login", {"user": 5}, None, 400, "appid"),
        ("POST", "/login", {"user": ""}, None, 400, "user must be"),
        ("POST", "/login", {"appid": "wxnope", "user": "a"}, None, 404, "no mini program"),
        ("POST", "/tenants", {"merchants": [{"mch_id": "1", "api_key": "short"}]}, None, 400, "api_key"),
        ("POST", "/tenants", {"apps": [{"appid": "wx1"}]}, None, 400, "secret"),
        ("POST", "/tenants", {"apps": [{"appid": "wx1", "secret": "s", "colour": "red"}]}, None, 400, "unknown key"),
        ("POST", "/tenants", {"bogus": 1}, None, 400, "expected"),
        ("GET", "/orders/NOPE", None, None, 404, "no order"),
        ("POST", "/clock/advance", {"seconds": -1}, None, 400, "seconds"),
        ("POST", "/clock/advance", {"seconds": "10"}, None, 400, "seconds"),
        ("POST", "/faults", {"api": "nope"}, None, 400, "fault api"),
        ("POST", "/faults", {"api": "unifiedorder"}, None, 400, "must do something"),
        ("POST", "/faults", {"api": "unifiedorder", "errcode": -1}, None, 400, "err_code"),
        ("POST", "/faults", {"api": "code2session", "errcode": 12345}, None, 400, "errcode must be"),
        ("POST", "/faults", {"api": "unifiedorder", "err_code": "X"}, None, 400, "unknown err_code"),
        ("POST", "/faults", {"api": "unifiedorder", "delay": 1, "match": {"a": "re:("}}, None, 400, "regex"),
        ("POST", "/faults", {"api": "notify", "retry_delays": [10**20]}, None, 400, "retry_delays"),
        ("POST", "/faults", {"api": "notify", "retry_delays": [1] * 101}, None, 400, "retry_delays"),
        ("POST", "/tenants", {"apps": [{"appid": "wx\n1", "secret": "s"}]}, None, 400, "appid"),
        ("POST", "/tenants", {"apps": [{"appid": "wx 1", "secret": "s"}]}, None, 400, "appid"),
        ("POST", "/tenants", {"apps": [{"appid": "wx1", "secret": "s" * 129}]}, None, 400, "secret"),
        ("POST", "/faults", {"api": "orderquery", "return_msg": "busy\x1f"}, None, 400, "XML cannot carry"),
        ("PUT", "/reset", None, None, 404, "no control endpoint"),
        ("DELETE", "/faults/99", None, None, 404, "no fault"),
        ("POST", "/pay", {"outcome": "maybe"}, None, 400, "outcome"),
        ("POST", "/pay", {}, None, 400, "which order"),
        ("POST", "/pay", {"out_trade_no": "NOPE"}, None, 404, "no order"),
        ("GET", "/notifications/nope", None, None, 404, "no notification"),
        ("POST", "/notifications/nope/resend", None, None, 404, "no notification"),
        ("GET", "/notifications/wait?timeout=x", None, None, 400, "timeout"),
        ("GET", "/notifications/wait?status=done", None, None, 400, "status"),
        ("POST", "/sign", {"fields": "x"}, None, 400, "cannot sign"),
        ("GET", "/requests?limit=x", None, None, 400, "integers"),
        ("GET", "/nothing-here", None, None, 404, "no control endpoint"),
        ("GET", "/pay", None, None, 404, "no control endpoint"),
    ],
)
async def test_bad_calls_get_a_clear_4xx(client, method, path, body, data, status, needle):
    got_status, got = await raw(client, method, path, body, data)
    assert got_status == status
    assert needle in (got.get("error", "") + got.get("hint", ""))


async def test_tenants_are_added_at_run_time(client):
    status, body = await raw(
        client,
        "POST",
        "/tenants",
        {
            "apps": [{"appid": "wx1111111111111111", "secret": "1" * 32}],
            "merchants": [{"mch_id": "1900000300", "api_key": "A" * 32, "appids": ["wx1111111111111111"]}],
        },
    )
    assert status == 201 and body["added"] == {"apps": ["wx1111111111111111"], "merchants": ["1900000300"]}
    _, tenants = await raw(client, "GET", "/tenants")
    assert {m["mch_id"] for m in tenants["merchants"]} == {"10000100", "1900000300"}


async def test_reset_forgets_orders_but_keeps_configured_tenants(client):
    await client.unifiedorder("C20261127000001", 1)
    await client.reset()
    status, _ = await raw(client, "GET", "/orders/C20261127000001")
    assert status == 404
    assert (await client.login())["openid"]


async def test_requests_journal_is_bounded(mock, client):
    mock.backend.journal.entries = type(mock.backend.journal.entries)(maxlen=5)
    for _ in range(8):
        await client.v2("/pay/orderquery", {"out_trade_no": "C1"})
    assert len(await client.requests()) == 5


async def test_sign_endpoint_teaches(client):
    fields = {
        "appid": "wxd930ea5d5a258f4f",
        "mch_id": "10000100",
        "device_info": "1000",
        "body": "test",
        "nonce_str": "ibuaiVcKdpRxkhJA",
    }
    _, body = await raw(client, "POST", "/sign", {"fields": fields, "key": "192006250b4c09247ec02edce69f6a2d"})
    assert body["sign"] == "9A0A8659F005D6984697E2CA0A9CF3B7"
    assert body["string"].endswith("&key=192006250b4c09247ec02edce69f6a2d")


async def test_settings_can_be_changed_at_run_time_all_or_nothing(mock, client):
    got = await client.control("PATCH", "/settings", {"notify": {"timeout": 1.5}, "pay": {"close_min_age": 300}})
    assert got["notify"]["timeout"] == 1.5 and mock.backend.settings.pay.close_min_age == 300
    assert mock.backend.engine.settings.timeout == 1.5  # the engine sees the same settings object
    for bad, needle in (
        ({"notify": {"timeout": -1}, "pay": {"close_min_age": 0}}, "notify.timeout"),
        ({"clock": "real"}, "cannot change"),
        ({"notify": {"nope": 1}}, "unknown key"),
        ({"pay": {"strict_openid": "yes"}}, "true or false"),
    ):
        async with client.session.patch(f"{client.url}/__mock__/settings", json=bad) as response:
            assert response.status == 400 and needle in (await response.json())["error"]
    assert mock.backend.settings.pay.close_min_age == 300 and mock.backend.settings.notify.timeout == 1.5


async def test_magic_amounts_are_listed_and_can_be_turned_off(client):
    faults = (await client.control("GET", "/faults"))["faults"]
    assert any(f["label"].startswith("magic 9999.01") for f in faults)
    order = await client.unifiedorder("MG0000001", 999901)
    paid = await client.pay(client.payment_params(order["prepay_id"]))
    assert paid["errMsg"] == "requestPayment:fail cancel"
    ordinary = await client.unifiedorder("MG0000002", 9999)
    assert (await client.pay(client.payment_params(ordinary["prepay_id"])))["errMsg"] == "requestPayment:ok"


async def test_reset_also_forgets_patched_settings(mock, client):
    await client.control("PATCH", "/settings", {"notify": {"timeout": 1.5}})
    await client.reset()
    assert mock.backend.settings.notify.timeout == 5.0 and mock.backend.engine.settings.timeout == 5.0


async def test_lists_answer_a_page_at_a_time(client, monkeypatch):
    """Issue 8, finding 11: no control answer builds more than a page."""
    from mockwx.http import control

    monkeypatch.setattr(control, "MAX_PAGE", 3)
    for n in range(5):
        await client.unifiedorder(f"PG{n}", 1)
    _, first = await raw(client, "GET", "/orders?limit=0")
    _, rest = await raw(client, "GET", "/orders?offset=3&limit=10")
    assert [o["out_trade_no"] for o in first["orders"]] == ["PG0", "PG1", "PG2"] and first["more"]
    assert [o["out_trade_no"] for o in rest["orders"]] == ["PG3", "PG4"] and not rest["more"]
    assert (await raw(client, "GET", "/notifications?offset=-1"))[0] == 400


async def test_raw_notification_copies_are_bounded_in_bytes(client):
    body = {"url": "http://127.0.0.1:9/n", "body": "<xml>" + "x" * 200_000 + "</xml>", "copies": 1000}
    status, answer = await raw(client, "POST", "/notify", body)
    assert status == 400 and "copies" in answer["error"]
