"""One clock for everything: the virtual clock, advance, and the timers that run on it."""

from __future__ import annotations

import asyncio

import pytest

from mockwx.clock import SystemClock, VirtualClock, make_clock
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config
from mockwx.timers import Timers


def test_virtual_clock_moves_only_forward():
    clock = VirtualClock(1000.0)
    clock.set(1010.0)
    assert clock.now() == 1010.0
    with pytest.raises(ValueError):
        clock.set(1000.0)
    with pytest.raises(ValueError):
        make_clock("sundial")


async def test_advance_runs_jobs_in_time_order_at_their_time():
    clock = VirtualClock(0.0)
    timers = Timers(clock)
    seen: list[tuple[str, float]] = []

    def job(name):
        async def run():
            seen.append((name, clock.now()))
            if name == "b":  # a job may schedule more work, which also runs when due
                timers.schedule("d", clock.now() + 5, job("d"))

        return run

    timers.schedule("c", 30, job("c"))
    timers.schedule("a", 10, job("a"))
    timers.schedule("b", 20, job("b"))
    timers.schedule("x", 15, job("x"))
    timers.cancel("x")
    timers.schedule("e", 100, job("e"))
    assert await timers.advance(50) == 50
    assert seen == [("a", 10), ("b", 20), ("d", 25), ("c", 30)]
    assert timers.next_due() == 100


async def test_a_failing_job_does_not_stop_the_others():
    timers = Timers(VirtualClock(0.0))
    ran = []

    async def boom():
        raise RuntimeError("boom")

    async def fine():
        ran.append(True)

    timers.schedule("boom", 1, boom)
    timers.schedule("fine", 2, fine)
    await timers.advance(5)
    assert ran == [True]


async def test_real_clock_timers_fire_on_their_own():
    timers = Timers(SystemClock())
    fired = asyncio.Event()

    async def job():
        fired.set()

    timers.start()
    timers.schedule("soon", SystemClock().now() + 0.05, job)
    await asyncio.wait_for(fired.wait(), 2)
    await timers.stop()


async def test_clock_endpoints():
    async with MockServer(mock_config(clock_start=1_800_000_000.0)) as mock, MockClient(mock.url) as client:
        clock = await client.clock()
        assert clock == {"kind": "virtual", "now": 1_800_000_000.0, "beijing": "2027-01-15 16:00:00", "pending_jobs": 0}
        assert (await client.advance(3600))["now"] == 1_800_003_600.0
    async with MockServer(mock_config(clock="real")) as mock, MockClient(mock.url) as client:
        async with client.session.post(f"{mock.url}/__mock__/clock/advance", json={"seconds": 1}) as response:
            assert response.status == 409 and "virtual" in (await response.json())["hint"]
