"""A huge badly signed v3 request costs the doctor a few candidates, not a search over 3,000
timestamps of 240 KB each (issue 8 B3), and the diagnosis says the search stopped at its budget."""

from __future__ import annotations

import json
import time

from mockwx.config import DEMO_MCH_ID
from mockwx.wire.v3 import build_authorization, load_private_key

from .test_v3 import JSAPI, order_body


async def test_a_huge_badly_signed_order_is_diagnosed_within_the_budget(client):
    body = await order_body(client, "V3B0000000001")
    body["detail"] = {
        "goods_detail": [
            {"merchant_goods_id": f"G{i}", "goods_name": "拿铁", "quantity": 1, "unit_price": 1} for i in range(2800)
        ]
    }
    sent = json.dumps(body, ensure_ascii=False).encode()
    assert 200_000 < len(sent) < 256 * 1024  # under max_body_bytes: the body is read and the sign checked
    keys = await client.v3_keys()
    authorization = build_authorization(
        "POST",
        JSAPI,
        b'{"something": "else"}',
        mchid=DEMO_MCH_ID,
        serial_no=keys["merchant_serial"],
        private_key=load_private_key(keys["merchant_private_key"]),
        timestamp=int(time.time()),
    )
    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    async with client.session.post(f"{client.url}{JSAPI}", data=sent, headers=headers) as response:
        assert response.status == 401 and (await response.json())["message"] == "签名错误"
    (problem,) = await client.problems()
    diagnosis = problem["error"]["diagnosis"]
    assert (
        diagnosis["mistakes"] == ["v3_message_mismatch"] and 0 < diagnosis["cut_short"] <= 16
    )  # ten of 200 KB, a few without the body
    assert "budget" in diagnosis["explanation"]
    (zh,) = await client.requests(problems=True, lang="zh")
    assert "计算上限" in zh["error"]["diagnosis"]["explanation"]
