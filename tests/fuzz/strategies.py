"""Input generators: Pay v2 XML bodies (well-formed and signed, or badly signed, or broken), login
queries, control-API JSON, header values and paths. Field names come from the field rule tables,
so a new field is fuzzed as soon as a rule names it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID, DEMO_SECRET
from mockwx.http.v2 import rules
from mockwx.wire import HMAC_SHA256, MD5, render_xml, with_sign

from .harness import TOKEN

RULE_TABLES = [
    v for v in vars(rules).values() if isinstance(v, dict) and v and isinstance(next(iter(v.values())), rules.Rule)
]
FIELD_NAMES = sorted({name for table in RULE_TABLES for name in table})
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # any Unicode text (no lone surrogates)
NASTY = st.sampled_from(["", " ", "\x7f", "\u2028", "]]>", "<x>", "&amp;", "%00", "\ufeff", "签名", "0" * 300])
EDGE_NUMBERS = st.sampled_from(["0", "-1", "1", "1.00", "2147483647", "2147483648", "99999999999", "1e3", "０１"])


def _plausible(name: str, known: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """Values a real client might send for ``name``: mostly right, sometimes just off."""
    by_name: dict[str, st.SearchStrategy[str]] = {
        "appid": st.sampled_from([DEMO_APPID, "wx0000000000000000"]),
        "mch_id": st.sampled_from([DEMO_MCH_ID, "10000101", "abc"]),
        "out_trade_no": st.sampled_from([*known["out_trade_no"], "FZNEW" + "1" * 6, "T 1"]),
        "out_refund_no": st.sampled_from([*known["out_refund_no"], "FZRFNEW0001"]),
        "total_fee": EDGE_NUMBERS,
        "refund_fee": EDGE_NUMBERS,
        "notify_url": st.sampled_from(
            ["http://127.0.0.1:9/n", "http://127.0.0.1:99999/n", "https://[::1]/n", "http://x/n?a=1", "ftp://a"]
        ),
        "spbill_create_ip": st.sampled_from(["127.0.0.1", "::1", "fe80::1%eth0", "300.1.1.1", "localhost"]),
        "trade_type": st.sampled_from(["JSAPI", "NATIVE", "APP", "MWEB", "JSAPI2"]),
        "sign_type": st.sampled_from([MD5, HMAC_SHA256, "md5", "RSA"]),
        "time_expire": st.sampled_from(["20991231235959", "20200101000000", "2026-11-27", "99999999999999"]),
        "bill_date": st.sampled_from(["20261127", "20261399", "1"]),
    }
    rule_kinds = {name: rule for table in RULE_TABLES for name, rule in table.items()}
    base = by_name.get(name)
    if base is None and name in rule_kinds and rule_kinds[name].options:
        base = st.sampled_from(rule_kinds[name].options)
    if base is None:
        base = st.text(st.sampled_from("abcXYZ019_-"), min_size=1, max_size=12)
    return st.one_of(base, base, base, TEXT, NASTY)


@st.composite
def v2_fields(draw: st.DrawFn, known: dict[str, list[str]]) -> dict[str, str]:
    names = draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=14, unique=True))
    fields = {"appid": DEMO_APPID, "mch_id": DEMO_MCH_ID, "nonce_str": draw(st.text("abcdef0123", min_size=1))}
    fields.update({name: draw(_plausible(name, known)) for name in names})
    if draw(st.booleans()):
        fields.update(draw(st.dictionaries(TEXT.filter(lambda s: s.isidentifier()), TEXT, max_size=3)))
    fields.pop("sign", None)
    return fields


@st.composite
def xml_bodies(draw: st.DrawFn, known: dict[str, list[str]]) -> bytes:
    """A Pay v2 body: signed right (so the field rules and services see it), signed wrong, or broken."""
    fields = draw(v2_fields(known))
    how = draw(st.sampled_from(["signed", "signed", "signed", "wrong key", "unsigned", "broken", "bytes"]))
    if how == "bytes":
        return draw(st.binary(max_size=300))
    sign_type = fields.get("sign_type") if fields.get("sign_type") in (MD5, HMAC_SHA256) else MD5
    if how in ("signed", "wrong key"):
        fields = with_sign(fields, DEMO_API_KEY if how == "signed" else DEMO_SECRET, sign_type)
    body = render_xml(fields)
    if how == "broken":
        cut = draw(st.integers(0, len(body)))
        body = body[:cut] + draw(st.binary(max_size=20)) + body[cut + draw(st.integers(0, 10)) :]
    return body


@st.composite
def login_queries(draw: st.DrawFn, known: dict[str, list[str]]) -> str:
    params = {
        "appid": draw(st.sampled_from([DEMO_APPID, "wx0000000000000000", ""]) | TEXT),
        "secret": draw(st.sampled_from([DEMO_SECRET, DEMO_API_KEY, ""]) | TEXT),
        "js_code": draw(st.sampled_from([*known["code"], "nope"]) | TEXT),
        "grant_type": draw(st.sampled_from(["authorization_code", "client_credential", ""]) | TEXT),
    }
    kept = {k: v for k, v in params.items() if draw(st.integers(0, 5))}
    return urlencode(kept, errors="surrogatepass")


JSON_KEYS = st.sampled_from(
    [
        "user",
        "appid",
        "outcome",
        "reason",
        "out_trade_no",
        "out_refund_no",
        "prepay_id",
        "package",
        "paySign",
        "timeStamp",
        "nonceStr",
        "signType",
        "seconds",
        "api",
        "match",
        "times",
        "per",
        "err_code",
        "errcode",
        "delay",
        "drop",
        "variants",
        "duplicates",
        "retry_delays",
        "ack",
        "variant",
        "copies",
        "url",
        "body",
        "fields",
        "key",
        "sign_type",
        "apps",
        "merchants",
        "mch_id",
        "api_key",
        "secret",
        "pay",
        "login",
        "refund",
        "journal_size",
        "code_url",
    ]  # fmt: skip
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False), TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_KEYS | TEXT, inner, max_size=4),
    max_leaves=12,
)


# What a hostile JSON body holds (issue 9 review, item 2): nesting a parser recurses into, NaN and
# Infinity (Python's json reads and writes them; JSON.parse does not), numbers of thousands of digits
# (int() refuses 4300), overflowing floats and lone surrogates.
HOSTILE_BODIES = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a": ' + b"[" * 3_000 + b"]" * 3_000 + b"}",
    b'{"out_trade_no": "FZ1", "deep": ' + b"{}" + b"}",
    b'{"amount": {"total": NaN}}',
    b'{"seconds": Infinity, "mchid": -Infinity}',
    b'{"total_fee": ' + b"9" * 5000 + b"}",
    b'{"amount": {"total": 1e999, "refund": -1e999}}',
    b'{"user": "\\ud800", "\\udfff": 1}',
    b'{"a": "\xff\xfe"}',
    "\ufeff{}".encode(),
]
HOSTILE_JSON = st.sampled_from(HOSTILE_BODIES)


@st.composite
def control_bodies(draw: st.DrawFn, known: dict[str, list[str]]) -> tuple[bytes | None, str | None]:
    """(body, content type): a JSON object (mostly), other JSON, broken or hostile JSON, or no body."""
    how = draw(st.sampled_from(["object", "object", "object", "json", "broken", "hostile", "none"]))
    if how == "none":
        return None, None
    if how == "hostile":
        return draw(HOSTILE_JSON), "application/json"
    if how == "object":
        data: Any = draw(st.dictionaries(JSON_KEYS, JSON_VALUES | st.sampled_from(known["out_trade_no"]), max_size=6))
    else:
        data = draw(JSON_VALUES)
    import json

    raw = json.dumps(data).encode()
    if how == "broken":
        raw = raw[: draw(st.integers(0, len(raw)))] + draw(st.binary(max_size=8))
    kind = draw(
        st.sampled_from(["application/json", "application/json", "application/json; charset=utf-8", "text/plain", None])
    )
    return raw, kind


def widens_the_allowlist(body: bytes | None) -> bool:
    """Whether a body could let notifications leave this machine (never sent: tests stay on loopback)."""
    return body is not None and (b"allow" in body or b"refund_notify_url" in body)


FAULT_VALUES = st.one_of(
    TEXT,
    NASTY,
    st.sampled_from(["SYSTEMERROR", "ORDERPAID", "XYZ", "\x01", "a\x00b"]),
    st.integers(-2, 50000),
    st.booleans(),
)
HEADER_VALUES = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60)


V3_TIMESTAMPS = st.sampled_from(["9" * 5000, "9" * 20, "1" + "0" * 12, "0", "-1", "1.5", "¹²³", ""])


@st.composite
def v3_authorizations(draw: st.DrawFn) -> str:
    """A v3 Authorization with hostile parameters: timestamps of thousands of digits, serials that are
    decimal numbers of thousands of digits, pairs left out (within aiohttp's 8190-byte header line)."""
    params = {
        "mchid": draw(st.sampled_from([DEMO_MCH_ID, "1", ""]) | HEADER_VALUES),
        "nonce_str": draw(st.sampled_from(["N1", ""]) | HEADER_VALUES),
        "signature": draw(st.sampled_from(["AAAA", "x" * 344, "WECHATPAY/SIGNTEST/AA=="]) | HEADER_VALUES),
        "timestamp": draw(V3_TIMESTAMPS | st.integers(0, 2**64).map(str)),
        "serial_no": draw(st.sampled_from(["9" * 2000, "0x" + "F" * 40, "497fd66a2d559ec06e2c30399913c26f39bbf266"])),
    }
    pairs = ",".join(f'{k}="{v}"' for k, v in params.items() if draw(st.integers(0, 6)))
    return "WECHATPAY2-SHA256-RSA2048 " + pairs


@st.composite
def headers(draw: st.DrawFn) -> dict[str, str]:
    """Headers a caller might send: the token (mostly), odd Host names, cookies, garbage values."""
    out: dict[str, str] = {}
    token = draw(st.sampled_from(["bearer", "bearer", "bearer", "header", "cookie", "none", "wrong"]))
    if token == "bearer":
        out["Authorization"] = f"Bearer {TOKEN}"
    elif token == "header":
        out["X-Mockwx-Token"] = TOKEN
    elif token == "cookie":
        out["Cookie"] = f"mockwx_token={TOKEN}"
    elif token == "wrong":
        out["Authorization"] = draw(HEADER_VALUES)
    if draw(st.integers(0, 4)) == 0:
        out["Host"] = draw(
            st.sampled_from(["localhost", "attacker.example", "[::1]:1", "10.0.0.1", ""]) | HEADER_VALUES
        )
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from(["X-Forwarded-For", "User-Agent", "Accept", "Cookie", "X-Mockwx-Token", "Origin"]))
        out[name] = draw(HEADER_VALUES)
    return out


def fill(path: str, values: st.DrawFn, known: dict[str, list[str]]) -> str:
    """A route's path with each ``{name}`` replaced by a generated (quoted) value."""
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end]
        pool = known.get(name, []) + ["1", "999"]
        value = values(st.sampled_from(pool) | TEXT.filter(bool))
        path = path[:start] + quote(value, safe="", errors="surrogatepass") + path[end + 1 :]
    return path
