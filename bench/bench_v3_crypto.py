"""Benchmark: what one API v3 request costs the mock in cryptography: one RSA-2048 sign, one verify, and the
steps built on them (Authorization check, signed response, notification encryption, a worst-case diagnosis).

    python bench/bench_v3_crypto.py [--runs 500]

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockwx.wire import v3

API_V3_KEY = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
BODY = (
    b'{"appid":"wxd678efh567hg6787","mchid":"1900007291","description":"Image\xe5\xbd\xa2\xe8\xb1\xa1\xe5\xba\x97",'
    b'"out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php",'
    b'"amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}'
)


def measure(name: str, runs: int, fn: Callable[[], object]) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    result = {"median_us": statistics.median(samples), "p95_us": samples[int(len(samples) * 0.95) - 1]}
    print(f"  {name:<48} median {result['median_us']:8.1f} us   p95 {result['p95_us']:8.1f} us")
    return result


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    runs = args.runs
    merchant, platform = v3.new_private_key(), v3.new_private_key()
    public = merchant.public_key()
    now = int(time.time())
    message = v3.request_message("POST", "/v3/pay/transactions/jsapi", str(now), "N", BODY)
    signature = v3.rsa_sign(message, merchant)
    header = v3.build_authorization(
        "POST",
        "/v3/pay/transactions/jsapi",
        BODY,
        mchid="1900007291",
        serial_no="S",
        private_key=merchant,
        timestamp=now,
    )
    bad = v3.rsa_sign(b"something else", merchant)
    print(f"API v3 cryptography, {runs} runs each:")
    return {
        "rsa2048_sign": measure("RSA-2048 sign (SHA256withRSA)", runs, lambda: v3.rsa_sign(message, merchant)),
        "rsa2048_verify": measure("RSA-2048 verify", runs, lambda: v3.rsa_verify(message, signature, public)),
        "authenticate": measure(
            "authenticate(Authorization) incl. verify",
            runs,
            lambda: v3.authenticate(
                header, "POST", "/v3/pay/transactions/jsapi", BODY, now=now, key_for=lambda a: public
            ),
        ),
        "sign_response": measure(
            "sign_response (Wechatpay-* headers)", runs, lambda: v3.sign_response(BODY, platform, "S", timestamp=now)
        ),
        "notification_body": measure(
            "notification_body (AES-256-GCM + JSON)",
            runs,
            lambda: v3.notification_body(
                {"out_trade_no": "1217752501201407033233368018", "trade_state_desc": "支付成功"},
                API_V3_KEY,
                notification_id="EV-1",
                create_time="2025-09-25T22:41:16+08:00",
                event_type="TRANSACTION.SUCCESS",
                summary="支付成功",
                original_type="transaction",
            ),
        ),
        "diagnose_worst_case": measure(
            "diagnose_request, nothing matches (worst case)",
            max(runs // 10, 10),
            lambda: v3.diagnose_request("POST", "/v3/pay/transactions/jsapi", str(now), "N", BODY, bad, public),
        ),
    }


if __name__ == "__main__":
    main()
