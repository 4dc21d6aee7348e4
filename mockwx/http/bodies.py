"""Request bodies read within ``idle_timeout`` (README: Reliability and security): a client that
trickles its body is answered 408 and disconnected, as one that trickles its headers is closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from ..streams import read_to_end
from .keys import BACKEND, BODY_READ

DRAIN_LIMIT = 64 * 1024 * 1024  # the most of an oversized body read and dropped so that its client hears the answer


class BodyNotRead:
    """Why a request's body could not be read: the journal's outcome and hint (the client's doing, no bug)."""

    outcome: str
    hint: str


class SlowBody(BodyNotRead, web.HTTPRequestTimeout):
    """The body did not arrive within idle_timeout: 408, and the connection is closed."""

    outcome = "body too slow"

    def __init__(self, timeout: float) -> None:
        self.hint = (
            f"the request body did not arrive within {timeout:g}s (idle_timeout): send the whole body at once,"
            " as Content-Length says"
        )
        super().__init__(text=self.hint, headers={"Connection": "close"})


class BodyLost(BodyNotRead, web.HTTPBadRequest):
    """The client hung up (or broke the body's framing) before its body was complete: 400 if it still listens."""

    outcome = "body cut off"

    def __init__(self, reason: BaseException) -> None:
        self.hint = f"the request body ended before it was complete ({reason}): the client hung up or cut it short"
        super().__init__(text=self.hint, headers={"Connection": "close"})


@asynccontextmanager
async def deadline(request: web.Request) -> AsyncIterator[None]:
    """Whatever reads the body inside must be done within idle_timeout (else SlowBody), and a body cut
    off is BodyLost, not a mockwx bug."""
    timeout = request.app[BACKEND].settings.idle_timeout
    try:
        async with asyncio.timeout(timeout) as within:
            yield
    except TimeoutError:
        if not within.expired():
            raise
        request[BODY_READ] = request.get(BODY_READ) or b""  # the journal must not wait for it a second time
        raise SlowBody(timeout) from None
    except (ConnectionError, HttpProcessingError) as exc:
        request[BODY_READ] = request.get(BODY_READ) or b""
        raise BodyLost(exc) from None


async def read(request: web.Request) -> bytes:
    """The whole body (cached by aiohttp; its 413 over client_max_size passes through), within idle_timeout."""
    async with deadline(request):
        return await request.read()


async def read_limited(request: web.Request, limit: int) -> tuple[bytes, bool]:
    """(the body, or its first ``limit`` bytes; whether it was longer), read within idle_timeout however many
    chunks it comes in, and kept for the journal. The rest of a longer body is read and dropped (up to
    DRAIN_LIMIT): a client still sending it would otherwise miss the answer."""
    async with deadline(request):
        body = await read_to_end(request.content, limit + 1)
        if over := len(body) > limit:
            drained = len(body)
            while drained < DRAIN_LIMIT and (chunk := await request.content.readany()):
                drained += len(chunk)
    request[BODY_READ] = body = body[:limit]
    return body, over
