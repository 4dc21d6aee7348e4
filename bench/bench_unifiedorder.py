"""Benchmark: validated unifiedorder requests/s and p99 latency, beside a bare aiohttp handler
that returns a canned answer, in the same run, under the same load generator (wrk).

Each request to the mock is a distinct, correctly signed JSAPI order: parsed, authenticated,
validated, stored, answered and signed. The bare server only reads the body and answers.

    python bench/bench_unifiedorder.py [--seconds 8] [--connections 32]

Needs `wrk` (Debian: apt-get install wrk). Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CANNED_SERVER, free_port  # noqa: E402

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID  # noqa: E402
from mockwx.ids import Ids  # noqa: E402
from mockwx.wire import render_xml, with_sign  # noqa: E402

CANNED = (
    "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg>"
    "<result_code><![CDATA[SUCCESS]]></result_code><prepay_id><![CDATA[wx0]]></prepay_id></xml>"
)

LUA = """
local bodies = {}
local i = 0
local f = io.open("%s", "r")
for line in f:lines() do bodies[#bodies + 1] = line end
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
request = function()
  i = i + 1
  if i > #bodies then i = 1 end
  return wrk.format(nil, "/pay/unifiedorder", nil, bodies[i])
end
"""


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=0.2)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error answer means the server is up
                return
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def bodies(count: int) -> list[str]:
    openid = Ids.openid(DEMO_APPID, "bench")
    out = []
    for n in range(count):
        fields = {
            "appid": DEMO_APPID,
            "mch_id": DEMO_MCH_ID,
            "nonce_str": f"bench{n:027d}",
            "body": "mockwx bench",
            "out_trade_no": f"BENCH{n:012d}",
            "total_fee": 1 + n % 1000,
            "spbill_create_ip": "127.0.0.1",
            "notify_url": "http://127.0.0.1:9/notify",
            "trade_type": "JSAPI",
            "openid": openid,
        }
        out.append(render_xml(with_sign(fields, DEMO_API_KEY)).decode())
    return out


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "non_2xx": int(errors.group(1)) if errors else 0}


def measure(name: str, cmd: list[str], port: int, script: Path, args: argparse.Namespace) -> dict[str, float]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base + ("/__mock__/health" if "run_mock.py" in " ".join(cmd) else "/"))
        if "run_mock.py" in " ".join(cmd):  # the openid must belong to a known test user
            req = urllib.request.Request(
                base + "/__mock__/login", data=json.dumps({"user": "bench"}).encode(), method="POST"
            )
            urllib.request.urlopen(req).read()
        run_wrk(base, script, 2, args.connections)  # warm-up
        result = run_wrk(base, script, args.seconds, args.connections)
        print(f"  {name:<28} {result['rps']:>9.0f} req/s   p99 {result['p99_ms']:>6.2f} ms", flush=True)
        return result
    finally:
        proc.terminate()
        proc.wait()


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--orders", type=int, default=120_000, help="distinct signed bodies to cycle through")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bodies.txt"
        data.write_text("\n".join(bodies(args.orders)) + "\n")
        script = Path(tmp) / "bench.lua"
        script.write_text(LUA % data)
        print(f"unifiedorder, wrk -t1 -c{args.connections} -d{args.seconds}s, server on one core:")
        port = free_port()
        bare_cmd = [sys.executable, "-c", CANNED_SERVER, str(port), "/pay/unifiedorder", CANNED]
        bare = measure("bare aiohttp (canned)", bare_cmd, port, script, args)
        mock = {}
        for label, extra in (("mockwx (in memory)", ["--memory"]), ("mockwx (SQLite)", ["--db", f"{tmp}/s.db"])):
            port = free_port()
            cmd = [sys.executable, "run_mock.py", "--port", str(port), "--log-level", "WARNING", *extra]
            mock[label] = measure(label, cmd, port, script, args)
    ratio = mock["mockwx (in memory)"]["rps"] / bare["rps"]
    print(f"  ratio mockwx/bare (in memory): {ratio:.2f}")
    return {"bare": bare, **mock, "ratio_memory": ratio}


if __name__ == "__main__":
    main()
