"""The endpoint catalogue: every WeChat API mockwx impersonates, one row each.

Routing, the 501 "not mocked" answer, fault-rule validation, scenario steps and the journal's api
names all read this table; adding an endpoint is one row here plus its handler in the dialect's
module under ``mockwx/http/``. Sources: protocol/v2.md 1 (login), 2.3 (sandbox paths), 3 and 6
(Pay v2); protocol/v3.md 3-8 (Pay v3). ``operation`` names what a row does in the payment domain,
so a scenario step can ask for "query" and get orderquery in v2 and the v3 query in v3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .domain.models import PROD, SANDBOX

SANDBOX_PREFIXES = ("/sandboxnew", "/xdc/apiv2sandbox")
AUTHORIZED_MCHID = "authorization.mchid"  # journal field: a v3 call's Authorization mchid (refund bodies have none)
CASHIER_OPEN = "cashier open"  # journal outcome: wx.requestPayment's checks passed, the payment sheet is shown


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One impersonated API."""

    api: str  # its name in the journal, fault rules and scenarios
    dialect: str  # login, v2 (Pay v2 XML), v3 (Pay v3 JSON)
    method: str  # the HTTP method; "*" takes any (and the dialect answers a wrong one as WeChat does)
    path: str  # the production path
    sandbox: bool = False  # also under each of SANDBOX_PREFIXES, as a sandbox call
    sandbox_aliases: tuple[str, ...] = ()  # further sandbox-only paths (after a prefix)
    aliases: tuple[str, ...] = ()  # further paths, as they are
    source: str = ""  # the protocol section it follows
    operation: str = ""  # what it does in the payment domain (place, query...): the same across dialects

    def routes(self) -> list[tuple[str, str]]:
        """(path, env) for every path this endpoint answers."""
        out = [(self.path, PROD)]
        out += [(alias, PROD) for alias in self.aliases]
        if self.sandbox:
            for prefix in SANDBOX_PREFIXES:
                out += [(prefix + p, SANDBOX) for p in (self.path, *self.sandbox_aliases)]
        return out

    def journal_name(self, env: str) -> str:
        return self.api if env == PROD else f"sandbox/{self.api}"


# What each dialect is, for the 501 answer and the README.
DIALECTS: dict[str, str] = {
    "login": "api.weixin.qq.com: mini-program login (JSON)",
    "v2": "api.mch.weixin.qq.com: WeChat Pay API v2 (XML, MD5 / HMAC-SHA256)",
    "v3": "api.mch.weixin.qq.com: WeChat Pay API v3 (JSON, SHA256-RSA2048, AES-256-GCM)",
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("code2session", "login", "*", "/sns/jscode2session", source="v2.md 1.1-1.3", operation="login"),
    Endpoint("token", "login", "*", "/cgi-bin/token", source="v2.md 1.5", operation="token"),
    Endpoint(
        "stable_token",
        "login",
        "*",
        "/cgi-bin/stable_token",
        source="v2.md 1.5 (getStableAccessToken)",
        operation="token",
    ),
    Endpoint(
        "checksession",
        "login",
        "*",
        "/wxa/checksession",
        source="v2.md 1.4 (checkSessionKey)",
        operation="checksession",
    ),
    Endpoint(
        "getuserphonenumber",
        "login",
        "*",
        "/wxa/business/getuserphonenumber",
        source="v2.md 1.4; miniprogram-client.md 5",
        operation="phonenumber",
    ),
    Endpoint("unifiedorder", "v2", "*", "/pay/unifiedorder", sandbox=True, source="v2.md 3", operation="place"),
    Endpoint("orderquery", "v2", "*", "/pay/orderquery", sandbox=True, source="v2.md 6.1", operation="query"),
    Endpoint("closeorder", "v2", "*", "/pay/closeorder", sandbox=True, source="v2.md 6.2", operation="close"),
    Endpoint(
        "refund",
        "v2",
        "*",
        "/secapi/pay/refund",
        sandbox=True,
        sandbox_aliases=("/pay/refund",),
        source="v2.md 6.3",
        operation="refund",
    ),
    Endpoint("refundquery", "v2", "*", "/pay/refundquery", sandbox=True, source="v2.md 6.4", operation="refundquery"),
    Endpoint("downloadbill", "v2", "*", "/pay/downloadbill", sandbox=True, source="v2.md 6.6", operation="bill"),
    Endpoint(
        "getsignkey",
        "v2",
        "*",
        "/sandboxnew/pay/getsignkey",
        aliases=("/xdc/apiv2getsignkey/sign/getsignkey",),
        source="v2.md 2.3",
        operation="getsignkey",
    ),
    Endpoint("v3/certificates", "v3", "GET", "/v3/certificates", source="v3.md 3", operation="certificates"),
    Endpoint("v3/jsapi", "v3", "POST", "/v3/pay/transactions/jsapi", source="v3.md 4.1-4.3", operation="place"),
    Endpoint("v3/app", "v3", "POST", "/v3/pay/transactions/app", source="v3.md 4.4", operation="place_app"),
    Endpoint("v3/h5", "v3", "POST", "/v3/pay/transactions/h5", source="v3.md 4.4", operation="place_h5"),
    Endpoint("v3/native", "v3", "POST", "/v3/pay/transactions/native", source="v3.md 4.4", operation="place_native"),
    Endpoint(
        "v3/query",
        "v3",
        "GET",
        "/v3/pay/transactions/out-trade-no/{out_trade_no}",
        source="v3.md 6.1",
        operation="query",
    ),
    Endpoint(
        "v3/query_by_id",
        "v3",
        "GET",
        "/v3/pay/transactions/id/{transaction_id}",
        source="v3.md 6.1",
        operation="query_id",
    ),
    Endpoint(
        "v3/close",
        "v3",
        "POST",
        "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
        source="v3.md 6.2",
        operation="close",
    ),
    Endpoint("v3/refund", "v3", "POST", "/v3/refund/domestic/refunds", source="v3.md 8.1", operation="refund"),
    Endpoint(
        "v3/refund_query",
        "v3",
        "GET",
        "/v3/refund/domestic/refunds/{out_refund_no}",
        source="v3.md 8.2",
        operation="refundquery",
    ),
    Endpoint("v3/tradebill", "v3", "GET", "/v3/bill/tradebill", source="v3 bill API", operation="bill"),
    Endpoint("v3/fundflowbill", "v3", "GET", "/v3/bill/fundflowbill", source="v3 bill API", operation="fundflowbill"),
    Endpoint("v3/billdownload", "v3", "GET", "/v3/billdownload/file", source="v3 bill API", operation="billdownload"),
)
_BY_API = {e.api: e for e in ENDPOINTS}

