"""The HTTP proxy (issue 13): a program run with ``HTTPS_PROXY=http://127.0.0.1:8902`` and the local CA
trusted reaches the mock under WeChat's real host names, with no change to its code or configuration.

- ``CONNECT api.mch.weixin.qq.com:443`` (and api2.mch, api.weixin, the names added in ``tls.names``)
  is spliced to the mock's HTTPS port, byte for byte: TLS, SNI and client certificates behave there
  exactly as on that port;
- an absolute-form request for those hosts (``POST http://api.mch.weixin.qq.com/pay/unifiedorder``) goes
  to the plain HTTP port, one request per connection (``Connection: close``);
- any other host is refused with a 403 that says why (the proxy is not an open relay), or tunnelled
  untouched with ``proxy.passthrough``;
- a request head must be whole within ``head_timeout`` seconds and 16 KiB, or the client gets a 4xx.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .escape import printable

log = logging.getLogger("mockwx.proxy")

MAX_HEAD = 16 * 1024
CHUNK = 64 * 1024
HTTPS_PORT = 443
CONNECT_TIMEOUT = 10.0  # seconds to reach an upstream
LINGER = 60.0  # seconds an answer may still take once the client has stopped sending
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
VERSION = re.compile(r"HTTP/1\.[01]")
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "upgrade"}
)
BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # control characters (a tab is allowed)
REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class Refused(Exception):
    """The proxy's own answer to a request it will not carry."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass(frozen=True, slots=True)
class Head:
    """A request head as the client sent it."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]


def parse_head(raw: bytes) -> Head:
    """The request line and header fields, or Refused(400) that says what is wrong with them."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise Refused(400, "the request head is not ASCII text") from None
    request_line, *lines = text[:-4].split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not TOKEN.fullmatch(parts[0]) or not parts[1] or not VERSION.fullmatch(parts[2]):
        raise Refused(400, f"not an HTTP/1.x request line: {printable(request_line[:200])!r}")
    headers = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not TOKEN.fullmatch(name) or BAD_VALUE.search(value):
            raise Refused(400, f"not a header field: {printable(line[:200])!r}")
        headers.append((name, value.strip(" \t")))
    return Head(parts[0].upper(), parts[1], parts[2], headers)


