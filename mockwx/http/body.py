"""Reading a request body within ``max_body_bytes``, whole however many chunks it arrives in, and kept
for the journal (``BODY_READ``) when it had to be read as a stream."""

from __future__ import annotations

from aiohttp import web

from .keys import BODY_READ

DRAIN_LIMIT = 64 * 1024 * 1024  # read and dropped up to this, so that the client gets the answer


async def read_limited(request: web.Request, limit: int) -> tuple[bytes, bool]:
    """(the body, or its first ``limit`` bytes; whether it was over ``limit``)."""
    if request.content_length is not None and request.content_length <= limit:
        return await request.read(), False  # aiohttp caches it: the journal reads the same bytes
    kept: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():  # chunked, or announced as too big
        size += len(chunk)
        if size <= limit:
            kept.append(chunk)
        elif size > DRAIN_LIMIT:
            break
    request[BODY_READ] = body = b"".join(kept)  # the journal keeps the start of it: the stream is gone
    return body, size > limit
