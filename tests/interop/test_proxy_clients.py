"""Unchanged clients, configured as for production, reach the mock through its proxy (issue 13).

Each runs in a subprocess with only the environment a user would set: wechatpy (requests) with
HTTPS_PROXY and REQUESTS_CA_BUNDLE, wechatpay-axios-plugin (Node, axios) with HTTPS_PROXY and
NODE_EXTRA_CA_CERTS. Their base URL stays ``https://api.mch.weixin.qq.com``; they place an order, the
user pays, and they refund it over /secapi/ with the merchant's client certificate. The wrong or no
certificate gets WeChat's answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.http.v2.clientcert import NO_CERTIFICATE, NOT_MATCH
from mockwx.testing.client import MockClient

from ..support import network_config
from . import node_sdk

HERE = Path(__file__).resolve().parent
OTHER_MCH_ID = "1900000109"


@pytest.fixture
def config(tmp_path):
    return network_config(tmp_path / "tls", proxy=True)


def run(command: list[str], env: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
    """Run a client with exactly ``env`` (and PATH), JSON in, JSON out."""
    proc = subprocess.run(
        command,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", ""), **env},
    )
    assert proc.returncode == 0, f"{command} failed:\n{proc.stderr}"
    return json.loads(proc.stdout)


async def certificate_files(client: MockClient, mch_id: str, folder: Path) -> dict[str, str]:
    """The merchant's apiclient_cert.pem / apiclient_key.pem / apiclient_cert.p12, written where the app keeps them."""
    return (await client.control("POST", f"/tenants/{mch_id}/cert", {"folder": str(folder)}))["files"]


async def paid_order(client: MockClient, out_trade_no: str) -> None:
    await client.pay(out_trade_no=out_trade_no)
    assert (await client.order(out_trade_no))["trade_state"] == "SUCCESS"


class Wechatpy:
    """wechatpy in a subprocess: only HTTPS_PROXY and REQUESTS_CA_BUNDLE point it at the mock."""

    def __init__(self, mock, files: dict[str, str] | None) -> None:
        self.env = {"HTTPS_PROXY": mock.proxy_url, "REQUESTS_CA_BUNDLE": str(mock.network.pki.ca_file)}
        self.merchant = {"appid": DEMO_APPID, "api_key": DEMO_API_KEY, "mch_id": DEMO_MCH_ID}
        if files:
            self.merchant.update(cert=files["apiclient_cert.pem"], key=files["apiclient_key.pem"])

    async def __call__(self, op: str, **args: Any) -> dict[str, Any]:
        command = [sys.executable, str(HERE / "clients" / "wechatpy_client.py")]
        payload = {"op": op, "merchant": self.merchant, "args": args}
        return await asyncio.to_thread(run, command, self.env, payload)


async def test_wechatpy_orders_and_refunds_through_the_proxy(mock, client, receiver, tmp_path):
    own = Wechatpy(mock, await certificate_files(client, DEMO_MCH_ID, tmp_path / "own"))
    openid = (await client.login("alice"))["openid"]
    placed = await own(
        "order", body="proxy", total_fee=100, notify_url=receiver.url, user_id=openid, out_trade_no="WP1"
    )
    assert placed["data"]["result_code"] == "SUCCESS", placed
    await paid_order(client, "WP1")
    refunded = await own("refund", total_fee=100, refund_fee=40, out_refund_no="WPRF1", out_trade_no="WP1")
    assert refunded["data"]["result_code"] == "SUCCESS" and refunded["data"]["refund_fee"] == "40", refunded

    bare = await Wechatpy(mock, None)("refund", total_fee=100, refund_fee=1, out_refund_no="WPRF2", out_trade_no="WP1")
    assert bare["error"]["status"] == 400 and NO_CERTIFICATE in bare["error"]["body"]

    await client.control(
        "POST", "/tenants", {"merchants": [{"mch_id": OTHER_MCH_ID, "api_key": "k" * 32, "appids": [DEMO_APPID]}]}
    )
    other = Wechatpy(mock, await certificate_files(client, OTHER_MCH_ID, tmp_path / "other"))
    wrong = await other("refund", total_fee=100, refund_fee=1, out_refund_no="WPRF3", out_trade_no="WP1")
    assert wrong["error"]["return_code"] == "FAIL" and NOT_MATCH in wrong["error"]["body"]
    kinds = [p["problem"] for p in await client.problems()]
    assert kinds == ["CLIENT_CERT", "CLIENT_CERT"]
    assert [r["out_refund_no"] for r in (await client.order("WP1"))["refunds"]] == ["WPRF1"]


@pytest.fixture(scope="module")
def modules():
    return node_sdk.install()


class Axios:
    """wechatpay-axios-plugin in a node process: only HTTPS_PROXY and NODE_EXTRA_CA_CERTS point it at the mock."""

    def __init__(self, modules: Path, mock, keys: dict[str, Any], p12: str = "") -> None:
        self.env = {
            "NODE_PATH": str(modules),
            "HTTPS_PROXY": mock.proxy_url,
            "NODE_EXTRA_CA_CERTS": str(mock.network.pki.ca_file),
        }
        self.merchant = {"mch_id": DEMO_MCH_ID, "api_key": DEMO_API_KEY, "p12": p12}
        self.keys = keys

    async def __call__(self, op: str, **args: Any) -> dict[str, Any]:
        node = shutil.which("node") or "node"
        payload = {"op": op, "merchant": self.merchant, "keys": self.keys, "args": args}
        return await asyncio.to_thread(run, [node, str(HERE / "node" / "wechatpay_proxy.js")], self.env, payload)


async def test_node_orders_and_refunds_through_the_proxy(modules, mock, client, receiver):
    keys = await client.v3_keys()
    p12 = (await client.control("GET", f"/tenants/{DEMO_MCH_ID}/cert"))["apiclient_cert.p12"]
    axios = Axios(modules, mock, keys, p12)
    openid = (await client.login("bob"))["openid"]
    order = {
        "appid": DEMO_APPID,
        "mch_id": DEMO_MCH_ID,
        "body": "proxy",
        "out_trade_no": "AXP1",
        "total_fee": 100,
        "spbill_create_ip": "127.0.0.1",
        "notify_url": receiver.url,
        "trade_type": "JSAPI",
        "openid": openid,
    }
    placed = await axios("v2_order", **order)  # the plugin verifies the answer's sign itself
    assert placed["status"] == 200 and placed["data"]["result_code"] == "SUCCESS", placed
    await paid_order(client, "AXP1")
    queried = await axios("v3_query", mchid=DEMO_MCH_ID, out_trade_no="AXP1")  # API v3 through the same proxy
    assert queried["status"] == 200 and queried["data"]["trade_state"] == "SUCCESS", queried

    refund = {"appid": DEMO_APPID, "mch_id": DEMO_MCH_ID, "out_trade_no": "AXP1", "total_fee": 100}
    refunded = await axios("v2_refund", **refund, out_refund_no="AXPRF1", refund_fee=25)
    assert refunded["status"] == 200 and refunded["data"]["result_code"] == "SUCCESS", refunded
    bare = await Axios(modules, mock, keys)("v2_refund", **refund, out_refund_no="AXPRF2", refund_fee=1)
    assert bare["error"]["status"] == 400 and NO_CERTIFICATE in json.dumps(bare["error"]["data"]), bare
    assert [r["out_refund_no"] for r in (await client.order("AXP1"))["refunds"]] == ["AXPRF1"]
