"""The merchant API a scenario's login, order and refund steps call: the reference merchant's by
default, or a backend's own paths, methods, field names and answer shapes from ``setup.merchant_api``
(README: Scenarios, "Your own backend"); checked on load with messages that name the key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .expect import StepFailure, resolve

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_REF = re.compile(r"\$\{([^}]*)\}")
_PATH = re.compile(r"[A-Za-z_][\w-]*(\.[\w-]+)*")  # data.orderNo, result.payment.0


@dataclass(frozen=True, slots=True)
class Call:
    """One call to the merchant; ``json`` (and ``path``) may hold ``${name}`` filled from the step."""

    method: str
    path: str
    json: Any = None  # None: the step's own fields, as they are (the reference merchant's shape)


@dataclass(frozen=True, slots=True)
class MerchantApi:
    """Where the steps go and where they read the answers (dotted paths; "" is the whole answer)."""

    login: Call = Call("POST", "/api/login", {"code": "${code}"})
    order: Call = Call("POST", "/api/orders")
    refund: Call = Call("POST", "/api/orders/${out_trade_no}/refund")
    token: str = "token"  # in login's answer
    out_trade_no: str = "out_trade_no"  # in the order's answer
    pay_params: str = ""  # in the order's answer: the wx.requestPayment parameters
    auth_header: str = "Authorization"
    auth_value: str = "Bearer ${token}"  # the user's token, or the operator's for refunds
    mapped: frozenset[str] = field(default_factory=frozenset)  # the keys the scenario set

    def request(self, call: Call, fields: Mapping[str, Any]) -> tuple[str, str, Any]:
        """(method, path, json) of ``call`` with the step's ``fields`` filled in."""
        path = resolve(call.path, fields)
        if call.json is None:
            body = {k: v for k, v in fields.items() if f"${{{k}}}" not in call.path}
        else:
            body = resolve(call.json, fields)
        return call.method, str(path), body

    def auth(self, token: str) -> dict[str, str]:
        return {self.auth_header: str(resolve(self.auth_value, {"token": token}))}

    def read(self, answer: Any, what: str) -> Any:
        """The value at ``what`` (token, out_trade_no, pay_params) of a merchant's answer; a teaching
        failure when it is not there."""
        path: str = getattr(self, what)
        value = answer
        for part in path.split(".") if path else []:
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                where = f"setup.merchant_api: {what} is {path!r}" if what in self.mapped else f"the {what} field"
                raise StepFailure(
                    f"{where}, but the merchant's answer has no {part!r} there; say where this backend puts it"
                    f" (setup.merchant_api.{_OWNER[what]}.{what}: a dotted path like data.{what})",
                    [f"the answer: {_short(answer)}"],
                )
        return value


_OWNER = {"token": "login", "out_trade_no": "order", "pay_params": "order"}
# action -> the keys its mapping may carry besides request and json
_READS = {"login": ("token",), "order": ("out_trade_no", "pay_params"), "refund": ()}
_FIELDS = {  # what ${...} may name in each action's request
    "login": "code, openid, user",
    "order": "the order step's fields (product_id, quantity, ...)",
    "refund": "the refund step's fields (out_trade_no, refund_fee, ...)",
}


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... [+{len(text) - limit} chars]"


def parse_merchant_api(raw: Any, where: str) -> MerchantApi:
    """``setup.merchant_api``, checked: every mistake is a ValueError naming the key and what it takes."""
    at = f"{where}: setup.merchant_api"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{at} must be a mapping with login, order, refund and/or auth")
    unknown = set(raw) - {*_READS, "auth"}
    if unknown:
        raise ValueError(
            f"{at}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: login, order, refund, auth"
        )
    api = MerchantApi(mapped=frozenset(k for action in raw if action in _READS for k in _READS[action]))
    for action, reads in _READS.items():
        if action in raw:
            api = _action(api, action, raw[action], reads, f"{at}.{action}")
    if "auth" in raw:
        api = _auth(api, raw["auth"], f"{at}.auth")
    return api


def _action(api: MerchantApi, action: str, raw: Any, reads: tuple[str, ...], at: str) -> MerchantApi:
    allowed = ("request", "json", *reads)
    if not isinstance(raw, Mapping):
        raise ValueError(f"{at} must be a mapping with {', '.join(allowed)}")
    unknown = set(raw) - set(allowed)
    if unknown:
        raise ValueError(f"{at}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; allowed: {', '.join(allowed)}")
    call: Call = getattr(api, action)
    if "request" in raw:
        method, _, path = str(raw["request"]).partition(" ")
        if method not in METHODS or not path.startswith("/"):
            raise ValueError(f"{at}.request: write it as `METHOD /path` (e.g. POST /wx/login), not {raw['request']!r}")
        call = replace(call, method=method, path=path)
    if "json" in raw:
        if not isinstance(raw["json"], Mapping):
            raise ValueError(f"{at}.json: the body as a mapping, with ${{...}} for {_FIELDS[action]}")
        call = replace(call, json=raw["json"])
    _refs(call.path, at + ".request")
    _refs(call.json, at + ".json")
    changes: dict[str, Any] = {action: call}
    for name in reads:
        if name in raw:
            value = raw[name]
            if not isinstance(value, str) or (value and not _PATH.fullmatch(value)):
                raise ValueError(
                    f"{at}.{name}: where the answer keeps it, as a dotted path (e.g. data.{name}; '' for the whole"
                    f" answer), not {value!r}"
                )
            changes[name] = value
    return replace(api, **changes)


def _auth(api: MerchantApi, raw: Any, at: str) -> MerchantApi:
    if not isinstance(raw, Mapping) or set(raw) - {"header", "value"}:
        raise ValueError(f"{at}: a mapping with header (default Authorization) and value (default 'Bearer ${{token}}')")
    header, value = str(raw.get("header", api.auth_header)), str(raw.get("value", api.auth_value))
    if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", header):
        raise ValueError(f"{at}.header: an HTTP header name, not {header!r}")
    if "${token}" not in value:
        raise ValueError(f"{at}.value: write where the token goes, e.g. 'Bearer ${{token}}' or '${{token}}'")
    return replace(api, auth_header=header, auth_value=value)


def _refs(template: Any, at: str) -> None:
    """Every ``${...}`` in a template names a field (no dots: the step's own fields)."""
    if isinstance(template, str):
        for name in _REF.findall(template):
            if not re.fullmatch(r"\w+", name):
                raise ValueError(f"{at}: ${{{name}}} is not a field name; ${{...}} here names one of the step's fields")
    elif isinstance(template, Mapping):
        for value in template.values():
            _refs(value, at)
    elif isinstance(template, list):
        for value in template:
            _refs(value, at)
