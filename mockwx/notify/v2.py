"""Pay v2 notifications: what WeChat POSTs to merchants, and what counts as their acknowledgement.

The payment notification (protocol/v2.md 5.1) carries only documented fields, because WxJava
verifies the sign over the fields it models; the refund notification (6.5) is unsigned outer XML
with the details AES-256-ECB encrypted in ``req_info``. A delivery is acknowledged only by HTTP
200 with an XML body whose return_code is SUCCESS (5.2).
"""

from __future__ import annotations

from typing import Any

from ..domain.models import Order, Refund
from ..wire import HMAC_SHA256, XmlError, encrypt_req_info, parse_xml, render_xml, sign, to_compact, to_dashed

REFUND_RECV_ACCOUNT = "支付用户的零钱"
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "User-Agent": "Mozilla/4.0"}


def payment_fields(order: Order, nonce: str) -> dict[str, Any]:
    """The notification's fields before signing, in the alphabetical order of WeChat's sample."""
    fields: dict[str, Any] = {
        "appid": order.appid,
        "attach": order.attach or None,
        "bank_type": order.bank_type,
        "cash_fee": order.cash_fee,
        "device_info": order.device_info or None,
        "fee_type": order.fee_type,
        "is_subscribe": "N",
        "mch_id": order.mch_id,
        "nonce_str": nonce,
        "openid": order.payer_openid,
        "out_trade_no": order.out_trade_no,
        "result_code": "SUCCESS",
        "return_code": "SUCCESS",
        "sign": "",
        "time_end": to_compact(order.time_end or 0),
        "total_fee": order.total_fee,
        "trade_type": order.trade_type,
        "transaction_id": order.transaction_id,
    }
    return fields


def signed_payment(fields: dict[str, Any], key: str, sign_type: str, *, sign_type_field: bool) -> bytes:
    """Sign (or re-sign, after a deliberate change) a payment notification and render it."""
    fields = {k: v for k, v in fields.items() if k != "sign_type"}
    if sign_type == HMAC_SHA256 and sign_type_field:
        fields["sign_type"] = HMAC_SHA256
    fields["sign"] = sign({k: v for k, v in fields.items() if v is not None}, key, sign_type)
    return render_xml(fields)


def refund_fields(refund: Refund) -> dict[str, Any]:
    """The ``<root>`` inside req_info."""
    return {
        "out_refund_no": refund.out_refund_no,
        "out_trade_no": refund.out_trade_no,
        "refund_account": refund.refund_account,
        "refund_fee": refund.refund_fee,
        "refund_id": refund.refund_id,
        "refund_recv_accout": REFUND_RECV_ACCOUNT,
        "refund_request_source": "API",
        "refund_status": refund.refund_status,
        "settlement_refund_fee": refund.refund_fee,
        "settlement_total_fee": refund.total_fee,
        "success_time": to_dashed(refund.success_time) if refund.success_time else None,
        "total_fee": refund.total_fee,
        "transaction_id": refund.transaction_id,
    }


def refund_body(outer: dict[str, str], key: str, nonce: str, inner: dict[str, Any]) -> bytes:
    """The refund notification: return_code, appid, mch_id, nonce_str, req_info; no sign."""
    req_info = encrypt_req_info(render_xml(inner, root="root"), key)
    return render_xml(
        {
            "return_code": "SUCCESS",
            "appid": outer["appid"],
            "mch_id": outer["mch_id"],
            "nonce_str": nonce,
            "req_info": req_info,
        }
    )


def judge_reply(status: int, raw: bytes, *, lenient: bool = False) -> tuple[str, str]:
    """(verdict, reason) for a merchant's reply: acked only for 200 + XML return_code SUCCESS
    (``lenient`` also takes a plain-text SUCCESS, which the real v2 notifier may or may not)."""
    if status != 200:
        return "http_error", f"HTTP {status}: WeChat needs 200"
    if lenient and raw.strip().upper() == b"SUCCESS":
        return "acked", ""
    try:
        reply = parse_xml(raw)
    except XmlError as exc:
        return (
            "rejected",
            f"the reply is not WeChat XML ({exc.detail}); answer <xml><return_code>SUCCESS</return_code></xml>",
        )
    code = reply.get("return_code", "")
    if code != "SUCCESS":
        return "rejected", f"return_code is {code or 'missing'!r}" + (
            f" ({reply['return_msg']})" if reply.get("return_msg") else ""
        )
    return "acked", ""
