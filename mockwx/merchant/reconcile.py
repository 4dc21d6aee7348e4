"""Reconciliation: orders still PENDING after ``reconcile_after`` seconds are settled by asking WeChat.

A lost notification must not lose a sale: a query answering SUCCESS (orderquery in v2, the v3
query by out_trade_no) marks the order paid through the same atomic fulfilment as a notification
(ledger source "orderquery"). An unpaid order past its expiry is closed at WeChat; a close answering
ORDERPAID is not proof of payment by itself, so the order is queried again and only a verified
SUCCESS with the right amount marks it paid (protocol/v2.md 5.3, 6.1, 6.2; v3.md 6).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import MerchantConfig
from .gateway import Gateway, Payment, Refusal, Trouble
from .models import Order, OrderStatus
from .store import Store
from .wechat import WeChatForged, WeChatRefused, WeChatUnavailable

log = logging.getLogger("merchant.reconcile")

PAID_STATES = ("SUCCESS", "REFUND")  # orderquery trade_state of a paid order (REFUND: paid, then refunded)
CLOSED_STATES = ("CLOSED", "REVOKED")
SWEEP_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    out_trade_no: str
    result: str  # paid | closed | unchanged | error
    detail: str = ""


@dataclass(slots=True)
class Summary:
    """What one sweep did, for POST /ops/reconcile and the log."""

    checked: int = 0
    paid: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    sessions_dropped: int = 0

    def add(self, outcome: Outcome) -> None:
        self.checked += 1
        if outcome.result == "error":
            self.errors.append({"out_trade_no": outcome.out_trade_no, "error": outcome.detail})
        else:
            getattr(self, outcome.result).append(outcome.out_trade_no)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "paid": self.paid,
            "closed": self.closed,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "sessions_dropped": self.sessions_dropped,
        }


class Reconciler:
    def __init__(self, config: MerchantConfig, store: Store, gateway: Gateway, clock: Callable[[], float]) -> None:
        self.config = config
        self.store = store
        self.gateway = gateway
        self.clock = clock
        self._unpaid_at: dict[str, float] = {}  # when WeChat last said "not paid yet", per PENDING order

    def is_due(self, order: Order) -> bool:
        """Whether reading this order should ask WeChat first: PENDING for ``reconcile_after`` seconds
        (and not answered "not paid" within the last ``reconcile_after`` seconds), or past its expiry."""
        if order.status != OrderStatus.PENDING:
            return False
        now, wait = self.clock(), self.config.reconcile_after
        if now >= order.expires_at:
            return True
        last = self._unpaid_at.get(order.out_trade_no, order.created_at)
        return now - order.created_at >= wait and now - last >= wait

    async def sweep(self) -> Summary:
        """Reconcile every due PENDING order now; drop expired sessions while at it."""
        now = self.clock()
        summary = Summary()
        for order in await self.store.due_pending(now - self.config.reconcile_after, now, SWEEP_LIMIT):
            summary.add(await self.reconcile(order))
        summary.sessions_dropped = await self.store.drop_expired_sessions(now)
        # an entry older than order_ttl belongs to an expired order, which is due anyway: forget it
        self._unpaid_at = {k: t for k, t in self._unpaid_at.items() if now - t < self.config.order_ttl}
        if summary.checked:
            log.info(
                "reconciled %d orders: %d paid, %d closed, %d errors",
                summary.checked,
                len(summary.paid),
                len(summary.closed),
                len(summary.errors),
            )
        return summary

    async def reconcile(self, order: Order) -> Outcome:
        """Settle one PENDING order from WeChat's records; never raises for WeChat trouble."""
        number = order.out_trade_no
        if order.status != OrderStatus.PENDING:
            return Outcome(number, "unchanged", f"order is {order.status.value}")
        try:
            outcome = await self._reconcile(order)
        except (WeChatUnavailable, WeChatRefused, WeChatForged) as exc:
            log.warning("could not reconcile %s: %s", number, exc)
            return Outcome(number, "error", f"WeChat could not be asked: {exc}")
        if outcome.result == "unchanged":
            self._unpaid_at[number] = self.clock()  # a client polling the order does not poll WeChat
        else:
            self._unpaid_at.pop(number, None)
        return outcome

    async def _reconcile(self, order: Order) -> Outcome:
        number = order.out_trade_no
        query = await self.gateway.query(order)
        if isinstance(query, Refusal):
            if query.trouble == Trouble.NOT_FOUND:  # the order never got through to WeChat
                if self.clock() >= order.expires_at:
                    await self.store.close(number, self.clock(), "expired; WeChat never had it")
                    return Outcome(number, "closed", "WeChat never had the order; closed here")
                return Outcome(number, "unchanged", "WeChat does not have the order yet")
            return Outcome(number, "error", f"the order query failed: {query}")
        state = query.trade_state
        if state in PAID_STATES:
            return await self._paid(order, query)
        if state in CLOSED_STATES:
            await self.store.close(number, self.clock(), f"order query: {state}")
            return Outcome(number, "closed", f"WeChat says {state}")
        if self.clock() < order.expires_at or state == "USERPAYING":
            return Outcome(number, "unchanged", f"WeChat says {state}")
        return await self._close(order)

    async def _close(self, order: Order) -> Outcome:
        number = order.out_trade_no
        refused = await self.gateway.close(order)
        if refused is None or refused.trouble == Trouble.CLOSED:
            if await self.store.close(number, self.clock(), "expired unpaid; closed at WeChat"):
                log.info("closed expired order %s at WeChat", number)
            return Outcome(number, "closed", "expired unpaid: closed at WeChat")
        if refused.trouble == Trouble.PAID:  # paid at the last moment: believe a verified query, not this code
            query = await self.gateway.query(order)
            if isinstance(query, Payment) and query.trade_state in PAID_STATES:
                return await self._paid(order, query)
            state = query.trade_state if isinstance(query, Payment) else query.code
            log.error("closing says %s is paid but the order query says %s; will try again", number, state)
            return Outcome(number, "error", f"closing answered {refused.code} but the order query says {state}")
        return Outcome(number, "error", f"closing failed: {refused}")

    async def _paid(self, order: Order, payment: Payment) -> Outcome:
        number = order.out_trade_no
        problem = _payment_problem(order, payment)
        if problem:
            log.error("order query for %s: %s; not marking it paid", number, problem)
            return Outcome(number, "error", problem)
        if await self.store.fulfil(number, payment.transaction_id, order.amount_fen, "orderquery", self.clock()):
            log.info("order %s paid (found by the order query: the notification did not arrive)", number)
        return Outcome(number, "paid", "WeChat says SUCCESS")

    # -- the background sweeper -------------------------------------------------------------------

    async def run_forever(self, interval: float) -> None:
        """Sweep every ``interval`` wall seconds until cancelled; one failed sweep never stops it."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconciliation sweep failed; trying again in %gs", interval)


def _payment_problem(order: Order, payment: Payment) -> str:
    """Why a paid-looking query answer cannot fulfil this order, or ''."""
    if payment.out_trade_no != order.out_trade_no:
        return f"the answer is for out_trade_no {payment.out_trade_no!r}"
    if payment.total_fen != order.amount_fen:
        return f"WeChat says {payment.total_text} but the order is {order.amount_fen} fen"
    if not payment.transaction_id:
        return "the answer has no transaction_id"
    return ""
