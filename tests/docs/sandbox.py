"""A folder that looks like a checkout, for running what the docs tell a reader to run: the repo's
files linked in, a .venv whose make stamp is fresh (make never installs there), the documented
ports rewritten to free ones, and a mock started as `make run` starts it."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What every shell block runs under: stop at the first failure, and curl fails on an HTTP error
# (its -s hides them) so a block that got a 4xx fails its test.
PREAMBLE = 'set -eo pipefail\ncurl() { command curl --fail-with-body --show-error --max-time 30 "$@"; }\n'
LINKS = ("run_mock.py", "Makefile", "pyproject.toml", "README.md", "mockwx")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rewrite(text: str, ports: dict[int, int]) -> str:
    """``text`` with each documented port replaced by this run's (whole numbers only)."""
    return re.sub(r"\b(\d{4})\b", lambda m: str(ports.get(int(m.group(1)), m.group(1))), text)


@dataclasses.dataclass
class Sandbox:
    """A folder that looks like a checkout (the repo's files linked in), so blocks write nothing here."""

    folder: Path
    env: dict[str, str]

    @classmethod
    def make(cls, folder: Path) -> Sandbox:
        for name in LINKS:
            (folder / name).symlink_to(ROOT / name)
        venv = folder / ".venv"  # the Python running the tests, as make's .venv: `. .venv/bin/activate` works
        venv.mkdir()
        for entry in Path(sys.prefix).iterdir():
            if entry.name != ".installed":
                (venv / entry.name).symlink_to(entry)
        (venv / ".installed").touch()  # newer than pyproject.toml: make runs, never installs
        env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        for name in ("MOCKWX_TOKEN", "PORT", "MERCHANT_PORT", "API", "ARGS"):
            env.pop(name, None)
        return cls(folder, env)

    def bash(self, script: str, ports: dict[int, int], timeout: float = 180) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "PORT": str(ports[8900]), "MERCHANT_PORT": str(ports[8901])}
        return subprocess.run(
            ["bash", "-c", PREAMBLE + rewrite(script, ports)],
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


class Mock:
    """``run_mock.py serve`` in a subprocess, as a reader's ``make run`` starts it."""

    def __init__(self, sandbox: Sandbox, args: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "run_mock.py", "serve", "--port", str(self.port), "--memory", *args]
        self.proc = subprocess.Popen(
            command, cwd=sandbox.folder, env=sandbox.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        wait_for(f"{self.url}/__mock__/health", self.proc, 30)

    def call(self, method: str, path: str) -> dict:
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, data=b"{}" if method == "POST" else None, timeout=10) as answer:
            return json.load(answer)

    def problems(self) -> list[str]:
        return [
            f"{p['method']} {p['path']}: {p['problem']}" for p in self.call("GET", "/__mock__/problems")["requests"]
        ]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def wait_for(url: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read() if proc.poll() is not None and proc.stdout else ""
            raise AssertionError(f"nothing answered {url} within {seconds} s (exit {proc.poll()}): {out[-2000:]}")
        time.sleep(0.2)
