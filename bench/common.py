"""What the benchmarks share: free ports, server processes and their CPU time, the bare aiohttp server."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread, living or ended) process ``pid`` has used so far.

    From /proc/PID/stat fields 14 and 15 (proc(5)); the kernel scales them to the precise run time,
    shown in clock ticks (1/100 s here), so a measured span should hold a few hundred of them.
    """
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may contain spaces and parentheses
    return (int(fields[11]) + int(fields[12])) / _TICKS


def wait_up(url: str, timeout: float = 20.0) -> None:
    """Return once ``url`` answers at all (an HTTP error status counts as up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=0.5).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up within {timeout:g}s")


class ServerProcess:
    """A server in its own process on a free loopback port, for as long as the ``with`` block runs."""

    def __init__(self, argv: list[str], port: int, health: str = "/") -> None:
        self.argv = argv
        self.port = port
        self.health = health
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu(self) -> float:
        return process_cpu(self.pid)

    def __enter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_up(self.url + self.health)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def mock_server(*args: str, checkout: Path = ROOT) -> ServerProcess:
    """``run_mock.py serve`` as a user starts it, quiet, with ``args`` (``--memory``, ``--db FILE``...);
    ``checkout``: the source tree whose mockwx runs (another commit's, for a before/after in one session)."""
    port = free_port()
    argv = [sys.executable, str(checkout / "run_mock.py"), "--port", str(port), "--log-level", "WARNING", *args]
    return ServerProcess(argv, port, "/__mock__/health")


def bare_server(path: str, body: bytes, content_type: str = "text/xml; charset=utf-8") -> ServerProcess:
    """The reference: a bare aiohttp handler that reads the body and answers ``body``."""
    port = free_port()
    argv = [sys.executable, "-c", CANNED_SERVER, str(port), path, body.decode("utf-8"), content_type]
    return ServerProcess(argv, port, path)


@asynccontextmanager
async def bare_app(method: str, handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """In this process: a bare aiohttp app, one route at /, on a free loopback port; yields its URL."""
    app = web.Application()
    app.router.add_route(method, "/", handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"
    finally:
        await runner.cleanup()


CANNED_SERVER = """
import sys
from aiohttp import web
PATH, BODY, TYPE = sys.argv[2], sys.argv[3].encode(), sys.argv[4]
async def canned(request):
    await request.read()
    return web.Response(body=BODY, headers={"Content-Type": TYPE})
app = web.Application()
app.router.add_route("*", PATH, canned)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""
"""A one-file aiohttp server answering <path> with a fixed body: python -c CANNED_SERVER port path body type."""


def paid_orders(backend: Any, count: int, notify_url: str, first: int = 0) -> None:
    """``count`` paid orders straight into a backend (no HTTP), each queueing its notification to ``notify_url``."""
    from mockwx.config import DEMO_APPID, DEMO_MCH_ID
    from mockwx.domain.models import Order

    openid = backend.login.account(DEMO_APPID, "bench").openid
    now = backend.clock.now()
    for n in range(first, first + count):  # no await: nothing is delivered before the loop ends
        order = Order(
            env="prod",
            mch_id=DEMO_MCH_ID,
            appid=DEMO_APPID,
            out_trade_no=f"NB{n:010d}",
            params={},
            total_fee=100,
            trade_type="JSAPI",
            notify_url=notify_url,
            sign_type="MD5",
            created_at=now,
            body="bench",
            openid=openid,
            prepay_expires_at=now + 7200,
        )
        backend.checkout.settle(order, openid)


async def until(predicate: Callable[[], bool], timeout: float) -> None:
    """Poll ``predicate`` until it holds; TimeoutError after ``timeout`` seconds."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.005)
