"""API v3 answers: the domain's records as WeChat's JSON (protocol/v3.md 4.2, 6.1, 8.1; compact,
Chinese unescaped, error bodies key-sorted), and every response signed as v3.md 2.1-2.2 says:
Wechatpay-Timestamp (the wall clock), -Nonce, -Serial (the platform certificate or the WeChat Pay
public key, as the client asked in Wechatpay-Serial), -Signature, -Signature-Type and Request-ID.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...domain.models import Order, Refund, RefundStatus
from ...notify.v3 import RECEIVED_ACCOUNT
from ...wire.v3 import compact_json, sign_response, to_rfc3339
from ...wire.v3.response import new_request_id
from ..render import hint_headers
from .auth import V3Request

JSON_TYPE = "application/json"
REFUND_STATUS = {
    RefundStatus.SUCCESS: "SUCCESS",
    RefundStatus.PROCESSING: "PROCESSING",
    RefundStatus.REFUNDCLOSE: "CLOSED",
    RefundStatus.CHANGE: "ABNORMAL",
}


def signed(
    request: V3Request | None,
    body: bytes,
    *,
    status: int = 200,
    now: float,
    nonce: str,
    probe: bool = False,
    hint: str = "",
    code: int = 0,
) -> web.Response:
    """A response carrying ``body``, signed with the key the client asked for (unsigned before authentication)."""
    headers = hint_headers(hint)
    if request is not None:
        serial, key = request.keys.signer(request.serial_asked)
        headers.update(
            sign_response(
                body, key, serial, timestamp=int(now), nonce=nonce, request_id=new_request_id(code), probe=probe
            )
        )
    else:
        headers["Request-ID"] = new_request_id(code)
    return web.Response(body=body, status=status, content_type=JSON_TYPE, charset="utf-8", headers=headers)


def transaction(order: Order, trade_state: str, trade_state_desc: str) -> dict[str, Any]:
    """A query's answer (v3.md 6.1): before payment only the order's amount, identity and state (attach too
    is returned only once paid, v3.md 4.1; the captured NOTPAY answer has none)."""
    if not order.is_paid():
        return {
            "amount": {"payer_currency": order.fee_type, "total": order.total_fee},
            "appid": order.appid,
            "mchid": order.mch_id,
            "out_trade_no": order.out_trade_no,
            "promotion_detail": [],
            "scene_info": {"device_id": order.device_info},
            "trade_state": trade_state,
            "trade_state_desc": trade_state_desc,
        }
    return {
        "appid": order.appid,
        "mchid": order.mch_id,
        "out_trade_no": order.out_trade_no,
        "transaction_id": order.transaction_id,
        "trade_type": order.trade_type,  # v2 and v3 name the trade types alike (v3.md 6.1)
        "trade_state": trade_state,
        "trade_state_desc": trade_state_desc,
        "bank_type": order.bank_type,
        "attach": order.attach,
        "success_time": to_rfc3339(order.time_end or 0),
        "payer": {"openid": order.payer_openid},
        "amount": {
            "total": order.total_fee,
            "payer_total": order.cash_fee,
            "currency": order.fee_type,
            "payer_currency": order.fee_type,
        },
        "promotion_detail": [],
    }


def refund(order: Order, record: Refund) -> dict[str, Any]:
    """A refund as create and query answer it (v3.md 8.1, keys sorted as the capture)."""
    out: dict[str, Any] = {
        "amount": {
            "currency": "CNY",
            "discount_refund": 0,
            "from": [],
            "payer_refund": record.refund_fee,
            "payer_total": order.cash_fee,
            "refund": record.refund_fee,
            "refund_fee": 0,
            "settlement_refund": record.refund_fee,
            "settlement_total": order.total_fee,
            "total": record.total_fee,
        },
        "channel": "ORIGINAL",
        "create_time": to_rfc3339(record.created_at),
        "funds_account": record.funds_account or "AVAILABLE",
        "out_refund_no": record.out_refund_no,
        "out_trade_no": record.out_trade_no,
        "promotion_detail": [],
        "refund_id": record.refund_id,
        "status": REFUND_STATUS.get(record.refund_status, record.refund_status),
    }
    if record.success_time is not None:
        out["success_time"] = to_rfc3339(record.success_time)
    out["transaction_id"] = record.transaction_id
    out["user_received_account"] = RECEIVED_ACCOUNT
    return out


def json_bytes(value: Any) -> bytes:
    return compact_json(value)
