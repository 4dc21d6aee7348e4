"""`make demo` prints the phone's address and points the phone at the reference merchant it started."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_prints_the_phone_and_points_it_at_the_merchant(unused_tcp_port_factory):
    mock_port, shop_port = unused_tcp_port_factory(), unused_tcp_port_factory()
    command = [sys.executable, str(ROOT / "run_mock.py"), "demo", "--memory", "--log-level", "WARNING"]
    command += ["--port", str(mock_port), "--merchant-port", str(shop_port)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        text = ""
        for line in proc.stdout:
            text += line
            if "Ctrl-C" in line:
                break
        mock, shop = f"http://127.0.0.1:{mock_port}", f"http://127.0.0.1:{shop_port}"
        assert f"{mock}/__mock__/ui/phone" in text
        with urllib.request.urlopen(f"{mock}/__mock__/ui/phone", timeout=5) as answer:
            page = answer.read().decode()
        boot = json.loads(re.search(r'<script type="application/json" id="phone-boot">(.*?)</script>', page).group(1))
        assert boot["backend"] == shop and boot["ext"]["operatorToken"]
        body = json.dumps({"url": f"{shop}/api/products", "method": "GET"}).encode()
        request = urllib.request.Request(
            f"{mock}/__mock__/wx/request", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            sent = json.loads(answer.read())
        assert sent["statusCode"] == 200
        assert [p["name"] for p in json.loads(sent["data"])["products"]][0] == "澳白 Flat white"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0 and "Traceback" not in out
    finally:
        if proc.poll() is None:
            proc.kill()
