"""The HTTPS front (issue 13): the same application as the plain HTTP port, behind TLS with the local CA,
answering what WeChat's nginx answers before a request reaches the API.

Connections are accepted here, not by aiohttp, so that what the TLS layer turns away is explained:

- a client certificate is requested but not required (CERT_OPTIONAL with the local CA as the client CA):
  calls that need none work without one, and /secapi/ checks it per request (mockwx.http.v2.clientcert);
- a failed handshake (the client does not trust the local CA, or presents a certificate the CA did not
  issue) is logged with what to do and kept for ``GET /__mock__/tls``;
- plain HTTP sent to the HTTPS port gets nginx's 400 "The plain HTTP request was sent to HTTPS port".
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..escape import printable
from ..tls import Network, Refusal
from .render import hint_headers

log = logging.getLogger("mockwx.tls")

TLS_HANDSHAKE = 0x16  # the first byte of a TLS record carrying a ClientHello
DRAIN_BYTES = 64 * 1024  # what is read of a plain HTTP request before it is answered and closed
PLAIN_HTTP = "The plain HTTP request was sent to HTTPS port"


def nginx_page(reason: str) -> str:
    """The 400 page WeChat's nginx answers for a transport-level refusal (as captured in WxJava demo #60)."""
    return (
        f'<html>\r\n<head><title>400 {reason}</title></head>\r\n<body bgcolor="white">\r\n'
        f"<center><h1>400 Bad Request</h1></center>\r\n<center>{reason}</center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )


def handshake_hint(error: BaseException) -> str:
    """What a failed handshake means for the client, in words it can act on."""
    text = str(error).lower()
    if "unknown ca" in text or "bad certificate" in text or "certificate unknown" in text:
        return (
            "the client does not trust the mockwx CA: give it ca.pem (REQUESTS_CA_BUNDLE / SSL_CERT_FILE,"
            " NODE_EXTRA_CA_CERTS, a Java truststore, curl --cacert; GET /__mock__/tls shows the path)"
        )
    if "certificate verify failed" in text or "certificate required" in text:
        return (
            "the client certificate was not issued by the mockwx CA: present the merchant's apiclient_cert.pem and"
            " apiclient_key.pem (or apiclient_cert.p12, password = mch_id) from keys/<mch_id>/ or"
            " GET /__mock__/tenants/<mch_id>/cert (real WeChat answers 400 'The SSL certificate error')"
        )
    if "version" in text or "protocol" in text:
        return "the client speaks a TLS version or cipher the mock does not (TLS 1.2 or 1.3 with current ciphers)"
    if isinstance(error, TimeoutError) or "taking longer" in text:  # asyncio's ssl_handshake_timeout
        return "the client did not finish the TLS handshake in time (idle_timeout)"
    return (
        "the client hung up during the TLS handshake; most often it does not trust the mockwx CA: give it ca.pem"
        " (GET /__mock__/tls shows the path and how, per language)"
    )


class HttpsSite(web.BaseSite):
    """A site of ``runner`` that serves its application over TLS on ``host:port`` (0 picks a free port)."""

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        context: ssl.SSLContext,
        network: Network,
        now: Callable[[], float],
        *,
        handshake_timeout: float = 15.0,
        backlog: int = 128,
    ) -> None:
        super().__init__(runner, backlog=backlog)
        self._host = host
        self._port = port
        self._context = context
        self._network = network
        self._now = now  # the wall clock: when a refusal happened
        self._handshake_timeout = handshake_timeout
        self._socket: socket.socket | None = None
        self._accepting: asyncio.Task[None] | None = None
        self._connecting: set[asyncio.Task[None]] = set()

    @property
    def name(self) -> str:
        return self._network.url("https", self.port)

    @property
    def port(self) -> int:
        return self._socket.getsockname()[1] if self._socket is not None else self._port

    async def start(self) -> None:
        await super().start()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._socket = socket.create_server((self._host, self._port), family=family, backlog=self._backlog)
        self._socket.setblocking(False)
        self._accepting = asyncio.get_running_loop().create_task(self._accept())

    async def stop(self) -> None:
        tasks = [t for t in (self._accepting, *self._connecting) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._socket is not None:
            self._socket.close()
        await super().stop()

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._socket is not None
        while True:
            try:
                connection, address = await loop.sock_accept(self._socket)
            except OSError as exc:  # out of file descriptors: the log says so (once per window), and we go on
                log.error("the HTTPS port cannot accept a connection: %s", exc.strerror or exc)
                await asyncio.sleep(0.1)
                continue
            connection.setblocking(False)
            task = loop.create_task(self._connect(connection, str(address[0])))
            self._connecting.add(task)
            task.add_done_callback(self._connecting.discard)

    async def _connect(self, connection: socket.socket, remote: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            first = await asyncio.wait_for(_peek(loop, connection), self._handshake_timeout)
        except (OSError, TimeoutError, asyncio.CancelledError) as exc:
            connection.close()
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        if not first:
            connection.close()
            return
        if first[0] != TLS_HANDSHAKE:
            await self._plain_http(loop, connection, remote)
            return
        try:
            await loop.connect_accepted_socket(
                self._runner.server,  # type: ignore[arg-type]
                connection,
                ssl=self._context,
                ssl_handshake_timeout=self._handshake_timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            connection.close()
            self._refused(remote, exc)

    def _refused(self, remote: str, error: BaseException) -> None:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        refusal = Refusal(self._now(), remote, reason, handshake_hint(error))
        self._network.refusals.append(refusal)
        log.warning("HTTPS handshake from %s refused (%s): %s", remote, printable(reason), refusal.hint)

    async def _plain_http(self, loop: asyncio.AbstractEventLoop, connection: socket.socket, remote: str) -> None:
        """nginx's answer to plain HTTP on its HTTPS port, then the connection closes."""
        http = self._network.url("http", self._network.http_port)
        hint = f"this port speaks HTTPS: use {self.name} (and trust the mockwx CA) or plain HTTP on {http}"
        body = nginx_page(PLAIN_HTTP).encode("ascii")
        head = "".join(
            f"{name}: {value}\r\n"
            for name, value in {
                "Server": "nginx",
                "Content-Type": "text/html",
                "Content-Length": str(len(body)),
                "Connection": "close",
                **hint_headers(hint),
            }.items()
        )
        try:
            await _drain(loop, connection, timeout=0)  # what already arrived, so the close sends no reset
            await loop.sock_sendall(connection, f"HTTP/1.1 400 Bad Request\r\n{head}\r\n".encode("latin-1") + body)
            connection.shutdown(socket.SHUT_WR)
            await _drain(loop, connection)  # until the client closes, so it reads the answer before any reset
        except OSError:
            pass
        finally:
            connection.close()
        self._network.refusals.append(Refusal(self._now(), remote, PLAIN_HTTP, hint))


async def _peek(loop: asyncio.AbstractEventLoop, connection: socket.socket) -> bytes:
    """The first byte the client sent, left in the socket for the TLS layer (b'' when it closed)."""
    while True:
        try:
            return connection.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            await _readable(loop, connection)


async def _readable(loop: asyncio.AbstractEventLoop, connection: socket.socket) -> None:
    ready: asyncio.Future[Any] = loop.create_future()
    loop.add_reader(connection.fileno(), lambda: ready.done() or ready.set_result(None))
    try:
        await ready
    finally:
        loop.remove_reader(connection.fileno())


async def _drain(loop: asyncio.AbstractEventLoop, connection: socket.socket, timeout: float = 1.0) -> None:
    """Read (and drop) what the client sent, up to DRAIN_BYTES or ``timeout`` seconds or its end."""
    received = 0
    deadline = loop.time() + timeout
    while received < DRAIN_BYTES:
        try:
            chunk = connection.recv(DRAIN_BYTES - received)
        except BlockingIOError:
            if loop.time() >= deadline:
                return
            try:
                await asyncio.wait_for(_readable(loop, connection), deadline - loop.time())
            except TimeoutError:
                return
            continue
        if not chunk:
            return
        received += len(chunk)