def authority(text: str, default_port: int) -> tuple[str, int]:
    """(host, port) of ``host[:port]`` or ``[v6][:port]``; Refused(400) otherwise."""
    try:
        parts = urlsplit(f"//{text}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or parts.path or parts.query or parts.username is not None or (port is not None and port < 1):
        raise Refused(400, f"{printable(text[:200])!r} is not host:port")
    return host.rstrip("."), port or default_port


class Proxy:
    """Carries each client connection to the mock (WeChat's hosts), elsewhere (passthrough) or nowhere."""

    def __init__(
        self,
        names: Iterable[str],
        *,
        https: tuple[str, int],
        http: tuple[str, int],
        passthrough: bool = False,
        head_timeout: float = 15.0,
    ) -> None:
        self.names = frozenset(n.lower().rstrip(".") for n in names)
        self.https = https
        self.http = http
        self.passthrough = passthrough
        self.head_timeout = head_timeout
        self._open: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def close_all(self) -> None:
        """End every connection still open (the listener has stopped), and wait until each handler is done."""
        for task, writer in list(self._open.items()):
            writer.close()
            task.cancel()
        await asyncio.gather(*self._open, return_exceptions=True)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._open[task] = writer
        try:
            await self._serve(reader, writer)
        except Refused as refused:
            await _answer(writer, refused.status, refused.text)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # the proxy is stopping; asyncio's stream server would log a cancelled handler as an error
        except Exception as exc:  # a mockwx bug: said in the answer and the log, never a silent hang-up
            log.exception("the proxy failed on %s", printable(repr(exc)))
            await _answer(writer, 500, f"internal error in mockwx's proxy: {type(exc).__name__}; please report it")
        finally:
            del self._open[task]
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            raw = await asyncio.wait_for(self._head(reader), self.head_timeout)
        except TimeoutError:
            raise Refused(408, f"no whole request head within {self.head_timeout:g} seconds") from None
        except asyncio.LimitOverrunError:
            raise Refused(431, f"the request head is over {MAX_HEAD} bytes") from None
        head = parse_head(raw)
        if head.method == "CONNECT":
            await self._tunnel(head, reader, writer)
        elif head.target.lower().startswith("http://"):
            await self._forward(head, reader, writer)
        elif head.target.lower().startswith("https://"):
            raise Refused(400, "an https:// URL goes through the proxy with CONNECT (set HTTPS_PROXY, not HTTP_PROXY)")
        else:
            raise Refused(
                400,
                "this is mockwx's proxy, not a web server: set HTTPS_PROXY (and HTTP_PROXY) to its URL and call"
                f" WeChat's hosts ({', '.join(sorted(self.names))}) as usual",
            )

    @staticmethod
    async def _head(reader: asyncio.StreamReader) -> bytes:
        first = await reader.readexactly(1)
        if first == b"\x16":  # a TLS ClientHello: the client was told https:// for the proxy itself
            log.info("proxy refused a TLS handshake: the proxy speaks plain HTTP")
            raise Refused(
                400, "this proxy speaks plain HTTP, not TLS: set HTTPS_PROXY=http://... (http://, not https://)"
            )
        return first + await reader.readuntil(b"\r\n\r\n")

    def _upstream(self, host: str, port: int, wechat: tuple[str, int], wechat_port: int) -> tuple[str, int]:
        """Where a request for host:port goes, or Refused(403) that says why not."""
        name = host.lower()
        if name in self.names:
            if port != wechat_port:
                raise Refused(403, f"mockwx's proxy sends {name} to the mock on port {wechat_port} only, not {port}")
            return wechat
        if self.passthrough:
            return host, port
        host = printable(host)
        log.info("proxy refused %s:%d (not one of WeChat's hosts; no passthrough)", host, port)
        raise Refused(
            403,
            f"mockwx's proxy does not carry {host}:{port}: it is not an open relay, and sends only WeChat's hosts"
            f" ({', '.join(sorted(self.names))}) to the mock. Keep other hosts off it with NO_PROXY (for example"
            f" NO_PROXY=localhost,127.0.0.1,{host}), or start the mock with --proxy-passthrough"
            " (proxy.passthrough: true) to tunnel them untouched.",
        )

    async def _tunnel(self, head: Head, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = authority(head.target, HTTPS_PORT)
        target = self._upstream(host, port, self.https, HTTPS_PORT)
        up_reader, up_writer = await _open(target, f"{host}:{port}")
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await _splice(reader, writer, up_reader, up_writer)

    async def _forward(self, head: Head, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            url = urlsplit(head.target)
        except ValueError:
            raise Refused(400, f"{printable(head.target[:200])!r} is not a URL") from None
        host, port = authority(url.netloc, 80)
        target = self._upstream(host, port, self.http, 80)
        up_reader, up_writer = await _open(target, f"{host}:{port}")
        named = [value for name, value in head.headers if name.lower() == "connection"]
        dropped = HOP_BY_HOP | {"host"} | {token.strip().lower() for value in named for token in value.split(",")}
        path = f"{url.path or '/'}{'?' + url.query if url.query else ''}"
        lines = [f"{head.method} {path} HTTP/1.1", f"Host: {url.netloc}"]
        lines += [f"{name}: {value}" for name, value in head.headers if name.lower() not in dropped]
        up_writer.write(("\r\n".join([*lines, "Connection: close"]) + "\r\n\r\n").encode("ascii"))
        await _splice(reader, writer, up_reader, up_writer)


async def _open(target: tuple[str, int], asked: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        return await asyncio.wait_for(asyncio.open_connection(*target), CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise Refused(502, f"mockwx's proxy could not reach {asked} ({target[0]}:{target[1]}): {exc}") from None


async def _answer(writer: asyncio.StreamWriter, status: int, text: str) -> None:
    body = f"{text}\n".encode()
    head = (
        f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    try:
        writer.write(head.encode("ascii") + body)
        await writer.drain()
    except ConnectionError:
        pass


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until the reader ends; then half-close the writer."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def _splice(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    """Both ways until the upstream is done (or, once the client stopped sending, LINGER seconds at most)."""
    up = asyncio.ensure_future(_pipe(reader, up_writer))
    down = asyncio.ensure_future(_pipe(up_reader, writer))
    try:
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        if not down.done():
            await asyncio.wait_for(asyncio.shield(down), LINGER)
    except TimeoutError:
        pass
    finally:
        for task in (up, down):
            task.cancel()
        await asyncio.gather(up, down, return_exceptions=True)
        up_writer.close()
