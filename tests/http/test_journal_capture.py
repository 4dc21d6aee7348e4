"""What the journal keeps for the dashboard: the raw request and answer of every call (bounded), the
notification attempts the mock makes, the control API's changes, and the X-Mockwx-Problem link."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from mockwx.capture import MAX_BODY, raw_message
from mockwx.config import DEMO_APPID, DEMO_MCH_ID, DEMO_SECRET
from mockwx.wire import parse_xml, render_xml, with_sign
from mockwx.wire.v3 import build_authorization, compact_json, load_private_key, verify_response

from ..support import ACK, Reply
from .test_v3 import JSAPI, order_body, verifier


async def test_a_call_keeps_its_raw_request_and_answer(client):
    answer = await client.unifiedorder("J20261127000001", 1)
    (entry,) = await client.requests(api="unifiedorder")
    request, response = entry["request"], entry["response"]
    assert request["start"] == "POST /pay/unifiedorder"
    assert parse_xml(request["body"].encode())["out_trade_no"] == "J20261127000001"
    assert request["size"] == len(request["body"].encode()) and not request["truncated"]
    assert response["start"] == "200 OK"
    assert parse_xml(response["body"].encode())["prepay_id"] == answer["prepay_id"]
    assert "Content-Type: text/xml; charset=utf-8" in response["headers"].splitlines()


async def test_a_big_body_is_cut_with_a_marker(client, mock):
    fields = with_sign({"appid": DEMO_APPID, "mch_id": "10000100", "attach": "x" * 20_000}, "k")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{mock.url}/pay/orderquery", data=render_xml(fields)) as response:
            await response.read()
    request = (await client.requests(api="orderquery"))[-1]["request"]
    assert request["truncated"] and request["size"] > 20_000
    assert request["body"].endswith(f"[mockwx kept {MAX_BODY} of {request['size']} bytes]")


async def test_the_appsecret_in_a_login_query_is_shortened(client):
    code = (await client.login())["code"]
    await client.code2session(code)
    (entry,) = await client.requests(api="code2session")
    assert DEMO_SECRET not in entry["request"]["start"]
    assert f"secret={DEMO_SECRET[:4]}…" in entry["request"]["start"]


async def test_notification_attempts_are_journaled_as_calls_the_mock_makes(client, receiver):
    receiver.plan = []
    receiver.default.status = 500
    order = await client.unifiedorder("J20261127000002", 1, notify_url=receiver.url)
    await client.pay(client.payment_params(order["prepay_id"]))
    await client.advance(0)
    receiver.default.status, receiver.default.body = 200, ACK
    await client.advance(15)
    first, second = await client.requests(api="notify")
    assert first["request"]["start"] == f"POST {receiver.url}"
    assert parse_xml(first["request"]["body"].encode())["out_trade_no"] == "J20261127000002"
    assert first["request"]["body"] == receiver.received[0].body.decode()
    assert (first["status"], first["outcome"]) == (500, "http_error")
    assert (second["status"], second["outcome"]) == (200, "acked")
    assert second["response"]["body"] == ACK.decode()
    assert second["fields"]["attempt"] == 2 and second["fields"]["out_trade_no"] == "J20261127000002"


async def test_control_changes_are_journaled_and_reads_are_not(client):
    await client.login("bob")
    await client.fault(api="unifiedorder", err_code="SYSTEMERROR")
    await client.clock()
    status = (await client.session.post(f"{client.url}/__mock__/faults", json={"api": "nope"})).status
    entries = await client.requests()
    assert [(e["api"], e["method"], e["outcome"]) for e in entries] == [
        ("login", "POST", "ok"),
        ("control", "POST", "ok"),
        ("control", "POST", "refused 400"),
    ]
    assert status == 400 and "fault api must be one of" in entries[-1]["error"]["hint"]


async def test_a_problem_answer_links_to_its_page(client, mock):
    async with aiohttp.ClientSession() as http:
        fields = with_sign({"appid": DEMO_APPID, "mch_id": "10000100", "out_trade_no": "J1"}, DEMO_SECRET)
        async with http.post(f"{mock.url}/pay/orderquery", data=render_xml(fields)) as response:
            link = response.headers["X-Mockwx-Problem"]
            assert "X-Mockwx-Hint" in response.headers
        (problem,) = await client.problems()
        assert link == f"{mock.url}/__mock__/ui/problems/{problem['id']}"
        good = await client.unifiedorder("J20261127000003", 1)
        bad = {**client.payment_params(good["prepay_id"]), "paySign": "0" * 32}
        async with http.post(f"{mock.url}/__mock__/pay", json=bad) as response:
            assert (await response.json())["errMsg"] == "requestPayment:fail 支付验证签名失败"
            link = response.headers["X-Mockwx-Problem"]
        assert link.endswith(f"/__mock__/ui/problems/{(await client.problems())[-1]['id']}")
        async with http.post(f"{mock.url}/__mock__/pay", json=client.payment_params(good["prepay_id"])) as response:
            assert response.status == 200 and "X-Mockwx-Problem" not in response.headers


async def test_journal_listeners_hear_every_finished_entry(client, mock):
    heard = []
    mock.backend.journal.listeners.append(heard.append)
    await client.login()
    await client.v2("/pay/orderquery", {"out_trade_no": "nope"})
    assert [e.api for e in heard] == ["login", "orderquery"]


def test_raw_message_bounds_and_binary_bodies():
    cut = raw_message("200 OK", [("Content-Type", "text/plain")], "签".encode() * 3000)
    assert cut.truncated and cut.size == 9000 and "kept 4096 of 9000 bytes" in cut.body
    gz = raw_message("200 OK", [("Content-Type", "application/x-gzip")], b"\x1f\x8b\x08\x00" * 10)
    assert gz.binary and gz.body == "" and gz.size == 40
    many = raw_message("GET /?secret=abcdefgh&x=1", [(f"h{i}", "v" * 5000) for i in range(100)], b"")
    assert len(many.headers.splitlines()) == 64 and len(many.headers.splitlines()[0]) == len("h0: ") + 1024
    assert many.start == "GET /?secret=abcd…&x=1"


async def test_pending_jobs_are_listed_soonest_first(client, mock, receiver):
    receiver.default.status = 500
    order = await client.unifiedorder("J20261127000004", 1, notify_url=receiver.url)
    await client.pay(client.payment_params(order["prepay_id"]))
    await client.advance(0)
    ((at, key),) = mock.backend.timers.pending()
    assert key.startswith("notify:") and at == mock.backend.clock.now() + 15


# -- API v3 (issue 9 review, items 4 and 5) -------------------------------------------------------------


async def _signed_v3_headers(client, target: str, raw: bytes) -> dict[str, str]:
    keys = await client.v3_keys()
    authorization = build_authorization(
        "POST",
        target,
        raw,
        mchid=DEMO_MCH_ID,
        serial_no=keys["merchant_serial"],
        private_key=load_private_key(keys["merchant_private_key"]),
        timestamp=int(time.time()),
    )
    return {"Authorization": authorization, "Content-Type": "application/json"}


async def test_a_v3_call_keeps_its_request_body_however_it_arrives(client, mock):
    """The body a v3 handler read is the journal's too, whole, even when it arrives in several chunks."""
    raw = compact_json(await order_body(client, "V3J0000000001"))
    headers = await _signed_v3_headers(client, JSAPI, raw)

    async def in_two_chunks():  # chunked transfer encoding, the second half a moment later
        yield raw[:20]
        await asyncio.sleep(0.05)
        yield raw[20:]

    async with client.session.post(f"{mock.url}{JSAPI}", data=in_two_chunks(), headers=headers) as response:
        assert response.status == 200, await response.text()  # the signature covers all of it
    placed = await client.v3("POST", JSAPI, await order_body(client, "V3J0000000002"))
    assert placed.status == 200
    first, second = await client.requests(api="v3/jsapi")
    assert first["request"]["body"] == raw.decode() and first["request"]["size"] == len(raw)
    assert json.loads(second["request"]["body"])["out_trade_no"] == "V3J0000000002"
    over = b'{"description": "' + b"x" * mock.backend.settings.max_body_bytes + b'"}'
    refused = await client.v3("POST", JSAPI, over)
    assert (refused.status, refused.json["code"]) == (400, "INVALID_REQUEST")
    kept = (await client.requests(api="v3/jsapi"))[-1]["request"]
    assert kept["truncated"] and kept["body"].startswith('{"description": "xxxx')


async def test_a_v3_notification_attempt_is_journaled_with_the_signed_headers_it_sent(client, receiver):
    body = await order_body(client, "V3J0000000003", notify_url=receiver.url)
    receiver.plan = [Reply(status=500)]
    receiver.default.status = 204
    prepay_id = (await client.v3("POST", JSAPI, body)).json["prepay_id"]
    await client.pay(await client.v3_pay_params(prepay_id))
    await client.advance(0)
    await client.advance(15)
    attempts = await client.requests(api="notify")
    assert [a["outcome"] for a in attempts] == ["http_error", "acked"]
    keys = verifier(await client.v3_keys())
    for journaled, got in zip(attempts, receiver.received, strict=True):
        sent = dict(line.split(": ", 1) for line in journaled["request"]["headers"].splitlines())
        for name in ("Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce"):
            assert sent[name] == got.headers[name], name  # what this attempt sent, not what the record holds
        assert sent["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
        verify_response(sent, journaled["request"]["body"].encode(), keys)  # the journal's headers verify its body
    signatures = [a["request"]["headers"] for a in attempts]
    assert signatures[0] != signatures[1]  # each attempt signs afresh
