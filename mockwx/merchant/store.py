"""The queries: sessions, orders, the payment ledger and refunds, each an async method run on the DB thread.

The state changes that money depends on are written here once, as conditional UPDATEs in a
transaction whose rowcount says whether *this* call made the change: ``fulfil`` (PENDING -> PAID
plus one ledger row), ``settle_refund`` (PROCESSING -> final, once) and ``reserve_refund``
(never more refunded than paid). Copy that pattern; it holds across processes too.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from .db import Database
from .models import LedgerEntry, Order, OrderStatus, Refund, RefundStatus, Session

T = TypeVar("T")


def _transaction(conn: sqlite3.Connection, fn: Callable[[], T]) -> T:
    """Run ``fn`` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn()
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _order(row: sqlite3.Row) -> Order:
    data = dict(row)
    data["status"] = OrderStatus(data["status"])
    data["wx_params"] = json.loads(data["wx_params"])
    return Order(**data)


def _refund(row: sqlite3.Row) -> Refund:
    data = dict(row)
    data["status"] = RefundStatus(data["status"])
    return Refund(**data)


class Store:
    """Typed access to the merchant's tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- sessions ---------------------------------------------------------------------------------

    async def add_session(self, session: Session) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO sessions (token_hash, openid, session_key, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (session.token_hash, session.openid, session.session_key, session.created_at, session.expires_at),
            )

        await self.db.run(run)

    async def session(self, token_hash: str) -> Session | None:
        def run(conn: sqlite3.Connection) -> Session | None:
            row = conn.execute("SELECT * FROM sessions WHERE token_hash = ?", (token_hash,)).fetchone()
            return Session(**dict(row)) if row else None

        return await self.db.run(run)

    async def drop_expired_sessions(self, now: float) -> int:
        return await self.db.run(lambda c: c.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,)).rowcount)

    # -- orders -----------------------------------------------------------------------------------

    async def add_order(self, order: Order) -> bool:
        """Insert a new order; False if the out_trade_no is taken (the caller picks another)."""

        def run(conn: sqlite3.Connection) -> bool:
            try:
                conn.execute(
                    "INSERT INTO orders (out_trade_no, openid, product_id, quantity, amount_fen, description,"
                    " sign_type, status, wx_params, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        order.out_trade_no,
                        order.openid,
                        order.product_id,
                        order.quantity,
                        order.amount_fen,
                        order.description,
                        order.sign_type,
                        order.status.value,
                        json.dumps(order.wx_params, sort_keys=True),
                        order.created_at,
                        order.expires_at,
                    ),
                )
            except sqlite3.IntegrityError:
                return False
            return True

        return await self.db.run(run)

    async def order(self, out_trade_no: str) -> Order | None:
        def run(conn: sqlite3.Connection) -> Order | None:
            row = conn.execute("SELECT * FROM orders WHERE out_trade_no = ?", (out_trade_no,)).fetchone()
            return _order(row) if row else None

        return await self.db.run(run)

    async def due_pending(self, created_before: float, now: float, limit: int = 500) -> list[Order]:
        """PENDING orders old enough to reconcile, or past their expiry, oldest first."""

        def run(conn: sqlite3.Connection) -> list[Order]:
            rows = conn.execute(
                "SELECT * FROM orders WHERE status = 'PENDING' AND (created_at <= ? OR expires_at <= ?)"
                " ORDER BY created_at LIMIT ?",
                (created_before, now, limit),
            ).fetchall()
            return [_order(r) for r in rows]

        return await self.db.run(run)

    async def set_prepay(self, out_trade_no: str, prepay_id: str, prepay_expires_at: float) -> bool:
        """Remember the prepay_id of a still PENDING order."""
        return await self._update(
            "UPDATE orders SET prepay_id = ?, prepay_expires_at = ? WHERE out_trade_no = ? AND status = 'PENDING'",
            (prepay_id, prepay_expires_at, out_trade_no),
        )

    async def close(self, out_trade_no: str, now: float, reason: str) -> bool:
        """PENDING -> CLOSED; False if the order was no longer PENDING (a payment won the race)."""
        return await self._update(
            "UPDATE orders SET status = 'CLOSED', closed_at = ?, failure = ?"
            " WHERE out_trade_no = ? AND status = 'PENDING'",
            (now, reason, out_trade_no),
        )

    async def fail(self, out_trade_no: str, reason: str) -> bool:
        """PENDING -> FAILED: WeChat refused to create it, it can never be paid."""
        return await self._update(
            "UPDATE orders SET status = 'FAILED', failure = ? WHERE out_trade_no = ? AND status = 'PENDING'",
            (reason, out_trade_no),
        )

    async def _update(self, sql: str, params: tuple[Any, ...]) -> bool:
        return await self.db.run(lambda c: c.execute(sql, params).rowcount == 1)

    # -- fulfilment: the one place an order becomes PAID -------------------------------------------

    async def fulfil(self, out_trade_no: str, transaction_id: str, amount_fen: int, source: str, now: float) -> bool:
        """PENDING -> PAID and one ledger row, atomically; True only for the call that did it.

        A duplicate (the order is no longer PENDING) changes nothing. The ledger's UNIQUE
        constraints (out_trade_no, transaction_id) are the second guard: if they ever fire, the
        whole transaction rolls back and the order stays as it was.
        """

        def run(conn: sqlite3.Connection) -> bool:
            def change() -> bool:
                updated = conn.execute(
                    "UPDATE orders SET status = 'PAID', transaction_id = ?, paid_at = ?"
                    " WHERE out_trade_no = ? AND status = 'PENDING' AND amount_fen = ?",
                    (transaction_id, now, out_trade_no, amount_fen),
                ).rowcount
                if updated != 1:
                    return False
                conn.execute(
                    "INSERT INTO ledger (out_trade_no, transaction_id, amount_fen, source, recorded_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (out_trade_no, transaction_id, amount_fen, source, now),
                )
                return True

            try:
                return _transaction(conn, change)
            except sqlite3.IntegrityError:
                return False

        return await self.db.run(run)

    async def ledger(self, out_trade_no: str) -> list[LedgerEntry]:
        def run(conn: sqlite3.Connection) -> list[LedgerEntry]:
            rows = conn.execute("SELECT * FROM ledger WHERE out_trade_no = ? ORDER BY id", (out_trade_no,)).fetchall()
            return [LedgerEntry(**dict(r)) for r in rows]

        return await self.db.run(run)

    # -- refunds ----------------------------------------------------------------------------------

    async def reserve_refund(self, refund: Refund) -> bool:
        """Insert a PROCESSING refund only if the order is paid and the amount still fits; atomically."""

        def run(conn: sqlite3.Connection) -> bool:
            def change() -> bool:
                inserted = conn.execute(
                    "INSERT INTO refunds (out_refund_no, out_trade_no, amount_fen, status, reason, created_at)"
                    " SELECT ?, ?, ?, 'PROCESSING', ?, ? FROM orders o"
                    " WHERE o.out_trade_no = ? AND o.status IN ('PAID', 'PARTIALLY_REFUNDED')"
                    " AND o.amount_fen - (SELECT COALESCE(SUM(r.amount_fen), 0) FROM refunds r"
                    "   WHERE r.out_trade_no = o.out_trade_no AND r.status IN ('PROCESSING', 'SUCCESS')) >= ?",
                    (
                        refund.out_refund_no,
                        refund.out_trade_no,
                        refund.amount_fen,
                        refund.reason,
                        refund.created_at,
                        refund.out_trade_no,
                        refund.amount_fen,
                    ),
                ).rowcount
                return inserted == 1

            try:
                return _transaction(conn, change)
            except sqlite3.IntegrityError:
                return False

        return await self.db.run(run)

    async def refundable(self, out_trade_no: str) -> int:
        """Fen that can still be refunded: the amount minus refunds in flight or done."""

        def run(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "SELECT o.amount_fen - (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds r"
                " WHERE r.out_trade_no = o.out_trade_no AND r.status IN ('PROCESSING', 'SUCCESS'))"
                " FROM orders o WHERE o.out_trade_no = ?",
                (out_trade_no,),
            ).fetchone()
            return int(row[0]) if row else 0

        return await self.db.run(run)

    async def refund(self, out_refund_no: str) -> Refund | None:
        def run(conn: sqlite3.Connection) -> Refund | None:
            row = conn.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)).fetchone()
            return _refund(row) if row else None

        return await self.db.run(run)

    async def refunds(self, out_trade_no: str) -> list[Refund]:
        def run(conn: sqlite3.Connection) -> list[Refund]:
            rows = conn.execute(
                "SELECT * FROM refunds WHERE out_trade_no = ? ORDER BY created_at, out_refund_no", (out_trade_no,)
            ).fetchall()
            return [_refund(r) for r in rows]

        return await self.db.run(run)

    async def refund_accepted(self, out_refund_no: str, refund_id: str) -> bool:
        return await self._update(
            "UPDATE refunds SET refund_id = ? WHERE out_refund_no = ? AND status = 'PROCESSING'",
            (refund_id, out_refund_no),
        )

    async def refund_failed(self, out_refund_no: str, reason: str) -> bool:
        """PROCESSING -> FAILED (WeChat refused the request): the amount is refundable again."""
        return await self._update(
            "UPDATE refunds SET status = 'FAILED', failure = ? WHERE out_refund_no = ? AND status = 'PROCESSING'",
            (reason, out_refund_no),
        )

    async def settle_refund(self, out_refund_no: str, status: RefundStatus, refund_id: str, now: float) -> bool:
        """PROCESSING -> ``status`` once; on SUCCESS also add to the order's refunded_fen and move its status.

        True only for the call that did it: a repeated refund notification changes nothing.
        """

        def run(conn: sqlite3.Connection) -> bool:
            def change() -> bool:
                updated = conn.execute(
                    "UPDATE refunds SET status = ?, settled_at = ?, refund_id = COALESCE(refund_id, ?)"
                    " WHERE out_refund_no = ? AND status = 'PROCESSING'",
                    (status.value, now, refund_id or None, out_refund_no),
                ).rowcount
                if updated != 1:
                    return False
                if status == RefundStatus.SUCCESS:
                    amount = conn.execute(
                        "SELECT amount_fen FROM refunds WHERE out_refund_no = ?", (out_refund_no,)
                    ).fetchone()[0]
                    conn.execute(
                        "UPDATE orders SET refunded_fen = refunded_fen + ?,"
                        " status = CASE WHEN refunded_fen + ? >= amount_fen"
                        " THEN 'REFUNDED' ELSE 'PARTIALLY_REFUNDED' END"
                        " WHERE out_trade_no = (SELECT out_trade_no FROM refunds WHERE out_refund_no = ?)",
                        (amount, amount, out_refund_no),
                    )
                return True

            return _transaction(conn, change)

        return await self.db.run(run)
