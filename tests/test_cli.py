"""run_mock.py as a user runs it: a real process, a real port, Ctrl-C."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "run_mock.py"), *args], capture_output=True, text=True, **kw)


def _banner(proc: subprocess.Popen[str]) -> str:
    """What a started process printed up to its "Ctrl-C" line (it is ready then)."""
    assert proc.stdout is not None
    text = ""
    for line in proc.stdout:
        text += line
        if "Ctrl-C" in line:
            break
    return text


def test_sign_prints_the_official_example():
    result = run(
        "sign",
        "appid=wxd930ea5d5a258f4f",
        "mch_id=10000100",
        "device_info=1000",
        "body=test",
        "nonce_str=ibuaiVcKdpRxkhJA",
    )
    assert result.returncode == 0
    assert (
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key="
        in result.stdout
    )
    assert "9A0A8659F005D6984697E2CA0A9CF3B7" in result.stdout


def test_sign_check_diagnoses(tmp_path):
    xml = tmp_path / "req.xml"
    xml.write_text(
        "<xml><appid>wxd930ea5d5a258f4f</appid><mch_id>10000100</mch_id><device_info>1000</device_info>"
        "<body>test</body><nonce_str>ibuaiVcKdpRxkhJA</nonce_str>"
        "<sign>6a9ae1657590fd6257d693a078e1c3e4bb6ba4dc30b23e0ee2496e54170dacd6</sign></xml>"
    )
    result = run("sign", "--xml", str(xml))
    assert result.returncode == 1
    assert "NOT right" in result.stdout and "lower-case" in result.stdout and "HMAC-SHA256" in result.stdout


def test_sign_bad_input():
    assert run("sign", "oops").returncode == 2
    assert run("sign").returncode == 2


def test_serve_on_a_free_port_then_ctrl_c(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), "--port", "0", "--db", str(tmp_path / "s.sqlite3")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        text = _banner(proc)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text).group(1)
        assert "wxd930ea5d5a258f4f" in text and "192006250b4c09247ec02edce69f6a2d" in text and "AppSecret" in text
        assert "APIv3 key mockwxDemoApiV3Key20261127a1b2c3" in text and "PUB_KEY_ID_01001000010020261127" in text
        assert f"key files in {tmp_path / 'keys' / '10000100'}/" in text  # beside the state file
        assert (tmp_path / "keys/10000100/apiclient_key.pem").stat().st_mode & 0o777 == 0o600
        with urllib.request.urlopen(f"{url}/__mock__") as response:
            assert json.load(response)["merchants"] == ["10000100"]
        merchant = {"mch_id": "10000200", "api_key": "a" * 32, "appids": ["wxd930ea5d5a258f4f"]}
        added = _call("POST", f"{url}/__mock__/tenants", {"merchants": [merchant]})  # added while it runs
        assert added["key_files"] == {"10000200": str(tmp_path / "keys" / "10000200")}  # as those of the start
        assert (tmp_path / "keys/10000200/apiclient_key.pem").stat().st_mode & 0o777 == 0o600
        assert f"{url}/__mock__/ui/" in text  # the dashboard's address is printed, and serves the page
        with urllib.request.urlopen(urllib.request.Request(f"{url}/", headers={"Accept": "text/html"})) as response:
            assert (
                response.url == f"{url}/__mock__/ui/" and "<title>Journal · mockwx</title>" in response.read().decode()
            )
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0 and "stopped" in out and "Traceback" not in out
    finally:
        if proc.poll() is None:
            proc.kill()


def test_bad_config_is_a_clear_error(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("notify:\n  timeoutt: 3\n")
    result = run("--config", str(config), "--port", "0")
    assert result.returncode == 2 and "unknown key 'timeoutt'" in result.stderr and "bad.yaml" in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(method: str, url: str, body: dict | None = None, token: str = "") -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


@pytest.mark.parametrize("api", ["v2", "v3"])
def test_demo_runs_the_walkthrough_it_prints(tmp_path, api):
    mock_port, shop_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "run_mock.py"),
            "demo",
            "--memory",
            "--port",
            str(mock_port),
            "--merchant-port",
            str(shop_port),
            "--log-level",
            "WARNING",
            "--api",
            api,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,  # the v3 key files go to .mockwx/keys/ here
    )
    try:
        text = _banner(proc)
        mock, shop = f"http://127.0.0.1:{mock_port}", f"http://127.0.0.1:{shop_port}"
        assert f"notify URL {shop}/wxpay/notify" in text
        code = _call("POST", f"{mock}/__mock__/login", {"user": "alice"})["code"]
        token = _call("POST", f"{shop}/api/login", {"code": code})["token"]
        order = _call("POST", f"{shop}/api/orders", {"product_id": "coffee", "quantity": 1}, token)
        assert order["signType"] == ("RSA" if api == "v3" else "MD5")
        if api == "v3":
            assert "The merchant speaks API v3" in text and (tmp_path / ".mockwx/keys/10000100/pub_key.pem").exists()
        assert _call("POST", f"{mock}/__mock__/pay", order)["errMsg"] == "requestPayment:ok"
        number = order["out_trade_no"]
        note = _call("GET", f"{mock}/__mock__/notifications/wait?out_trade_no={number}&status=acked&timeout=5")
        assert note["notification"]["attempts"][0]["verdict"] == "acked"
        assert _call("GET", f"{shop}/api/orders/{number}", token=token)["status"] == "PAID"
        assert f"dashboard          {mock}/__mock__/ui/" in text
        with urllib.request.urlopen(f"{mock}/__mock__/ui/orders/{number}/story.svg", timeout=5) as response:
            svg = response.read().decode()  # the payment just made, as the dashboard draws it
        placed = "v3/jsapi" if api == "v3" else "unifiedorder"
        for label in ("wx.login", "code2session", placed, "wx.requestPayment", "payment notification"):
            assert f">{label}<" in svg
        assert 'data-arrows="10"' in svg and 'data-verdict="acked"' in svg
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0 and "Traceback" not in out
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_beyond_loopback_prints_a_token_the_control_api_needs(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), "--host", "0.0.0.0", "--port", "0", "--memory"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MOCKWX_TOKEN"},
    )
    try:
        text = _banner(proc)
        port = re.search(r"listening on http://0\.0\.0\.0:(\d+)", text).group(1)
        token = re.search(r"access token (\S+)", text).group(1)
        login = re.search(r"dashboard login, works once: (\S+)", text).group(1)
        assert "?once=" in login and token not in login and "withhold the expected sign" in text
        assert f"http://127.0.0.1:{port}/__mock__/ui/login?once=" in login  # a link a browser here can open
        assert "0.0.0.0" not in text.replace(f"listening on http://0.0.0.0:{port}", "")  # every link is reachable
        assert f"from other machines                   http://{socket.gethostname()}:{port}" in text
        try_line = text.split("Try:\n", 1)[1].splitlines()[0]
        assert "<token>" not in try_line  # the printed curl works as pasted
        tried = subprocess.run(["bash", "-c", try_line], capture_output=True, text=True, timeout=10)
        assert json.loads(tried.stdout)["code"], tried
        url = f"http://127.0.0.1:{port}/__mock__/tenants"
        try:
            _call("GET", url)
            raise AssertionError("the control API answered without the token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
        assert _call("GET", url, token=token)["merchants"]
        path = urllib.parse.urlsplit(login)
        visits = []
        for _ in range(2):  # the printed link opens the dashboard once
            connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
            connection.request("GET", f"{path.path}?{path.query}")
            visits.append(connection.getresponse().status)
            connection.close()
        assert visits == [303, 401]
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_short_token_is_a_clear_error():
    result = run("--token", "short", "--port", "0", "--memory")
    assert result.returncode == 2 and "security.token must be 8-256" in result.stderr


# -- sign --v3 -------------------------------------------------------------------------------------


def demo_key():
    from wechatpayv3.utils import load_private_key

    from mockwx import demo_v3

    return load_private_key(demo_v3.MERCHANT_KEY_PEM)


def test_sign_v3_prints_the_message_and_the_signature_wechatpayv3_makes(tmp_path):
    from wechatpayv3.utils import rsa_sign

    body = tmp_path / "body.json"
    body.write_bytes('{"description":"咖啡","amount":{"total":1}}'.encode())
    result = run(
        "sign",
        "--v3",
        "POST",
        "/v3/pay/transactions/jsapi",
        "--timestamp",
        "1554208460",
        "--nonce",
        "N1",
        "--body",
        str(body),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1:6] == [
        "  POST\\n",
        "  /v3/pay/transactions/jsapi\\n",
        "  1554208460\\n",
        "  N1\\n",
        '  {"description":"咖啡","amount":{"total":1}}\\n',
    ]
    signed = 'POST\n/v3/pay/transactions/jsapi\n1554208460\nN1\n{"description":"咖啡","amount":{"total":1}}\n'
    assert f"signature: {rsa_sign(demo_key(), signed)}" in result.stdout  # an independent SDK agrees
    assert 'Authorization: WECHATPAY2-SHA256-RSA2048 mchid="10000100",nonce_str="N1"' in result.stdout


def test_sign_v3_checks_a_whole_authorization_and_names_the_mistake(tmp_path):
    from wechatpayv3.utils import build_authorization

    body = tmp_path / "body.json"
    body.write_text('{"mchid":"10000100","amount":{"total":1}}')
    serial = "497FD66A2D559EC06E2C30399913C26F39BBF266"
    # wechatpayv3 signs json.dumps(data): ", " and ": " separators, while the body sent here is compact
    header = build_authorization(
        "/v3/pay/transactions/jsapi",
        "POST",
        "10000100",
        serial,
        demo_key(),
        data={"mchid": "10000100", "amount": {"total": 1}},
    )
    args = ("sign", "--v3", "POST", "/v3/pay/transactions/jsapi", "--body", str(body), "--authorization", header)
    result = run(*args)
    assert result.returncode == 1 and "does NOT verify" in result.stdout
    assert "signed in another serialisation than the bytes sent" in result.stdout
    assert '  {"mchid": "10000100", "amount": {"total": 1}}\\n' in result.stdout  # what was signed instead
    chinese = run(*args, "--lang", "zh")
    assert chinese.returncode == 1 and "签名验证不通过" in chinese.stdout and "序列化" in chinese.stdout
    body.write_text('{"mchid": "10000100", "amount": {"total": 1}}')  # the bytes wechatpayv3 really sends
    assert run(*args).returncode == 0


def test_sign_v3_paysign_mode_and_bad_input():
    from wechatpayv3.utils import rsa_sign

    fields = ("wxd930ea5d5a258f4f", "1554208460", "N2", "prepay_id=wx201410272009395522657a690389285100")
    good = rsa_sign(demo_key(), "".join(f"{line}\n" for line in fields))
    assert run("sign", "--v3", "--paysign", *fields, "--check", good).returncode == 0
    bare = rsa_sign(demo_key(), "".join(f"{line}\n" for line in (*fields[:3], fields[3][len("prepay_id=") :])))
    result = run("sign", "--v3", "--paysign", *fields, "--check", bare)
    assert result.returncode == 1 and "prepay_id=" in result.stdout and "why:" in result.stdout
    assert run("sign", "--v3", "POST").returncode == 2
    assert run("sign", "--v3", "GET", "relative/path").returncode == 2


def test_sign_v3_refuses_a_right_signature_that_wechat_refuses(tmp_path):
    """A signature that verifies is not enough: a 13-digit (ms) timestamp or the platform serial in serial_no
    gets 401 from the mock, so the doctor must not say "the right one" (issue 9 review, item 1)."""
    from wechatpayv3.utils import rsa_sign

    from mockwx import demo_v3

    body = tmp_path / "body.json"
    body.write_text('{"mchid":"10000100","amount":{"total":1}}')
    target = "/v3/pay/transactions/jsapi"

    def header(timestamp: str, serial: str) -> str:
        signature = rsa_sign(demo_key(), f"POST\n{target}\n{timestamp}\nN1\n{body.read_text()}\n")
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="10000100",nonce_str="N1",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{serial}"'
        )

    merchant = "497FD66A2D559EC06E2C30399913C26F39BBF266"
    platform = "1789671A1CF883ED29829C0FABD5F93DE7EBA436"
    args = ("sign", "--v3", "POST", target, "--body", str(body), "--authorization")
    assert run(*args, header("1554208460", merchant)).returncode == 0
    ms = run(*args, header("1554208460000", merchant))
    assert ms.returncode == 1 and "right one" not in ms.stdout, ms.stdout
    assert "WeChat refuses the request" in ms.stdout and "milliseconds" in ms.stdout
    serial = run(*args, header("1554208460", platform))
    assert serial.returncode == 1 and "right one" not in serial.stdout, serial.stdout
    assert f"serial_no {platform} is not the merchant certificate's ({merchant})" in serial.stdout
    assert "platform certificate's serial" in serial.stdout
    unknown = run(*args, header("1554208460", "ABCDEF"), "--lang", "zh")
    assert unknown.returncode == 1 and "不是该商户任何一张API证书的序列号" in unknown.stdout, unknown.stdout
    cert = tmp_path / "apiclient_cert.pem"
    cert.write_text(demo_v3.MERCHANT_CERT_PEM)  # a certificate names its serial: the check runs with --key too
    assert run(*args, header("1554208460", platform), "--key", str(cert)).returncode == 1
    assert run(*args, header("1554208460", merchant.lower()), "--key", str(cert)).returncode == 0  # as the mock

    paysign = ("wxd930ea5d5a258f4f", "1554208460000", "N2", "prepay_id=wx201410272009395522657a690389285100")
    good = rsa_sign(demo_key(), "".join(f"{line}\n" for line in paysign))
    result = run("sign", "--v3", "--paysign", *paysign, "--check", good)
    assert result.returncode == 1 and "paySign timeStamp is in milliseconds" in result.stdout, result.stdout


def test_version_names_the_python_and_what_is_mocked_per_dialect():
    from mockwx import __version__, catalogue

    result = run("--version")
    assert result.returncode == 0, result.stderr
    first, *rows = result.stdout.splitlines()
    aiohttp_version = __import__("aiohttp").__version__
    assert first == f"mockwx {__version__} (Python {sys.version.split()[0]}, aiohttp {aiohttp_version})"
    counts = {row.split()[0]: int(row.split()[1]) for row in rows if "APIs" in row}
    # the catalogue's rows, counted here, not by the function --version calls
    assert (
        counts
        == {"login": 5, "v2": 7, "v3": 13}
        == {d: sum(e.dialect == d for e in catalogue.ENDPOINTS) for d in ("login", "v2", "v3")}
    )
    assert any("WeChat Pay API v3" in row for row in rows) and "simulated" in rows[-1]


def test_the_banner_s_curl_works_as_printed_with_a_token_of_one_s_own(tmp_path):
    """A token the user set is not echoed: the line says $MOCKWX_TOKEN, in double quotes so that the shell
    expands it (single quotes sent the literal text and got 401)."""
    secret = "my-own-token-5678"
    env = {**os.environ, "MOCKWX_TOKEN": secret}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), "--host", "0.0.0.0", "--port", "0", "--memory"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        text = _banner(proc)
        try_line = text.split("Try:\n", 1)[1].splitlines()[0]
        assert secret not in text and "$MOCKWX_TOKEN" in try_line
        tried = subprocess.run(["bash", "-c", try_line], capture_output=True, text=True, timeout=10, env=env)
        assert json.loads(tried.stdout)["code"], tried
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