# Path prefixes that belong to a dialect although no endpoint answers them (the 501 answer's dialect).
DIALECT_PREFIXES: dict[str, tuple[str, ...]] = {
    "v3": ("/v3/",),
    "v2": ("/pay/", "/secapi/", "/sandboxnew/", "/xdc/", "/mmpaymkttransfers/", "/risk/", "/papay/", "/mmpaysptrans/"),
}


def endpoint(api: str) -> Endpoint:
    """The endpoint called ``api``; KeyError if there is none."""
    return _BY_API[api]


def apis(dialect: str | None = None) -> tuple[str, ...]:
    """The api names, of one dialect or of all."""
    return tuple(e.api for e in ENDPOINTS if dialect is None or e.dialect == dialect)


def coverage() -> dict[str, int]:
    """How many APIs each dialect mocks (``--version`` and the README's count)."""
    return {dialect: len(apis(dialect)) for dialect in DIALECTS}


def mocked_paths(dialect: str) -> list[str]:
    """Every path answered in ``dialect`` (for the 501 answer and the README)."""
    return [path for e in ENDPOINTS if e.dialect == dialect for path, _ in e.routes()]


def methods_of(path: str) -> list[str]:
    """The methods the endpoints whose path template matches ``path`` take ([] when none does, or any does)."""
    found = []
    for e in ENDPOINTS:
        for template, _ in e.routes():
            if _template(template).fullmatch(path):
                if e.method == "*":
                    return []
                found.append(e.method)
    return sorted(set(found))


def _template(path: str) -> re.Pattern[str]:
    """A catalogue path as a pattern: each ``{name}`` one path segment."""
    return re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)))


def for_operation(operation: str, dialect: str) -> Endpoint:
    """The endpoint doing ``operation`` in ``dialect`` (KeyError if that dialect has none)."""
    for e in ENDPOINTS:
        if e.operation == operation and e.dialect == dialect:
            return e
    raise KeyError(f"{dialect} has no {operation} endpoint")


def dialect_of_path(path: str) -> str:
    """The dialect an unknown path most likely speaks: v2 for Pay paths, else login's JSON."""
    for dialect, prefixes in DIALECT_PREFIXES.items():
        if path.startswith(prefixes):
            return dialect
    return "login"
