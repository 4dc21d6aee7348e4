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
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_unifiedorder import LUA, ROOT, bodies, run_wrk, wait_up  # noqa: E402
from common import free_port  # noqa: E402


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(streaming: bool, script: Path, args: argparse.Namespace) -> dict[str, float]:
    port = free_port()
    cmd = [sys.executable, "run_mock.py", "--memory", "--port", str(port), "--log-level", "WARNING"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base + "/__mock__/health")
        login = urllib.request.Request(
            base + "/__mock__/login",
            data=json.dumps({"user": "bench"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(login).read()
        dashboard = Dashboard(base) if streaming else None
        if dashboard is not None:
            dashboard.start()
        run_wrk(base, script, 1, args.connections)  # warm-up
        before = cpu_seconds(proc.pid)
        result = run_wrk(base, script, args.seconds, args.connections)
        result["cpu_us_per_request"] = (cpu_seconds(proc.pid) - before) / (result["rps"] * args.seconds) * 1e6
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
    finally:
        proc.terminate()
        proc.wait()


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--orders", type=int, default=80_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    runs: dict[str, list[dict[str, float]]] = {"closed": [], "open": []}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bodies.txt"
        data.write_text("\n".join(bodies(args.orders)) + "\n")
        script = Path(tmp) / "bench.lua"
        script.write_text(LUA % data)
        print(f"unifiedorder, wrk -t1 -c{args.connections} -d{args.seconds}s, A B A B on fresh mocks:")
        for _ in range(args.rounds):
            runs["closed"].append(measure(False, script, args))
            runs["open"].append(measure(True, script, args))

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
