"""downloadbill: WeChat's backtick CSV built from the day's payments and refunds (protocol/v2.md 6.6)."""

from __future__ import annotations

import gzip

from mockwx.wire import parse_xml, to_date


async def bill(client, date, **kw):
    fields = {"bill_date": date, **kw}
    from mockwx.wire import new_nonce, render_xml, with_sign

    body = with_sign(
        {"appid": client.appid, "mch_id": client.mch_id, "nonce_str": new_nonce(), **fields}, client.api_key
    )
    async with client.session.post(f"{client.url}/pay/downloadbill", data=render_xml(body)) as response:
        return await response.read()


async def test_no_bill(mock, client):
    raw = await bill(client, to_date(mock.backend.clock.now()))
    assert parse_xml(raw) == {"return_code": "FAIL", "return_msg": "No Bill Exist", "error_code": "20002"}


async def test_bad_date(client):
    assert parse_xml(await bill(client, "20261399"))["return_msg"] == "invalid bill_date"


async def test_bill_of_the_day(mock, client):
    for number, fee in (("B20261127000001", 1234), ("B20261127000002", 1)):
        order = await client.unifiedorder(number, fee, attach="att")
        await client.pay(client.payment_params(order["prepay_id"]))
    await client.refund("B20261127000001", "BR1", 234, 1234)
    raw = await bill(client, to_date(mock.backend.clock.now()))
    assert not raw.startswith(b"<") and raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[-1] == ""
    header, rows, summary_header, totals = lines[0], lines[1:-3], lines[-3], lines[-2]
    assert len(header.split(",")) == 27 and header.startswith("交易时间,公众账号ID,商户号")
    assert len(rows) == 3 and all(len(r.split(",")) == 27 and r.startswith("`") for r in rows)
    payment = rows[0].split(",")
    assert payment[6] == "`B20261127000001" and payment[9] == "`SUCCESS" and payment[12] == "`12.34"
    assert payment[22] == "`0.07000" and payment[23] == "`0.60%"  # 0.6% of 12.34 yuan, rounded to the fen
    refund_row = rows[2].split(",")
    assert refund_row[9] == "`REFUND" and refund_row[16] == "`2.34" and refund_row[22] == "`-0.01000"
    assert (
        summary_header == "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
    )
    assert totals == "`3,`12.35,`2.34,`0.00,`0.06000,`12.35,`2.34"


async def test_bill_types_and_gzip(mock, client):
    order = await client.unifiedorder("B20261127000003", 500)
    await client.pay(client.payment_params(order["prepay_id"]))
    await client.refund("B20261127000003", "BR3", 100, 500)
    day = to_date(mock.backend.clock.now())
    success = (await bill(client, day, bill_type="SUCCESS")).decode("utf-8-sig").split("\r\n")
    assert len(success[0].split(",")) == 20 and len(success) == 5
    refund = (await bill(client, day, bill_type="REFUND")).decode("utf-8-sig").split("\r\n")
    assert len(refund[0].split(",")) == 29 and "`BR3" in refund[1]
    zipped = await bill(client, day, tar_type="GZIP")
    assert gzip.decompress(zipped).decode("utf-8-sig").startswith("交易时间")
    assert parse_xml(await bill(client, day, bill_type="NONE"))["return_msg"] == "bill_type参数格式错误"
