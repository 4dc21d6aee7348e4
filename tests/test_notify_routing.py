"""Notify routing (issue 13): notifications addressed to a production notify_url reach a local merchant with
the same path, query and Host header, over HTTP or HTTPS; routed targets count as allowed, the journal
shows both URLs, and a notify_url with no route keeps today's allowlist."""

from __future__ import annotations

import ssl
import time

import pytest
import yaml
from aiohttp import web

from mockwx.config import ConfigError, parse_config
from mockwx.notify.allowlist import Allowlist
from mockwx.notify.routing import Delivery, Router, parse_route, parse_route_option
from mockwx.pki import ensure_pki
from mockwx.testing.client import MockClient

from .support import ACK

PRODUCTION = "https://shop.example.com/wxpay/notify?from=wechat&n=1"
NOTIFY_URL = "https://shop.example.com/wxpay/notify"  # Pay v2 takes no query string in notify_url
LOOPBACK = Allowlist(["127.0.0.0/8"])


def test_a_route_keeps_path_query_and_host():
    delivery = Router({"shop.example.com": "127.0.0.1:8000"}).delivery(PRODUCTION, LOOPBACK)
    assert delivery.url == "http://127.0.0.1:8000/wxpay/notify?from=wechat&n=1"
    assert delivery.routed and delivery.headers == {"Host": "shop.example.com"} and delivery.refusal == ""
    kept = Router({"shop.example.com": "127.0.0.1:8000"}).delivery("http://shop.example.com:8080/n", LOOPBACK)
    assert kept.headers == {"Host": "shop.example.com:8080"} and kept.url == "http://127.0.0.1:8000/n"


def test_https_routes_send_the_original_name_and_verify_only_when_asked():
    router = Router({"shop.example.com": "https://127.0.0.1:8443"})
    delivery = router.delivery(PRODUCTION, LOOPBACK)
    assert delivery.url.startswith("https://127.0.0.1:8443/wxpay/notify?")
    assert delivery.server_hostname == "shop.example.com" and delivery.verify is False
    assert Router({"shop.example.com": "https://[::1]:8443"}, verify=True).delivery(PRODUCTION, LOOPBACK).verify


def test_exact_names_win_over_wildcards_and_longer_suffixes_over_shorter():
    router = Router(
        {"*.example.com": "127.0.0.1:1", "*.pay.example.com": "127.0.0.1:2", "pay.example.com": "127.0.0.1:3"}
    )
    assert router.route_for("a.pay.example.com").port == 2
    assert router.route_for("pay.example.com").port == 3
    assert router.route_for("shop.example.com").port == 1
    assert router.route_for("example.com") is None
    assert router.route_for("SHOP.Example.com.").port == 1


def test_unrouted_urls_keep_the_allowlist():
    router = Router({"shop.example.com": "127.0.0.1:8000"})
    assert router.delivery("http://127.0.0.1:9/n", LOOPBACK) == Delivery("http://127.0.0.1:9/n")  # as it is
    refused = router.delivery("https://other.example.com/n", LOOPBACK)
    assert not refused.routed and "not on the notify allowlist" in refused.refusal
    assert "is not an http(s) URL" in router.delivery("ftp://shop.example.com/n", LOOPBACK).refusal


@pytest.mark.parametrize(
    ("host", "target", "says"),
    [
        ("shop.example.com", "127.0.0.1:8000/notify", "without a path"),
        ("shop.example.com", "ftp://127.0.0.1:21", "is not a route target"),
        ("shop.example.com", "127.0.0.1:http", "is not a route target"),
        ("shop.example.com", "", "needs a target"),
        ("shop.example.com", "not a target", "is not a route target"),
        ("https://shop.example.com", "127.0.0.1:8000", "is not a host name"),
        ("shop.example.com", "http://u:p@127.0.0.1:8000", "scheme, a host and a port only"),
    ],
)
def test_bad_routes_say_what_a_route_looks_like(host, target, says):
    with pytest.raises(ValueError, match=says):
        parse_route(host, target)


def test_routes_in_the_config_file_and_on_the_command_line():
    text = "notify:\n  routes:\n    shop.example.com: 127.0.0.1:8000\n    '*.example.org': https://127.0.0.1:8443\n"
    config = parse_config(yaml.safe_load(text))
    assert config.settings.notify.routes == {
        "shop.example.com": "127.0.0.1:8000",
        "*.example.org": "https://127.0.0.1:8443",
    }
    with pytest.raises(ConfigError, match="notify.routes: .* is not a route target"):
        parse_config({"notify": {"routes": {"shop.example.com": "nowhere:port"}}})
    with pytest.raises(ConfigError, match="expected a mapping"):
        parse_config({"notify": {"routes": ["shop.example.com=127.0.0.1:8000"]}})
    assert parse_route_option("Shop.Example.com.=https://127.0.0.1:8443") == (
        "shop.example.com",
        "https://127.0.0.1:8443",
    )
    with pytest.raises(ValueError, match="expected HOST=TARGET"):
        parse_route_option("shop.example.com:127.0.0.1:8000")


