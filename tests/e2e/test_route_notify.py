"""The reference merchant configured for production (its notify_url is https://shop.example.com/wxpay/notify)
runs locally, and ``run_mock.py --route-notify shop.example.com=127.0.0.1:PORT`` delivers its payment
notification to it: the merchant verifies it and marks the order paid, end to end (issue 13)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import aiohttp
from aiohttp import web

from mockwx.merchant import create_app, demo_config

from .conftest import OPERATOR, listening_socket

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://shop.example.com"


def start_mock(merchant_port: int, folder: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "run_mock.py"),
            "--port",
            "0",
            "--memory",
            "--route-notify",
            f"shop.example.com=127.0.0.1:{merchant_port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=folder,  # where it writes its key files
    )
    text = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        text += line
        if "Ctrl-C" in line:
            break
    assert f"notify route  notify_url host shop.example.com -> http://127.0.0.1:{merchant_port}" in text, text
    return proc, re.search(r"listening on (http://127\.0\.0\.1:\d+)", text).group(1)


def control(mock_url: str, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{mock_url}/__mock__{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


async def test_the_production_notify_url_reaches_the_local_reference_merchant(tmp_path):
    sock = listening_socket()
    port = sock.getsockname()[1]
    proc, mock_url = await asyncio.to_thread(start_mock, port, tmp_path)
    config = demo_config(mock_url, PUBLIC, str(tmp_path / "shop.sqlite3"), operator_token=OPERATOR, retry_backoff=0)
    assert config.notify_url == f"{PUBLIC}/wxpay/notify"  # what it sends WeChat, as in production
    runner = web.AppRunner(create_app(config), access_log=None, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    shop = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            code = (await asyncio.to_thread(control, mock_url, "POST", "/login", {"user": "alice"}))["code"]
            async with http.post(f"{shop}/api/login", json={"code": code}) as response:
                token = (await response.json())["token"]
            auth = {"Authorization": f"Bearer {token}"}
            async with http.post(
                f"{shop}/api/orders", json={"product_id": "beans", "quantity": 1}, headers=auth
            ) as response:
                params = await response.json()
                assert response.status == 201, params
            await asyncio.to_thread(control, mock_url, "POST", "/pay", {**params, "outcome": "ok"})
            out_trade_no = params["out_trade_no"]
            waited = await asyncio.to_thread(
                control, mock_url, "GET", f"/notifications/wait?out_trade_no={out_trade_no}&status=acked&timeout=10"
            )
            async with http.get(f"{shop}/api/orders/{out_trade_no}", headers=auth) as response:
                order = await response.json()
        notification = waited["notification"]
        assert notification["url"] == f"{PUBLIC}/wxpay/notify"
        assert notification["attempts"][0]["routed_to"] == f"{shop}/wxpay/notify"
        assert order["status"] == "PAID", order  # the merchant verified the notification and booked it
    finally:
        await runner.cleanup()
        proc.send_signal(signal.SIGINT)
        out, _ = await asyncio.to_thread(proc.communicate, timeout=10)
        assert "Traceback" not in out, out
