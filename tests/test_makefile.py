"""The Makefile passes PORT, MERCHANT_PORT, API and ARGS through (make run PORT=18812 starts there)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .docs.sandbox import Sandbox, free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str) -> str:
    """The command make would run (make -n), with the environment's PORT left out."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "MERCHANT_PORT", "API", "ARGS")}
    result = subprocess.run(["make", "-s", "-n", *args], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split("\n")[-2].split())


def test_run_passes_the_port_and_any_serve_option():
    assert dry_run("run").endswith("run_mock.py")  # the config's port, else 8900
    assert dry_run("run", "PORT=18812").endswith("run_mock.py --port 18812")
    assert dry_run("run", "ARGS=--clock virtual --memory", "PORT=18812").endswith(
        "run_mock.py --clock virtual --memory --port 18812"
    )
    assert dry_run("run", "ARGS=--port 9000").endswith("run_mock.py --port 9000")  # as before


def test_demo_passes_both_ports_and_the_api():
    assert dry_run("demo").endswith("run_mock.py demo")
    command = dry_run("demo", "PORT=18812", "MERCHANT_PORT=18813", "API=v3", "ARGS=--clock virtual")
    assert command.endswith("run_mock.py demo --port 18812 --merchant-port 18813 --api v3 --clock virtual")


def test_make_run_port_really_listens_there(tmp_path):
    sandbox = Sandbox.make(tmp_path)  # a checkout whose .venv is this Python's
    port = free_port()
    proc = subprocess.Popen(
        ["make", "run", f"PORT={port}", "ARGS=--memory"],
        cwd=sandbox.folder,
        env=sandbox.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Ctrl-C reaches make and the mock, as in a terminal
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/__mock__/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "make run did not listen on PORT"
                time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
        assert re.search(rf"listening on http://127\.0\.0\.1:{port}\b", out) and "mockwx: stopped." in out
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
