"""run_mock.py as a user runs it: a real process, a real port, Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "run_mock.py"), *args], capture_output=True, text=True, **kw)


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
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text).group(1)
        assert "wxd930ea5d5a258f4f" in text and "192006250b4c09247ec02edce69f6a2d" in text and "AppSecret" in text
        with urllib.request.urlopen(f"{url}/__mock__") as response:
            assert json.load(response)["merchants"] == ["10000100"]
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
