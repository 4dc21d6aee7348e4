"""The user pays: the checks WeChat's client makes before taking the money (the order can still
be paid, the prepay_id is alive), what the user decides (or a fault rule decides for them), and
the settlement that follows a payment (protocol/v2.md 4, 5). How the client was called (its
parameters and their signature) is the edge's business: mockwx.http.client.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import SystemClock, VirtualClock
from ..domain.errors import DomainError
from ..domain.models import Notification, Order, PaymentAttempt, TradeState
from ..faults import Faults
from ..ids import Ids
from ..notify.notices import Notices
from ..state import State

DEFAULT_FAIL_REASON = "支付失败"


@dataclass(slots=True)
class Payment:
    """How one payment attempt ended."""

    order: Order
    outcome: str  # ok, cancel, fail
    reason: str  # why it failed (a fail outcome)
    notification: Notification | None = None


class CheckoutService:
    def __init__(
        self, state: State, clock: SystemClock | VirtualClock, ids: Ids, notices: Notices, faults: Faults
    ) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.notices = notices
        self.faults = faults

    # -- finding the order ----------------------------------------------------------------------

    def order_of_prepay_id(self, prepay_id: str) -> Order:
        """The order a live prepay_id belongs to."""
        order = self.state.order_by(self.state.by_prepay_id, prepay_id)
        if order is None:
            raise DomainError("PREPAY_UNKNOWN", f"prepay_id {prepay_id!r} was not issued by this mock's unifiedorder")
        if order.prepay_id != prepay_id:
            raise DomainError(
                "PREPAY_EXPIRED", f"prepay_id {prepay_id} was replaced by {order.prepay_id} after it expired"
            )
        return order

    def order_numbered(self, out_trade_no: str, mch_id: str | None = None, env: str | None = None) -> Order:
        orders = [o for o in self.state.orders_for(out_trade_no, mch_id) if env is None or o.env == env]
        if not orders:
            raise DomainError("NOT_FOUND", f"no order {out_trade_no!r}", fix="GET /__mock__/orders lists the orders")
        if len(orders) > 1:
            where = ", ".join(f"{o.env}/{o.mch_id}" for o in orders)
            raise DomainError(
                "CONFLICT", f"{len(orders)} orders are numbered {out_trade_no!r} ({where}): add mch_id (and env)"
            )
        return orders[0]

    # -- the client-side checks -----------------------------------------------------------------

    def refusal(self, order: Order) -> DomainError | None:
        """Why this order cannot be paid now, or None."""
        now = self.clock.now()
        if order.is_paid():
            return DomainError("ORDER_PAID", f"order {order.out_trade_no} is already paid")
        if order.trade_state == TradeState.CLOSED:
            return DomainError("ORDER_CLOSED", f"order {order.out_trade_no} was closed")
        if order.is_expired(now):
            return DomainError("ORDER_EXPIRED", f"order {order.out_trade_no} passed its time_expire")
        if now >= order.prepay_expires_at:
            return DomainError(
                "PREPAY_EXPIRED",
                f"prepay_id {order.prepay_id} is older than 2 hours; call unifiedorder again for a new one",
            )
        return None

    # -- the user decides -----------------------------------------------------------------------

    def pay(self, order: Order, payer: str, outcome: str, reason: str, channel: str) -> Payment:
        """The user at the payment sheet: ok (the money moves), cancel, or fail (with a reason)."""
        refused = self.refusal(order)
        if refused is not None:
            raise refused
        rule = self.faults.take("pay", order.match_fields())
        if rule is not None:  # a scenario or magic amount decides what this user does
            outcome, reason = rule.outcome, rule.reason or reason
        notification = None
        if outcome == "ok":
            notification = self.settle(order, payer)
        elif outcome == "fail":
            reason = reason or DEFAULT_FAIL_REASON
        order.payments.append(
            PaymentAttempt(
                at=self.clock.now(), outcome=outcome, err_msg=client_message(outcome, reason), channel=channel
            )
        )
        self.state.put_order(order)
        return Payment(order=order, outcome=outcome, reason=reason, notification=notification)

    def settle(self, order: Order, payer: str) -> Notification:
        """The money moves: the order becomes SUCCESS and its notification is queued."""
        now = self.clock.now()
        order.trade_state = TradeState.SUCCESS
        order.transaction_id = self.ids.fresh(lambda: self.ids.transaction_id(now), self.state.by_transaction_id)
        order.time_end = now
        order.bank_type = "OTHERS"
        order.cash_fee = order.total_fee
        order.payer_openid = payer
        self.state.put_order(order)
        return self.notices.payment(order)


def client_message(outcome: str, reason: str) -> str:
    """wx.requestPayment's errMsg for an outcome (protocol/v2.md 4)."""
    if outcome == "ok":
        return "requestPayment:ok"
    if outcome == "cancel":
        return "requestPayment:fail cancel"
    return f"requestPayment:fail {reason or DEFAULT_FAIL_REASON}"
