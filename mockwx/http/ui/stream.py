"""The live stream (Server-Sent Events): one message per batch of journal changes, through the hub's
bounded queue of each open page; ended when the mock stops."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from ... import views
from ...backend import Backend
from ...journal import Entry
from ...ui import rows
from ...ui.live import Change, summary
from ..keys import BACKEND
from .pages import SITE

BATCH_SECONDS = 0.25  # a stream sends at most one message per batch (4 a second), however busy the mock is
KEEPALIVE_SECONDS = 15.0
WRITE_TIMEOUT = 5.0  # a browser that does not take a message in this time is let go


def _event(data: dict[str, Any]) -> bytes:
    return b"event: change\ndata: " + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n\n"


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one message per batch of changes (what changed, and the clock)."""
    hub, backend = request.app[SITE].hub, request.app[BACKEND]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    subscriber = hub.subscribe()
    try:
        sent = backend.journal.entries[-1].seq if backend.journal.entries else 0
        hello = {**summary([]), "entry": sent, "clock": views.clock_view(backend)}
        await response.write(b"retry: 1500\n\n" + _event(hello))
        while not subscriber.closed:
            try:
                woken = await asyncio.wait_for(subscriber.queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await asyncio.wait_for(response.write(b": keep-alive\n\n"), WRITE_TIMEOUT)
                continue
            if woken is None:
                break
            await asyncio.sleep(BATCH_SECONDS)  # let the rest of a burst join this message
            subscriber.taken()
            changes = _since(backend, sent)
            sent = max((c.seq for c in changes), default=sent)
            data = {**summary(changes), "clock": views.clock_view(backend)}
            await asyncio.wait_for(response.write(_event(data)), WRITE_TIMEOUT)
    except (ConnectionError, TimeoutError):
        pass  # the browser went away, or stopped reading: its EventSource will reconnect
    finally:
        hub.unsubscribe(subscriber)
    return response


def _since(backend: Backend, seq: int) -> list[Change]:
    """What the journal finished after position ``seq``: the stream's work, off the API path."""
    changes = []
    for entry in reversed(backend.journal.entries):
        if entry.seq <= seq:
            break
        changes.append(Change(entry.seq, rows.order_of(entry, backend.state), bool(entry.problem)))
    return changes


def listen(app: web.Application) -> None:
    """Tell the hub of every finished journal entry (only while a page streams: no cost otherwise)."""
    hub = app[SITE].hub

    def heard(entry: Entry) -> None:
        if len(hub):
            hub.publish(Change(entry.seq))

    app[BACKEND].journal.listeners.append(heard)


async def close_streams(app: web.Application) -> None:
    app[SITE].hub.close()
