"""The gateway in Pay v2: unifiedorder, orderquery, closeorder and /secapi/pay/refund as signed XML,
the MD5 / HMAC-SHA256 paySign (protocol/v2.md 3, 4, 6.1-6.3)."""

from __future__ import annotations

from typing import Any

from mockwx.wire import pay_sign, to_compact

from .config import MerchantConfig
from .gateway import Payment, PaySign, RefundAccepted, Refusal, Trouble
from .models import Order, Refund
from .wechat import RETRYABLE, PayAnswer, WeChatClient

TROUBLES = {
    "ORDERPAID": Trouble.PAID,
    "ORDERCLOSED": Trouble.CLOSED,
    "ORDERNOTEXIST": Trouble.NOT_FOUND,
    **{code: Trouble.BUSY for code in RETRYABLE},
}


def refusal(answer: PayAnswer, missing: str = "NO_RESULT") -> Refusal:
    """result_code=FAIL as a Refusal; an answer that is not FAIL but lacks what was asked is ``missing``, FAILED."""
    code = answer.err_code or missing
    return Refusal(TROUBLES.get(code, Trouble.FAILED), code, answer.err_code_des, answer.attempts)


class V2Gateway:
    dialect = "v2"

    def __init__(self, config: MerchantConfig, wechat: WeChatClient) -> None:
        self.config = config
        self.wechat = wechat

    def sign_type(self) -> str:
        return self.config.sign_type

    def order_fields(
        self, number: str, description: str, amount: int, openid: str, now: float, expires_at: float
    ) -> dict[str, Any]:
        return {
            "body": description,
            "out_trade_no": number,
            "total_fee": amount,
            "spbill_create_ip": self.config.spbill_create_ip,
            "time_start": to_compact(now),
            "time_expire": to_compact(expires_at),  # Beijing time, as WeChat reads it
            "notify_url": self.config.notify_url,
            "trade_type": "JSAPI",
            "openid": openid,
        }

    async def _call(self, path: str, order: Order, fields: dict[str, Any]) -> PayAnswer:
        return await self.wechat.pay(path, fields, order.sign_type, retries=self.config.unifiedorder_retries)

    async def prepay(self, order: Order) -> str | Refusal:
        answer = await self._call("/pay/unifiedorder", order, order.wx_params)
        if answer.ok and answer.fields.get("prepay_id"):
            return answer.fields["prepay_id"]
        return refusal(answer, "NO_PREPAY_ID")

    def pay_sign(self, order: Order, time_stamp: str, nonce_str: str, package: str) -> PaySign:
        signed = pay_sign(self.config.appid, time_stamp, nonce_str, package, order.sign_type, self.config.api_key)
        return PaySign(order.sign_type, signed)

    async def query(self, order: Order) -> Payment | Refusal:
        answer = await self._call("/pay/orderquery", order, {"out_trade_no": order.out_trade_no})
        if not answer.ok:
            return refusal(answer)
        f = answer.fields
        total = f.get("total_fee", "")
        return Payment(
            out_trade_no=f.get("out_trade_no", ""),
            trade_state=f.get("trade_state", ""),
            total_fen=int(total) if total.isdigit() else None,
            transaction_id=f.get("transaction_id", ""),
            appid=f.get("appid", ""),
            mch_id=f.get("mch_id", ""),
            total_text=f"total_fee {f.get('total_fee')!r}",
        )

    async def close(self, order: Order) -> Refusal | None:
        answer = await self._call("/pay/closeorder", order, {"out_trade_no": order.out_trade_no})
        if answer.ok or answer.err_code == "ORDERCLOSED":
            return None
        return refusal(answer)

    async def refund(self, order: Order, refund: Refund) -> RefundAccepted | Refusal:
        fields: dict[str, Any] = {
            "out_trade_no": order.out_trade_no,
            "out_refund_no": refund.out_refund_no,
            "total_fee": order.amount_fen,  # must be the order's total (protocol/v2.md 6.3)
            "refund_fee": refund.amount_fen,
            "notify_url": self.config.refund_notify_url,
        }
        if refund.reason:
            fields["refund_desc"] = refund.reason
        answer = await self._call("/secapi/pay/refund", order, fields)
        if not answer.ok:
            return refusal(answer)
        f = answer.fields
        fee = f.get("refund_fee", "")
        return RefundAccepted(
            out_refund_no=f.get("out_refund_no", ""),
            refund_fen=int(fee) if fee.isdigit() else None,
            refund_id=f.get("refund_id", ""),
        )
