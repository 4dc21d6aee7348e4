"""The control API's door: JSON-only writes, the Host check against DNS rebinding, the access token
beyond loopback (or when set), and fault patterns that cannot freeze the mock (issue 8, finding 14).
The WeChat-facing API stays open: it impersonates WeChat."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from mockwx.access import Access, is_loopback
from mockwx.config import SecuritySettings
from mockwx.http.logins import LINKS, MAX_OPEN, LoginLinks
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config
from mockwx.wire import parse_xml

JSON = {"Content-Type": "application/json"}


async def call(url, method, path, *, data=None, headers=None, **kw):
    async with (
        aiohttp.ClientSession(cookie_jar=kw.pop("jar", None)) as http,
        http.request(method, f"{url}{path}", data=data, headers=headers, allow_redirects=False, **kw) as response,
    ):
        return response.status, await response.json(content_type=None) if response.status != 303 else {}


# -- JSON only ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
async def test_a_control_write_that_is_not_json_is_refused_and_changes_nothing(mock, client, content_type):
    await client.unifiedorder("G20261127000001", 1)
    status, body = await call(mock.url, "POST", "/__mock__/reset", data=b"{}", headers={"Content-Type": content_type})
    assert status == 415 and "application/json" in body["hint"] and content_type.split(";")[0] in body["error"]
    assert (await client.order("G20261127000001"))["out_trade_no"] == "G20261127000001"  # not reset
    status, _ = await call(mock.url, "POST", "/__mock__/login", data=b'{"user": "a"}', headers=JSON)
    assert status == 201
    assert (await call(mock.url, "POST", "/__mock__/reset", headers=JSON))[0] == 200  # no body, but JSON it says


@pytest.mark.parametrize(
    "headers",
    [{}, {"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}],
    ids=["no content type", "text/plain", "form"],
)
async def test_a_control_write_without_a_body_must_say_json_too(mock, client, headers):
    """What a page can send to any origin without a preflight: fetch(url, {method: "POST", mode: "no-cors"})."""
    await client.unifiedorder("G20261127000003", 1)
    status, body = await call(mock.url, "POST", "/__mock__/reset", data=b"", headers=headers)
    assert status == 415 and "even with no body" in body["error"] and "application/json" in body["hint"]
    assert (await client.order("G20261127000003"))["out_trade_no"] == "G20261127000003"  # not reset


@pytest.mark.parametrize(
    "sent",
    [
        {"Origin": "http://127.0.0.2:8000"},
        {"Origin": "http://localhost:3000"},  # same site, another origin
        {"Origin": "null"},  # a sandboxed frame, a file:// page
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
async def test_a_write_from_another_sites_page_is_refused_even_as_json(mock, client, sent):
    await client.unifiedorder("G20261127000004", 1)
    status, body = await call(mock.url, "POST", "/__mock__/reset", headers={**JSON, **sent})
    assert status == 403 and "another site" in body["error"] and "dashboard" in body["hint"]
    assert (await client.order("G20261127000004"))["out_trade_no"] == "G20261127000004"  # not reset


async def test_the_mocks_own_pages_and_code_without_an_origin_may_write(mock):
    own = mock.url.removeprefix("http://")
    for sent in ({"Origin": f"http://{own}", "Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {}):
        assert (await call(mock.url, "POST", "/__mock__/reset", headers={**JSON, **sent}))[0] == 200, sent
    status, _ = await call(mock.url, "GET", "/__mock__/orders", headers={"Origin": "http://127.0.0.2:8000"})
    assert status == 200  # reads are not guarded by origin: without CORS, the page cannot read the answer


async def test_the_wechat_api_takes_any_content_type(mock):
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{mock.url}/pay/orderquery", data=b"<xml/>", headers={"Content-Type": "text/plain"}) as response,
    ):
        assert response.status == 200 and parse_xml(await response.read())["return_code"] == "FAIL"


# -- Host ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("attacker.example", 403),
        ("attacker.example:8900", 403),
        ("127.0.0.1.nip.io", 403),
        ("localhost:8900", 200),
        ("app.localhost", 200),
        ("127.0.0.1:8900", 200),
        ("[::1]:8900", 200),
        ("10.1.2.3", 200),
        ("LOCALHOST.", 200),
        ("mock.test:8900", 200),  # configured
    ],
)
async def test_the_control_api_answers_only_to_its_own_names(config, host, status):
    config.settings.security.allowed_hosts = ["mock.test"]
    async with MockServer(config) as mock:
        got, body = await call(mock.url, "GET", "/__mock__/tenants", headers={"Host": host})
        assert got == status, body
        if status == 403:
            assert "DNS rebinding" in body["error"] and "--allow-host" in body["hint"]
        wechat = await call(mock.url, "GET", "/sns/jscode2session", headers={"Host": host})
        assert wechat[0] == 200 and wechat[1]["errcode"] == 41002  # WeChat's API answers any Host


# -- the token ------------------------------------------------------------------------------------


def test_loopback_needs_no_token_and_anything_else_gets_one():
    security = SecuritySettings()
    assert Access.resolve(security, None).token == "" and Access.resolve(security, "::1").reveal_hints
    for host in ("0.0.0.0", "::", "192.168.1.5", "devbox"):
        access = Access.resolve(security, host)
        assert access.exposed and len(access.token) >= 24 and access.token_generated and not access.reveal_hints
    assert Access.resolve(security, "0.0.0.0").token != Access.resolve(security, "0.0.0.0").token
    assert is_loopback("127.0.0.2") and is_loopback("localhost") and not is_loopback("")


async def test_beyond_loopback_the_control_api_needs_the_token_and_wechat_does_not():
    async with MockServer(mock_config(), host="0.0.0.0") as mock:
        token = mock.access.token
        url = f"http://127.0.0.1:{mock.port}"
        status, body = await call(url, "GET", "/__mock__/tenants")
        assert status == 401 and "access token" in body["error"] and "Bearer" in body["hint"]
        assert (await call(url, "GET", "/__mock__/tenants", headers={"Authorization": "Bearer wrong"}))[0] == 401
        assert (await call(url, "GET", "/__mock__/tenants", headers={"Authorization": f"Bearer {token}"}))[0] == 200
        assert (await call(url, "GET", "/__mock__/tenants", headers={"X-Mockwx-Token": token}))[0] == 200
        assert (await call(url, "POST", "/__mock__/reset"))[0] == 401
        assert await call(url, "GET", "/__mock__/health") == (200, {"ok": True})  # for probes; it says nothing else
        status, health = await call(url, "GET", "/__mock__/health", headers={"Authorization": f"Bearer {token}"})
        assert status == 200 and health["state"]["location"] == ":memory:"  # the token sees where and what happened
        assert (await call(url, "GET", "/"))[0] == 401  # the dashboard to be
        async with MockClient(url, token=token) as client:  # the client the plugin and scenarios use
            order = await client.unifiedorder("G20261127000002", 1)  # WeChat's API: no token
            assert order["result_code"] == "SUCCESS"
            assert (await client.pay(client.payment_params(order["prepay_id"])))["errMsg"] == "requestPayment:ok"


async def test_a_login_link_works_once_and_never_carries_the_token(config):
    """Issue 11, review item 10: the printed link carried the permanent token and worked any number of times."""
    config.settings.security.token = "s3cret-token-1234"  # set by the user: required even on loopback
    async with MockServer(config) as mock:
        links = mock._runner.app[LINKS]  # what serve's banner prints a link from
        path = links.path()
        assert path.startswith("/__mock__/ui/login?once=") and "s3cret" not in path
        jar = aiohttp.CookieJar(unsafe=True)  # an IP-address host
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            for wrong in ("token=s3cret-token-1234", "once=nope", "once="):  # the token itself opens nothing here
                async with http.get(f"{mock.url}/__mock__/ui/login?{wrong}", allow_redirects=False) as response:
                    assert response.status == 401 and "works once" in (await response.json())["error"]
            async with http.get(f"{mock.url}/__mock__/tenants") as response:
                assert response.status == 401
            async with http.get(f"{mock.url}{path}", allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"] == "/__mock__/ui"
                cookie = r.headers["Set-Cookie"]
                assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            async with http.get(f"{mock.url}/__mock__/tenants") as response:
                assert response.status == 200
        async with aiohttp.ClientSession() as stranger:  # the same link, copied from a shell's history
            async with stranger.get(f"{mock.url}{path}", allow_redirects=False) as again:
                assert again.status == 401 and "POST /__mock__/ui/logins" in (await again.json())["hint"]
            assert (await call(mock.url, "POST", "/__mock__/ui/logins"))[0] == 401  # minting takes the token
            status, minted = await call(
                mock.url,
                "POST",
                "/__mock__/ui/logins",
                headers={"Authorization": "Bearer s3cret-token-1234", "Content-Type": "application/json"},
            )
            assert status == 201 and minted["url"].startswith(f"{mock.url}/__mock__/ui/login?once=")
            async with stranger.get(minted["url"], allow_redirects=False) as fresh:
                assert fresh.status == 303


def test_login_links_are_spent_on_use_and_bounded():
    links = LoginLinks()
    first = links.mint()
    assert links.use(first) and not links.use(first) and not links.use("")
    minted = [links.mint() for _ in range(MAX_OPEN + 1)]
    assert not links.use(minted[0]) and links.use(minted[-1])  # the oldest open link is forgotten first
    assert not links.use("\udcff")  # undecodable query bytes: refused, not an error


async def test_the_token_is_never_shown_by_the_settings(config):
    config.settings.security.token = "s3cret-token-1234"
    async with MockServer(config) as mock, MockClient(mock.url, token="s3cret-token-1234") as client:
        settings = await client.control("GET", "/settings")
        assert settings["security"]["token"] == "(set)" and "s3cret" not in str(settings)
        refused = await client.control("PATCH", "/settings", {"security": {"token": None}}, ok=(400,))
        assert "cannot change" in refused["error"]


# -- fault patterns -------------------------------------------------------------------------------


async def test_a_catastrophic_fault_pattern_cannot_freeze_the_mock(client):
    await client.fault(api="orderquery", err_code="SYSTEMERROR", match={"out_trade_no": "re:(a+)+$"})
    started = time.perf_counter()
    answer, health = await asyncio.gather(
        client.v2("/pay/orderquery", {"out_trade_no": "a" * 28 + "b"}),  # Python's re: about 8 s of CPU
        client.control("GET", "/health"),
    )
    assert time.perf_counter() - started < 3  # a liveness bound, not a speed target
    assert answer["err_code"] == "ORDERNOTEXIST" and health["ok"] is True
    assert (await client.v2("/pay/orderquery", {"out_trade_no": "aaaa"}))["err_code"] == "SYSTEMERROR"


async def test_a_pattern_re2_cannot_run_is_refused_with_a_reason(client):
    refused = await client.control(
        "POST", "/faults", {"api": "pay", "outcome": "cancel", "match": {"a": "re:(x)\\1"}}, ok=(400,)
    )
    assert "RE2" in refused["error"] and "backreference" in refused["error"]


# -- how much hints reveal (the setting; the doctor applies it) ------------------------------------


@pytest.mark.parametrize(
    ("mode", "host", "reveal"),
    [
        ("auto", None, True),
        ("auto", "127.0.0.1", True),
        ("auto", "0.0.0.0", False),
        ("always", "0.0.0.0", True),
        ("never", "127.0.0.1", False),
    ],
)
def test_reveal_hints_follows_the_setting_and_the_interface(mode, host, reveal):
    assert Access.resolve(SecuritySettings(reveal_hints=mode), host).reveal_hints is reveal


async def test_the_resolved_flag_is_on_the_running_app(config):
    config.settings.security.reveal_hints = "never"
    async with MockServer(config) as mock:
        assert mock.access.reveal_hints is False and mock.access.token == ""
