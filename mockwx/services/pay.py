"""Orders: unifiedorder (with the re-entry rules), orderquery and closeorder
(protocol/v2.md 3, 6.1, 6.2).
"""

from __future__ import annotations

from typing import Any

from ..clock import SystemClock, VirtualClock
from ..config import Settings
from ..domain.errors import BizFail, ReturnFail
from ..domain.models import Order, TradeState, order_key
from ..ids import Ids
from ..state import State
from ..wire import parse_compact, to_compact
from .gateway import V2Call
from .rules import CLOSEORDER, ORDERQUERY, UNIFIEDORDER, check_fields

# orderquery's trade_state_desc, as captured from real answers (README fidelity notes).
TRADE_STATE_DESC: dict[str, str] = {
    TradeState.SUCCESS: "支付成功",
    TradeState.REFUND: "订单发生过退款，退款详情请查询退款单",
    TradeState.NOTPAY: "订单未支付",
    TradeState.CLOSED: "订单已关闭",
    TradeState.REVOKED: "已撤销",
    TradeState.USERPAYING: "需要用户输入支付密码",
    TradeState.PAYERROR: "支付失败，请撤销订单",
}

TIME_EXPIRE_TOO_SHORT = "time_expire时间过短，刷卡至少1分钟，其他5分钟"


