"""run_mock.py with --tls, --proxy and --route-notify, and run_mock.py ca, as a user runs them (issue 13)."""

from __future__ import annotations

import re
import signal
import socket
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

from cryptography import x509

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "run_mock.py"), *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def started(*args: str, cwd: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
    )
    text = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        text += line
        if "Ctrl-C" in line or "error:" in line:
            break
    return proc, text


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in out, out
    return out


def test_serve_with_tls_proxy_and_a_route(tmp_path):
    proc, text = started(
        "--port", "0", "--tls", "0", "--proxy", "0", "--route-notify", "shop.example.com=127.0.0.1:8000", cwd=tmp_path
    )
    try:
        https = re.search(r"HTTPS  (https://127\.0\.0\.1:\d+)", text).group(1)
        proxy = re.search(r"proxy  (http://127\.0\.0\.1:\d+)", text).group(1)
        ca = tmp_path / ".mockwx" / "tls" / "ca.pem"
        assert f"local CA {ca}" in text and f"NODE_EXTRA_CA_CERTS={ca}" in text and "keytool -importcert" in text
        assert f"curl --cacert {ca} {https}/__mock__/health" in text
        assert "notify route  notify_url host shop.example.com -> http://127.0.0.1:8000" in text
        keys = tmp_path / ".mockwx" / "keys" / "10000100"
        assert f"10000100  {keys}/  apiclient_cert.pem, apiclient_key.pem, apiclient_cert.p12" in text
        # the merchant's one folder: v3's files and the client certificate, which keeps v3's key and serial
        certificate = x509.load_pem_x509_certificate((keys / "apiclient_cert.pem").read_bytes())
        assert f"{certificate.serial_number:040X}" in (keys / "ids.txt").read_text()
        assert (keys / "apiclient_cert.p12").stat().st_mode & 0o777 == 0o600
        context = ssl.create_default_context(cafile=str(ca))
        with urllib.request.urlopen(f"{https}/__mock__/health", context=context, timeout=5) as response:
            assert response.status == 200
        handler = urllib.request.ProxyHandler({"https": proxy})
        opener = urllib.request.build_opener(handler, urllib.request.HTTPSHandler(context=context))
        with opener.open("https://api.mch.weixin.qq.com/__mock__/health", timeout=5) as response:
            assert response.status == 200  # through the proxy, by WeChat's name
    finally:
        if proc.poll() is None:
            stop(proc)


def test_ca_prints_the_certificate_and_how_to_trust_it(tmp_path):
    made = run("ca", "--memory", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    certificate = x509.load_pem_x509_certificate(made.stdout.encode())
    assert certificate.subject.rfc4514_string() == "CN=mockwx local CA,O=mockwx"
    assert "REQUESTS_CA_BUNDLE=" in made.stderr and "NODE_EXTRA_CA_CERTS=" in made.stderr
    path = run("ca", "--memory", "--path", cwd=tmp_path)
    assert path.stdout.strip() == str(tmp_path / ".mockwx" / "tls" / "ca.pem")
    assert run("ca", "--memory", cwd=tmp_path).stdout == made.stdout  # made once, then kept
    beside = run("ca", "--db", str(tmp_path / "state" / "s.sqlite3"), "--path", cwd=tmp_path)
    assert beside.stdout.strip() == str(tmp_path / "state" / "tls" / "ca.pem")


def test_network_mistakes_are_clear_errors(tmp_path):
    bad = run("--port", "0", "--route-notify", "shop.example.com", cwd=tmp_path)
    assert bad.returncode == 2 and "expected HOST=TARGET" in bad.stderr
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    config = tmp_path / "tls.yaml"
    config.write_text(f"tls:\n  port: 0\n  folder: {blocked}/tls\n")
    unwritable = run("--port", "0", "--memory", "--config", str(config), cwd=tmp_path)
    assert unwritable.returncode == 2 and "cannot keep the local CA in" in unwritable.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run("--port", "0", "--memory", "--tls", str(port), cwd=tmp_path)
    assert busy.returncode == 1 and f"(the HTTPS port {port}; choose another with --tls PORT)" in busy.stderr


def test_demo_with_tls_and_the_proxy(tmp_path):
    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    proc, text = started(
        "demo",
        "--memory",
        "--port",
        str(ports[0]),
        "--merchant-port",
        str(ports[1]),
        "--tls",
        "0",
        "--proxy",
        "0",
        cwd=tmp_path,
    )
    try:
        assert re.search(r"HTTPS  https://127\.0\.0\.1:\d+", text) and re.search(
            r"proxy  http://127\.0\.0\.1:\d+", text
        )
        assert text.index("HTTPS") < text.index("Demo tenant:")
    finally:
        if proc.poll() is None:
            stop(proc)
