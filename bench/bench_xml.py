"""Benchmark: `parse_xml` on a typical unifiedorder body in the shapes real clients send (wechatpy,
tenpay, the axios plugin: sdk-behaviour.md), in CPU µs per parse, against a bare expat parse of the
same bytes (pyexpat with no handlers: the C tokenizer alone). A B A B.

    python bench/bench_xml.py [--rounds 5] [--parses 20000]

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import pyexpat
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from method import Comparison, Pair, Sample, alternate

from mockwx.wire import parse_xml

FIELDS = {  # a wechatpy unifiedorder as sdk-behaviour.md captured it
    "appid": "wx1234567890abcdef",
    "body": "stub-test",
    "fee_type": "CNY",
    "mch_id": "1230000109",
    "nonce_str": "sLN2yK13mSiCJXbgO5DclPFoMQRuVBaA",
    "notify_url": "https://example.com/notify",
    "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "out_trade_no": "T20240101000001",
    "spbill_create_ip": "127.0.0.1",
    "time_expire": "20261127121249",
    "time_start": "20261127101249",
    "total_fee": "1",
    "trade_type": "JSAPI",
    "sign": "DFEEC4D17C8B22FD93A5CD569D5F9878",
}


def wechatpy() -> bytes:
    lines = [f"<{k}>{v}</{k}>" if v.isdigit() else f"<{k}><![CDATA[{v}]]></{k}>" for k, v in FIELDS.items()]
    return ("<xml>\n" + "\n".join(lines) + "\n</xml>").encode()


def tenpay() -> bytes:
    lines = [f"  <{k}>{v}</{k}>" for k, v in FIELDS.items()]
    return ('<?xml version="1.0"?>\n<xml>\n' + "\n".join(lines) + "\n</xml>").encode()


def axios() -> bytes:
    return ("<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in FIELDS.items()) + "</xml>").encode()


SHAPES: dict[str, Callable[[], bytes]] = {"wechatpy": wechatpy, "tenpay": tenpay, "axios": axios}


def bare_expat(body: bytes) -> None:
    pyexpat.ParserCreate("UTF-8").Parse(body, True)


def timed(parse: Callable[[bytes], object], body: bytes, parses: int) -> Sample:
    cpu0 = time.process_time()
    for _ in range(parses):
        parse(body)
    return Sample(time.process_time() - cpu0, parses)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--parses", type=int, default=20_000)
    args = parser.parse_args(argv)
    print(f"parse_xml, {args.parses} parses a round, {args.rounds} rounds A B A B:")
    pairs = []
    for shape, make in SHAPES.items():
        body = make()
        assert parse_xml(body) == FIELDS, shape
        pairs.append(
            Pair(
                Comparison(f"parse_xml, {shape} unifiedorder ({len(body)} B)", "parse", "parse"),
                lambda _n, body=body: timed(bare_expat, body, args.parses),
                lambda _n, body=body: timed(parse_xml, body, args.parses),
            )
        )
    alternate(pairs, args.rounds)
    return {p.comparison.name: p.comparison.summary() for p in pairs}


if __name__ == "__main__":
    from report import print_table

    print_table(main())
