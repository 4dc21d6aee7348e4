"""Benchmark: the CPU one diagnosis costs (issue 8 item 12), for a typical unifiedorder and for a
230 KB badly signed body, with the budget of mockwx/doctor/meter.py.

    python bench/bench_doctor.py [--repeat 30]

Each figure is the best and the median of ``repeat`` runs of ``diagnose`` (the machine is shared,
the best is the least disturbed). Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID, DEMO_SECRET  # noqa: E402
from mockwx.doctor import MAX_CANDIDATES, MAX_WORK, KeyCandidate, diagnose  # noqa: E402

KEYS = [
    KeyCandidate(DEMO_API_KEY, "api_key", DEMO_MCH_ID),
    KeyCandidate(DEMO_SECRET, "appsecret", DEMO_APPID, "appsecret_as_key"),
]
ORDER = {
    "appid": DEMO_APPID,
    "mch_id": DEMO_MCH_ID,
    "nonce_str": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    "body": "老男孩学费",
    "out_trade_no": "D20261127000001",
    "total_fee": "1",
    "spbill_create_ip": "127.0.0.1",
    "notify_url": "http://127.0.0.1:8901/wxpay/notify",
    "trade_type": "JSAPI",
    "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "attach": "",
    "sign_type": "MD5",
}


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


def scenarios() -> dict[str, tuple[dict[str, str], str]]:
    pairs = sorted((k, v) for k, v in ORDER.items() if v)
    joined = "&".join(f"{k}={v}" for k, v in pairs)
    unsorted = "&".join(f"{k}={v}" for k, v in ORDER.items() if v)
    huge = {**ORDER, "detail": json.dumps({"goods_detail": [{"goods_name": "拿铁 & co", "n": i} for i in range(4800)]})}
    assert 220_000 < len(huge["detail"].encode()) < 240_000
    return {
        "unifiedorder, AppSecret as key": (ORDER, md5(f"{joined}&key={DEMO_SECRET}")),
        "unifiedorder, 3 mistakes (unsorted, no key, lower case)": (ORDER, md5(unsorted).lower()),
        "unifiedorder, unknown sign (whole budget)": (ORDER, "0" * 32),
        "230 KB body, unknown sign": (huge, "0" * 32),
        "230 KB body, AppSecret as key": (
            huge,
            md5("&".join(f"{k}={v}" for k, v in sorted(huge.items()) if v) + f"&key={DEMO_SECRET}"),
        ),
    }


def measure(fields: dict[str, str], received: str, repeat: int) -> dict[str, object]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        diagnosis = diagnose({**fields, "sign": received}, received, sign_type="MD5", keys=KEYS)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "best_ms": round(min(times), 2),
        "median_ms": round(statistics.median(times), 2),
        "candidates": diagnosis.tried,
        "mistakes": diagnosis.mistakes,
        "body_bytes": sum(len(v.encode()) for v in fields.values()),
    }


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    results: dict[str, object] = {"budget": {"candidates": MAX_CANDIDATES, "work": MAX_WORK}}
    for name, (fields, received) in scenarios().items():
        results[name] = figures = measure(fields, received, args.repeat)
        print(
            f"{name:58} best {figures['best_ms']:6.2f} ms  median {figures['median_ms']:6.2f} ms"
            f"  {figures['candidates']:5} candidates  {figures['mistakes']}"
        )
    return results


if __name__ == "__main__":
    main()
