"""Control characters from the wire never reach a header or a log line raw: every bad request still
gets its HTTP answer with a printable-ASCII X-Mockwx-Hint, one request is one log line, and the
journal says "answered" only for an answer that was sent (issue 8, finding 5)."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_SECRET
from mockwx.wire import parse_xml, render_xml, with_sign

PRINTABLE = re.compile(r"[\x20-\x7e]*")


def _printable_hint(headers) -> str:
    hint = headers.get("X-Mockwx-Hint", "")
    assert PRINTABLE.fullmatch(hint), f"hint is not printable ASCII: {hint!r}"
    return hint


@pytest.mark.parametrize("char", ["\x7f", "\x85", "\u2028"])  # what XML 1.0 can carry of C0/C1 and separators
async def test_a_control_character_in_a_badly_signed_request_still_gets_its_answer(client, char):
    fields = {"appid": DEMO_APPID, "mch_id": "10000100", "nonce_str": f"n{char}1", "out_trade_no": "T1", "sign": "X"}
    async with client.session.post(f"{client.url}/pay/orderquery", data=render_xml(fields)) as response:
        body = parse_xml(await response.read())
        hint = _printable_hint(response.headers)
    assert body == {"return_code": "FAIL", "return_msg": "签名错误"} and "sign" in hint
    (problem,) = await client.problems()  # the full diagnosis keeps the value as it came
    assert char in problem["error"]["diagnosis"]["unkeyed_string"]


@pytest.mark.parametrize("raw", ["%00", "%1b", "%7f", "%0a", "%0d%0a", "%e2%80%a8"])
async def test_control_characters_in_the_login_query_still_get_an_answer(client, raw):
    url = f"{client.url}/sns/jscode2session?appid=wx{raw}x&secret={DEMO_SECRET}&js_code=c&grant_type=authorization_code"
    async with client.session.get(url) as response:
        body = await response.json(content_type=None)
        _printable_hint(response.headers)
    assert body["errcode"] == 40013 and body["errmsg"].startswith("invalid appid")


async def test_a_control_character_in_a_paysign_request_still_gets_an_answer(client):
    order = await client.unifiedorder("ESC0000001", 1)
    params = {**client.payment_params(order["prepay_id"]), "nonceStr": "a\u0001b"}
    async with client.session.post(f"{client.url}/__mock__/pay", json=params) as response:
        body = await response.json()
        hint = _printable_hint(response.headers)
    assert body["errMsg"] == "requestPayment:fail 支付验证签名失败" and "paySign" in hint


async def test_a_newline_in_a_field_cannot_forge_a_log_line(client, caplog):
    forged = "wx\n2026-11-27 10:00:00,000 mockwx.http WARNING POST /pay/refund -> 200 SUCCESS"
    with caplog.at_level(logging.INFO, logger="mockwx"):
        async with client.session.get(
            f"{client.url}/sns/jscode2session",
            params={"appid": forged, "secret": DEMO_SECRET, "js_code": "c", "grant_type": "authorization_code"},
        ) as response:
            assert (await response.json(content_type=None))["errcode"] == 40013
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("mockwx")]
    assert lines and all("\n" not in line and "\r" not in line for line in lines)
    assert any("wx\\n2026-11-27" in line for line in lines)


async def test_the_journal_does_not_say_answered_when_the_answer_could_not_be_sent(mock, client):
    await client.fault(api="orderquery", delay=0.3, times=1)
    body = render_xml(
        with_sign({"appid": DEMO_APPID, "mch_id": "10000100", "nonce_str": "n", "out_trade_no": "T1"}, DEMO_API_KEY)
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", mock.port)
    writer.write(b"POST /pay/orderquery HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    writer.transport.abort()  # the caller goes away before the (delayed) answer
    await asyncio.sleep(0.6)
    entry = next(e for e in reversed(await client.requests()) if e["api"] == "orderquery")
    assert entry["status"] == 0 and entry["outcome"].startswith("not sent"), entry


async def test_the_hint_of_any_error_carries_no_raw_chinese_nor_escapes(client):
    # a rule's hint (not a signature's) quoting a value the caller sent
    fields = {"appid": DEMO_APPID, "mch_id": "10000100", "nonce_str": "n1", "out_trade_no": "中文订单"}
    async with client.session.post(
        f"{client.url}/pay/orderquery", data=render_xml(with_sign(fields, DEMO_API_KEY))
    ) as response:
        body = parse_xml(await response.read())
        hint = _printable_hint(response.headers)
    assert body == {"return_code": "FAIL", "return_msg": "invalid out_trade_no"}
    assert "out_trade_no is '????'" in hint and "\\u" not in hint, hint
    (entry,) = [e for e in await client.requests() if e["api"] == "orderquery"]
    assert "中文订单" in str(entry)  # the journal keeps the text as it came


async def test_a_request_header_that_is_not_utf8_is_shown_by_its_dashboard_pages(mock, client):
    """Found by `make fuzz` (review 8 M5): the bytes, kept as surrogates, made every page showing the call a 500."""
    reader, writer = await asyncio.open_connection("127.0.0.1", mock.port)
    head = b"POST /pay/orderquery HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Shop: caf\xe9\r\nContent-Length: 4\r\n"
    writer.write(head + b"\r\n<xml")
    assert (await reader.readuntil(b"\r\n")).startswith(b"HTTP/1.1 200")
    writer.close()
    (problem,) = await client.problems()
    for page in ("problems", "entries"):
        async with client.session.get(f"{client.url}/__mock__/ui/{page}/{problem['id']}") as response:
            assert response.status == 200 and response.charset == "utf-8"
            assert "caf\\udce9" in await response.text()
