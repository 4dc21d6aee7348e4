"""Group commit (issue 14): the changes of one event-loop turn share one SQLite transaction, and no
answer leaves before the change it acknowledges is in the file. Records are stored in the text the
standard library's ``json.dumps(asdict(record))`` wrote, so state files of older versions open as they are.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import asdict

import aiohttp
import pytest
from aiohttp import web

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.domain.models import Attempt, Notification, Order, PaymentAttempt, Refund
from mockwx.http.app import create_app
from mockwx.http.keys import BACKEND, ENTRY
from mockwx.http.serving import listen
from mockwx.persist import SqlitePersistence, StorageError, encode
from mockwx.state import State
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config
from mockwx.wire import new_nonce, parse_xml, render_xml, with_sign


def order(number: str, **extra: object) -> Order:
    return Order(
        env="prod",
        mch_id=DEMO_MCH_ID,
        appid=DEMO_APPID,
        out_trade_no=number,
        params={"body": "商品 ✓", "out_trade_no": number},
        total_fee=100,
        trade_type="NATIVE",
        notify_url="http://127.0.0.1:9/notify",
        sign_type="MD5",
        created_at=1764200000.25,
        **extra,
    )


def stored(path: str, kind: str, key: str) -> str | None:
    """The record's text as another connection sees the file right now."""
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT data FROM records WHERE kind = ? AND key = ?", (kind, key)).fetchone()
    return row[0] if row else None


# -- the stored format -----------------------------------------------------------------------------


RECORDS = [
    order("F1"),
    order(
        "F2",
        time_expire=1764207200.5,
        code_url="weixin://wxpay/bizpayurl?pr=abc",
        trade_state="SUCCESS",
        payments=[PaymentAttempt(at=1.5, outcome="cancel", err_msg="requestPayment:fail cancel")],
        refund_nos=["R1", "R2"],
        attach='quote " backslash \\ newline \n tab \t nul \x00 emoji 😀',
    ),
    Refund(
        env="sandbox",
        mch_id="1",
        appid="wx1",
        out_refund_no="R1",
        out_trade_no="F2",
        transaction_id="4200",
        refund_id="5030",
        total_fee=100,
        refund_fee=40,
        created_at=0.0,
        settle_at=1e16,
    ),
    Notification(
        id="ntf_1",
        kind="payment",
        env="prod",
        mch_id="1",
        out_trade_no="F2",
        url="http://127.0.0.1:1/n",
        body="<xml><a><![CDATA[中文]]></a></xml>",
        created_at=3.0,
        delays=[15, 15, 30],
        headers={"Content-Type": "text/xml"},
        attempts=[Attempt(number=1, at=3.0, url="http://127.0.0.1:1/n", verdict="connection_error", status=None)],
        next_at=18.0,
    ),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_is_stored_as_the_standard_library_wrote_it(record):
    assert encode(record) == json.dumps(asdict(record), ensure_ascii=False, separators=(",", ":"))
    assert type(record).from_dict(json.loads(encode(record))) == record


def test_a_record_json_cannot_hold_is_a_storage_error_not_a_crash():
    with pytest.raises(StorageError, match="Order record could not be encoded"):
        encode(order("F3", attach="lone surrogate \udc80"))


async def test_a_state_file_written_before_orjson_opens_and_carries_on(tmp_path):
    """A file whose rows json.dumps wrote (as every earlier version did): read, served, written on."""
    path = str(tmp_path / "old.sqlite3")
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE records (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key))"
        )
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        old = order("OLD0001", prepay_id="wx" + "1" * 34, prepay_expires_at=1e12, time_expire=1e12)
        text = json.dumps(asdict(old), ensure_ascii=False, separators=(",", ":"))
        db.execute("INSERT INTO records VALUES ('order', ?, ?)", (old.key, text))
    async with MockServer(mock_config(db=path)) as mock, MockClient(mock.url) as client:
        assert mock.backend.state.orders[old.key] == old
        view = await client.order("OLD0001")
        assert view["params"]["body"] == "商品 ✓" and view["trade_state"] == "NOTPAY"
        closed = await client.v2("/pay/closeorder", {"out_trade_no": "OLD0001"})
        assert closed["result_code"] == "SUCCESS"
    assert json.loads(stored(path, "order", old.key))["trade_state"] == "CLOSED"


# -- one transaction per loop turn -----------------------------------------------------------------


async def test_the_puts_of_one_loop_turn_are_one_transaction(tmp_path):
    persistence = SqlitePersistence(str(tmp_path / "state.sqlite3"))
    state = State(persistence)
    start = persistence.transactions  # opening a new file stored its schema version
    try:
        for n in range(20):  # one turn: no await between the puts
            state.put_order(order(f"T{n:04d}"))
        await state.commit()
        assert (persistence.transactions - start, persistence.records_written) == (1, 20)
        for n in range(3):  # three turns
            state.put_order(order(f"U{n:04d}"))
            await asyncio.sleep(0)
        await state.commit()
        assert (persistence.transactions - start, persistence.records_written) == (4, 23)
        assert stored(persistence.location, "order", order("U0002").key) is not None
    finally:
        state.close()
        persistence.close()


def signed_order(number: str) -> bytes:
    fields = {
        "appid": DEMO_APPID,
        "mch_id": DEMO_MCH_ID,
        "nonce_str": new_nonce(),
        "body": "group commit",
        "out_trade_no": number,
        "total_fee": 100,
        "spbill_create_ip": "127.0.0.1",
        "notify_url": "http://127.0.0.1:9/notify",
        "trade_type": "NATIVE",
        "product_id": "P1",
    }
    return render_xml(with_sign(fields, DEMO_API_KEY))


async def test_concurrent_orders_share_transactions_and_none_is_answered_before_it_is_stored(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    app = create_app(mock_config(db=path))
    seen_at_answer: dict[str, str | None] = {}

    async def look_at_the_file(request: web.Request, _response: web.StreamResponse) -> None:
        number = request[ENTRY].fields.get("out_trade_no") if ENTRY in request else None
        if number:  # the moment the answer's headers go out: is the order in the file?
            seen_at_answer[number] = stored(path, "order", f"prod:{DEMO_MCH_ID}:{number}")

    app.on_response_prepare.append(look_at_the_file)
    runner, port = await listen(app, "127.0.0.1", 0)
    try:
        persistence = app[BACKEND].persistence
        before = persistence.transactions
        numbers = [f"G{n:06d}" for n in range(64)]
        connector = aiohttp.TCPConnector(limit=32)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def place(number: str) -> dict[str, str]:
                async with session.post(f"http://127.0.0.1:{port}/pay/unifiedorder", data=signed_order(number)) as r:
                    return parse_xml(await r.read())

            answers = await asyncio.gather(*(place(n) for n in numbers))
            async with session.get(f"http://127.0.0.1:{port}/__mock__/health") as response:
                writes = (await response.json())["state"]["writes"]
        assert all(a["result_code"] == "SUCCESS" and a["code_url"] for a in answers)
        assert set(seen_at_answer) == set(numbers)
        missing = [n for n, text in seen_at_answer.items() if text is None]
        assert missing == [], f"answered before stored: {missing}"
        transactions = persistence.transactions - before
        assert 1 <= transactions < len(numbers), f"{transactions} transactions for {len(numbers)} orders"
        assert writes == {"transactions": persistence.transactions, "records": persistence.records_written}
    finally:
        await runner.cleanup()
