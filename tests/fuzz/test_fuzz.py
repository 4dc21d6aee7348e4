"""Generated requests against every routed endpoint: WeChat's shape or a 4xx, never a 5xx or a
dropped connection, the mock still healthy, nothing stored changed by a refused request."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from cryptography import x509
from hypothesis import assume, given
from hypothesis import strategies as st

from mockwx import catalogue, demo_v3
from mockwx.config import DEMO_MCH_ID
from mockwx.faults import _KEYS as KEYS
from mockwx.faults import LOGIN_APIS, PAY_APIS
from mockwx.wire.v3 import build_authorization, load_private_key, serial_no

from . import strategies as gen
from .harness import ROUTES, TOKEN, Route, check_shape, of

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Content-Type": "application/json"}

WAIT_TIMEOUTS = st.sampled_from(["0", "0.01", "x", "-1", "nan", "1e999", ""])


def exchange(harness, route: Route, method: str, target: str, body, hdrs) -> None:
    """Send one request and hold the answer and the mock to the suite's properties."""
    before = harness.state()
    answer = harness.send(method, target, body, hdrs)
    refused = check_shape(route.dialect, method, target.split("?")[0], answer)
    harness.healthy()
    if refused:
        assert harness.state() == before, f"{method} {target} was refused but changed what is stored"


def test_the_route_table_is_what_is_fuzzed():
    dialects = {r.dialect for r in ROUTES}
    assert dialects == {"control", "pay", "login", "v3", "ui", "fallback"}
    assert len(of("pay")) >= 20 and len(of("control")) >= 20 and len(of("login")) == len(catalogue.apis("login"))


@given(data=st.data())
def test_pay_v2_endpoints(harness, data):
    route = data.draw(st.sampled_from(of("pay")), label="route")
    method = data.draw(st.sampled_from(["POST", "POST", "POST", "POST", "GET", "PUT"]), label="method")
    body = data.draw(gen.xml_bodies(harness.known), label="body")
    hdrs = data.draw(gen.headers(), label="headers")
    exchange(harness, route, method, route.path, body if method != "GET" else None, hdrs)


@given(data=st.data())
def test_api_v3_endpoints(harness, data):
    """Anything on a v3 route: unsigned (WeChat's 401s) or signed by the demo merchant, so that the body
    reaches the schema checks and the services."""
    route = data.draw(st.sampled_from(of("v3")), label="route")
    target = gen.fill(route.path, data.draw, harness.known)
    if route.method == "GET" and data.draw(st.booleans(), label="query"):
        target += "?" + data.draw(st.sampled_from(["mchid=10000100", "mchid=1", "bill_date=2026-11-27", "token=x"]))
    body, kind = data.draw(gen.control_bodies(harness.known), label="body")
    hdrs = data.draw(gen.headers(), label="headers")
    if kind:
        hdrs["Content-Type"] = kind
    signed = data.draw(st.integers(0, 4), label="signed")
    if signed == 4:
        hdrs["Authorization"] = data.draw(gen.v3_authorizations(), label="authorization")
    elif signed > 0:
        hdrs["Authorization"] = build_authorization(
            route.method,
            target,
            body or b"",
            mchid=DEMO_MCH_ID,
            serial_no=DEMO_SERIAL,
            private_key=DEMO_KEY,
            timestamp=int(time.time()),
        )
    exchange(harness, route, route.method, target, body, hdrs)


@given(data=st.data())
def test_dashboard_pages(harness, data):
    """The dashboard's pages and fragments with generated path values and queries: a page or a 4xx, never a 5xx."""
    route = data.draw(st.sampled_from(of("ui")), label="route")
    target = gen.fill(route.path, data.draw, harness.known)
    if data.draw(st.booleans(), label="query"):
        names = st.sampled_from(["lang", "api", "out_trade_no", "outcome", "problems", "since", "limit", "mode"])
        params = data.draw(st.dictionaries(names, gen.TEXT | gen.EDGE_NUMBERS, max_size=3), label="query")
        target += "?" + "&".join(f"{k}={quote(v, errors='surrogatepass')}" for k, v in params.items())
    body, kind = data.draw(gen.control_bodies(harness.known), label="body")
    hdrs = data.draw(gen.headers(), label="headers")
    if kind:
        hdrs["Content-Type"] = kind
    exchange(harness, route, route.method, target, body if route.method == "POST" else None, hdrs)


@given(data=st.data())
def test_login_endpoints(harness, data):
    route = data.draw(st.sampled_from(of("login")), label="route")
    query = data.draw(gen.login_queries(harness.known), label="query")
    method = data.draw(st.sampled_from(["GET", "GET", "POST"]), label="method")
    body = None
    if method == "POST" and data.draw(st.booleans(), label="json body"):  # stable_token, getuserphonenumber
        body, _ = data.draw(gen.control_bodies(harness.known), label="body")
    exchange(harness, route, method, f"{route.path}?{query}", body, data.draw(gen.headers(), label="headers"))


