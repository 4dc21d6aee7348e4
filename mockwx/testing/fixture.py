"""What the pytest fixtures hand a test: the mock's helpers, async (``amockwx``) and sync
(``mockwx``), and the teardown check that fails a test on protocol problems it did not expect.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ..backend import Backend
from ..scenarios import Runner, ScenarioResult, load_scenario, parse_duration
from .client import MockClient
from .server import LoopThread


class AsyncMockwx:
    """Helpers over a running mock, for async tests (the merchant may run in the same loop)."""

    def __init__(self, url: str, backend: Backend | None = None) -> None:
        self.url = url
        self.backend = backend  # the in-process mock, or None when used by URL
        self.client = MockClient(url)
        self.appid, self.secret = self.client.appid, self.client.secret
        self.mch_id, self.api_key = self.client.mch_id, self.client.api_key
        self.expected_problems: set[str] = set()
        self._first_entry = 0

    async def begin(self, reset: bool) -> None:
        """Start of a test: optionally reset, then remember where its journal starts."""
        if reset:
            await self.client.reset()
        entries = await self.client.requests(limit="1")
        self._first_entry = entries[-1]["id"] if entries else 0

    async def close(self) -> None:
        await self.client.close()

    # -- the mini program and the user ----------------------------------------------------------

    async def login(self, user: str = "alice", appid: str | None = None) -> dict[str, Any]:
        """What wx.login gives the mini program: ``{"code", "openid", ...}``."""
        return await self.client.login(user, appid)

    async def pay(self, params: dict[str, Any] | None = None, outcome: str = "ok", **extra: Any) -> dict[str, Any]:
        """The user pays (or cancels / fails) with the wx.requestPayment parameters your backend returned."""
        return await self.client.pay(params, outcome, **extra)

    # -- time, orders, notifications ------------------------------------------------------------

    async def advance(self, duration: float | str) -> dict[str, Any]:
        """Move the virtual clock (seconds or "15s", "3m", "24h4m"), running every delivery due."""
        return await self.client.advance(parse_duration(duration))

    async def order(self, out_trade_no: str, **query: str) -> dict[str, Any]:
        return await self.client.order(out_trade_no, **query)

    async def notifications(self, **filters: str) -> list[dict[str, Any]]:
        return await self.client.notifications(**filters)

    async def assert_notified(
        self,
        out_trade_no: str,
        status: str = "acked",
        *,
        kind: str = "payment",
        attempts: int | None = None,
        timeout: float = 5,
    ) -> dict[str, Any]:
        """Wait until the genuine notification of ``out_trade_no`` reaches ``status``; explain if it does not."""
        query: dict[str, Any] = {"out_trade_no": out_trade_no, "kind": kind, "label": "", "status": status}
        if attempts is not None:
            query["attempts"] = attempts
        async with self.client.session.get(
            f"{self.url}/__mock__/notifications/wait", params={**query, "timeout": timeout}
        ) as response:
            body = await response.json()
        if response.status == 200:
            return body["notification"]
        raise AssertionError(_explain_notification(out_trade_no, status, attempts, body.get("notifications", [])))

    async def fault(self, **spec: Any) -> dict[str, Any]:
        """Add a fault rule (see the README's faults section)."""
        return await self.client.fault(**spec)

    async def settings(self, **patch: Any) -> dict[str, Any]:
        return await self.client.control("PATCH", "/settings", patch)

    async def reset(self) -> None:
        await self.begin(reset=True)

    # -- problems ---------------------------------------------------------------------------------

    def expect_problem(self, *kinds: str) -> None:
        """Declare protocol problems this test provokes on purpose (SIGNERROR, PAYSIGN, "errcode 40163"...)."""
        self.expected_problems.update(kinds)

    async def problems(self) -> list[dict[str, Any]]:
        """Protocol problems recorded since this test started."""
        return await self.client.requests(problems=True, since=str(self._first_entry), limit="0")

    async def unexpected_problems(self) -> list[dict[str, Any]]:
        return [p for p in await self.problems() if p["problem"] not in self.expected_problems]

    # -- scenarios --------------------------------------------------------------------------------

    async def run_scenario(self, path: str | Path, merchant_url: str | None = None, api: str = "v2") -> ScenarioResult:
        """Replay a scenario file on this mock (it resets the mock first); fails the test if it fails.

        ``api`` (v2 or v3) is what the built-in merchant speaks, unless the scenario's setup.api pins one."""
        result = await Runner(mock_url=self.url, merchant_url=merchant_url, api=api).run(load_scenario(Path(path)))
        await self.begin(reset=False)  # the scenario judged its own problems
        if not result.passed:
            raise AssertionError("\n".join([f"scenario {result.path} failed: {result.message}", *result.diff]))
        return result


def _explain_notification(number: str, status: str, attempts: int | None, seen: list[dict[str, Any]]) -> str:
    wanted = f"status {status!r}" + (f" after {attempts} attempts" if attempts else "")
    if not seen:
        return (
            f"no payment notification of {number} exists: was the order paid (mockwx.pay(...))? "
            f"GET /__mock__/orders/{number} shows its state"
        )
    lines = [f"the notification of {number} did not reach {wanted}:"]
    for note in seen:
        lines.append(f"  {note['id']} {note['label'] or 'genuine'}: {note['status']}, {len(note['attempts'])} attempts")
        for attempt in note["attempts"][-3:]:
            reply = attempt["excerpt"][:120] or attempt["error"]
            lines.append(f"    #{attempt['number']} {attempt['verdict']} {attempt['status'] or ''} {reply}")
    lines.append("WeChat acknowledges only HTTP 200 with <xml><return_code>SUCCESS</return_code></xml>.")
    return "\n".join(lines)


def problems_message(problems: list[dict[str, Any]]) -> str:
    """The teardown failure: every unexpected problem, with the signature doctor's diagnosis."""
    lines = [f"mockwx recorded {len(problems)} protocol problem(s) this test did not expect:"]
    for p in problems:
        lines.append(f"- {p['method']} {p['path']} -> {p['outcome']} [{p['problem']}]")
        diagnosis = p["error"].get("diagnosis")
        if diagnosis:
            lines.append(f"    why: {diagnosis['explanation']}")
            lines.append(f"    fix: {diagnosis['fix']}")
            lines.append(f"    expected string: {diagnosis['expected_string']}")
        elif p["error"].get("hint"):
            lines.append(f"    {p['error']['hint']}")
    kinds = ", ".join(sorted({repr(p["problem"]) for p in problems}))
    lines.append(f"If the test provokes them on purpose: mockwx.expect_problem({kinds}) or @pytest.mark.mockwx_expect.")
    return "\n".join(lines)


class Mockwx:
    """The same helpers for synchronous tests (Django, Flask, requests): each call blocks until done.

    The mock runs on its own thread, so a merchant served by another thread (a live server) gets its
    notifications while the test waits.
    """

    def __init__(self, inner: AsyncMockwx, loop: LoopThread) -> None:
        self._inner = inner
        self._loop = loop
        self.url, self.backend = inner.url, inner.backend
        self.appid, self.secret, self.mch_id, self.api_key = inner.appid, inner.secret, inner.mch_id, inner.api_key

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not asyncio.iscoroutinefunction(attr):
            return attr

        def blocking(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run(attr(*args, **kwargs))

        blocking.__doc__ = attr.__doc__
        return blocking
