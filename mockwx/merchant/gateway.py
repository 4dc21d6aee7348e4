"""What the merchant asks WeChat Pay, in neither dialect: the five calls and their answers as plain data.

Checkout, reconciliation and refunds speak this; ``pay_v2`` (XML, protocol/v2.md 3, 6) and
``pay_v3`` (JSON + RSA, protocol/v3.md 4-8) translate it to the wire. Every answer a gateway returns
has been verified; what cannot be trusted raises WeChatForged, what never came WeChatUnavailable and
a request WeChat would not read at all (bad signature, bad field) WeChatRefused (see ``wechat``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .models import Order, Refund


class Trouble(StrEnum):
    """Why WeChat said no, in the terms the merchant acts on."""

    PAID = "PAID"  # the order is paid already (v2 ORDERPAID, v3 ORDERPAID)
    CLOSED = "CLOSED"  # the order is closed (v2 ORDERCLOSED, v3 ORDER_CLOSED)
    NOT_FOUND = "NOT_FOUND"  # WeChat has no such order (v2 ORDERNOTEXIST, v3 ORDER_NOT_EXIST)
    BUSY = "BUSY"  # retry later with identical parameters (v2 SYSTEMERROR, v3 SYSTEM_ERROR)
    FAILED = "FAILED"  # anything else: for good


@dataclass(frozen=True, slots=True)
class Refusal:
    """A verified "no": the trouble, and WeChat's own code and text (err_code / code, err_code_des / message)."""

    trouble: Trouble
    code: str
    message: str = ""
    attempts: int = 1

    def __str__(self) -> str:
        return f"{self.code} {self.message}".strip()


@dataclass(frozen=True, slots=True)
class Payment:
    """WeChat's word on an order's payment, from a query or a payment notification."""

    out_trade_no: str
    trade_state: str  # SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING, PAYERROR
    total_fen: int | None
    transaction_id: str
    appid: str
    mch_id: str
    total_text: str = ""  # the total as WeChat wrote it, for messages: "total_fee '1'", "amount.total 1"


@dataclass(frozen=True, slots=True)
class RefundAccepted:
    """WeChat took the refund request (it settles later, with a notification)."""

    out_refund_no: str
    refund_fen: int | None
    refund_id: str


@dataclass(frozen=True, slots=True)
class PaySign:
    """The signed part of wx.requestPayment's parameters."""

    sign_type: str  # MD5 / HMAC-SHA256 (v2), RSA (v3)
    pay_sign: str


class Gateway(Protocol):
    """One dialect of WeChat Pay, as the merchant uses it."""

    dialect: str  # "v2" or "v3"

    def order_fields(
        self, number: str, description: str, amount: int, openid: str, now: float, expires_at: float
    ) -> dict[str, object]:
        """The business fields of a new order, stored with it so every (re-)submission is identical."""
        ...

    def sign_type(self) -> str:
        """The sign_type recorded with a new order (v2: the configured one; v3: RSA)."""
        ...

    async def prepay(self, order: Order) -> str | Refusal:
        """Place (or re-enter) the order; its prepay_id."""
        ...

    def pay_sign(self, order: Order, time_stamp: str, nonce_str: str, package: str) -> PaySign:
        """The second signature, over what wx.requestPayment passes on."""
        ...

    async def query(self, order: Order) -> Payment | Refusal:
        """The order as WeChat has it."""
        ...

    async def close(self, order: Order) -> Refusal | None:
        """Close an unpaid order (None: closed, or closed already)."""
        ...

    async def refund(self, order: Order, refund: Refund) -> RefundAccepted | Refusal:
        """Ask for a refund (a retry re-sends the same out_refund_no and amounts)."""
        ...
