"""The log of a running mock: one record is one line, whatever a request carries (issue 8, finding 5)."""

from __future__ import annotations

import logging
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

from mockwx.config import DEMO_APPID, DEMO_SECRET
from mockwx.escape import one_line, printable
from mockwx.logs import FORMAT, TRACE_PREFIX, OneLineFormatter, RepeatFilter
from mockwx.wire import render_xml, with_sign

from .test_cli import ROOT

RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
FORGED = "wx\n2026-11-27 10:00:00,000 mockwx.http WARNING POST /secapi/pay/refund -> 200 SUCCESS"


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("mockwx.test", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_the_formatter_keeps_a_record_on_one_line_and_marks_its_traceback():
    formatter = OneLineFormatter(FORMAT)
    assert "\n" not in formatter.format(_record("no app %s\r\x1b[2J\x7f", FORGED))
    try:
        raise ValueError(FORGED)
    except ValueError as exc:
        text = formatter.format(_record("failed", exc=exc))
    first, *rest = text.splitlines()
    assert RECORD.match(first) and rest and all(line.startswith(TRACE_PREFIX) for line in rest)
    assert not any(RECORD.match(line) for line in rest)


def test_a_log_line_keeps_chinese_and_escapes_controls_bidi_and_separators():
    assert one_line("签名错误 咖啡　x1 é") == "签名错误 咖啡　x1 é"  # readable text stays as it is
    hostile = "a\r\nb\x1b[2J\x07\x7f\x85\u202e\u2066\u200b\ufeff\u2028\u2029c"
    assert one_line(hostile) == "a\\r\\nb\\x1b[2J\\x07\\x7f\\x85\\u202e\\u2066\\u200b\\ufeff\\u2028\\u2029c"
    assert one_line("\ud800") == "\\ud800"  # a lone surrogate (undecodable bytes) is shown, never written raw
    assert printable("签名") == "\\u7b7e\\u540d"  # headers stay printable ASCII


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), "--port", "0", "--memory", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    url = next(m.group(1) for line in proc.stdout if (m := re.search(r"listening on (http://\S+)", line)))
    return proc, url


def _stop(proc: subprocess.Popen[str]) -> str:
    try:
        proc.send_signal(signal.SIGINT)
        return proc.communicate(timeout=10)[1]
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_lang_zh_logs_the_diagnosis_in_chinese_on_one_line():
    """Issue 11, review item 11: the log read English with the Chinese escaped (\\u7b7e\\u540d)."""
    proc, url = _serve("--lang", "zh")
    try:
        fields = {"appid": DEMO_APPID, "mch_id": "10000100", "nonce_str": "n\u202e1", "out_trade_no": "咖啡\x85\u2028"}
        request = urllib.request.Request(f"{url}/pay/orderquery", data=render_xml(with_sign(fields, DEMO_SECRET)))
        with urllib.request.urlopen(request, timeout=5) as response:
            assert b"return_code" in response.read()
    finally:
        err = _stop(proc)
    (line,) = [line for line in err.splitlines() if "/pay/orderquery" in line]
    assert RECORD.match(line) and "FAIL 签名错误" in line
    assert "AppSecret" in line and "API密钥" in line and "期望的MD5签名是" in line  # the doctor, in Chinese
    assert "咖啡\\x85\\u2028" in line and "n\\u202e1" in line  # C1, separator and bidi escaped, Chinese kept
    assert "\\u7b7e" not in err and not {"\x85", "\u2028", "\u202e"} & set(err)


def test_serve_logs_one_line_per_request(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), "--port", "0", "--memory"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = next(m.group(1) for line in proc.stdout if (m := re.search(r"listening on (http://\S+)", line)))
        params = {"appid": FORGED, "secret": "s", "js_code": "c", "grant_type": "authorization_code"}
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{url}/sns/jscode2session?{query}", timeout=5) as response:
            assert b'"errcode": 40013' in response.read()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = err.splitlines()
    assert any("wx\\n2026-11-27" in line for line in lines)
    assert all(RECORD.match(line) or line.startswith(TRACE_PREFIX) for line in lines), err
    assert not any("/secapi/pay/refund" in line and line.startswith("2026-11-27 10:00:00") for line in lines)


def test_repeated_records_are_let_through_once_per_window_with_a_count():
    now = [0.0]
    repeats = RepeatFilter(window=10.0, now=lambda: now[0])
    flood = [_record("socket.accept() out of system resource", exc=OSError(24, "Too many open files"))]
    passed = [repeats.filter(_record("socket.accept() out of system resource")) for _ in range(1000)]
    assert passed.count(True) == 1
    assert repeats.filter(_record("another message"))  # other records are not held back
    now[0] = 10.5
    record = _record("socket.accept() out of system resource")
    assert repeats.filter(record) and "999 more like this" in record.getMessage()
    assert all(repeats.filter(r) for r in flood)  # the same text with another exception is another record


def test_idle_sockets_are_closed_and_a_full_fd_table_is_logged_once_in_a_while(tmp_path):
    """Issue 8, finding 10: sockets that never send a request were never closed, and a full file table
    wrote one traceback per accept attempt (58 MB in 30 s)."""
    config = tmp_path / "mock.yaml"
    config.write_text("idle_timeout: 1\n")

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), "--port", "0", "--memory", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=few_files,
    )
    sockets: list[socket.socket] = []
    try:
        url = next(m.group(1) for line in proc.stdout if (m := re.search(r"listening on (http://\S+)", line)))
        port = int(url.rsplit(":", 1)[1])
        sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(80)]  # more than the mock's files
        for sock in sockets:  # each is closed by the mock (EOF) once it has been idle for a second
            sock.settimeout(8)
            assert sock.recv(1) == b""
        with urllib.request.urlopen(f"{url}/__mock__/health", timeout=5) as response:
            assert response.status == 200
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        for sock in sockets:
            sock.close()
        if proc.poll() is None:
            proc.kill()
    full = [line for line in err.splitlines() if "out of system resource" in line]
    assert 1 <= len(full) <= 3, err[-3000:]
    assert len(err) < 20_000
