"""API v3 notifications: the compact JSON envelope with its AES-256-GCM ``resource`` (AAD
``transaction`` or ``refund``), the signed headers (made at each delivery, with the wall clock, so a
retry a day later is still fresh for SDKs that check the timestamp), and the acknowledgement: HTTP
200 or 204 (protocol/v3.md 7.1-7.3, 8.3).
"""

from __future__ import annotations

from typing import Any

from ..domain.models import Order, Refund, RefundStatus
from ..wire.v3 import to_rfc3339

HEADERS = {"Content-Type": "application/json", "User-Agent": "Mozilla/4.0"}
REFUND_EVENTS = {
    RefundStatus.SUCCESS: ("REFUND.SUCCESS", "退款成功"),
    RefundStatus.REFUNDCLOSE: ("REFUND.CLOSED", "退款关闭"),
    RefundStatus.CHANGE: ("REFUND.ABNORMAL", "退款异常"),
}
RECEIVED_ACCOUNT = "支付用户零钱"  # user_received_account of a refund to the balance (v3.md 8.1, 8.3)


def payment_plaintext(order: Order) -> dict[str, Any]:
    """The decrypted resource of TRANSACTION.SUCCESS, in the key order of real traffic (v3.md 7.1)."""
    return {
        "mchid": order.mch_id,
        "appid": order.appid,
        "out_trade_no": order.out_trade_no,
        "transaction_id": order.transaction_id,
        "trade_type": order.trade_type,
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
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
    }


def refund_plaintext(refund: Refund) -> dict[str, Any]:
    """The decrypted resource of a refund notification (v3.md 8.3); the API says ``status``, this ``refund_status``."""
    status = "SUCCESS" if refund.refund_status == RefundStatus.SUCCESS else refund.refund_status
    return {
        "mchid": refund.mch_id,
        "transaction_id": refund.transaction_id,
        "out_trade_no": refund.out_trade_no,
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "refund_status": status,
        "success_time": to_rfc3339(refund.success_time or refund.created_at),
        "user_received_account": RECEIVED_ACCOUNT,
        "amount": {
            "total": refund.total_fee,
            "refund": refund.refund_fee,
            "payer_total": refund.total_fee,
            "payer_refund": refund.refund_fee,
        },
    }


def refund_event(refund: Refund) -> tuple[str, str]:
    """(event_type, summary) of a refund notification."""
    return REFUND_EVENTS.get(refund.refund_status, ("REFUND.SUCCESS", "退款成功"))


def judge_reply(status: int, raw: bytes, *, lenient: bool = False) -> tuple[str, str]:
    """(verdict, reason): acknowledged by HTTP 200 or 204, whatever the body (v3.md 7.3)."""
    if status in (200, 204):
        return "acked", ""
    return "http_error", f"HTTP {status}: WeChat needs 200 or 204 (a 4xx/5xx asks for a redelivery)"
