"""API v3 notifications: the Wechatpay-* signature over the raw body, then the AES-256-GCM resource,
then the same checks and the same exactly-once settlement as v2 (protocol/v3.md 7, 8.3).

A WECHATPAY/SIGNTEST/ probe fails verification like any bad signature and is answered 401, so
WeChat sends the notification again, correctly signed (v3.md 2.5). The answer is 204 for an
authentic notification, new or repeated, and 4xx/5xx with ``{"code": "FAIL", "message": ...}``
otherwise (v3.md 7.3).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from mockwx.wire.v3 import DecryptError, Notification, NotificationError, read_notification

from .gateway import Payment
from .models import RefundStatus
from .notify import Notifications, RefundNotice, Verdict, fen
from .pay_v3 import V3Gateway
from .wechat import WeChatForged, WeChatUnavailable

log = logging.getLogger("merchant.notify")

REFUND_STATUSES = {
    "SUCCESS": RefundStatus.SUCCESS,
    "CLOSED": RefundStatus.REFUNDCLOSE,
    "ABNORMAL": RefundStatus.CHANGE,
}


def _refuse(kind: str, reason: str, detail: str = "", status: int = 400) -> Verdict:
    log.warning("refused a v3 %s notification: %s%s; nothing changed", kind, reason, f" ({detail})" if detail else "")
    return Verdict(False, reason, status)


async def _read(
    gateway: V3Gateway, kind: str, headers: Mapping[str, str], body: bytes, original_type: str
) -> Notification | Verdict:
    """The decrypted notification, once its signature verified and its resource decrypted."""
    try:
        await gateway.verify(dict(headers), body, what=f"a {kind} notification")
    except WeChatForged as exc:
        return _refuse(kind, "signature does not verify", str(exc), status=401)
    except WeChatUnavailable as exc:  # certificates could not be fetched: ask WeChat to send it again later
        return _refuse(kind, "cannot verify now", str(exc), status=500)
    try:
        notification = read_notification(body, gateway.config.api_v3_key)
    except NotificationError as exc:
        return _refuse(kind, "not a WeChat v3 notification", str(exc))
    except DecryptError as exc:
        return _refuse(kind, "resource does not decrypt with our APIv3 key", str(exc))
    if notification.original_type != original_type:
        return _refuse(kind, f"original_type is not {original_type}", repr(notification.original_type[:40]))
    return notification


async def payment(notifications: Notifications, gateway: V3Gateway, headers: Mapping[str, str], body: bytes) -> Verdict:
    read = await _read(gateway, "payment", headers, body, "transaction")
    if isinstance(read, Verdict):
        return read
    r = read.resource
    amount = r.get("amount") if isinstance(r.get("amount"), dict) else {}
    notice = Payment(
        out_trade_no=str(r.get("out_trade_no", "")),
        trade_state=str(r.get("trade_state", "")),
        total_fen=fen(amount.get("total")),  # type: ignore[union-attr]
        transaction_id=str(r.get("transaction_id", "")),
        appid=str(r.get("appid", "")),
        mch_id=str(r.get("mchid", "")),
    )
    return await notifications.settle_payment(notice, "amount.total")


async def refund(notifications: Notifications, gateway: V3Gateway, headers: Mapping[str, str], body: bytes) -> Verdict:
    read = await _read(gateway, "refund", headers, body, "refund")
    if isinstance(read, Verdict):
        return read
    r = read.resource
    if r.get("mchid") != gateway.config.mch_id:
        return _refuse("refund", "not for this merchant", f"mchid {str(r.get('mchid'))[:40]!r}")
    amount = r.get("amount") if isinstance(r.get("amount"), dict) else {}
    status = str(r.get("refund_status", ""))
    notice = RefundNotice(
        out_refund_no=str(r.get("out_refund_no", "")),
        out_trade_no=str(r.get("out_trade_no", "")),
        refund_fen=fen(amount.get("refund")),  # type: ignore[union-attr]
        total_fen=fen(amount.get("total")),  # type: ignore[union-attr]
        status=REFUND_STATUSES.get(status),
        refund_id=str(r.get("refund_id", "")),
        raw_status=status,
    )
    return await notifications.settle_refund(notice)
