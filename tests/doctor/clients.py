"""How the tutorial merchant and its mini program reach the mock over HTTP, and what the mock says
back about them (GET /__mock__/problems in a language)."""

from __future__ import annotations

import hashlib
from typing import Any

from .tutorial import KEY, MCH_ID, ORDER, Case, PastedCase, PayCase, PayContext, joined


def xml(fields: dict[str, str]) -> bytes:
    """The request body as tutorials build it: string concatenation, CDATA around every value."""
    return ("<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>").encode()


async def post_xml(client: Any, path: str, fields: dict[str, str]) -> tuple[str, str]:
    async with client.session.post(client.url + path, data=xml(fields)) as response:
        return await response.text(), response.headers.get("X-Mockwx-Hint", "")


async def sandbox_key(client: Any) -> str:
    fields = {"mch_id": MCH_ID, "nonce_str": "sandboxnonce"}
    fields["sign"] = hashlib.md5((joined(sorted(fields.items())) + "&key=" + KEY).encode()).hexdigest().upper()
    body, _ = await post_xml(client, "/sandboxnew/pay/getsignkey", fields)
    return body.split("<sandbox_signkey><![CDATA[")[1].split("]")[0]


async def send_order(client: Any, case: Case) -> tuple[dict[str, str], str, str, str]:
    """unifiedorder with the case's sign: the fields, the sign, WeChat's answer and the hint header."""
    if case.path.startswith("/sandboxnew"):
        await sandbox_key(client)
    fields = case.fields(ORDER)
    sign = case.sign(fields)
    body, hint = await post_xml(client, case.path, {**fields, **({"sign": sign} if sign else {})})
    return fields, sign, body, hint


async def send_payment(client: Any, case: PayCase) -> dict[str, Any]:
    """Two orders placed right, then wx.requestPayment for the second with the case's paySign."""
    return await client.pay(await payment(client, case))


async def payment(client: Any, case: PayCase) -> dict[str, str]:
    """Two orders placed right, and the case's wx.requestPayment parameters for the second."""
    other = await client.unifiedorder("P20261127000001", 1, sign_type=case.order_sign_type)
    order = await client.unifiedorder("P20261127000002", 1, sign_type=case.order_sign_type)
    assert order["result_code"] == "SUCCESS", order
    return case.body(PayContext(prepay_id=order["prepay_id"], other_prepay_id=other["prepay_id"]))


async def check_pasted(client: Any, case: PastedCase, lang: str) -> dict[str, Any]:
    """POST /__mock__/sign with the pasted string, as the sign command takes it."""
    return await client.control("POST", "/sign", {"string": case.string, "lang": lang})


async def last_diagnosis(client: Any, lang: str) -> dict[str, Any]:
    problems = (await client.control("GET", "/problems", params={"lang": lang}))["requests"]
    return problems[-1]["error"]["diagnosis"]
