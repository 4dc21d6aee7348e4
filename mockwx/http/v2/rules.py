"""Field rules of the Pay v2 requests, as tables (protocol/v2.md 3.1, 6.1-6.4, 6.6), and the
checks that turn a broken field into the answer WeChat gives for it.

Order of checks: missing required fields (缺少参数), then lengths (``<field>参数长度有误``),
then formats (``<field>参数格式错误`` or ``invalid <field>``), as captured responses show. Each table
is compiled once (its required names, and per field a bound check); one pass over the request's
fields finds the first broken length and the first broken format, and reports them in that order.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ...wire import SIGN_TYPES, parse_compact
from .errors import ReturnFail

_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*@]+")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
# an absolute http(s) URL with no query string or fragment (the notify_url rule); no control characters
_URL = re.compile(
    r"https?://(?P<host>\[[0-9A-Fa-f:.]+\]|[^/?#\s:@\[\]\x00-\x1f\x7f-\x9f]+)(?::(?P<port>[0-9]{1,5}))?"
    r"(?:/[^?#\s\x00-\x1f\x7f-\x9f]*)?"
)
MAX_FEE = 2**31 - 1  # total_fee and refund_fee are WeChat Ints (v2.md 3.1, 6.3)


def _validator(kind: str, options: tuple[str, ...]) -> Callable[[str], bool] | None:
    """The format check of a rule kind, as one callable (None: any text)."""
    if kind == "enum":
        return frozenset(options).__contains__
    if not kind:
        return None
    if kind not in _CHECKS:
        raise ValueError(f"unknown field check {kind!r}")
    return _CHECKS[kind]


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _is_fen(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_FEE


def _is_trade_no(text: str) -> bool:
    return _TRADE_NO.fullmatch(text) is not None


def _is_ip(text: str) -> bool:
    return _IPV4.fullmatch(text) is not None or _is_ipv6(text)


def _is_time(text: str) -> bool:
    try:
        parse_compact(text)
    except ValueError:
        return False
    return True


def _is_ipv6(text: str) -> bool:
    """An IPv6 address as WeChat means one: Python also takes a scope (``fe80::1%eth0``), WeChat does not."""
    if "%" in text:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_url(text: str) -> bool:
    match = _URL.fullmatch(text)
    if match is None:
        return False
    port, host = match["port"], match["host"]
    if port is not None and not 0 < int(port) <= 65535:
        return False
    return not host.startswith("[") or _is_ipv6(host[1:-1])


_CHECKS: dict[str, Callable[[str], bool]] = {
    "digits": _is_digits,
    "fen": _is_fen,
    "trade_no": _is_trade_no,
    "ip": _is_ip,
    "url": _is_url,
    "time": _is_time,
}


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    max_len: int
    required: bool = False
    check: str = ""  # fen, ip, url, trade_no, time, enum:<A|B>, digits
    kind: str = field(init=False, default="")
    options: tuple[str, ...] = field(init=False, default=())
    valid: Callable[[str], bool] | None = field(init=False, default=None, compare=False)  # the format, bound once

    def __post_init__(self) -> None:
        kind, _, arg = self.check.partition(":")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "options", tuple(arg.split("|")) if arg else ())
        object.__setattr__(self, "valid", _validator(kind, self.options))


class Rules(dict[str, Rule]):
    """One API's field rules by name, with its required rules in table order (compiled once)."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        super().__init__((r.name, r) for r in rules)
        self.required = tuple(r.name for r in rules if r.required)


def _rules(*rules: Rule) -> Rules:
    return Rules(rules)


_COMMON = (
    Rule("appid", 32, True),
    Rule("mch_id", 32, True, "digits"),
    Rule("nonce_str", 32, True),
    Rule("sign", 64, True),
    Rule("sign_type", 32, False, "enum:" + "|".join(SIGN_TYPES)),
)

UNIFIEDORDER = _rules(
    *_COMMON,
    Rule("device_info", 32),
    Rule("body", 128, True),
    Rule("detail", 6000),
    Rule("attach", 127),
    Rule("out_trade_no", 32, True, "trade_no"),
    Rule("fee_type", 16, False, "enum:CNY"),
    Rule("total_fee", 16, True, "fen"),
    Rule("spbill_create_ip", 64, True, "ip"),
    Rule("time_start", 14, False, "time"),
    Rule("time_expire", 14, False, "time"),
    Rule("goods_tag", 32),
    Rule("notify_url", 256, True, "url"),
    Rule("trade_type", 16, True, "enum:JSAPI|NATIVE|APP|MWEB"),
    Rule("product_id", 32),
    Rule("limit_pay", 32, False, "enum:no_credit"),
    Rule("openid", 128),
    Rule("receipt", 8, False, "enum:Y"),
    Rule("scene_info", 256),
    Rule("profit_sharing", 16, False, "enum:Y|N"),
)

