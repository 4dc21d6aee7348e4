"""Every port the mock listens on, started together on one aiohttp runner: plain HTTP (always), HTTPS with
the local CA (``tls.port``) and the proxy (``proxy.port``, which needs the HTTPS side: on a free port
when ``tls.port`` is not set). One ``runner.cleanup()`` stops them all.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass

from aiohttp import web

from ..proxy import MAX_HEAD, Proxy
from ..tls import WECHAT_HOSTS, Network, open_pki
from .https import HttpsSite
from .keys import BACKEND, NETWORK
from .serving import DEFAULT_IDLE_TIMEOUT, listen


@dataclass(slots=True)
class Listening:
    """A started mock: its runner (cleanup stops every port) and the ports it got."""

    runner: web.AppRunner
    network: Network

    @property
    def port(self) -> int:
        assert self.network.http_port is not None
        return self.network.http_port


class ProxySite(web.BaseSite):
    """The proxy as a site of the mock's runner, so the runner's cleanup stops it with the rest."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, proxy: Proxy, *, backlog: int = 128) -> None:
        super().__init__(runner, backlog=backlog)
        self._host = host
        self._port = port
        self.proxy = proxy

    @property
    def name(self) -> str:
        return f"proxy {self._host}:{self.port}"

    @property
    def port(self) -> int:
        sockets = self._server.sockets if self._server is not None else ()
        return sockets[0].getsockname()[1] if sockets else self._port

    async def start(self) -> None:
        await super().start()
        self._server = await asyncio.start_server(
            self.proxy.handle, self._host, self._port, limit=MAX_HEAD, backlog=self._backlog
        )

    async def stop(self) -> None:
        await super().stop()
        await self.proxy.close_all()


def _connect_host(host: str) -> str:
    """Where the proxy reaches a mock listening on ``host`` (a wildcard is reached on loopback)."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1", "*": "127.0.0.1"}.get(host, host)


def proxied_names(extra: list[str]) -> list[str]:
    """The hosts the proxy sends to the mock: WeChat's, and the names added to the server certificate."""
    names = list(WECHAT_HOSTS)
    for name in extra:
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name.lower() != "localhost":
                names.append(name.lower())
    return names


def _port_error(error: OSError, what: str, port: int, option: str) -> OSError:
    return OSError(error.errno, f"{error.strerror or error} (the {what} port {port}; choose another with {option})")


async def _started(site: web.BaseSite, what: str, port: int, option: str) -> None:
    try:
        await site.start()
    except OSError as exc:
        raise _port_error(exc, what, port, option) from exc


async def listen_all(
    app: web.Application, host: str, port: int, *, idle_timeout: float = DEFAULT_IDLE_TIMEOUT
) -> Listening:
    """Start the mock on ``host``: HTTP on ``port``, and HTTPS and the proxy as its settings ask.

    OSError names the port that could not be had; TlsError says why the local CA could not be prepared.
    """
    try:
        runner, bound = await listen(app, host, port, idle_timeout=idle_timeout)
    except OSError as exc:
        raise _port_error(exc, "HTTP", port, "--port") from exc
    network = app[NETWORK]
    network.host, network.http_port = host, bound
    config = app[BACKEND].config
    settings = config.settings
    https_port = settings.tls.port if settings.tls.port is not None else 0 if settings.proxy.port is not None else None
    try:
        if https_port is not None:
            wall = app[BACKEND].wall
            network.pki = pki = open_pki(config, wall.now())
            context = pki.server_context()
            context.set_alpn_protocols(["http/1.1"])
            https = HttpsSite(runner, host, https_port, context, network, wall.now, handshake_timeout=idle_timeout)
            await _started(https, "HTTPS", https_port, "--tls PORT")
            network.https_port = https.port
        if settings.proxy.port is not None:
            assert network.https_port is not None
            proxy = Proxy(
                proxied_names(settings.tls.names),
                https=(_connect_host(host), network.https_port),
                http=(_connect_host(host), bound),
                passthrough=settings.proxy.passthrough,
                head_timeout=idle_timeout,
            )
            site = ProxySite(runner, host, settings.proxy.port, proxy)
            await _started(site, "proxy", settings.proxy.port, "--proxy PORT")
            network.proxy_port = site.port
    except BaseException:
        await runner.cleanup()
        raise
    return Listening(runner, network)
