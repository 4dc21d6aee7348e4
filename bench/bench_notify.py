"""Benchmark: the notify engine at volume, on the virtual clock.

  ack   10,000 paid orders, each notification delivered to a local acknowledging receiver (a
        separate process), timed from the payments to the last acknowledgement;
  dead  10,000 notifications to a dead endpoint (connection refused), pushed through WeChat's
        whole 24h4m schedule (16 attempts each, 160,000 deliveries) by advancing the clock.

Each part runs in its own process so its peak memory (max RSS) is its own.

    python bench/bench_notify.py [--orders 10000] [--part ack|dead]

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CANNED_SERVER, free_port  # noqa: E402

from mockwx.backend import Backend  # noqa: E402
from mockwx.config import DEMO_APPID, DEMO_MCH_ID, Config, Settings  # noqa: E402
from mockwx.domain.models import NotifyStatus, Order  # noqa: E402
from mockwx.notify.schedule import RETRY_DELAYS  # noqa: E402

ACK = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"


def max_rss_mb() -> float:
    """This process's peak resident memory. VmHWM (Linux) starts at exec; ru_maxrss would also count
    the parent's memory copied by fork before the exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def paid_orders(backend: Backend, count: int, notify_url: str, first: int = 0) -> None:
    openid = backend.login.account(DEMO_APPID, "bench").openid
    now = backend.clock.now()
    for n in range(first, first + count):
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


async def until(predicate, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.005)


async def part_ack(count: int) -> dict[str, float]:
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-c", CANNED_SERVER, str(port), "/notify", ACK])
    try:
        await asyncio.sleep(1.0)
        backend = Backend(Config(settings=Settings(clock="virtual")))
        await backend.start()
        started = time.perf_counter()
        await paid_orders(backend, count, f"http://127.0.0.1:{port}/notify")
        notes = backend.state.notifications
        await until(lambda: all(n.status == NotifyStatus.ACKED for n in notes.values()), 300)
        elapsed = time.perf_counter() - started
        await backend.stop()
    finally:
        receiver.terminate()
        receiver.wait()
    return {"orders": count, "seconds": elapsed, "per_second": count / elapsed, "max_rss_mb": max_rss_mb()}


async def part_dead(count: int) -> dict[str, float]:
    backend = Backend(Config(settings=Settings(clock="virtual")))
    await backend.start()
    started = time.perf_counter()
    await paid_orders(backend, count, "http://127.0.0.1:1/notify")
    await backend.advance(sum(RETRY_DELAYS) + 1)
    elapsed = time.perf_counter() - started
    notes = list(backend.state.notifications.values())
    attempts = sum(len(n.attempts) for n in notes)
    given_up = sum(n.status == NotifyStatus.GIVEN_UP for n in notes)
    await backend.stop()
    return {
        "notifications": count,
        "attempts": attempts,
        "given_up": given_up,
        "seconds": elapsed,
        "attempts_per_second": attempts / elapsed,
        "max_rss_mb": max_rss_mb(),
    }


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--part", choices=("ack", "dead"))
    args = parser.parse_args()
    if args.part:
        result = asyncio.run(part_ack(args.orders) if args.part == "ack" else part_dead(args.orders))
        print(json.dumps(result))
        return result
    results = {}
    for part in ("ack", "dead"):
        out = subprocess.run(
            [sys.executable, __file__, "--part", part, "--orders", str(args.orders)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[part] = json.loads(out.strip().splitlines()[-1])
    ack, dead = results["ack"], results["dead"]
    print(f"notify engine, {args.orders} notifications:")
    print(
        f"  acknowledged by a local receiver  {ack['seconds']:6.2f} s  ({ack['per_second']:.0f}/s)"
        f"   peak RSS {ack['max_rss_mb']:.0f} MB"
    )
    print(
        f"  dead endpoint, whole 24h4m story  {dead['seconds']:6.2f} s  ({dead['attempts']} attempts,"
        f" {dead['attempts_per_second']:.0f}/s, {dead['given_up']} given up)   peak RSS {dead['max_rss_mb']:.0f} MB"
    )
    return results


if __name__ == "__main__":
    main()
