"""Notifications over pooled, kept-alive connections (issue 14): a connection the merchant closed while it
sat in the pool is sent again on a fresh one and never recorded as a failed delivery; a merchant that
reads half a request and hangs up is a failed attempt, once per slot of the schedule."""

from __future__ import annotations

import asyncio
import socket
import struct

from .support import ACK

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s" % (len(ACK), ACK)


class RawMerchant:
    """A notify endpoint on a bare asyncio socket, so that it can misbehave as real servers do.

    ``stale``: answers the first request of each connection and keeps it open, but hangs up without an
    answer when a second request arrives on it (its idle close crossing the mock's next delivery).
    ``half``: reads the head and a few bytes of the body, then resets the connection.
    ``keep``: answers every request and keeps every connection open.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.connections = 0
        self.answered = 0
        self.hung_up = 0
        self.hosts: list[str] = []  # the Host header of every request that arrived
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/notify"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.hosts += [
                    line[5:].strip().decode() for line in head.split(b"\r\n") if line.lower().startswith(b"host:")
                ]
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                if self.mode == "half":
                    await reader.readexactly(min(10, length))
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
                    self.hung_up += 1
                    writer.transport.abort()
                    return
                await reader.readexactly(length)
                if served and self.mode == "stale":  # a request on a kept-alive connection: hang up, as an idle
                    # timeout would have
                    self.hung_up += 1
                    writer.close()
                    return
                writer.write(ANSWER)
                await writer.drain()
                self.answered += 1
                served += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def __aenter__(self) -> RawMerchant:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


async def pay(client, number: str, url: str) -> None:
    order = await client.unifiedorder(number, 100, notify_url=url)
    assert (await client.pay(client.payment_params(order["prepay_id"])))["errMsg"] == "requestPayment:ok"


async def test_a_kept_alive_connection_the_merchant_closed_is_never_a_failed_delivery(client):
    async with RawMerchant("stale") as merchant:
        numbers = [f"P2026112700000{n}" for n in range(4)]
        for number in numbers:  # one after another: each delivery finds the last one's connection pooled
            await pay(client, number, merchant.url)
            notification = await client.wait(out_trade_no=number, status="acked")
            assert [a["verdict"] for a in notification["attempts"]] == ["acked"]
        assert merchant.hung_up >= 1, "no delivery met a stale pooled connection: the test proved nothing"
        assert merchant.answered == len(numbers)
        assert merchant.connections < 2 * len(numbers)  # the pool kept connections alive between deliveries


async def test_a_merchant_that_reads_half_and_hangs_up_is_a_failed_attempt_once_per_slot(client):
    async with RawMerchant("half") as merchant:
        await pay(client, "P20261127000009", merchant.url)
        notification = await client.wait(out_trade_no="P20261127000009", attempts=1)
        assert [a["verdict"] for a in notification["attempts"]] == ["connection_error"]
        assert notification["status"] == "pending" and notification["attempts"][0]["error"]
        tries = merchant.connections
        assert tries in (1, 2)  # the attempt, and at most one retry on a fresh connection
        await client.advance(15)
        notification = await client.wait(out_trade_no="P20261127000009", attempts=2)
        assert [a["verdict"] for a in notification["attempts"]] == ["connection_error", "connection_error"]
        assert merchant.connections - tries in (1, 2) and merchant.answered == 0


async def test_a_burst_to_one_merchant_reuses_its_connections(client):
    async with RawMerchant("keep") as merchant:
        numbers = [f"B2026112700{n:04d}" for n in range(40)]
        for number in numbers:
            await pay(client, number, merchant.url)
        for number in numbers:
            notification = await client.wait(out_trade_no=number, status="acked")
            assert len(notification["attempts"]) == 1
        assert merchant.answered == len(numbers) and merchant.hung_up == 0
        assert merchant.connections < len(numbers) // 2, f"{merchant.connections} connections for {len(numbers)}"


async def test_the_retry_of_a_stale_connection_goes_to_the_routed_target_with_the_original_host(client):
    async with RawMerchant("stale") as merchant:
        port = merchant.url.split(":")[2].split("/")[0]
        await client.control("PATCH", "/settings", {"notify": {"routes": {"shop.example.com": f"127.0.0.1:{port}"}}})
        numbers = [f"RP2026112700000{n}" for n in range(3)]
        for number in numbers:
            await pay(client, number, "https://shop.example.com/notify")
            notification = await client.wait(out_trade_no=number, status="acked")
            assert [a["verdict"] for a in notification["attempts"]] == ["acked"]
            assert notification["attempts"][0]["routed_to"] == f"http://127.0.0.1:{port}/notify"
        assert merchant.hung_up >= 1, "no delivery met a stale pooled connection: the test proved nothing"
        assert merchant.answered == len(numbers)
        assert set(merchant.hosts) == {"shop.example.com"}  # the fresh try kept the notify_url's Host too
