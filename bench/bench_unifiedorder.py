"""Benchmark: the server's CPU per validated request against a bare aiohttp handler that answers the
mock's own answer, canned, under the same wrk load (-t1 -c32), A B A B.

Each request to the mock is a distinct, correctly signed order: parsed, authenticated, validated,
stored, answered and signed; every answer is checked for its marker (a v2 FAIL is HTTP 200 too).
A v3 order costs the mock one RSA-2048 verify (its Authorization) and one RSA-2048 sign (the
Wechatpay-Signature of its answer) on top; bench_v3_crypto.py prices each.
Adding a benchmark is one row of BENCHES: a name, the server's arguments, a request maker.

    python bench/bench_unifiedorder.py [--rounds 5] [--seconds 4] [--only NATIVE] [--before DIR]

--before DIR adds, for each row, the same row served by the mockwx of another source tree (say
`git archive OLD | tar -x -C DIR`), in the same A B A B rounds: a before/after measured side by side.

Needs `wrk`. Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, ServerProcess, bare_server, mock_server
from cryptography import x509
from method import Comparison, Pair, Sample, alternate
from wrkload import HttpRequest, need_wrk, run_wrk, script_file, write_requests

from mockwx import demo_v3
from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.ids import Ids
from mockwx.wire import render_xml, v3, with_sign

RequestMaker = Callable[[str, int], list[HttpRequest]]
"""(a prefix unique to the batch, how many) -> that many distinct, correctly signed requests."""

BENCH_USER = "bench"


def v2_unifiedorder(trade_type: str) -> RequestMaker:
    def make(prefix: str, count: int) -> list[HttpRequest]:
        openid = Ids.openid(DEMO_APPID, BENCH_USER)
        out = []
        for n in range(count):
            fields: dict[str, object] = {
                "appid": DEMO_APPID,
                "mch_id": DEMO_MCH_ID,
                "nonce_str": f"{prefix}{n:0{32 - len(prefix)}d}",
                "body": "mockwx bench",
                "out_trade_no": f"{prefix}{n:012d}",
                "total_fee": 1 + n % 1000,
                "spbill_create_ip": "127.0.0.1",
                "notify_url": "http://127.0.0.1:9/notify",
                "trade_type": trade_type,
            }
            if trade_type == "JSAPI":
                fields["openid"] = openid
            else:
                fields["product_id"] = f"P{n % 100}"
            out.append(HttpRequest("/pay/unifiedorder", render_xml(with_sign(fields, DEMO_API_KEY)).decode()))
        return out

    return make


def v3_jsapi(prefix: str, count: int) -> list[HttpRequest]:
    """JSAPI orders in API v3, each with its own Authorization (the demo merchant's key, the wall clock:
    the mock allows 300 s of skew, and every batch is made just before its round)."""
    key = v3.load_private_key(demo_v3.MERCHANT_KEY_PEM)
    serial = v3.serial_no(x509.load_pem_x509_certificate(demo_v3.MERCHANT_CERT_PEM.encode("ascii")))
    openid = Ids.openid(DEMO_APPID, BENCH_USER)
    path = "/v3/pay/transactions/jsapi"
    now = int(time.time())
    out = []
    for n in range(count):
        body = v3.compact_json(
            {
                "appid": DEMO_APPID,
                "mchid": DEMO_MCH_ID,
                "description": "mockwx bench",
                "out_trade_no": f"{prefix}{n:012d}",
                "notify_url": "http://127.0.0.1:9/notify",
                "amount": {"total": 1 + n % 1000, "currency": "CNY"},
                "payer": {"openid": openid},
            }
        )
        authorization = v3.build_authorization(
            "POST", path, body, mchid=DEMO_MCH_ID, serial_no=serial, private_key=key, timestamp=now
        )
        headers = (("Authorization", authorization), ("Content-Type", "application/json"))
        out.append(HttpRequest(path, body.decode("ascii"), headers))
    return out


@dataclass(slots=True, frozen=True)
class HttpBench:
    name: str
    server_args: tuple[str, ...]  # run_mock.py arguments; {db} is a fresh SQLite file for each server
    make: RequestMaker | None
    expect: str  # every good answer contains it
    pending: str = ""  # why it cannot run yet


BENCHES: tuple[HttpBench, ...] = (
    HttpBench("v2 unifiedorder JSAPI, in memory", ("--memory",), v2_unifiedorder("JSAPI"), "<prepay_id>"),
    HttpBench("v2 unifiedorder NATIVE, in memory", ("--memory",), v2_unifiedorder("NATIVE"), "<code_url>"),
    HttpBench("v2 unifiedorder JSAPI, SQLite", ("--db", "{db}"), v2_unifiedorder("JSAPI"), "<prepay_id>"),
    HttpBench("v2 unifiedorder NATIVE, SQLite", ("--db", "{db}"), v2_unifiedorder("NATIVE"), "<code_url>"),
    HttpBench("v3 JSAPI, in memory", ("--memory",), v3_jsapi, '"prepay_id"'),
    HttpBench("v3 JSAPI, SQLite", ("--db", "{db}"), v3_jsapi, '"prepay_id"'),
)


def post(url: str, request: HttpRequest) -> bytes:
    req = urllib.request.Request(url + request.path, data=request.body.encode(), headers=dict(request.headers))
    return urllib.request.urlopen(req, timeout=10).read()


def stored_writes(server: ServerProcess) -> tuple[int, int] | None:
    """(transactions, records) the mock has written to its state file so far (/__mock__/health); None for
    a bare server or a mock in memory."""
    try:
        health = json.loads(urllib.request.urlopen(server.url + "/__mock__/health", timeout=10).read())
    except OSError:
        return None
    writes = health.get("state", {}).get("writes") if isinstance(health, dict) else None
    return (writes["transactions"], writes["records"]) if writes and writes["transactions"] else None


def login_bench_user(mock: ServerProcess) -> None:
    """The JSAPI openid must belong to a known test user."""
    login = urllib.request.Request(
        mock.url + "/__mock__/login",
        data=json.dumps({"user": BENCH_USER}).encode(),
        headers={"Content-Type": "application/json"},  # the control API takes JSON only (guard.py)
        method="POST",
    )
    urllib.request.urlopen(login).read()


class Target:
    """A server under wrk load, measured by its CPU time.

    With ``start`` (a mock), every round starts a fresh server, warms it up and sends it a new batch
    of orders sized from the first warm-up's rate so none repeats: rounds are alike, whatever ran
    before. With ``server`` (a bare handler, or a server the caller keeps), every round uses it;
    ``fresh`` says whether it still gets new orders each round (else it replays the warm-up batch).
    """

    def __init__(
        self,
        row: HttpBench,
        tag: str,
        tmp: Path,
        args: argparse.Namespace,
        *,
        server: ServerProcess | None = None,
        start: Callable[[int], AbstractContextManager[ServerProcess]] | None = None,
        fresh: bool = True,
    ) -> None:
        assert row.make is not None and (server is None) != (start is None)
        self.row, self.make, self.tag, self.tmp, self.args = row, row.make, tag, tmp, args
        self.server, self.start, self.fresh = server, start, fresh
        self.script = script_file(tmp)
        self.warm_file = tmp / f"{tag}-warm.txt"
        write_requests(self.warm_file, self.make(f"{tag}W", 20_000))
        self.rate = 1.0
        self.notes: list[str] = []

    def _load(self, requests_file: Path, seconds: float) -> Sample:
        assert self.server is not None
        written = stored_writes(self.server)
        before = self.server.cpu()
        result = run_wrk(self.server.url, self.script, requests_file, self.row.expect, seconds, self.args.connections)
        cpu = self.server.cpu() - before
        self.notes.extend(p for p in result.problems() if self.fresh or "repeated" not in p)
        wall = result.wall()
        if written is not None and (after := stored_writes(self.server)) is not None and after[0] > written[0]:
            wall["records_per_transaction"] = (after[1] - written[1]) / (after[0] - written[0])  # group commit
        return Sample(cpu, result.requests, wall)

    def _warm_up(self, seconds: float) -> float:
        noted = len(self.notes)
        rate = self._load(self.warm_file, seconds).wall["rps"]
        del self.notes[noted:]  # the warm-up may repeat its orders
        return rate

    def warm_up(self) -> None:
        if self.start is None:
            self.rate = self._warm_up(2)
            return
        with self.start(-1) as self.server:
            self.rate = self._warm_up(2)

    def round(self, number: int) -> Sample:
        if self.start is None:
            return self._measured(number)
        with self.start(number) as self.server:
            self._warm_up(1)
            return self._measured(number)

    def _measured(self, number: int) -> Sample:
        if not self.fresh:
            return self._load(self.warm_file, self.args.seconds)
        count = math.ceil(self.rate * self.args.seconds * 2) + 5_000  # never run out: every order new
        batch = self.tmp / f"{self.tag}-round{number}.txt"
        write_requests(batch, self.make(f"{self.tag}R{number}", count))
        try:
            return self._load(batch, self.args.seconds)
        finally:
            batch.unlink()


def bare_twin(stack: ExitStack, mock: ServerProcess, row: HttpBench, tag: str, tmp: Path, args) -> Target:
    """The bare reference for ``row``: a bare handler answering what the mock answers, canned."""
    assert row.make is not None
    probe = row.make(f"{tag}P", 1)[0]
    answer = post(mock.url, probe)
    if row.expect.encode() not in answer:
        raise RuntimeError(f"{row.name}: the mock's answer lacks {row.expect}: {answer[:300]!r}")
    server = stack.enter_context(bare_server(probe.path, answer))
    return Target(row, f"{tag}b", tmp, args, server=server, fresh=False)


def pair(
    row: HttpBench, tag: str, stack: ExitStack, tmp: Path, args: argparse.Namespace, checkout: Path = ROOT
) -> Pair:
    """The mock started as a user starts it (afresh each round) and its bare twin, ready to alternate."""

    @contextmanager
    def start(number: int) -> Iterator[ServerProcess]:
        db = tmp / f"{tag}-{number}.db"
        with mock_server(*(a.format(db=db) for a in row.server_args), checkout=checkout) as mock:
            login_bench_user(mock)
            yield mock

    with start(-2) as mock:
        bare = bare_twin(stack, mock, row, tag, tmp, args)
    ours = Target(row, tag, tmp, args, start=start)
    bare.warm_up()
    ours.warm_up()
    name = row.name if checkout == ROOT else f"{row.name} [{checkout.name}]"
    comparison = Comparison(name, "request", "request")
    comparison.notes = ours.notes
    return Pair(comparison, bare.round, ours.round)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", help="run only the rows whose name contains this")
    parser.add_argument("--before", type=Path, help="also run each row on the mockwx of this source tree")
    args = parser.parse_args(argv)
    need_wrk()
    rows = [r for r in BENCHES if not args.only or args.only in r.name]
    results: dict[str, object] = {}
    print(f"HTTP benchmarks: wrk -t1 -c{args.connections} -d{args.seconds:g}s, {args.rounds} rounds A B A B")
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        pairs = []
        for index, row in enumerate(rows):
            if row.make is None:
                print(f"  {row.name}: pending ({row.pending})")
                results[row.name] = {"pending": row.pending}
                continue
            if args.before:
                pairs.append(pair(row, f"O{index}", stack, Path(tmp), args, checkout=args.before.resolve()))
            pairs.append(pair(row, f"B{index}", stack, Path(tmp), args))
        alternate(pairs, args.rounds)
        for p in pairs:
            results[p.comparison.name] = p.comparison.summary()
    return results


if __name__ == "__main__":
    from report import print_table

    print_table(main())
