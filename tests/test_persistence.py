"""State that survives a restart, including a kill -9 with notifications pending."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config

from .support import Reply

ROOT = Path(__file__).resolve().parent.parent


async def test_restart_in_process_keeps_everything(tmp_path):
    config = mock_config(db=str(tmp_path / "state.sqlite3"))
    async with MockServer(config) as mock, MockClient(mock.url) as client:
        await client.control("POST", "/tenants", {"apps": [{"appid": "wx1111111111111111", "secret": "1" * 32}]})
        login = await client.login("alice")
        order = await client.unifiedorder("D20261127000001", 100, notify_url="http://127.0.0.1:9/notify")
        await client.pay(client.payment_params(order["prepay_id"]))
        await client.advance(15)
        clock = (await client.clock())["now"]
        before = await client.order("D20261127000001")
    async with MockServer(mock_config(db=str(tmp_path / "state.sqlite3"))) as mock, MockClient(mock.url) as client:
        after = await client.order("D20261127000001")
        assert after == {**before, "notifications": after["notifications"]}
        assert len(after["notifications"][0]["attempts"]) == 2
        assert (await client.clock())["now"] == clock
        apps = (await client.control("GET", "/tenants"))["apps"]
        assert "wx1111111111111111" in {a["appid"] for a in apps}
        assert (await client.code2session(login["code"]))["openid"] == login["openid"]  # codes too
        await client.advance(30)
        assert len((await client.order("D20261127000001"))["notifications"][0]["attempts"]) == 3


async def start_process(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_mock.py"), "--port", "0", "--clock", "virtual", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, proc.stdout.readline)
        assert line, "the mock exited before listening"
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            return proc, found.group(1)


async def test_kill_9_with_notifications_pending_loses_nothing(tmp_path, receiver):
    db = tmp_path / "state.sqlite3"
    receiver.plan = [Reply(status=503), Reply(status=503)]
    proc, url = await start_process(db)
    try:
        async with MockClient(url) as client:
            order = await client.unifiedorder("K20261127000001", 100, notify_url=receiver.url)
            await client.pay(client.payment_params(order["prepay_id"]))
            await client.advance(15)  # attempts 1 and 2 fail
            before = await client.order("K20261127000001")
            assert [a["verdict"] for a in before["notifications"][0]["attempts"]] == ["http_error", "http_error"]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    proc, url = await start_process(db)
    try:
        async with MockClient(url) as client:
            after = await client.order("K20261127000001")
            assert after["trade_state"] == "SUCCESS" and after["transaction_id"] == before["transaction_id"]
            notification = after["notifications"][0]
            assert notification["status"] == "pending" and len(notification["attempts"]) == 2
            assert notification["next_at"] == before["notifications"][0]["next_at"]
            await client.advance(15)  # the third attempt, on schedule, is acknowledged
            done = (await client.order("K20261127000001"))["notifications"][0]
            assert [a["verdict"] for a in done["attempts"]] == ["http_error", "http_error", "acked"]
            first = done["attempts"][0]["at"]
            assert [round(a["at"] - first) for a in done["attempts"]] == [0, 15, 30]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)


async def test_memory_mode_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with MockServer(mock_config()) as mock, MockClient(mock.url) as client:
        await client.unifiedorder("D20261127000002", 1)
        assert mock.backend.persistence.location == ":memory:"
    assert list(tmp_path.iterdir()) == []


async def test_a_seeded_mock_restarted_on_its_state_mints_new_ids(tmp_path):
    db = str(tmp_path / "state.sqlite3")
    seen = []
    for number in ("D20261127000010", "D20261127000011"):
        async with MockServer(mock_config(db=db, seed=7)) as mock, MockClient(mock.url) as client:
            order = await client.unifiedorder(number, 1, notify_url="http://127.0.0.1:9/notify")
            await client.pay(client.payment_params(order["prepay_id"]))
            seen.append((await client.order(number))["transaction_id"])
            notes = await client.notifications()
    assert seen[0] != seen[1] and len({n["id"] for n in notes}) == 2


async def test_a_replaced_prepay_id_is_still_known_as_expired_after_a_restart(tmp_path):
    db = str(tmp_path / "state.sqlite3")
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        first = await client.unifiedorder("D20261127000020", 1)
        await client.advance(7200)
        await client.unifiedorder("D20261127000020", 1)  # a new prepay_id replaces the first
        params = client.payment_params(first["prepay_id"])
    async with MockServer(mock_config(db=db)) as mock, MockClient(mock.url) as client:
        refused = await client.pay(params)
        assert refused["err_desc"] == "该订单已过期，请重新下单"
