"""Refunds: accepting one, settlement on the clock and finding them (protocol/v2.md 6.3-6.5).

A refund is accepted as PROCESSING, settles to SUCCESS ``settle_delay`` seconds later on the
mock's clock, and then its notification goes to the refund notify_url.
"""

from __future__ import annotations

from ..clock import SystemClock, VirtualClock
from ..config import Settings
from ..domain.commands import RefundRef, RequestRefund
from ..domain.errors import DomainError
from ..domain.models import Order, Refund, RefundStatus, TradeState, order_key
from ..ids import Ids
from ..notify.notices import Notices
from ..persist import StorageError
from ..state import RETRY_AFTER_STORAGE_ERROR, State
from ..timers import Timers
from .orders import OrderService

REFUND_WINDOW = 365 * 24 * 3600


class RefundService:
    def __init__(
        self,
        state: State,
        clock: SystemClock | VirtualClock,
        ids: Ids,
        settings: Settings,
        timers: Timers,
        orders: OrderService,
        notices: Notices,
    ) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self.timers = timers
        self.orders = orders
        self.notices = notices

    def start(self) -> None:
        """After a restart: settle the refunds that were still PROCESSING when they fall due."""
        for refund in self.state.refunds.values():
            self._resume(refund)
        self.state.on_restore.append(self._restored)

    def _resume(self, refund: Refund) -> None:
        if refund.refund_status == RefundStatus.PROCESSING:
            self._schedule(refund)

    def _restored(self, kind: str, record: object) -> None:
        """A write that was undone put this refund back: settle it again, but not at once (the disk is full)."""
        if isinstance(record, Refund) and record.refund_status == RefundStatus.PROCESSING:
            record.settle_at = max(record.settle_at, self.clock.now() + RETRY_AFTER_STORAGE_ERROR)
            self._schedule(record)

    # -- refund ---------------------------------------------------------------------------------

    def refund(self, command: RequestRefund) -> tuple[Order, Refund]:
        """The refund accepted (PROCESSING), or the same one again for a retry of the same out_refund_no."""
        order = self.orders.find(command.order)
        total_fee, refund_fee = command.total_fee, command.refund_fee
        if refund_fee > total_fee:
            raise DomainError("REFUND_MORE_THAN_TOTAL", f"refund_fee {refund_fee} is more than total_fee {total_fee}")
        existing = self.state.refunds.get(order_key(order.env, order.mch_id, command.out_refund_no))
        if existing is not None:
            if (existing.out_trade_no, existing.total_fee, existing.refund_fee) != (
                order.out_trade_no,
                total_fee,
                refund_fee,
            ):
                raise DomainError(
                    "REFUND_CHANGED",
                    f"out_refund_no {existing.out_refund_no} was used for a refund of {existing.refund_fee} fen"
                    f" of order {existing.out_trade_no}; a retry must repeat the same amounts, a new refund needs a"
                    " new out_refund_no",
                )
            return order, existing  # the same refund again: idempotent
        if not order.is_paid():
            raise DomainError(
                "ORDER_NOT_PAID", f"order {order.out_trade_no} is {order.trade_state}; only paid orders can be refunded"
            )
        if total_fee != order.total_fee:
            raise DomainError(
                "REFUND_TOTAL_MISMATCH", f"total_fee must be the order's total ({order.total_fee} fen), not {total_fee}"
            )
        now = self.clock.now()
        if order.time_end is not None and now - order.time_end > REFUND_WINDOW:
            raise DomainError("REFUND_OVERDUE", "orders can be refunded within one year of payment")
        if order.refunded_fee >= order.total_fee:
            raise DomainError("FULLY_REFUNDED", f"order {order.out_trade_no} is already fully refunded")
        if len(order.refund_nos) >= self.settings.refund.max_refunds:
            raise DomainError(
                "TOO_MANY_REFUNDS", f"an order takes at most {self.settings.refund.max_refunds} partial refunds"
            )
        if order.refunded_fee + refund_fee > order.total_fee:
            raise DomainError(
                "REFUND_MORE_THAN_LEFT",
                f"{order.total_fee - order.refunded_fee} fen of {order.total_fee} remain refundable",
            )
        refund = Refund(
            env=order.env,
            mch_id=order.mch_id,
            appid=order.appid,
            out_refund_no=command.out_refund_no,
            out_trade_no=order.out_trade_no,
            transaction_id=order.transaction_id,
            refund_id=self.ids.fresh(lambda: self.ids.refund_id(now), self.state.by_refund_id),
            total_fee=total_fee,
            refund_fee=refund_fee,
            created_at=now,
            settle_at=now + self.settings.refund.settle_delay,
            notify_url=command.notify_url or self.state.merchants[order.mch_id].refund_notify_url,
            refund_desc=command.refund_desc,
            refund_account=command.refund_account or "REFUND_SOURCE_UNSETTLED_FUNDS",
            dialect=command.dialect,
            funds_account=command.funds_account,
        )
        order.refunded_fee += refund_fee
        order.refund_nos.append(refund.out_refund_no)
        order.trade_state = TradeState.REFUND
        self.state.put_refund(refund)
        self.state.put_order(order)
        self._schedule(refund)
        return order, refund

    # -- settlement -----------------------------------------------------------------------------

    def _schedule(self, refund: Refund) -> None:
        key = refund.key
        self.timers.schedule(f"refund:{key}", refund.settle_at, lambda: self._settle(key))

    async def _settle(self, key: str) -> None:
        refund = self.state.refunds.get(key)
        if refund is None or refund.refund_status != RefundStatus.PROCESSING:
            return
        refund.refund_status = RefundStatus.SUCCESS
        refund.success_time = self.clock.now()
        self.state.put_refund(refund)
        if refund.notify_url:
            self.notices.refund(refund)
        try:
            await self.state.commit()
        except StorageError:
            pass  # logged by the state, which put the refund back as PROCESSING; it settles again

    # -- find -----------------------------------------------------------------------------------

    def find(self, ref: RefundRef) -> tuple[Order, list[Refund]]:
        """The order and the refunds asked about: refund_id wins over out_refund_no over the order."""
        if ref.refund_id or ref.out_refund_no:
            refund = (
                self._by_refund_id(ref)
                if ref.refund_id
                else self.state.refunds.get(order_key(ref.env, ref.mch_id, ref.out_refund_no))
            )
            if refund is None:
                raise DomainError("REFUND_NOT_FOUND", "no refund has that refund_id / out_refund_no")
            return self.state.orders[refund.order_key], [refund]
        assert ref.order is not None, "a RefundRef names a refund or an order"
        try:
            order = self.orders.find(ref.order)
        except DomainError:
            raise DomainError("REFUND_NOT_FOUND", "no such order under this merchant") from None
        refunds = self.state.refunds_of(order)
        if not refunds:
            raise DomainError("REFUND_NOT_FOUND", f"order {order.out_trade_no} has no refunds")
        return order, refunds

    def _by_refund_id(self, ref: RefundRef) -> Refund | None:
        key = self.state.by_refund_id.get(ref.refund_id)
        refund = self.state.refunds.get(key) if key else None
        if refund is None or refund.mch_id != ref.mch_id or refund.env != ref.env:
            return None
        return refund