async def paid_order(client: MockClient, number: str, notify_url: str) -> None:
    placed = await client.unifiedorder(number, 100, notify_url=notify_url)
    await client.pay(client.payment_params(placed["prepay_id"]))


async def test_a_production_notify_url_reaches_the_local_merchant(mock, client, receiver):
    await client.control(
        "PATCH", "/settings", {"notify": {"routes": {"shop.example.com": f"127.0.0.1:{receiver.port}"}}}
    )
    await paid_order(client, "RT0000000001", NOTIFY_URL)
    notification = await client.wait(out_trade_no="RT0000000001", status="acked")
    got = receiver.received[0]
    assert got.path == "/wxpay/notify" and got.headers["Host"] == "shop.example.com"
    assert b"<out_trade_no><![CDATA[RT0000000001]]></out_trade_no>" in got.body
    attempt = notification["attempts"][0]
    assert notification["url"] == NOTIFY_URL and attempt["url"] == NOTIFY_URL
    assert attempt["routed_to"] == f"http://127.0.0.1:{receiver.port}/wxpay/notify"
    journaled = next(e for e in await client.requests() if e["api"] == "notify")
    assert journaled["path"] == NOTIFY_URL and journaled["fields"]["routed_to"] == attempt["routed_to"]


async def test_without_a_route_the_allowlist_still_refuses(client):
    await paid_order(client, "RT0000000002", NOTIFY_URL)
    notification = await client.wait(out_trade_no="RT0000000002", status="refused")
    assert "shop.example.com is not on the notify allowlist" in notification["attempts"][0]["error"]
    assert notification["attempts"][0]["routed_to"] == ""


@pytest.fixture
async def tls_merchant(tmp_path):
    """A merchant's HTTPS notify endpoint with a certificate for shop.example.com from a CA nobody trusts."""
    pki = ensure_pki(tmp_path / "merchant-ca", now=time.time(), extra_names=["shop.example.com"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    seen: dict[str, list[str]] = {"sni": [], "host": []}
    context.sni_callback = lambda _sock, name, _ctx: seen["sni"].append(name) and None

    async def notify(request: web.Request) -> web.Response:
        seen["host"].append(request.host)
        return web.Response(body=ACK, content_type="text/xml")

    app = web.Application()
    app.router.add_post("/wxpay/notify", notify)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    yield runner.addresses[0][1], seen
    await runner.cleanup()


async def test_an_https_route_sends_the_original_name(client, tls_merchant):
    port, seen = tls_merchant
    await client.control(
        "PATCH", "/settings", {"notify": {"routes": {"shop.example.com": f"https://127.0.0.1:{port}"}}}
    )
    await paid_order(client, "RT0000000003", NOTIFY_URL)
    await client.wait(out_trade_no="RT0000000003", status="acked")
    assert seen == {"sni": ["shop.example.com"], "host": ["shop.example.com"]}

    settings = await client.control("PATCH", "/settings", {"notify": {"verify_routes": True}})
    assert settings["notify"]["verify_routes"] is True
    await paid_order(client, "RT0000000004", NOTIFY_URL)
    notification = await client.wait(out_trade_no="RT0000000004", attempts=1)
    attempt = notification["attempts"][0]
    assert attempt["verdict"] == "connection_error" and "certificate verify failed" in attempt["error"].lower()


async def test_routes_through_the_control_api(client):
    assert await client.control("GET", "/notify/routes") == {"routes": [], "verify_routes": False}
    routes = await client.control("PUT", "/notify/routes", {"routes": {"*.Example.com": "https://127.0.0.1:8443"}})
    assert routes["routes"] == [{"host": "*.example.com", "to": "https://127.0.0.1:8443"}]
    assert (await client.control("GET", "/settings"))["notify"]["routes"] == {"*.Example.com": "https://127.0.0.1:8443"}
    for bad in ({"routes": {"shop.example.com": "not a target"}}, {"routes": "x"}, {"nope": 1}):
        with pytest.raises(Exception, match="-> 400"):
            await client.control("PUT", "/notify/routes", bad)
    await client.reset()
    assert (await client.control("GET", "/notify/routes"))["routes"] == []
