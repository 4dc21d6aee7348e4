"""Putting an aiohttp application on a socket, the one way every command and test helper does it:
connections that never complete a request (slow headers) or sit idle between requests are closed
after ``idle_timeout`` seconds, so idle sockets cannot starve the mock of file descriptors.
"""

from __future__ import annotations

from aiohttp import web

DEFAULT_IDLE_TIMEOUT = 15.0


async def listen(
    app: web.Application, host: str, port: int, *, idle_timeout: float = DEFAULT_IDLE_TIMEOUT
) -> tuple[web.AppRunner, int]:
    """Start ``app`` on host:port (``0`` picks a free port); the runner and the port it got.

    aiohttp's keep-alive timer runs from the moment a connection opens until a whole request has
    arrived, and again after each answer (aiohttp >= 3.14.4), so one timeout covers both cases.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False, keepalive_timeout=idle_timeout)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    addresses = runner.addresses
    return runner, addresses[0][1] if addresses else port
