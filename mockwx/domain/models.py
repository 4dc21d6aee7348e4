"""The mock's state, as plain dataclasses: tenants, test users, login codes, orders, refunds,
notifications. No HTTP and no I/O here; amounts are int fen; names and states are spelled as
WeChat spells them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, Self

PROD = "prod"
SANDBOX = "sandbox"


class TradeState(StrEnum):
    """orderquery's trade_state (protocol/v2.md 6.1)."""

    SUCCESS = "SUCCESS"
    REFUND = "REFUND"
    NOTPAY = "NOTPAY"
    CLOSED = "CLOSED"
    REVOKED = "REVOKED"
    USERPAYING = "USERPAYING"
    PAYERROR = "PAYERROR"


class RefundStatus(StrEnum):
    """refundquery's refund_status_$n (protocol/v2.md 6.4)."""

    SUCCESS = "SUCCESS"
    REFUNDCLOSE = "REFUNDCLOSE"
    PROCESSING = "PROCESSING"
    CHANGE = "CHANGE"


class NotifyStatus(StrEnum):
    PENDING = "pending"  # an attempt is due (or running)
    ACKED = "acked"  # the merchant acknowledged it
    GIVEN_UP = "given_up"  # the schedule ran out
    REFUSED = "refused"  # the target is not on the allowlist: never contacted
    SUPPRESSED = "suppressed"  # a fault said this one is lost: never sent


class _Record:
    """Round-trips a dataclass through the dict form persistence stores."""

    __slots__ = ()
    nested: ClassVar[dict[str, type]] = {}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    def to_view(self) -> dict[str, Any]:
        """The record as the control API and the dashboard show it (JSON-safe)."""
        return self.to_dict()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        kwargs = {k: v for k, v in data.items() if k in known}
        for name, kind in cls.nested.items():
            if name in kwargs:
                kwargs[name] = [kind.from_dict(item) for item in kwargs[name]]  # type: ignore[attr-defined]
        return cls(**kwargs)


@dataclass(slots=True)
class MiniApp(_Record):
    """A mini program: what code2session and cgi-bin/token authenticate against."""

    appid: str
    secret: str
    name: str = ""
    open_platform: str = ""  # bound open-platform account: unionid is returned when set


@dataclass(slots=True)
class Merchant(_Record):
    """A WeChat Pay merchant (商户号) with its 32-char API key and the appids bound to it."""

    mch_id: str
    api_key: str
    appids: list[str] = field(default_factory=list)
    name: str = ""
    sandbox_key: str = ""  # minted by the first sandboxnew/pay/getsignkey
    refund_notify_url: str = ""  # the merchant platform's refund notify setting (a refund's notify_url wins)
    # API v3 (protocol/v3.md 1-3): made when the merchant is registered (the demo merchant's are fixed), then kept
    api_v3_key: str = ""  # 32 characters: the AES-256-GCM key of notifications and /v3/certificates
    v3_profile: str = "certificate"  # certificate: platform certificates; public_key: a WeChat Pay public key only
    merchant_key_pem: str = ""  # the merchant API certificate's private key (apiclient_key.pem, PKCS#8)
    merchant_cert_pem: str = ""  # the merchant API certificate (apiclient_cert.pem): its serial is serial_no
    platform_key_pem: str = ""  # WeChat's side: signs answers and notifications in certificate mode
    platform_cert_pem: str = ""
    public_key_pem: str = ""  # WeChat's side: the private half of the WeChat Pay public key (pub_key.pem)
    public_key_id: str = ""  # PUB_KEY_ID_...

    def key(self, env: str) -> str:
        """The key this merchant signs with in ``env``: the API key, or the sandbox_signkey."""
        return self.api_key if env == PROD else self.sandbox_key


@dataclass(slots=True)
class Account(_Record):
    """A named test user as seen by one mini program, with the session_key of their current login."""

    appid: str
    user: str
    openid: str
    session_key: str
    unionid: str = ""
    session_expired: bool = False  # wx.checkSession fails until the next wx.login mints a new session_key
    old_session_keys: list[str] = field(default_factory=list)  # replaced ones, newest last (to name them)


@dataclass(slots=True)
class LoginCode(_Record):
    """What wx.login gives the mini program: single use, five minutes of life."""

    code: str
    appid: str
    user: str
    created_at: float
    expires_at: float
    used_at: float | None = None


@dataclass(slots=True)
class AccessToken(_Record):
    """A mini program's access_token: from /cgi-bin/token, or (``stable``) from /cgi-bin/stable_token.

    The two are kept apart (protocol/v2.md 1.5; getStableAccessToken's page): fetching one never
    invalidates the other. ``retired`` remembers the tokens this one replaced and until when each still
    works; after that they answer 40001 ("not latest").
    """

    appid: str
    token: str
    expires_at: float
    stable: bool = False
    retired: dict[str, float] = field(default_factory=dict)  # token -> works until (the latest few)


RETIRED_KEPT = 10


@dataclass(slots=True)
class PhoneCode(LoginCode):
    """The code the getPhoneNumber button gives (protocol/miniprogram-client.md 5): another token than
    wx.login's, with the same life: five minutes, single use."""


@dataclass(slots=True)
class AuthSetting(_Record):
    """What one user decided about one mini program's scopes (miniprogram-client.md 3): absent = never
    asked, True = allowed, False = denied (and no dialog again until changed in the settings page)."""

    appid: str
    user: str
    scopes: dict[str, bool] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.appid}:{self.user}"


