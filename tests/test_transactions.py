"""Nothing acknowledged is lost (issue 8 items 1-4, 13): one transaction per state change, memory
undone when the write fails, one owner per state file, a reset that cannot be undone by work still
running, a deleted state file noticed, and a bad --db refused in one line.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mockwx.persist import StateFileError
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config

from .disk import SmallDisk
from .support import Receiver, Reply

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def disk(tmp_path):
    """A folder on a disk that fills up (a real tmpfs where this process may mount one)."""
    small = SmallDisk(tmp_path / "small")
    yield small
    small.close()


async def paid(client: MockClient, number: str, notify_url: str, total_fee: int = 100) -> dict:
    order = await client.unifiedorder(number, total_fee, notify_url=notify_url)
    return await client.pay(client.payment_params(order["prepay_id"]))


async def test_a_failed_write_during_payment_changes_nothing_and_the_retry_is_whole(disk, receiver):
    db = disk.db
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        order = await client.unifiedorder("T20261127000001", 100, notify_url=receiver.url)
        params = client.payment_params(order["prepay_id"])
        disk.fill(mock)
        refused = await client.control("POST", "/pay", params, ok=(503,))
        assert "could not be stored" in refused["error"] and "undone" in refused["error"]
        assert (await client.order("T20261127000001"))["trade_state"] == "NOTPAY"
        assert await client.notifications() == []
        async with client.session.get(f"{mock.url}/__mock__/health") as response:
            health = await response.json()
            assert response.status == 503 and not health["ok"]
            assert "undone" in health["state"]["events"][-1]["what"]
        disk.free(mock)
        assert (await client.pay(params))["errMsg"] == "requestPayment:ok"
        await client.wait(status="acked", out_trade_no="T20261127000001")
        assert len(receiver.received) == 1
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        after = await client.order("T20261127000001")
        assert after["trade_state"] == "SUCCESS"
        assert [n["status"] for n in after["notifications"]] == ["acked"]


async def test_a_refund_that_failed_to_store_then_succeeded_on_retry_survives_a_restart(disk, receiver):
    db = disk.db
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        await paid(client, "T20261127000002", receiver.url)
        disk.fill(mock)
        failed = await client.refund("T20261127000002", "R1", 40)
        assert (failed["return_code"], failed["result_code"], failed["err_code"]) == ("SUCCESS", "FAIL", "SYSTEMERROR")
        assert failed["err_code_des"] == "系统繁忙,请稍后再试." and failed["sign"]
        view = await client.order("T20261127000002")
        assert view["refunds"] == [] and view["refunded_fee"] == 0 and view["trade_state"] == "SUCCESS"
        disk.free(mock)
        retried = await client.refund("T20261127000002", "R1", 40)
        assert retried["result_code"] == "SUCCESS"
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        query = await client.v2("/pay/refundquery", {"out_refund_no": "R1"})
        assert query["result_code"] == "SUCCESS" and query["refund_fee_0"] == "40"
        view = await client.order("T20261127000002")
        assert view["refunded_fee"] == 40 and view["trade_state"] == "REFUND"


@pytest.mark.parametrize("reset_first", [False, True], ids=["as-started", "after-a-reset"])
async def test_a_refund_whose_settlement_could_not_be_stored_settles_once_the_disk_has_room(
    disk, receiver, reset_first
):
    """A reset rebuilds the services: the refund service must listen to the new state's undone writes too
    (it did not, and a settlement undone after a reset stayed PROCESSING until a restart)."""
    async with MockServer(mock_config(db=disk.db)) as mock, MockClient(mock.url) as client:
        if reset_first:
            await client.reset()
        await paid(client, "T20261127000003", receiver.url)
        assert (await client.refund("T20261127000003", "R3", 40))["result_code"] == "SUCCESS"
        disk.fill(mock)
        # the settlement falls due and cannot be stored: undone, PROCESSING again, and the advance says 503
        await client.control("POST", "/clock/advance", {"seconds": 3600}, ok=(503,))
        disk.free(mock)
        await client.advance(3600)
        query = await client.v2("/pay/refundquery", {"out_refund_no": "R3"})
        assert query["refund_status_0"] == "SUCCESS", query


async def test_a_really_full_database_refuses_the_order_that_did_not_fit_and_keeps_the_others(tmp_path):
    db = str(tmp_path / "state.sqlite3")
    accepted: list[str] = []
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        openid = (await client.login("alice"))["openid"]
        connection = mock.backend.persistence._db
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLite's own "database or disk is full"
        failed = None
        for n in range(1, 2000):
            number = f"F2026112700{n:04d}"
            answer = await client.unifiedorder(number, 1, body="x" * 120, openid=openid)
            if answer.get("err_code") == "SYSTEMERROR":
                failed = number
                break
            accepted.append(number)
        assert failed is not None, "the capped database never filled up"
        gone = await client.v2("/pay/orderquery", {"out_trade_no": failed})
        assert gone["err_code"] == "ORDERNOTEXIST"
        assert not mock.backend.state.healthy
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        stored = {o["out_trade_no"] for o in (await client.control("GET", "/orders"))["orders"]}
        assert set(accepted) <= stored and failed not in stored


async def test_a_second_mock_on_the_same_state_file_is_refused_in_one_line(tmp_path):
    db = tmp_path / "state.sqlite3"
    first = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "listening on" in first.stdout.readline() or "listening on" in first.stdout.readline()
        second = subprocess.run(
            [sys.executable, str(ROOT / "run_mock.py"), "--port", "0", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert str(db) in lines[0] and f"pid {first.pid}" in lines[0]
        assert "--db" in lines[0] and "--memory" in lines[0]
    finally:
        first.terminate()
        first.communicate(timeout=10)


async def test_the_same_state_file_cannot_be_opened_twice_in_one_process(tmp_path):
    db = str(tmp_path / "state.sqlite3")
    async with MockServer(mock_config(db=db)):
        with pytest.raises(StateFileError, match="in use by another mockwx"):
            await MockServer(mock_config(db=db)).start()
    async with MockServer(mock_config(db=db)):  # released when the first one stopped
        pass


async def test_a_reset_during_an_advance_cannot_bring_deleted_notifications_back(tmp_path, receiver):
    db = str(tmp_path / "state.sqlite3")
    receiver.default = Reply(status=503)  # fails at once: its retries keep the advance busy
    async with Receiver() as slow:
        slow.default = Reply(status=503, delay=0.05)  # still answering when the reset comes
        async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
            for n in range(40):
                await paid(client, f"R202611270{n:05d}", (receiver if n % 2 else slow).url)
            advancing = asyncio.ensure_future(client.advance(24 * 3600 + 240))
            while len(slow.received) < 60:  # the retry story is under way
                await asyncio.sleep(0.005)
            await client.reset()
            await advancing
            assert await client.notifications() == []
            received = len(receiver.received) + len(slow.received)
            await asyncio.sleep(0.2)
            assert len(receiver.received) + len(slow.received) == received  # the old story is over
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        assert await client.notifications() == []
        assert (await client.control("GET", "/orders"))["orders"] == []


async def test_a_reset_on_a_full_disk_changes_nothing_and_the_old_state_goes_on(disk, receiver):
    receiver.default = Reply(status=503)  # the merchant is down: the notification waits for its retries
    async with MockServer(mock_config(db=disk.db)) as mock, MockClient(mock.url) as client:
        await paid(client, "B20261127000001", receiver.url)
        await client.wait(out_trade_no="B20261127000001", attempts=1)
        disk.fill(mock)
        refused = await client.control("POST", "/reset", ok=(503,))
        assert "could not be stored" in refused["error"]
        assert "full" in refused["error"] or not disk.real  # SQLite's own words on a real full disk
        health = await client.control("GET", "/health", ok=(503,))
        assert "nothing was reset" in health["state"]["events"][-1]["what"]
        assert (await client.order("B20261127000001"))["trade_state"] == "SUCCESS"  # still there...
        assert (await client.clock())["pending_jobs"] >= 1  # ...with its retry still scheduled
        disk.free(mock)
        receiver.default = Reply()
        await paid(client, "B20261127000002", receiver.url)  # the old state stores and notifies again
        await client.advance(3600)
        delivered = {n["out_trade_no"] for n in await client.notifications(status="acked")}
        assert delivered == {"B20261127000001", "B20261127000002"}
        assert (await client.control("GET", "/health"))["ok"]
    async with MockServer(mock_config(db=disk.db)) as mock, MockClient(mock.url) as client:
        stored = {o["out_trade_no"] for o in (await client.control("GET", "/orders"))["orders"]}
        assert stored == {"B20261127000001", "B20261127000002"}
        assert [n["status"] for n in await client.notifications()] == ["acked", "acked"]
        await client.reset()  # with room on the disk, the reset goes through and is stored
    async with MockServer(mock_config(db=disk.db)) as mock, MockClient(mock.url) as client:
        assert (await client.control("GET", "/orders"))["orders"] == []


async def test_a_deleted_state_file_is_noticed_recreated_and_nothing_is_lost(tmp_path, caplog):
    db = tmp_path / "state.sqlite3"
    async with MockServer(mock_config(db=str(db))) as mock, MockClient(mock.url) as client:
        await client.unifiedorder("D20261127000001", 1)
        for path in tmp_path.glob("state.sqlite3*"):
            if not path.name.endswith(".lock"):
                path.unlink()
        await client.unifiedorder("D20261127000002", 1)
        async with client.session.get(f"{mock.url}/__mock__/health") as response:
            health = await response.json()
        assert health["ok"] and "deleted or replaced" in health["state"]["events"][-1]["what"]
        assert "WAS DELETED OR REPLACED" in caplog.text
        assert db.exists()
    async with MockServer(mock_config(db=str(db))) as mock, MockClient(mock.url) as client:
        stored = {o["out_trade_no"] for o in (await client.control("GET", "/orders"))["orders"]}
        assert stored == {"D20261127000001", "D20261127000002"}


async def stored_orders(db: Path) -> set[str]:
    """The orders a state file holds, read by a mock started on it afterwards."""
    async with MockServer(mock_config(db=str(db))) as mock, MockClient(mock.url) as client:
        return {o["out_trade_no"] for o in (await client.control("GET", "/orders"))["orders"]}


async def native(client: MockClient, number: str) -> dict[str, str]:
    """An order that needs no login (a login is a write too)."""
    return await client.unifiedorder(number, 1, trade_type="NATIVE", product_id="p1")


async def test_health_notices_a_deleted_state_file_before_the_next_write(tmp_path):
    db = tmp_path / "state.sqlite3"
    async with MockServer(mock_config(db=str(db))) as mock, MockClient(mock.url) as client:
        await native(client, "H20261127000001")
        db.unlink()
        health = await client.control("GET", "/health", ok=(503,))
        assert not health["ok"] and "is gone" in health["state"]["events"][-1]["what"]
        await native(client, "H20261127000002")  # the write re-creates it
        assert (await client.control("GET", "/health"))["ok"]
    assert await stored_orders(db) == {"H20261127000001", "H20261127000002"}


async def test_a_state_file_that_cannot_be_re_created_fails_every_write_at_once_until_it_can(tmp_path, caplog):
    folder = tmp_path / "del"
    db = folder / "state.sqlite3"
    async with MockServer(mock_config(db=str(db))) as mock, MockClient(mock.url) as client:
        await native(client, "M20261127000001")
        shutil.rmtree(folder)
        folder.write_text("")  # a file where the folder was: the state file cannot be made again
        refused = await asyncio.wait_for(native(client, "M20261127000002"), 10)
        assert (refused["result_code"], refused["err_code"]) == ("FAIL", "SYSTEMERROR")
        login = await asyncio.wait_for(client.control("POST", "/login", {"user": "bob"}, ok=(503,)), 10)
        assert "cannot re-create the folder" in login["error"]
        health = await client.control("GET", "/health", ok=(503,))
        assert any("cannot re-create the folder" in e["what"] for e in health["state"]["events"])
        assert "cannot be re-created" in caplog.text
        assert (await client.order("M20261127000001"))["trade_state"] == "NOTPAY"  # what was stored still reads
        gone = await client.v2("/pay/orderquery", {"out_trade_no": "M20261127000002"})
        assert gone["err_code"] == "ORDERNOTEXIST"  # the refused order was undone in memory too
        folder.unlink()
        assert (await native(client, "M20261127000002"))["result_code"] == "SUCCESS"
        assert (await client.control("GET", "/health"))["ok"]
    assert await stored_orders(db) == {"M20261127000001", "M20261127000002"}


async def test_a_mock_whose_state_file_was_deleted_never_writes_into_another_mocks_file(tmp_path):
    folder = tmp_path / ".mockwx"
    db = folder / "state.sqlite3"
    async with MockServer(mock_config(db=str(db))) as first, MockClient(first.url) as a:
        await native(a, "A20261127000001")
        shutil.rmtree(folder)  # make clean while it runs...
        async with MockServer(mock_config(db=str(db))) as second, MockClient(second.url) as b:  # ...and a new one
            await native(b, "B20261127000001")
            refused = await native(a, "A20261127000002")
            assert refused["err_code"] == "SYSTEMERROR"
            health = await a.control("GET", "/health", ok=(503,))
            assert any("in use by another mockwx" in e["what"] for e in health["state"]["events"])
            assert {o["out_trade_no"] for o in (await b.control("GET", "/orders"))["orders"]} == {"B20261127000001"}
        refused = await native(a, "A20261127000002")  # the other mock stopped; its file is still there
        assert refused["err_code"] == "SYSTEMERROR"
        health = await a.control("GET", "/health", ok=(503,))
        assert any("did not create" in e["what"] for e in health["state"]["events"])
        assert await stored_orders(db) == {"B20261127000001"}  # untouched
        for path in folder.glob("state.sqlite3*"):
            path.unlink()
        assert (await native(a, "A20261127000002"))["result_code"] == "SUCCESS"  # re-created, its own
    assert await stored_orders(db) == {"A20261127000001", "A20261127000002"}


def serve_with_db(db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "run_mock.py"), "--port", "0", "--db", db],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("make", "says"),
    [
        ("directory", "is a directory"),
        ("corrupt", "not a SQLite database"),
        ("uncreatable", "cannot create the folder"),
        ("readonly", "read-only"),
    ],
)
def test_a_bad_state_file_is_one_clear_line(tmp_path, make, says):
    if make == "directory":
        db = tmp_path / "adir"
        db.mkdir()
    elif make == "corrupt":
        db = tmp_path / "state.sqlite3"
        db.write_bytes(b"this is not a database" * 100)
    elif make == "uncreatable":
        db = Path("/proc/mockwx-none/state.sqlite3")
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes read-only files: the read-only case cannot be made here")
        db = tmp_path / "state.sqlite3"
        sqlite3.connect(db).execute("CREATE TABLE x (y)").connection.close()
        db.chmod(0o444)
        tmp_path.chmod(0o555)
    done = serve_with_db(str(db))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], done.stderr
    assert "Traceback" not in done.stderr
