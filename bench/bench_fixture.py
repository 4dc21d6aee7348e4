"""Benchmark: what the pytest fixtures cost to start, i.e. a fresh in-process mock on a free port
with a virtual clock, ready for its first request, as `amockwx` (same loop) and `mockwx` (the mock's
loop on a background thread) start it; against a bare aiohttp app started, asked once through a new
ClientSession and stopped the same way. CPU covers the whole cycle (start, first request, stop);
the wall figure beside it is start to first answer. A B A B.

    python bench/bench_fixture.py [--rounds 5] [--runs 50]

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from aiohttp import web
from common import bare_app
from method import Comparison, Pair, Sample, alternate

from mockwx.testing.fixture import AsyncMockwx
from mockwx.testing.server import LoopThread, MockServer, mock_config

Cycle = Callable[[Callable[[], None]], Awaitable[None]]
"""One start-ask-stop cycle; it calls its argument once the first answer is in."""


async def mock_cycle(answered: Callable[[], None]) -> None:
    server = await MockServer(mock_config()).start()
    inner = AsyncMockwx(server.url, server.backend)
    await inner.begin(reset=False)  # the first request: the journal position
    answered()
    await inner.close()
    await server.stop()


async def _ok(_request: web.Request) -> web.Response:
    return web.json_response([])


async def bare_cycle(answered: Callable[[], None]) -> None:
    async with bare_app("GET", _ok) as url:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            await response.read()
        answered()


def measure(cycle: Cycle, runs: int, run: Callable[[Awaitable[None]], None]) -> Sample:
    """``runs`` cycles, each driven to its end by ``run`` (same loop or a background one)."""
    walls: list[float] = []
    gc.collect()  # the last round's garbage is not this round's cost
    cpu0 = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        run(cycle(lambda started=started: walls.append(time.perf_counter() - started)))
    cpu = time.process_time() - cpu0
    return Sample(cpu, runs, {"start_ms_median": statistics.median(walls) * 1000})


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=50, help="starts per round")
    args = parser.parse_args(argv)
    print(f"fixture start, {args.runs} starts a round, {args.rounds} rounds A B A B:")
    same_loop = asyncio.new_event_loop()
    background = LoopThread()
    try:
        pairs = []
        for name, run in (
            ("fixture start, amockwx (same loop)", same_loop.run_until_complete),
            ("fixture start, mockwx (background loop)", background.run),
        ):
            measure(mock_cycle, 10, run)  # warm-up: imports, first sockets
            measure(bare_cycle, 10, run)
            pairs.append(
                Pair(
                    Comparison(name, "start", "start"),
                    lambda _n, run=run: measure(bare_cycle, args.runs, run),
                    lambda _n, run=run: measure(mock_cycle, args.runs, run),
                )
            )
        alternate(pairs, args.rounds)
    finally:
        background.stop()
        same_loop.close()
    return {p.comparison.name: p.comparison.summary() for p in pairs}


if __name__ == "__main__":
    from report import print_table

    print_table(main())
