"""What the benchmarks share."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CANNED_SERVER = """
import sys
from aiohttp import web
PATH, BODY = sys.argv[2], sys.argv[3].encode()
async def canned(request):
    await request.read()
    return web.Response(body=BODY, content_type="text/xml")
app = web.Application()
app.router.add_post(PATH, canned)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""
"""A one-file aiohttp server answering POST <path> with a fixed XML body: python -c CANNED_SERVER port path body."""
