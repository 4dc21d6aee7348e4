"""Benchmark: validated unifiedorder throughput with and without a dashboard open and streaming.

Reported per run: requests/s (noisy on a shared machine) and the server's CPU time per request
(user + system of the mock's process over the run, divided by the requests served: what the
dashboard costs the API path, whatever else the machine is doing).

The "open" runs play the journal page's part: an EventSource-like reader on /__mock__/ui/stream that,
on every message, fetches the new rows as the page's script does. Runs alternate (A B A B), each on a
fresh mock, so neither side gets the warmer machine. Same load as bench_unifiedorder (wrk, distinct
correctly signed JSAPI orders).

    python bench/bench_dashboard.py [--seconds 6] [--connections 32] [--rounds 2]

Needs `wrk`. Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_unifiedorder import login_bench_user, v2_unifiedorder  # noqa: E402
from common import mock_server  # noqa: E402
from wrkload import need_wrk, run_wrk, script_file, write_requests  # noqa: E402


class Dashboard(threading.Thread):
    """The journal page, minus the browser: reads the stream, fetches new rows after each message."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.messages = 0
        self.fetched = 0
        self.stop = threading.Event()

    def run(self) -> None:
        last = 0
        with urllib.request.urlopen(f"{self.base}/__mock__/ui/stream", timeout=30) as stream:
            for line in stream:
                if self.stop.is_set():
                    return
                if not line.startswith(b"data: "):
                    continue
                self.messages += 1
                change = json.loads(line[6:])
                if change["entry"] > last:
                    url = f"{self.base}/__mock__/ui/journal/rows?after={last}"
                    with urllib.request.urlopen(url, timeout=30) as rows:
                        self.fetched += len(rows.read())
                    last = change["entry"]


def measure(streaming: bool, script: Path, orders: Path, args: argparse.Namespace) -> dict[str, float]:
    with mock_server("--memory") as mock:
        login_bench_user(mock)
        dashboard = Dashboard(mock.url) if streaming else None
        if dashboard is not None:
            dashboard.start()
        run_wrk(mock.url, script, orders, "<prepay_id>", 1, args.connections)  # warm-up
        before = mock.cpu()
        load = run_wrk(mock.url, script, orders, "<prepay_id>", args.seconds, args.connections)
        result = load.wall()
        result["cpu_us_per_request"] = (mock.cpu() - before) / max(load.requests, 1) * 1e6
        if dashboard is not None:
            dashboard.stop.set()
            result["stream_messages"] = dashboard.messages
            result["rows_bytes"] = dashboard.fetched
        label = "with a dashboard streaming" if streaming else "no dashboard"
        print(
            f"  {label:<28} {result['rps']:>7.0f} req/s   p99 {result['p99_ms']:>6.2f} ms"
            f"   server CPU {result['cpu_us_per_request']:>5.1f} µs/request",
            flush=True,
        )
        return result


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--orders", type=int, default=80_000)
    args = parser.parse_args()
    need_wrk()
    runs: dict[str, list[dict[str, float]]] = {"closed": [], "open": []}
    with tempfile.TemporaryDirectory() as tmp:
        orders = Path(tmp) / "orders.txt"
        write_requests(orders, v2_unifiedorder("JSAPI")("D", args.orders))
        script = script_file(Path(tmp))
        print(f"unifiedorder, wrk -t1 -c{args.connections} -d{args.seconds}s, A B A B on fresh mocks:")
        for _ in range(args.rounds):
            runs["closed"].append(measure(False, script, orders, args))
            runs["open"].append(measure(True, script, orders, args))

    def mean(side: str, key: str) -> float:
        return sum(r[key] for r in runs[side]) / len(runs[side])

    closed, opened = mean("closed", "rps"), mean("open", "rps")
    cpu_closed, cpu_open = mean("closed", "cpu_us_per_request"), mean("open", "cpu_us_per_request")
    print(f"  mean: {closed:.0f} req/s without, {opened:.0f} with ({opened / closed:.1%});")
    print(
        f"        server CPU {cpu_closed:.1f} µs/request without, {cpu_open:.1f} with"
        f" ({cpu_open / cpu_closed - 1:+.1%})"
    )
    return {
        "runs": runs,
        "rps_without": closed,
        "rps_with": opened,
        "rps_ratio": opened / closed,
        "cpu_us_without": cpu_closed,
        "cpu_us_with": cpu_open,
    }


if __name__ == "__main__":
    main()
