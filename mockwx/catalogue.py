"""The endpoint catalogue: every WeChat API mockwx impersonates, one row each.

Routing, the 501 "not mocked" answer, fault-rule validation, scenario steps and the journal's api
names all read this table; adding an endpoint is one row here plus its handler in the dialect's
module under ``mockwx/http/``. Sources: protocol/v2.md 1 (login), 2.3 (sandbox paths), 3 and 6
(Pay v2).
"""

from __future__ import annotations

from dataclasses import dataclass

from .domain.models import PROD, SANDBOX

SANDBOX_PREFIXES = ("/sandboxnew", "/xdc/apiv2sandbox")


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
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("code2session", "login", "*", "/sns/jscode2session", source="v2.md 1.1-1.3"),
    Endpoint("token", "login", "*", "/cgi-bin/token", source="v2.md 1.5"),
    Endpoint("stable_token", "login", "*", "/cgi-bin/stable_token", source="v2.md 1.5 (getStableAccessToken)"),
    Endpoint("checksession", "login", "*", "/wxa/checksession", source="v2.md 1.4 (checkSessionKey)"),
    Endpoint(
        "getuserphonenumber",
        "login",
        "*",
        "/wxa/business/getuserphonenumber",
        source="v2.md 1.4; miniprogram-client.md 5",
    ),
    Endpoint("unifiedorder", "v2", "*", "/pay/unifiedorder", sandbox=True, source="v2.md 3"),
    Endpoint("orderquery", "v2", "*", "/pay/orderquery", sandbox=True, source="v2.md 6.1"),
    Endpoint("closeorder", "v2", "*", "/pay/closeorder", sandbox=True, source="v2.md 6.2"),
    Endpoint(
        "refund", "v2", "*", "/secapi/pay/refund", sandbox=True, sandbox_aliases=("/pay/refund",), source="v2.md 6.3"
    ),
    Endpoint("refundquery", "v2", "*", "/pay/refundquery", sandbox=True, source="v2.md 6.4"),
    Endpoint("downloadbill", "v2", "*", "/pay/downloadbill", sandbox=True, source="v2.md 6.6"),
    Endpoint(
        "getsignkey",
        "v2",
        "*",
        "/sandboxnew/pay/getsignkey",
        aliases=("/xdc/apiv2getsignkey/sign/getsignkey",),
        source="v2.md 2.3",
    ),
)
_BY_API = {e.api: e for e in ENDPOINTS}

# Path prefixes that belong to a dialect although no endpoint answers them (the 501 answer's dialect).
DIALECT_PREFIXES: dict[str, tuple[str, ...]] = {
    "v2": ("/pay/", "/secapi/", "/sandboxnew/", "/xdc/", "/mmpaymkttransfers/", "/risk/", "/papay/", "/mmpaysptrans/"),
}


def endpoint(api: str) -> Endpoint:
    """The endpoint called ``api``; KeyError if there is none."""
    return _BY_API[api]


def apis(dialect: str | None = None) -> tuple[str, ...]:
    """The api names, of one dialect or of all."""
    return tuple(e.api for e in ENDPOINTS if dialect is None or e.dialect == dialect)


def mocked_paths(dialect: str) -> list[str]:
    """Every path answered in ``dialect`` (for the 501 answer and the README)."""
    return [path for e in ENDPOINTS if e.dialect == dialect for path, _ in e.routes()]


def dialect_of_path(path: str) -> str:
    """The dialect an unknown path most likely speaks: v2 for Pay paths, else login's JSON."""
    for dialect, prefixes in DIALECT_PREFIXES.items():
        if path.startswith(prefixes):
            return dialect
    return "login"
