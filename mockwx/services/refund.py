"""Refunds: secapi/pay/refund, refundquery and settlement on the clock (protocol/v2.md 6.3-6.5).

A refund is accepted as PROCESSING, settles to SUCCESS ``settle_delay`` seconds later on the
mock's clock, and then its notification goes to the refund notify_url.
"""

from __future__ import annotations

from typing import Any

from ..clock import SystemClock, VirtualClock
from ..config import Settings
from ..domain.errors import BizFail, ReturnFail
from ..domain.models import Order, Refund, RefundStatus, TradeState, order_key
from ..ids import Ids
from ..notify.notices import Notices
from ..notify.render import REFUND_RECV_ACCOUNT
from ..persist import StorageError
from ..state import RETRY_AFTER_STORAGE_ERROR, State
from ..timers import Timers
from ..wire import to_dashed
from .gateway import V2Call
from .pay import PayService
from .rules import REFUND, REFUNDQUERY, check_fields

REFUND_WINDOW = 365 * 24 * 3600
PAGE = 10  # refunds per refundquery answer; offset pages through the rest


class RefundService:
    def __init__(
        self,
        state: State,
        clock: SystemClock | VirtualClock,
        ids: Ids,
        settings: Settings,
        timers: Timers,
        pay: PayService,
        notices: Notices,
    ) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self.timers = timers
        self.pay = pay
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

    def refund(self, call: V2Call) -> dict[str, Any]:
        f = call.fields
        check_fields(f, REFUND)
        order = self.pay.find(call)
        total_fee, refund_fee = int(f["total_fee"]), int(f["refund_fee"])
        if refund_fee > total_fee:
            raise ReturnFail(
                "INVALID", "refund_fee", hint=f"refund_fee {refund_fee} is more than total_fee {total_fee}"
            )
        existing = self.state.refunds.get(order_key(call.env, call.merchant.mch_id, f["out_refund_no"]))
        if existing is not None:
            if (existing.out_trade_no, existing.total_fee, existing.refund_fee) != (
                order.out_trade_no,
                total_fee,
                refund_fee,
            ):
                raise BizFail(
                    "REFUND_FEE_MISMATCH",
                    hint=f"out_refund_no {existing.out_refund_no} was used for a refund of {existing.refund_fee} fen"
                    f" of order {existing.out_trade_no}; a retry must repeat the same amounts, a new refund needs a"
                    " new out_refund_no",
                )
            return self._answer(order, existing)  # the same refund again: idempotent
        if not order.is_paid():
            raise BizFail(
                "ORDERNOTEXIST",
                hint=f"order {order.out_trade_no} is {order.trade_state}; only paid orders can be refunded",
            )
        if total_fee != order.total_fee:
            raise BizFail(
                "REFUND_FEE_MISMATCH",
                hint=f"total_fee must be the order's total ({order.total_fee} fen), not {total_fee}",
            )
        now = self.clock.now()
        if order.time_end is not None and now - order.time_end > REFUND_WINDOW:
            raise BizFail(
                "TRADE_OVERDUE", "订单已经超过退款期限", hint="orders can be refunded within one year of payment"
            )
        if order.refunded_fee >= order.total_fee:
            raise BizFail("ERROR", "订单已全额退款", hint=f"order {order.out_trade_no} is already fully refunded")
        if len(order.refund_nos) >= self.settings.refund.max_refunds:
            raise BizFail(
                "ERROR",
                "退款次数超过限制",
                hint=f"an order takes at most {self.settings.refund.max_refunds} partial refunds",
            )
        if order.refunded_fee + refund_fee > order.total_fee:
            raise BizFail(
                "INVALID_REQUEST",
                "refund_fee大于可退金额",
                hint=f"{order.total_fee - order.refunded_fee} fen of {order.total_fee} remain refundable",
            )
        refund = Refund(
            env=call.env,
            mch_id=call.merchant.mch_id,
            appid=order.appid,
            out_refund_no=f["out_refund_no"],
            out_trade_no=order.out_trade_no,
            transaction_id=order.transaction_id,
            refund_id=self.ids.fresh(lambda: self.ids.refund_id(now), self.state.by_refund_id),
            total_fee=total_fee,
            refund_fee=refund_fee,
            created_at=now,
            settle_at=now + self.settings.refund.settle_delay,
            notify_url=f.get("notify_url") or call.merchant.refund_notify_url,
            refund_desc=f.get("refund_desc", ""),
            refund_account=f.get("refund_account") or "REFUND_SOURCE_UNSETTLED_FUNDS",
        )
        order.refunded_fee += refund_fee
        order.refund_nos.append(refund.out_refund_no)
        order.trade_state = TradeState.REFUND
        self.state.put_refund(refund)
        self.state.put_order(order)
        self._schedule(refund)
        return self._answer(order, refund)

    def _answer(self, order: Order, refund: Refund) -> dict[str, Any]:
        return {
            "transaction_id": order.transaction_id,
            "out_trade_no": order.out_trade_no,
            "out_refund_no": refund.out_refund_no,
            "refund_id": refund.refund_id,
            "refund_channel": None,
            "refund_fee": refund.refund_fee,
            "coupon_refund_fee": 0,
            "total_fee": order.total_fee,
            "cash_fee": order.cash_fee,
            "coupon_refund_count": 0,
            "cash_refund_fee": refund.refund_fee,
        }

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

    # -- refundquery ----------------------------------------------------------------------------

    def refundquery(self, call: V2Call) -> dict[str, Any]:
        f = call.fields
        check_fields(f, REFUNDQUERY)
        mch_id = call.merchant.mch_id
        refunds: list[Refund]
        if f.get("refund_id") or f.get("out_refund_no"):
            refund = (
                self._refund_by_id(f["refund_id"], call)
                if f.get("refund_id")
                else self.state.refunds.get(order_key(call.env, mch_id, f["out_refund_no"]))
            )
            if refund is None:
                raise BizFail("REFUNDNOTEXIST", hint="no refund has that refund_id / out_refund_no")
            order = self.state.orders[refund.order_key]
            refunds = [refund]
        elif f.get("transaction_id") or f.get("out_trade_no"):
            try:
                order = self.pay.find(call)
            except BizFail:
                raise BizFail("REFUNDNOTEXIST", hint="no such order under this merchant") from None
            refunds = self.state.refunds_of(order)
            if not refunds:
                raise BizFail("REFUNDNOTEXIST", hint=f"order {order.out_trade_no} has no refunds")
        else:
            raise ReturnFail("LACK_PARAMS", hint="send one of refund_id, out_refund_no, transaction_id, out_trade_no")
        offset = int(f.get("offset") or 0)
        page = refunds[offset : offset + PAGE]
        answer: dict[str, Any] = {
            "transaction_id": order.transaction_id,
            "out_trade_no": order.out_trade_no,
            "total_fee": order.total_fee,
            "cash_fee": order.cash_fee,
            "fee_type": order.fee_type,
            "refund_count": len(page),
        }
        if f.get("offset"):
            answer["total_refund_count"] = len(refunds)
        for n, refund in enumerate(page):
            answer.update(
                {
                    f"out_refund_no_{n}": refund.out_refund_no,
                    f"refund_id_{n}": refund.refund_id,
                    f"refund_channel_{n}": "ORIGINAL",
                    f"refund_fee_{n}": refund.refund_fee,
                    f"settlement_refund_fee_{n}": refund.refund_fee,
                    f"coupon_refund_fee_{n}": 0,
                    f"refund_status_{n}": refund.refund_status,
                    f"refund_account_{n}": refund.refund_account,
                    f"refund_recv_accout_{n}": REFUND_RECV_ACCOUNT,
                    f"refund_success_time_{n}": to_dashed(refund.success_time) if refund.success_time else None,
                }
            )
        return answer

    def _refund_by_id(self, refund_id: str, call: V2Call) -> Refund | None:
        key = self.state.by_refund_id.get(refund_id)
        refund = self.state.refunds.get(key) if key else None
        if refund is None or refund.mch_id != call.merchant.mch_id or refund.env != call.env:
            return None
        return refund
