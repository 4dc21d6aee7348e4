"""The merchant's records: sessions, orders, ledger entries and refunds, with their statuses.

Order lifecycle (the only transitions the store performs):

    PENDING --(valid notification or orderquery SUCCESS, once)--> PAID
    PENDING --(closeorder at expiry, WeChat says CLOSED, or WeChat never had it and it expired)--> CLOSED
    PENDING --(unifiedorder refused it for good)--> FAILED
    PAID --(a refund notification SUCCESS for part of the amount)--> PARTIALLY_REFUNDED
    PAID / PARTIALLY_REFUNDED --(refunds reach the full amount)--> REFUNDED

Refund lifecycle: PROCESSING --(refund notification, once)--> SUCCESS | CHANGE | REFUNDCLOSE;
PROCESSING --(WeChat refused the request)--> FAILED.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    CLOSED = "CLOSED"
    FAILED = "FAILED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


class RefundStatus(StrEnum):
    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    CHANGE = "CHANGE"  # WeChat could not pay it back to the card: needs a person (protocol/v2.md 6.4)
    REFUNDCLOSE = "REFUNDCLOSE"
    FAILED = "FAILED"  # WeChat refused the refund request itself


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in mini program user. Only the hash of the bearer token is stored."""

    token_hash: str
    openid: str
    session_key: str
    created_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class Order:
    """One order. ``wx_params`` are the exact business fields sent to unifiedorder, kept for re-entry."""

    out_trade_no: str
    openid: str
    product_id: str
    quantity: int
    amount_fen: int
    description: str
    sign_type: str
    status: OrderStatus
    wx_params: dict[str, Any]
    created_at: float
    expires_at: float
    prepay_id: str | None = None
    prepay_expires_at: float | None = None
    transaction_id: str | None = None
    paid_at: float | None = None
    closed_at: float | None = None
    refunded_fen: int = 0
    failure: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "out_trade_no": self.out_trade_no,
            "status": self.status.value,
            "product_id": self.product_id,
            "quantity": self.quantity,
            "amount_fen": self.amount_fen,
            "description": self.description,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "paid_at": self.paid_at,
            "closed_at": self.closed_at,
            "transaction_id": self.transaction_id,
            "refunded_fen": self.refunded_fen,
            "failure": self.failure,
        }


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One fulfilment: money WeChat confirmed for an order. Append-only; one per transaction_id."""

    id: int
    out_trade_no: str
    transaction_id: str
    amount_fen: int
    source: str  # "notify" or "orderquery": how the merchant learnt of the payment
    recorded_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "transaction_id": self.transaction_id,
            "amount_fen": self.amount_fen,
            "source": self.source,
            "recorded_at": self.recorded_at,
        }


@dataclass(frozen=True, slots=True)
class Refund:
    """One refund request; ``out_refund_no`` is also what a retry re-sends to stay idempotent."""

    out_refund_no: str
    out_trade_no: str
    amount_fen: int
    status: RefundStatus
    reason: str
    created_at: float
    refund_id: str | None = None
    settled_at: float | None = None
    failure: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "out_refund_no": self.out_refund_no,
            "out_trade_no": self.out_trade_no,
            "amount_fen": self.amount_fen,
            "status": self.status.value,
            "reason": self.reason,
            "refund_id": self.refund_id,
            "created_at": self.created_at,
            "settled_at": self.settled_at,
            "failure": self.failure,
        }
