"""What the dialects ask the services to do: typed commands, already checked for shape at the
edge, carrying no wire field names and no HTTP. Amounts are int fen, times seconds since the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class OrderRef:
    """An order named by transaction_id (wins when both are given) or out_trade_no, under one merchant."""

    env: str
    mch_id: str
    out_trade_no: str = ""
    transaction_id: str = ""

    @property
    def named(self) -> str:
        return self.transaction_id or self.out_trade_no


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """Create an order, or re-enter an existing one with identical parameters (v2.md 3.4)."""

    env: str
    mch_id: str
    appid: str
    out_trade_no: str
    total_fee: int
    trade_type: str  # JSAPI, NATIVE, APP, MWEB
    notify_url: str
    sign_type: str  # what the order's answers, paySign and notifications are signed with
    body: str
    time_expire: float | None  # None: the default expiry
    params: dict[str, str] = field(default_factory=dict)  # what re-entry compares
    openid: str = ""
    attach: str = ""
    device_info: str = ""
    fee_type: str = "CNY"
    product_id: str = ""
    dialect: str = "v2"  # the API placing it: re-entry compares params only within one dialect
    min_expiry: int | None = None  # how far ahead time_expire must be; None: pay.min_expiry (v3 clamps instead: 0)


@dataclass(frozen=True, slots=True)
class RequestRefund:
    """Refund part or all of a paid order (v2.md 6.3); the same out_refund_no is the same refund."""

    order: OrderRef
    out_refund_no: str
    total_fee: int
    refund_fee: int
    notify_url: str = ""  # empty: the merchant's refund notify setting
    refund_desc: str = ""
    refund_account: str = "REFUND_SOURCE_UNSETTLED_FUNDS"
    dialect: str = "v2"
    funds_account: str = ""


@dataclass(frozen=True, slots=True)
class RefundRef:
    """The refunds asked about (v2.md 6.4): one by refund_id or out_refund_no, or all of an order's."""

    env: str
    mch_id: str
    refund_id: str = ""
    out_refund_no: str = ""
    order: OrderRef | None = None


@dataclass(frozen=True, slots=True)
class BillRequest:
    """One Beijing day's bill of one merchant (v2.md 6.6)."""

    env: str
    mch_id: str
    date: str  # yyyyMMdd, for messages
    start: float
    end: float
    bill_type: str = "ALL"  # ALL, SUCCESS, REFUND, RECHARGE_REFUND
    gzip: bool = False


@dataclass(frozen=True, slots=True)
class Code2Session:
    """Exchange a wx.login code for the user's openid and session_key (v2.md 1.1)."""

    appid: str
    secret: str
    js_code: str


@dataclass(frozen=True, slots=True)
class FetchToken:
    """A new access_token for a mini program, replacing the previous one (v2.md 1.5)."""

    appid: str
    secret: str


@dataclass(frozen=True, slots=True)
class FetchStableToken:
    """The stable access_token (getStableAccessToken): the same one while it lives, unless forced."""

    appid: str
    secret: str
    force_refresh: bool = False


@dataclass(frozen=True, slots=True)
class CheckSession:
    """Is this user's session_key still the valid one? (/wxa/checksession, v2.md 1.4)"""

    access_token: str
    openid: str
    signature: str
    sig_method: str


@dataclass(frozen=True, slots=True)
class ExchangePhoneCode:
    """The phone number behind a getPhoneNumber code (/wxa/business/getuserphonenumber, v2.md 1.4)."""

    access_token: str
    code: str