ORDERQUERY = _rules(*_COMMON, Rule("transaction_id", 32, False, "digits"), Rule("out_trade_no", 32, False, "trade_no"))

CLOSEORDER = _rules(*_COMMON, Rule("out_trade_no", 32, True, "trade_no"))

REFUND = _rules(
    *_COMMON,
    Rule("transaction_id", 32, False, "digits"),
    Rule("out_trade_no", 32, False, "trade_no"),
    Rule("out_refund_no", 64, True, "trade_no"),
    Rule("total_fee", 16, True, "fen"),
    Rule("refund_fee", 16, True, "fen"),
    Rule("refund_fee_type", 8, False, "enum:CNY"),
    Rule("refund_desc", 80),
    Rule("refund_account", 30, False, "enum:REFUND_SOURCE_UNSETTLED_FUNDS|REFUND_SOURCE_RECHARGE_FUNDS"),
    Rule("notify_url", 256, False, "url"),
    Rule("op_user_id", 32),
)

REFUNDQUERY = _rules(
    *_COMMON,
    Rule("transaction_id", 32, False, "digits"),
    Rule("out_trade_no", 32, False, "trade_no"),
    Rule("out_refund_no", 64, False, "trade_no"),
    Rule("refund_id", 32, False, "digits"),
    Rule("offset", 8, False, "digits"),
)

DOWNLOADBILL = _rules(
    *_COMMON,
    Rule("bill_date", 8, True, "digits"),
    Rule("bill_type", 8, False, "enum:ALL|SUCCESS|REFUND|RECHARGE_REFUND"),
    Rule("tar_type", 8, False, "enum:GZIP"),
)


def check_fields(fields: Mapping[str, str], rules: Rules) -> None:
    """Raise the ReturnFail WeChat gives for the first broken field, if any: a missing required field,
    else the first field (in the request's order) too long, else the first of the wrong format."""
    for name in rules.required:
        if not fields.get(name):
            raise ReturnFail("LACK_PARAMS", hint=f"the required field {name} is missing or empty")
    malformed: tuple[Rule, str] | None = None
    get = rules.get
    for name, value in fields.items():
        rule = get(name)
        if rule is None or not value:
            continue
        if len(value) > rule.max_len:
            raise ReturnFail(
                "LENGTH", name, hint=f"{name} is {len(value)} characters; at most {rule.max_len} are allowed"
            )
        if malformed is None and rule.valid is not None and not rule.valid(value):
            malformed = (rule, value)
    if malformed is not None:
        _refuse_format(*malformed)


# what each broken format answers: WeChat's kind of refusal, and mockwx's hint (how to fix it)
_REFUSALS: dict[str, tuple[str, str]] = {
    "enum": ("FORMAT", "{name} is {value!r}; expected one of {options}"),
    "digits": ("FORMAT", "{name} must be digits only, got {value!r}"),
    "fen": (
        "INVALID",
        "{name} is {value!r}; amounts are a positive integer number of fen (1 yuan = 100), no decimal point",
    ),
    "trade_no": ("INVALID", "{name} is {value!r}; use only letters, digits and _-|*@ (watch for spaces)"),
    "ip": ("INVALID", "{name} is {value!r}; expected an IPv4 or IPv6 address (no %zone)"),
    "url": (
        "INVALID",
        "{name} is {value!r}; expected an absolute http(s) URL without a query string, a port from 1 to 65535 if any",
    ),
    "time": ("FORMAT", "{name} is {value!r}; expected yyyyMMddHHmmss in Beijing time"),
}


def _refuse_format(rule: Rule, value: str) -> None:
    """The ReturnFail for ``value``, which failed ``rule``'s format (WeChat's words, and how to fix it)."""
    kind, hint = _REFUSALS[rule.kind]
    raise ReturnFail(kind, rule.name, hint=hint.format(name=rule.name, value=value, options=", ".join(rule.options)))
