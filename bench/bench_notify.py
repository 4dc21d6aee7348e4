"""Benchmark: the notify engine's CPU per delivery attempt, on the virtual clock, against a bare
aiohttp client posting the same kind of signed notification, A B A B.

  ack   N paid orders, each notification delivered to a local acknowledging receiver (a separate
        process, its CPU not counted); bare: a pooled aiohttp ClientSession POSTing N notifications
        to the same receiver, 64 at once (the engine's default concurrency);
  dead  N notifications to a dead endpoint (connection refused) pushed through WeChat's whole
        24h4m schedule (16 attempts each) by advancing the clock; bare: the same client's attempts
        against the refused port.

Only the delivery phase is counted (the orders and their notifications are made before it, and
that cost is reported beside). Every round runs in a fresh process, so its peak RSS is its own.
Ours runs with the garbage collector set up as `serve` sets it up (mockwx/gctune.py).

    python bench/bench_notify.py [--rounds 3] [--orders 10000]
    python bench/bench_notify.py --side ours --part dead --orders 100   (one round, JSON out)

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bare_server, paid_orders
from method import Comparison, Pair, Sample, alternate

ACK = b"<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
DEAD_URL = "http://127.0.0.1:1/notify"
CONCURRENCY = 64
BARE_DEAD_ATTEMPTS = 20_000  # enough for a steady CPU per attempt; the bare side has no schedule to run


def max_rss_mb() -> float:
    """This process's peak resident memory (VmHWM counts from exec, unlike ru_maxrss after a fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- ours: the notify engine -----------------------------------------------------------------------


async def ours(part: str, count: int, url: str) -> dict[str, float]:
    from mockwx.backend import Backend
    from mockwx.config import Config, Settings
    from mockwx.domain.models import NotifyStatus
    from mockwx.gctune import Collector
    from mockwx.notify.schedule import RETRY_DELAYS

    backend = Backend(Config(settings=Settings(clock="virtual")))
    await backend.start()
    Collector.install()
    made = time.process_time()
    paid_orders(backend, count, url if part == "ack" else DEAD_URL)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    notes = backend.state.notifications
    if part == "ack":
        while not all(n.status == NotifyStatus.ACKED for n in notes.values()):
            await asyncio.sleep(0.005)
    else:
        await backend.advance(sum(RETRY_DELAYS) + 1)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    attempts = sum(len(n.attempts) for n in notes.values())
    settled = sum(n.status in (NotifyStatus.ACKED, NotifyStatus.GIVEN_UP) for n in notes.values())
    await backend.stop()
    return {
        "cpu_s": cpu,
        "units": attempts,
        "seconds": wall,
        "settled": settled,
        "setup_cpu_us_per_order": (cpu0 - made) / count * 1e6,
        "max_rss_mb": max_rss_mb(),
    }


# -- bare: an aiohttp client doing the same deliveries ---------------------------------------------


def notification_body() -> bytes:
    """A payment notification as the engine sends it: signed, about 900 bytes."""
    from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
    from mockwx.wire import render_xml, with_sign

    fields = {
        "appid": DEMO_APPID,
        "bank_type": "OTHERS",
        "cash_fee": 100,
        "fee_type": "CNY",
        "is_subscribe": "N",
        "mch_id": DEMO_MCH_ID,
        "nonce_str": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "out_trade_no": "NB0000000001",
        "result_code": "SUCCESS",
        "return_code": "SUCCESS",
        "time_end": "20261127101249",
        "total_fee": 100,
        "trade_type": "JSAPI",
        "transaction_id": "4200000000202611270000000001",
    }
    return render_xml(with_sign(fields, DEMO_API_KEY))


async def bare(part: str, count: int, url: str) -> dict[str, float]:
    import aiohttp

    body = notification_body()
    attempts = count if part == "ack" else BARE_DEAD_ATTEMPTS
    target = url if part == "ack" else DEAD_URL
    gate = asyncio.Semaphore(CONCURRENCY)
    headers = {"Content-Type": "text/xml; charset=utf-8", "User-Agent": "Mozilla/4.0"}

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:

        async def deliver() -> None:
            async with gate:
                try:
                    async with session.post(target, data=body, headers=headers) as response:
                        await response.read()
                except aiohttp.ClientError:
                    pass

        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(deliver() for _ in range(attempts)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"cpu_s": cpu, "units": attempts, "seconds": wall, "max_rss_mb": max_rss_mb()}


# -- the A B A B driver ----------------------------------------------------------------------------


def one_round(side: str, part: str, count: int, url: str) -> Sample:
    out = subprocess.run(
        [sys.executable, __file__, "--side", side, "--part", part, "--orders", str(count), "--url", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    cpu, units = data.pop("cpu_s"), data.pop("units")
    return Sample(cpu, units, data)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--side", choices=("ours", "bare"), help="run one round in this process, print JSON")
    parser.add_argument("--part", choices=("ack", "dead"))
    parser.add_argument("--url", default="")
    args = parser.parse_args(argv)
    if args.side:
        run = ours if args.side == "ours" else bare
        result = asyncio.run(run(args.part, args.orders, args.url))
        print(json.dumps(result))
        return {}

    print(f"notify engine, {args.orders} notifications a round, {args.rounds} rounds A B A B:")
    with bare_server("/notify", ACK) as receiver:
        url = receiver.url + "/notify"
        pairs = []
        for part, label in (("ack", "acknowledged"), ("dead", "dead endpoint, whole 24h4m")):
            comparison = Comparison(f"notify {args.orders} {label}", "attempt", "attempt")
            pairs.append(
                Pair(
                    comparison,
                    lambda _n, part=part: one_round("bare", part, args.orders, url),
                    lambda _n, part=part: one_round("ours", part, args.orders, url),
                )
            )
        alternate(pairs, args.rounds)
    results = {}
    for pair in pairs:
        c = pair.comparison
        for sample in c.ours:
            if sample.wall.get("settled") != args.orders:
                c.notes.append(f"ours: only {sample.wall.get('settled')} of {args.orders} notifications settled")
        results[c.name] = c.summary()
    return results


if __name__ == "__main__":
    from report import print_table

    if results := main():
        print_table(results)
