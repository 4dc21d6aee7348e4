"""Errors are data: the business rules services enforce, one row each, with how every dialect
answers when a rule says no.

Services raise :class:`DomainError` with a code from :data:`ERRORS` (and a ``hint``, mockwx's own
explanation for humans: it goes to the log, the journal and the ``X-Mockwx-Hint`` header, never
into a field that impersonates WeChat). The dialects at the edge (``mockwx.http``) render it:
Pay v2 as ``result_code=FAIL`` + err_code or ``return_code=FAIL``, login as ``errcode``, the
simulated client as its ``errMsg``, the control API as a 4xx. No HTTP status and no v2 field
name is chosen below ``http/``; the WeChat texts come from :mod:`mockwx.wire.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..wire.errors import SYSTEM_BUSY, V2_ERR_CODES


@dataclass(frozen=True, slots=True)
class V2Answer:
    """How Pay v2 says no: ``biz`` (result_code FAIL, err_code, err_code_des) or ``fail`` (return_code FAIL)."""

    kind: str  # biz, fail
    name: str  # err_code (biz) or the V2_RETURN_MSGS kind (fail)
    text: str = ""  # err_code_des (biz; default the err_code's usual text) or the field name (fail)
    by_api: dict[str, str] = field(default_factory=dict)  # another err_code_des on some APIs


def biz(err_code: str, text: str | None = None, **by_api: str) -> V2Answer:
    return V2Answer("biz", err_code, V2_ERR_CODES[err_code] if text is None else text, by_api)


def fail(kind: str, field_name: str = "") -> V2Answer:
    return V2Answer("fail", kind, field_name)


@dataclass(frozen=True, slots=True)
class Rule:
    """One business rule that can refuse a call."""

    code: str
    kind: str  # what sort of no, for our own control API: invalid, not_found, conflict, refused, busy
    v2: V2Answer | None = None
    login: int | None = None  # errcode
    login_hinted: bool = False  # errmsg in the newer APIs' form: "<msg> hint: [<id>] rid: <rid>"
    client: str = ""  # wx.requestPayment's errMsg reason
    v3: tuple[int, str, str] | None = None  # HTTP status, code, message (API v3, protocol/v3.md 4.3, 6, 8, 9)
    v3_by_api: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # another v3 answer on some APIs


_REFUND_MISMATCH = "订单金额或退款金额与之前请求不一致，请核实后再试"

_RULES = (
    # -- orders (protocol/v2.md 3.4, 6.1, 6.2; v3.md 4.2, 6) -------------------------------------
    Rule(
        "ORDER_NOT_FOUND",
        "not_found",
        biz("ORDERNOTEXIST", orderquery="order not exist"),
        client="订单不存在",
        v3=(404, "ORDER_NOT_EXIST", "订单不存在"),  # query and close (v3.md 6.1)
        v3_by_api={"v3/refund": (404, "RESOURCE_NOT_EXISTS", "订单不存在")},  # refund: unknown or unpaid (v3.md 8.1)
    ),
    Rule(
        "ORDER_PAID",
        "conflict",
        biz("ORDERPAID", closeorder="订单已支付"),
        client="该订单已支付",
        v3=(400, "ORDERPAID", "该订单已支付"),
    ),
    Rule("ORDER_CLOSED", "conflict", biz("ORDERCLOSED"), client="该订单已关闭", v3=(400, "ORDER_CLOSED", "订单已关闭")),
    Rule(
        "ORDER_EXPIRED",
        "conflict",
        biz("ORDERCLOSED"),
        client="该订单已过期，请重新下单",
        v3=(400, "ORDER_CLOSED", "订单已关闭"),
    ),
    Rule(
        "REENTRY_CHANGED",
        "conflict",
        biz("INVALID_REQUEST", "201 商户订单号重复"),
        v3=(400, "INVALID_REQUEST", "请求重入时，参数与首次请求时不一致"),
    ),
    Rule("CLOSE_TOO_EARLY", "conflict", biz("TRADE_STATE_ERROR"), v3=(400, "INVALID_REQUEST", "订单状态错误")),
    Rule("OPENID_UNKNOWN", "invalid", biz("PARAM_ERROR", "无效的openid"), v3=(400, "PARAM_ERROR", "无效的openid")),
    Rule("EXPIRE_TOO_SHORT", "invalid", biz("PARAM_ERROR", "time_expire时间过短，刷卡至少1分钟，其他5分钟")),
    Rule("OPENID_MISMATCH", "invalid", fail("OPENID_MISMATCH"), v3=(400, "PARAM_ERROR", "appid和openid不匹配")),
    # -- the user pays (protocol/v2.md 4) -----------------------------------------------------
    Rule("PREPAY_UNKNOWN", "not_found", client="调用支付JSAPI缺少参数: total_fee"),
    Rule("PREPAY_EXPIRED", "conflict", client="该订单已过期，请重新下单"),
    Rule("NOT_A_JSAPI_ORDER", "invalid", client="调用支付JSAPI缺少参数: total_fee"),
    # -- refunds (protocol/v2.md 6.3, 6.4) --------------------------------------------------------
    Rule(
        "REFUND_MORE_THAN_TOTAL",
        "invalid",
        fail("INVALID", "refund_fee"),
        v3=(400, "PARAM_ERROR", "退款金额不能大于订单金额"),
    ),
    Rule("REFUND_CHANGED", "conflict", biz("REFUND_FEE_MISMATCH"), v3=(400, "INVALID_REQUEST", _REFUND_MISMATCH)),
    Rule("REFUND_TOTAL_MISMATCH", "invalid", biz("REFUND_FEE_MISMATCH"), v3=(400, "INVALID_REQUEST", _REFUND_MISMATCH)),
    Rule("ORDER_NOT_PAID", "conflict", biz("ORDERNOTEXIST"), v3=(404, "RESOURCE_NOT_EXISTS", "订单不存在")),
    Rule("REFUND_OVERDUE", "conflict", biz("TRADE_OVERDUE"), v3=(400, "INVALID_REQUEST", "订单已经超过退款期限")),
    Rule("FULLY_REFUNDED", "conflict", biz("ERROR", "订单已全额退款"), v3=(400, "INVALID_REQUEST", "订单已全额退款")),
    Rule(
        "TOO_MANY_REFUNDS",
        "conflict",
        biz("ERROR", "退款次数超过限制"),
        v3=(400, "INVALID_REQUEST", "退款次数超过限制"),
    ),
    Rule(
        "REFUND_MORE_THAN_LEFT",
        "conflict",
        biz("INVALID_REQUEST", "refund_fee大于可退金额"),
        v3=(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额"),
    ),
    Rule("REFUND_NOT_FOUND", "not_found", biz("REFUNDNOTEXIST"), v3=(404, "RESOURCE_NOT_EXISTS", "退款单不存在")),
    # -- bills (protocol/v2.md 6.6; v3 bill API) ----------------------------------------------
    Rule("NO_BILL", "not_found", fail("NO_BILL"), v3=(400, "NO_STATEMENT_EXIST", "账单文件不存在")),
    # -- login (protocol/v2.md 1.3, 1.5) ------------------------------------------------------
    Rule("APP_NOT_FOUND", "not_found", login=40013),
    Rule("SECRET_WRONG", "invalid", login=40125),
    Rule("CODE_INVALID", "invalid", login=40029),
    Rule("CODE_USED", "conflict", login=40163),
    Rule("LOGIN_RATE_LIMITED", "refused", login=45011),
    # -- access_token and the APIs that need one (protocol/v2.md 1.4, 1.5) --------------------
    Rule("TOKEN_MISSING", "invalid", login=41001),
    Rule("TOKEN_MALFORMED", "invalid", login=40014),
    Rule("TOKEN_NOT_LATEST", "invalid", login=40001),
    Rule("TOKEN_EXPIRED", "invalid", login=42001),
    Rule("OPENID_INVALID", "invalid", login=40003),
    Rule("ARGS_INVALID", "invalid", login=40097),
    Rule("SESSION_SIGNATURE_WRONG", "invalid", login=87009),
    Rule("PHONE_CODE_INVALID", "invalid", login=40029, login_hinted=True),
    # -- our own records and inputs (the control API) -----------------------------------------
    Rule("NOT_FOUND", "not_found"),
    Rule("CONFLICT", "conflict"),
    Rule("INVALID", "invalid"),
    # -- the mock itself ----------------------------------------------------------------------
    Rule(
        "SYSTEM_BUSY",
        "busy",
        biz("SYSTEMERROR", SYSTEM_BUSY),
        login=-1,
        client="系统繁忙",
        v3=(500, "SYSTEM_ERROR", "系统繁忙，请稍后重试"),
    ),
)
ERRORS: dict[str, Rule] = {rule.code: rule for rule in _RULES}


class DomainError(Exception):
    """A business rule said no. ``code`` is one of :data:`ERRORS`; ``hint`` says why and what to do."""

    def __init__(self, code: str, hint: str = "", *, fix: str = "") -> None:
        self.rule = ERRORS[code]  # a KeyError here is a programming error: every code is in the table
        self.code = code
        self.hint = hint
        self.fix = fix  # the next step, when it is not already part of the hint
        super().__init__(f"{code}: {hint}")

    @property
    def explanation(self) -> str:
        return f"{self.hint} {self.fix}".strip()

    def details(self) -> dict[str, Any]:
        """What the journal records about this error."""
        return {"code": self.code, "hint": self.explanation}


def number_in(data: Any, name: str, low: float, high: float, default: float | None = None) -> float:
    """``data[name]`` as a number in [low, high] (booleans and NaN are not numbers), or DomainError."""
    value = data.get(name, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise DomainError("INVALID", f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)
