"""Bring your own mini program: `run_mock.py serve --miniprogram FOLDER --backend URL` runs a QA
engineer's own mini program (its own modules, its own backend) in the phone. Its backend hands out
a wrongly signed paySign here, and the phone answers as WeChat does: the "支付验证签名失败" modal,
then requestPayment:fail cancel, with mockwx's note linking the signature playground."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.wire import new_nonce, parse_xml, pay_sign, render_xml, with_sign

ROOT = Path(__file__).resolve().parents[2]
WAIT = 15_000

MINI_PROGRAM = {
    "app.json": json.dumps({"pages": ["pages/pay/pay"], "window": {"navigationBarTitleText": "QA 自测"}}),
    "app.js": "App({ globalData: {} });\n",
    "utils/api.js": """module.exports = {
  get(path) {
    return new Promise((resolve, reject) =>
      wx.request({ url: wx.getExtConfigSync().backend + path, success: (r) => resolve(r.data), fail: reject }));
  },
};
""",
    "pages/pay/pay.js": """const api = require("../../utils/api.js");
Page({
  data: { params: null, result: "" },
  async onLoad() { this.setData({ params: await api.get("/params") }); },
  pay() {
    wx.requestPayment({
      ...this.data.params,
      success: (r) => this.setData({ result: r.errMsg }),
      fail: (e) => this.setData({ result: e.errMsg }),
    });
  },
});
""",
    "pages/pay/pay.wxml": """<view id="ready" wx:if="{{params}}">{{params.package}}</view>
<button id="pay" type="primary" bindtap="pay">支付</button>
<view id="result">{{result}}</view>
""",
}


@pytest.fixture
def mini_program(tmp_path):
    for name, text in MINI_PROGRAM.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


class QaBackend:
    """The QA engineer's own backend: hands out whatever wx.requestPayment parameters it was given."""

    def __init__(self) -> None:
        self.params: dict[str, str] = {}
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(backend.params).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def qa_backend():
    backend = QaBackend()
    yield backend
    backend.close()


@pytest.fixture
def served(mini_program, qa_backend):
    """The mock from the command line, running the mini program from its folder against its backend."""
    command = [sys.executable, "run_mock.py", "serve", "--memory", "--port", "0", "--clock", "virtual"]
    command += ["--miniprogram", str(mini_program), "--backend", qa_backend.url, "--log-level", "WARNING"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = ""
        for line in process.stdout:
            if " listening on " in line:
                url = line.split(" listening on ")[1].strip()
                break
        assert url, "the mock did not start"
        yield url
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def post(url: str, body: bytes, json_body: bool = False) -> bytes:
    headers = {"Content-Type": "application/json"} if json_body else {}
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=10) as answer:
        return answer.read()


def badly_signed_params(mock_url: str) -> dict[str, str]:
    """An order placed as a merchant places it, and its paySign as a classic bug writes it: lower case."""
    openid = json.loads(post(f"{mock_url}/__mock__/login", b'{"user": "alice"}', json_body=True))["openid"]
    order = {
        "appid": DEMO_APPID,
        "mch_id": DEMO_MCH_ID,
        "nonce_str": new_nonce(),
        "body": "QA 自测",
        "out_trade_no": "QA20261127000001",
        "total_fee": 1,
        "spbill_create_ip": "127.0.0.1",
        "notify_url": "http://127.0.0.1:9/notify",
        "trade_type": "JSAPI",
        "openid": openid,
    }
    answer = parse_xml(post(f"{mock_url}/pay/unifiedorder", render_xml(with_sign(order, DEMO_API_KEY))))
    params = {"timeStamp": "1764200000", "nonceStr": new_nonce(), "package": f"prepay_id={answer['prepay_id']}"}
    params["signType"] = "MD5"
    params["paySign"] = pay_sign(DEMO_APPID, *params.values(), DEMO_API_KEY).lower()
    return params


def test_bring_your_own_mini_program_and_a_bad_pay_sign(page, served, qa_backend, screenshots):
    qa_backend.params = badly_signed_params(served)
    page.goto(f"{served}/__mock__/ui/phone")
    page.locator("#ready").wait_for(timeout=WAIT)  # its own module fetched its params from its own backend
    assert page.inner_text("#nav-title") == "QA 自测"
    page.click("#pay")
    modal = page.locator(".modal")
    modal.wait_for(timeout=WAIT)
    assert "支付验证签名失败" in modal.inner_text()
    assert "lower-case" in page.inner_text(".mock-note")
    link = page.get_attribute(".playground-link", "href")
    assert link.startswith("/__mock__/ui/playground?mode=paysign&entry=")
    page.wait_for_timeout(300)  # let the sheet finish sliding in
    page.screenshot(path=screenshots / "phone-bad-pay-sign.png")
    page.click('.modal >> text="确定"')
    page.wait_for_function("() => document.querySelector('#result').textContent !== ''")
    assert page.inner_text("#result") == "requestPayment:fail cancel"
    with urllib.request.urlopen(f"{served}/__mock__/problems", timeout=10) as answer:
        problem = json.loads(answer.read())["requests"][-1]
    assert problem["api"] == "wx.requestPayment" and problem["error"]["diagnosis"]["mistakes"] == ["lowercase_hex"]
    assert link.endswith(f"entry={problem['id']}")
    page.goto(f"{served}{link}")  # the link opens the refused paySign, worked through
    assert page.input_value("#play-mode-value") == "paysign"
    assert qa_backend.params["paySign"] in page.input_value("#play-text")
    assert "lower" in page.inner_text("#play-steps").lower()  # the mistake, named again where it can be tried
    page.screenshot(path=screenshots / "phone-bad-pay-sign-playground.png", full_page=True)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--miniprogram", "/nonexistent/folder"], "no app.json there"),
        (["--backend", "127.0.0.1:9000"], "--backend must be an http(s) URL"),
    ],
)
def test_a_mini_program_that_cannot_run_is_refused_at_start(args, says):
    done = subprocess.run(
        [sys.executable, "run_mock.py", "serve", "--memory", "--port", "0", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and says in done.stderr