class PayService:
    def __init__(self, state: State, clock: SystemClock | VirtualClock, ids: Ids, settings: Settings) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.settings = settings

    # -- unifiedorder ---------------------------------------------------------------------------

    def unifiedorder(self, call: V2Call) -> dict[str, Any]:
        f = call.fields
        check_fields(f, UNIFIEDORDER)
        trade_type = f["trade_type"]
        if trade_type == "JSAPI" and not f.get("openid"):
            raise ReturnFail("JSAPI_NEEDS_OPENID", hint="trade_type JSAPI (mini programs too) needs the payer's openid")
        if trade_type == "NATIVE" and not f.get("product_id"):
            raise ReturnFail("LACK_PARAMS", hint="trade_type NATIVE needs product_id")
        if trade_type == "MWEB" and not f.get("scene_info"):
            raise ReturnFail("LACK_PARAMS", hint="trade_type MWEB (H5) needs scene_info")
        if f.get("openid"):
            self._check_openid(f["openid"], call.appid)
        now = self.clock.now()
        time_expire = self._time_expire(f.get("time_expire", ""), now)
        params = {k: v for k, v in f.items() if k not in self.settings.pay.reentry_ignores and v != ""}

        order = self.state.orders.get(order_key(call.env, call.merchant.mch_id, f["out_trade_no"]))
        if order is None:
            order = Order(
                env=call.env,
                mch_id=call.merchant.mch_id,
                appid=call.appid,
                out_trade_no=f["out_trade_no"],
                params=params,
                total_fee=int(f["total_fee"]),
                trade_type=trade_type,
                notify_url=f["notify_url"],
                sign_type=call.sign_type,
                created_at=now,
                body=f["body"],
                openid=f.get("openid", ""),
                attach=f.get("attach", ""),
                device_info=f.get("device_info", ""),
                fee_type=f.get("fee_type") or "CNY",
                product_id=f.get("product_id", ""),
                time_expire=time_expire,
            )
        else:
            self._check_reentry(order, params, now)
            if f.get("time_expire"):
                order.time_expire = time_expire  # a later time_expire wins (README fidelity notes)
        if now >= order.prepay_expires_at:
            if order.prepay_id:
                order.old_prepay_ids.append(order.prepay_id)
            order.prepay_id = self.ids.fresh(lambda: self.ids.prepay_id(now), self.state.by_prepay_id)
            order.prepay_expires_at = now + self.settings.pay.prepay_ttl
            if trade_type == "NATIVE":
                order.code_url = self.ids.code_url()
            if trade_type == "MWEB":
                order.mweb_url = (
                    "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb"
                    f"?prepay_id={order.prepay_id}&package={self.ids.nonce(10)}"
                )
        self.state.put_order(order)
        answer: dict[str, Any] = {"trade_type": trade_type, "prepay_id": order.prepay_id}
        if order.code_url:
            answer["code_url"] = order.code_url
        if order.mweb_url:
            answer["mweb_url"] = order.mweb_url
        return answer

    def _check_openid(self, openid: str, appid: str) -> None:
        account = self.state.by_openid.get(openid)
        if account is None:
            if self.settings.pay.strict_openid:
                raise BizFail(
                    "PARAM_ERROR",
                    "无效的openid",
                    hint=f"openid {openid} was never handed out by mockwx: get one from code2session"
                    " (POST /__mock__/login mints the code)",
                )
            return
        if account.appid != appid:
            raise ReturnFail(
                "OPENID_MISMATCH",
                hint=f"openid {openid} belongs to user {account.user!r} of {account.appid}, not {appid}:"
                " use the openid your own mini program's code2session returned",
            )

    def _time_expire(self, text: str, now: float) -> float:
        if not text:
            return now + self.settings.pay.default_expiry
        when = parse_compact(text)  # format already checked
        minimum = self.settings.pay.min_expiry
        if minimum and when - now < minimum:
            gap = when - now
            hint = (
                f"time_expire {text} is {gap / 60:.1f} minutes from now ({to_compact(now)} Beijing time);"
                f" it must be at least {minimum // 60} minutes ahead."
            )
            if -8 * 3600 - 600 < gap < -8 * 3600 + 3 * 3600:
                hint += " It looks like UTC: WeChat times are Beijing time (UTC+8)."
            raise BizFail("PARAM_ERROR", TIME_EXPIRE_TOO_SHORT, hint=hint)
        return when

    def _check_reentry(self, order: Order, params: dict[str, str], now: float) -> None:
        if order.is_paid():
            raise BizFail("ORDERPAID", hint=f"out_trade_no {order.out_trade_no} is already paid; nothing more to do")
        if order.trade_state == TradeState.CLOSED or order.is_expired(now):
            reason = "closed" if order.trade_state == TradeState.CLOSED else "expired (time_expire passed)"
            raise BizFail(
                "ORDERCLOSED",
                hint=f"out_trade_no {order.out_trade_no} is {reason}: place a new order with a new number",
            )
        if params != order.params:
            changed = sorted(k for k in params.keys() | order.params.keys() if params.get(k) != order.params.get(k))
            raise BizFail(
                "INVALID_REQUEST",
                "201 商户订单号重复",
                hint=f"out_trade_no {order.out_trade_no} exists with different parameters ({', '.join(changed)});"
                " re-send identical parameters, or use a new out_trade_no",
            )

    # -- orderquery -----------------------------------------------------------------------------

    def find(self, call: V2Call, *, by_transaction_id: bool = True) -> Order:
        """The order a query / close / refund names, by transaction_id first, under the caller's merchant."""
        f = call.fields
        order = None
        if by_transaction_id and f.get("transaction_id"):
            order = self.state.order_by(self.state.by_transaction_id, f["transaction_id"])
        elif f.get("out_trade_no"):
            order = self.state.orders.get(order_key(call.env, call.merchant.mch_id, f["out_trade_no"]))
        else:
            raise ReturnFail("LACK_PARAMS", hint="send transaction_id or out_trade_no")
        if order is None or order.mch_id != call.merchant.mch_id or order.env != call.env:
            named = (by_transaction_id and f.get("transaction_id")) or f.get("out_trade_no")
            raise BizFail(
                "ORDERNOTEXIST",
                "order not exist" if call.api == "orderquery" else None,
                hint=f"merchant {call.merchant.mch_id} has no order {named!r}"
                + (" in the sandbox" if call.env == "sandbox" else ""),
            )
        return order

    def trade_state(self, order: Order) -> str:
        if order.trade_state == TradeState.NOTPAY and order.is_expired(self.clock.now()):
            return self.settings.pay.expired_trade_state
        return order.trade_state

    def orderquery(self, call: V2Call) -> dict[str, Any]:
        check_fields(call.fields, ORDERQUERY)
        order = self.find(call)
        state = self.trade_state(order)
        answer: dict[str, Any] = {}
        if order.is_paid():
            answer.update(
                openid=order.payer_openid,
                is_subscribe="N",
                trade_type=order.trade_type,
                bank_type=order.bank_type,
                total_fee=order.total_fee,
                fee_type=order.fee_type,
                transaction_id=order.transaction_id,
                out_trade_no=order.out_trade_no,
                attach=order.attach or None,
                time_end=to_compact(order.time_end or 0),
                trade_state=state,
                cash_fee=order.cash_fee,
            )
        else:
            answer.update(
                out_trade_no=order.out_trade_no,
                attach=order.attach or None,
                total_fee=order.total_fee,
                trade_state=state,
            )
        answer["trade_state_desc"] = TRADE_STATE_DESC[state]
        return answer

    # -- closeorder -----------------------------------------------------------------------------

    def closeorder(self, call: V2Call) -> dict[str, Any]:
        check_fields(call.fields, CLOSEORDER)
        order = self.find(call, by_transaction_id=False)  # closeorder names orders by out_trade_no only
        now = self.clock.now()
        if order.is_paid():
            raise BizFail("ORDERPAID", "订单已支付", hint="a paid order cannot be closed; treat it as paid")
        if order.trade_state == TradeState.CLOSED:
            raise BizFail("ORDERCLOSED", hint="the order is already closed; no need to retry")
        min_age = self.settings.pay.close_min_age
        if min_age and now - order.created_at < min_age:
            raise BizFail(
                "TRADE_STATE_ERROR",
                hint=f"the order is {now - order.created_at:.0f}s old; WeChat asks merchants not to close an"
                f" order within {min_age // 60} minutes of creating it (pay.close_min_age)",
            )
        order.trade_state = TradeState.CLOSED
        order.closed_at = now
        self.state.put_order(order)
        return {"result_msg": "OK"}
