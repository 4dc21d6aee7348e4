"""Reading an HTTP body from an aiohttp stream to its end, however many TCP chunks it comes in, up to a
limit: a merchant's reply to a notification, a backend's answer to wx.request, a request's own body.
A single ``read(n)`` returns only what has arrived so far (RFC 9112 6: a body is framed by its length
or its chunks, never by how the network cuts it).
"""

from __future__ import annotations

import aiohttp


async def read_to_end(content: aiohttp.StreamReader, limit: int) -> bytes:
    """The body to its end, or its first ``limit`` bytes (the rest is left unread)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := await content.read(limit - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