@dataclass(slots=True)
class PaymentAttempt(_Record):
    """One wx.requestPayment (or scan / H5 payment) against an order, and how it ended."""

    at: float
    outcome: str  # ok, cancel, fail
    err_msg: str
    channel: str = "requestPayment"


@dataclass(slots=True)
class Order(_Record):
    """An order created by unifiedorder, keyed by (env, mch_id, out_trade_no)."""

    nested: ClassVar[dict[str, type]] = {"payments": PaymentAttempt}

    env: str
    mch_id: str
    appid: str
    out_trade_no: str
    params: dict[str, str]  # the business parameters of the accepted unifiedorder (re-entry compares them)
    total_fee: int
    trade_type: str
    notify_url: str
    sign_type: str
    created_at: float
    body: str = ""
    openid: str = ""
    attach: str = ""
    device_info: str = ""
    fee_type: str = "CNY"
    product_id: str = ""
    time_expire: float | None = None
    prepay_id: str = ""
    prepay_expires_at: float = 0.0
    old_prepay_ids: list[str] = field(default_factory=list)  # replaced after two hours: now "expired"
    code_url: str = ""
    mweb_url: str = ""
    trade_state: str = TradeState.NOTPAY
    transaction_id: str = ""
    time_end: float | None = None
    bank_type: str = ""
    cash_fee: int = 0
    payer_openid: str = ""
    closed_at: float | None = None
    refunded_fee: int = 0
    refund_nos: list[str] = field(default_factory=list)
    payments: list[PaymentAttempt] = field(default_factory=list)
    dialect: str = "v2"  # the API that placed it (v2, v3): its notifications speak it

    @property
    def key(self) -> str:
        return order_key(self.env, self.mch_id, self.out_trade_no)

    def is_paid(self) -> bool:
        return self.trade_state in (TradeState.SUCCESS, TradeState.REFUND)

    def is_expired(self, now: float) -> bool:
        return self.time_expire is not None and now >= self.time_expire and not self.is_paid()

    def to_view(self, trade_state: str = "", expired: bool = False) -> dict[str, Any]:  # type: ignore[override]
        """The order as shown: ``trade_state`` as a query would answer it (an expired order may show CLOSED)."""
        view = self.to_dict()
        view["trade_state"] = trade_state or self.trade_state
        view["expired"] = expired
        return view

    def match_fields(self) -> dict[str, str]:
        """What fault rules about this order can match: its request fields and its identity."""
        return {
            **self.params,
            "env": self.env,
            "mch_id": self.mch_id,
            "appid": self.appid,
            "out_trade_no": self.out_trade_no,
            "total_fee": str(self.total_fee),
            "trade_type": self.trade_type,
            "openid": self.openid or self.payer_openid,
        }


@dataclass(slots=True)
class Refund(_Record):
    """A refund request accepted by secapi/pay/refund, keyed by (env, mch_id, out_refund_no)."""

    env: str
    mch_id: str
    appid: str
    out_refund_no: str
    out_trade_no: str
    transaction_id: str
    refund_id: str
    total_fee: int
    refund_fee: int
    created_at: float
    settle_at: float
    notify_url: str = ""
    refund_desc: str = ""
    refund_account: str = "REFUND_SOURCE_UNSETTLED_FUNDS"
    refund_status: str = RefundStatus.PROCESSING
    success_time: float | None = None
    dialect: str = "v2"  # the API that asked for it (v2, v3): its notification speaks it
    funds_account: str = ""  # v3: where the money comes from (AVAILABLE, UNAVAILABLE...)

    @property
    def key(self) -> str:
        return order_key(self.env, self.mch_id, self.out_refund_no)

    @property
    def order_key(self) -> str:
        """The key of the order this refund belongs to."""
        return order_key(self.env, self.mch_id, self.out_trade_no)


@dataclass(slots=True)
class Attempt(_Record):
    """One delivery attempt of a notification and its verdict."""

    number: int
    at: float
    url: str
    verdict: str  # in_flight, acked, rejected, http_error, timeout, connection_error, refused
    routed_to: str = ""  # where a notify route sent it instead of url (notify.routes)
    manual: bool = False  # a resend by hand: not one of the schedule's attempts
    status: int | None = None
    latency_ms: float = 0.0
    excerpt: str = ""
    error: str = ""


@dataclass(slots=True)
class Notification(_Record):
    """An asynchronous notification (payment or refund) and its delivery history."""

    nested: ClassVar[dict[str, type]] = {"attempts": Attempt}

    id: str
    kind: str  # payment, refund
    env: str
    mch_id: str
    out_trade_no: str
    url: str
    body: str
    created_at: float
    delays: list[int]
    headers: dict[str, str] = field(default_factory=dict)  # sent with the body (the dialect's, signed for v3)
    dialect: str = "v2"  # v2: acked by 200 + XML SUCCESS; v3: by 200 or 204
    out_refund_no: str = ""
    label: str = ""  # why it exists beyond the normal one: duplicate, forged, tampered_amount ...
    ack: str = "strict"  # strict: the dialect's acknowledgement; lenient: plain-text SUCCESS too (v2)
    status: str = NotifyStatus.PENDING
    next_at: float | None = None
    attempts: list[Attempt] = field(default_factory=list)

    def to_view(self) -> dict[str, Any]:
        view = self.to_dict()
        view["attempt_count"] = len(self.attempts)
        return view


def order_key(env: str, mch_id: str, number: str) -> str:
    return f"{env}:{mch_id}:{number}"
