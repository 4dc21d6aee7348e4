"""Orders: placing one (with the re-entry rules), finding, querying and closing it
(protocol/v2.md 3.4, 6.1, 6.2). Dialect-free: commands in, Order records out, DomainError on a no.
"""

from __future__ import annotations

from ..clock import SystemClock, VirtualClock
from ..config import Settings
from ..domain.commands import OrderRef, PlaceOrder
from ..domain.errors import DomainError
from ..domain.models import Order, TradeState, order_key
from ..ids import Ids
from ..state import State
from ..wire import to_compact

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


class OrderService:
    def __init__(self, state: State, clock: SystemClock | VirtualClock, ids: Ids, settings: Settings) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.settings = settings

    # -- place ----------------------------------------------------------------------------------

    def place(self, command: PlaceOrder) -> Order:
        """A new order with a prepay_id, or the existing one re-entered with identical parameters."""
        if command.openid:
            self._check_openid(command.openid, command.appid)
        now = self.clock.now()
        time_expire = self._time_expire(command.time_expire, now, command.min_expiry)
        order = self.state.orders.get(order_key(command.env, command.mch_id, command.out_trade_no))
        if order is None:
            order = Order(
                env=command.env,
                mch_id=command.mch_id,
                appid=command.appid,
                out_trade_no=command.out_trade_no,
                params=dict(command.params),
                total_fee=command.total_fee,
                trade_type=command.trade_type,
                notify_url=command.notify_url,
                sign_type=command.sign_type,
                created_at=now,
                body=command.body,
                openid=command.openid,
                attach=command.attach,
                device_info=command.device_info,
                fee_type=command.fee_type,
                product_id=command.product_id,
                time_expire=time_expire,
                dialect=command.dialect,
            )
        else:
            self._check_reentry(order, command, now)
            if command.time_expire is not None:
                order.time_expire = time_expire  # a later time_expire wins (README fidelity notes)
        if now >= order.prepay_expires_at:
            self._new_prepay_id(order, now)
        self.state.put_order(order)
        return order

    def _new_prepay_id(self, order: Order, now: float) -> None:
        if order.prepay_id:
            order.old_prepay_ids.append(order.prepay_id)
        order.prepay_id = self.ids.fresh(lambda: self.ids.prepay_id(now), self.state.by_prepay_id)
        order.prepay_expires_at = now + self.settings.pay.prepay_ttl
        if order.trade_type == "NATIVE":
            order.code_url = self.ids.code_url()
        if order.trade_type == "MWEB":
            order.mweb_url = (
                "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb"
                f"?prepay_id={order.prepay_id}&package={self.ids.nonce(10)}"
            )

    def _check_openid(self, openid: str, appid: str) -> None:
        account = self.state.by_openid.get(openid)
        if account is None:
            if self.settings.pay.strict_openid:
                raise DomainError(
                    "OPENID_UNKNOWN",
                    f"openid {openid} was never handed out by mockwx: get one from code2session"
                    " (POST /__mock__/login mints the code)",
                )
            return
        if account.appid != appid:
            raise DomainError(
                "OPENID_MISMATCH",
                f"openid {openid} belongs to user {account.user!r} of {account.appid}, not {appid}:"
                " use the openid your own mini program's code2session returned",
            )

    def _time_expire(self, when: float | None, now: float, minimum: int | None) -> float:
        if when is None:
            return now + self.settings.pay.default_expiry
        minimum = self.settings.pay.min_expiry if minimum is None else minimum
        if minimum and when - now < minimum:
            gap = when - now
            hint = (
                f"time_expire {to_compact(when)} is {gap / 60:.1f} minutes from now ({to_compact(now)} Beijing time);"
                f" it must be at least {minimum // 60} minutes ahead."
            )
            if -8 * 3600 - 600 < gap < -8 * 3600 + 3 * 3600:
                hint += " It looks like UTC: WeChat times are Beijing time (UTC+8)."
            raise DomainError("EXPIRE_TOO_SHORT", hint)
        return when

    def _check_reentry(self, order: Order, command: PlaceOrder, now: float) -> None:
        if order.is_paid():
            raise DomainError("ORDER_PAID", f"out_trade_no {order.out_trade_no} is already paid; nothing more to do")
        if order.trade_state == TradeState.CLOSED or order.is_expired(now):
            reason = "closed" if order.trade_state == TradeState.CLOSED else "expired (time_expire passed)"
            raise DomainError(
                "ORDER_CLOSED", f"out_trade_no {order.out_trade_no} is {reason}: place a new order with a new number"
            )
        if command.dialect == order.dialect:
            params, placed = command.params, order.params
        else:  # placed by the other API version: compare what both versions say
            params, placed = _core(command), _core(order)
        if params != placed:
            changed = sorted(k for k in params.keys() | placed.keys() if params.get(k) != placed.get(k))
            raise DomainError(
                "REENTRY_CHANGED",
                f"out_trade_no {order.out_trade_no} exists with different parameters ({', '.join(changed)});"
                " re-send identical parameters, or use a new out_trade_no",
            )

    # -- find, query, close ---------------------------------------------------------------------

    def find(self, ref: OrderRef) -> Order:
        """The order a query / close / refund names, by transaction_id first, under the caller's merchant."""
        if ref.transaction_id:
            order = self.state.order_by(self.state.by_transaction_id, ref.transaction_id)
        else:
            order = self.state.orders.get(order_key(ref.env, ref.mch_id, ref.out_trade_no))
        if order is None or order.mch_id != ref.mch_id or order.env != ref.env:
            raise DomainError(
                "ORDER_NOT_FOUND",
                f"merchant {ref.mch_id} has no order {ref.named!r}"
                + (" in the sandbox" if ref.env == "sandbox" else ""),
            )
        return order

    def trade_state(self, order: Order) -> str:
        """The state a query shows: an unpaid order past its time_expire shows pay.expired_trade_state."""
        if order.trade_state == TradeState.NOTPAY and order.is_expired(self.clock.now()):
            return self.settings.pay.expired_trade_state
        return order.trade_state

    def close(self, ref: OrderRef) -> Order:
        order = self.find(ref)
        now = self.clock.now()
        if order.is_paid():
            raise DomainError("ORDER_PAID", "a paid order cannot be closed; treat it as paid")
        if order.trade_state == TradeState.CLOSED:
            raise DomainError("ORDER_CLOSED", "the order is already closed; no need to retry")
        min_age = self.settings.pay.close_min_age
        if min_age and now - order.created_at < min_age:
            raise DomainError(
                "CLOSE_TOO_EARLY",
                f"the order is {now - order.created_at:.0f}s old; WeChat asks merchants not to close an"
                f" order within {min_age // 60} minutes of creating it (pay.close_min_age)",
            )
        order.trade_state = TradeState.CLOSED
        order.closed_at = now
        self.state.put_order(order)
        return order


def _core(order: PlaceOrder | Order) -> dict[str, str]:
    """What v2 and v3 both say about an order, for a re-entry across API versions."""
    return {
        "appid": order.appid,
        "total_fee": str(order.total_fee),
        "body": order.body,
        "trade_type": order.trade_type,
        "openid": order.openid,
        "notify_url": order.notify_url,
        "attach": order.attach,
    }
