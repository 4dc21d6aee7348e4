"""The log of a running mock: one record is one line, whatever a request carries (issue 8, finding 5)."""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import urllib.parse
import urllib.request

from mockwx.logs import FORMAT, TRACE_PREFIX, OneLineFormatter

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