@given(data=st.data())
def test_control_endpoints(harness, data):
    route = data.draw(st.sampled_from(of("control")), label="route")
    method = route.method if route.method != "*" else data.draw(st.sampled_from(["GET", "POST"]))
    if data.draw(st.integers(0, 9), label="other method") == 0:
        method = data.draw(st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT"]), label="method")
    path = gen.fill(route.path, data.draw, harness.known)
    body, kind = data.draw(gen.control_bodies(harness.known), label="body")
    assume(not gen.widens_the_allowlist(body))
    hdrs = data.draw(gen.headers(), label="headers")
    if kind:
        hdrs["Content-Type"] = kind
    query = ""
    if path.endswith("/notifications/wait"):
        query = f"?timeout={data.draw(WAIT_TIMEOUTS)}&out_trade_no={quote(data.draw(gen.TEXT))}"
    elif data.draw(st.booleans(), label="query"):
        names = st.sampled_from(["limit", "since", "offset", "api", "status", "mch_id", "env", "problems", "kind"])
        params = data.draw(st.dictionaries(names, gen.TEXT | gen.EDGE_NUMBERS, max_size=3), label="query")
        query = "?" + "&".join(f"{k}={quote(v, errors='surrogatepass')}" for k, v in params.items())
    exchange(harness, route, method, path + query, body, hdrs)


@given(data=st.data())
def test_unrouted_paths(harness, data):
    prefix = data.draw(st.sampled_from(["/", "/pay/", "/secapi/", "/v3/", "/__mock__/", "/cgi-bin/", "/sns/"]))
    tail = data.draw(gen.TEXT, label="tail")
    method = data.draw(st.sampled_from(["GET", "POST", "DELETE", "OPTIONS"]), label="method")
    target = prefix + quote(tail, errors="surrogatepass")
    route = Route("*", target)
    body = data.draw(st.none() | st.binary(max_size=200), label="body")
    exchange(harness, route, method, target, body, data.draw(gen.headers(), label="headers"))


DEMO_KEY = load_private_key(demo_v3.MERCHANT_KEY_PEM)
DEMO_SERIAL = serial_no(x509.load_pem_x509_certificate(demo_v3.MERCHANT_CERT_PEM.encode()))
WRITES = [r for r in of("control") if r.method in ("POST", "PATCH", "DELETE")]


@pytest.mark.parametrize("route", WRITES, ids=lambda r: f"{r.method} {r.path}")
def test_every_control_write_refuses_garbage_with_a_4xx(harness, route):
    """Not generated, but the same properties: each control endpoint that takes a body, one that is no JSON."""
    path = route.path.replace("{id}", "1").replace("{out_trade_no}", "FZPAID00001")
    hdrs = {"Authorization": f"Bearer {gen.TOKEN}", "Content-Type": "application/json"}
    exchange(harness, route, route.method, path, b"\xff{", hdrs)


@pytest.mark.parametrize("raw", gen.HOSTILE_BODIES, ids=lambda raw: raw[:16].decode("utf-8", "replace"))
def test_hostile_json_on_every_endpoint_that_reads_json(harness, raw):
    """Not generated, so that every one always runs: each hostile JSON body on each v3 write (signed right, so
    it gets past the Authorization check), each JSON login API and each control write (issue 9 review, item 2)."""
    for route in of("v3"):
        if route.method == "POST":
            path = gen.fill(route.path, lambda strategy: "FZPAID00001", harness.known)
            header = build_authorization(
                "POST",
                path,
                raw,
                mchid=DEMO_MCH_ID,
                serial_no=DEMO_SERIAL,
                private_key=DEMO_KEY,
                timestamp=int(time.time()),
            )
            exchange(harness, route, "POST", path, raw, {"Authorization": header, **JSON})
    for route in of("login"):
        exchange(harness, route, "POST", route.path, raw, JSON)
    for route in WRITES:
        path = route.path.replace("{id}", "1").replace("{out_trade_no}", "FZPAID00001")
        exchange(harness, route, route.method, path, raw, {**AUTH, **JSON})


@given(data=st.data())
def test_fault_rules_then_the_api_they_change(harness, data):
    """A generated fault rule, then a request it may match: the answer keeps WeChat's shape whatever the rule said."""
    api = data.draw(st.sampled_from([*PAY_APIS, *LOGIN_APIS]), label="api")
    keys = sorted(KEYS[api] - {"delay", "drop"})  # a delay or a dropped connection is what such a rule is for
    spec = {"api": api, **data.draw(st.dictionaries(st.sampled_from(keys), gen.FAULT_VALUES, max_size=3), label="spec")}
    added = harness.send("POST", "/__mock__/faults", json.dumps(spec).encode(), {**AUTH, **JSON})
    check_shape("control", "POST", "/__mock__/faults", added)
    try:
        if api in LOGIN_APIS:
            route = next(
                r for r in of("login") if r.path.endswith("jscode2session" if api == "code2session" else "token")
            )
            query = data.draw(gen.login_queries(harness.known), label="query")
            exchange(harness, route, "GET", f"{route.path}?{query}", None, AUTH)
        else:
            path = catalogue.endpoint(api).path
            body = data.draw(gen.xml_bodies(harness.known), label="body")
            exchange(harness, Route("*", path), "POST", path, body, AUTH)
    finally:
        if added.status == 201:
            harness.send("DELETE", f"/__mock__/faults/{added.json()['id']}", None, AUTH)
