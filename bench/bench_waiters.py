"""Benchmark: deliveries while callers long-poll GET /__mock__/notifications/wait for other orders.

3,000 notifications are held (pending for a dead endpoint, on the virtual clock), N idle waiters
long-poll for orders that never come, then 1,000 paid orders are notified to a local acknowledging
receiver (a separate process), timed from the payments to the last acknowledgement. With waiters
indexed by what they wait for, 0 and 20 waiters take the same time (issue 8, finding 9: it was
1.3 s against 12.9 s for 300 deliveries, and none of 1,000 in 60 s with 3,000 held).

    python bench/bench_waiters.py [--held 3000] [--deliveries 1000] [--waiters 20]

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_notify import ACK
from common import bare_server, paid_orders, until

from mockwx.domain.models import NotifyStatus
from mockwx.testing.server import MockServer


async def deliveries_with_waiters(waiters: int, held: int, deliveries: int, receiver: str) -> float:
    async with MockServer() as mock, aiohttp.ClientSession() as http:
        backend = mock.backend
        assert backend is not None
        paid_orders(backend, held, "http://127.0.0.1:1/notify")
        notes = backend.state.notifications
        await until(lambda: all(n.attempts and n.attempts[-1].verdict != "in_flight" for n in notes.values()), 120)
        polls = [
            asyncio.ensure_future(http.get(f"{mock.url}/__mock__/notifications/wait?out_trade_no=IDLE{i}&timeout=60"))
            for i in range(waiters)
        ]
        await until(lambda: len(backend.engine.waiters) == waiters, 10)
        started = time.perf_counter()
        paid_orders(backend, deliveries, receiver, first=held)
        await until(lambda: sum(n.status == NotifyStatus.ACKED for n in notes.values()) >= deliveries, 300)
        elapsed = time.perf_counter() - started
        for poll in polls:
            poll.cancel()
        return elapsed


async def measure(args: argparse.Namespace) -> dict[str, float]:
    with bare_server("/notify", ACK) as receiver:  # the shared canned server, up before the first delivery
        url = receiver.url + "/notify"
        without = await deliveries_with_waiters(0, args.held, args.deliveries, url)
        with_waiters = await deliveries_with_waiters(args.waiters, args.held, args.deliveries, url)
    return {
        "held": args.held,
        "deliveries": args.deliveries,
        "waiters": args.waiters,
        "seconds_without_waiters": without,
        "seconds_with_waiters": with_waiters,
        "ratio": with_waiters / without,
    }


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held", type=int, default=3000)
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--waiters", type=int, default=20)
    args = parser.parse_args()
    result = asyncio.run(measure(args))
    print(
        f"{result['deliveries']} deliveries with {result['held']} notifications held:"
        f" {result['seconds_without_waiters']:.2f} s with no waiter,"
        f" {result['seconds_with_waiters']:.2f} s with {result['waiters']} idle waiters (x{result['ratio']:.2f})"
    )
    return result


if __name__ == "__main__":
    main()
