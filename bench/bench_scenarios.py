"""Benchmark: the bundled scenario library (scenarios/, against the built-in reference merchant),
in-process, in CPU per library run; the bare reference is one in-process aiohttp round trip (a
ClientSession POSTing a WeChat-sized XML body to a bare handler on loopback), so the figure reads
"one library run costs as much CPU as N bare round trips". A B A B.

    python bench/bench_scenarios.py [--rounds 5]

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from common import bare_app  # noqa: E402
from method import Comparison, Pair, Sample, alternate  # noqa: E402

from mockwx.scenarios import Runner  # noqa: E402

ROUND_TRIPS = 2_000
BODY = b"<xml>" + b"<field><![CDATA[value]]></field>" * 24 + b"</xml>"


async def library(comparison: Comparison) -> Sample:
    gc.collect()  # the last round's garbage is not this round's cost
    cpu0, wall0 = time.process_time(), time.perf_counter()
    results = await Runner().run_paths([])
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    failed = [r.name for r in results if not r.passed]
    if failed:
        comparison.notes.append(f"ours: {len(failed)} scenarios did not pass: {', '.join(failed)}")
    return Sample(cpu, 1, {"seconds": wall, "scenarios": len(results)})


async def _canned(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=BODY, content_type="text/xml")


async def round_trips() -> Sample:
    async with bare_app("POST", _canned) as url, aiohttp.ClientSession() as session:
        gc.collect()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(ROUND_TRIPS):
            async with session.post(url, data=BODY) as response:
                await response.read()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return Sample(cpu, ROUND_TRIPS, {"seconds": wall})


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # scenarios that play a dead merchant log every failed delivery
    print(f"scenario library, {args.rounds} rounds A B A B:")
    comparison = Comparison("scenario library", "library run", "round trip")
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(library(Comparison("warm-up", "", "")))
        loop.run_until_complete(round_trips())
        pair = Pair(
            comparison,
            lambda _n: loop.run_until_complete(round_trips()),
            lambda _n: loop.run_until_complete(library(comparison)),
        )
        alternate([pair], args.rounds)
    finally:
        loop.close()
        logging.disable(logging.NOTSET)
    return {comparison.name: comparison.summary()}


if __name__ == "__main__":
    from report import print_table

    print_table(main())
