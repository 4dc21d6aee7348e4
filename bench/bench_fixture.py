"""Benchmark: what the pytest fixtures cost to start, i.e. a fresh in-process mock on a free port
with a virtual clock, ready for its first request, as `amockwx` (same loop) and `mockwx` (the mock's
loop on a background thread) start it.

    python bench/bench_fixture.py [--runs 50]

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockwx.testing.fixture import AsyncMockwx
from mockwx.testing.server import LoopThread, MockServer, mock_config


async def start_async() -> float:
    started = time.perf_counter()
    server = await MockServer(mock_config()).start()
    inner = AsyncMockwx(server.url, server.backend)
    await inner.begin(reset=False)  # the first request: the journal position
    elapsed = time.perf_counter() - started
    await inner.close()
    await server.stop()
    return elapsed


def start_threaded(loop: LoopThread) -> float:
    started = time.perf_counter()
    server = MockServer(mock_config())
    loop.run(server.start())
    inner = AsyncMockwx(server.url, server.backend)
    loop.run(inner.begin(reset=False))
    elapsed = time.perf_counter() - started
    loop.run(inner.close())
    loop.run(server.stop())
    return elapsed


def report(name: str, samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    result = {"median_ms": statistics.median(ms), "p95_ms": ms[int(len(ms) * 0.95) - 1], "max_ms": ms[-1]}
    print(f"  {name:<34} median {result['median_ms']:5.1f} ms   p95 {result['p95_ms']:5.1f} ms")
    return result


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(f"fixture start, {args.runs} runs each:")

    async def many() -> list[float]:
        return [await start_async() for _ in range(args.runs)]

    results = {"amockwx": report("amockwx (same loop)", asyncio.run(many()))}
    loop = LoopThread()
    results["mockwx"] = report("mockwx (background loop)", [start_threaded(loop) for _ in range(args.runs)])
    loop.stop()
    return results


if __name__ == "__main__":
    main()
