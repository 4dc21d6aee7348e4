"""The aiohttp application: ``create_app(config)`` builds the backend, routes every catalogue row
to its dialect's handler (through the one error path of mockwx.http.endpoint), adds the control
API and the 501 fallback, and owns the backend's start and stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from time import perf_counter

from aiohttp import web

from .. import catalogue
from ..backend import Backend
from ..config import Config
from ..journal import Entry
from . import control, fallback, login, render, wx
from .endpoint import Dialect, Handler, route
from .faults import Dropped
from .keys import BACKEND, ENTRY
from .v2 import handlers as v2

# dialect -> (its handlers by api name, how it answers errors)
DIALECTS: dict[str, tuple[dict[str, Handler], Dialect]] = {
    "login": (login.HANDLERS, login.DIALECT),
    "v2": (v2.HANDLERS, v2.DIALECT),
}

log = logging.getLogger("mockwx.http")

Next = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def journal_middleware(request: web.Request, handler: Next) -> web.StreamResponse:
    """Record every call that names itself in the journal (routes and control handlers set its api), and
    answer a mockwx bug outside the impersonated APIs (their routes answer in their own dialect)."""
    backend = request.app[BACKEND]
    entry = backend.journal.start(backend.clock.now(), request.method, request.path, request.remote or "")
    request[ENTRY] = entry
    started = perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    except Dropped as exc:
        entry.outcome = "dropped"
        entry.error = {"kind": "FAULT", "hint": str(exc)}
        response = web.Response(status=499)  # never sent: the connection is gone
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("internal error while handling %s %s", request.method, request.path)
        entry.api = entry.api or "internal"
        entry.error = {"kind": "INTERNAL", "detail": f"{type(exc).__name__}: {exc}"}
        entry.problem = "INTERNAL"
        response = _internal_answer(exc)
    if entry.api:
        entry.status = response.status
        entry.latency_ms = round((perf_counter() - started) * 1000, 3)
        backend.journal.finish(entry)
        _log(entry)
    return response


def _internal_answer(exc: Exception) -> web.Response:
    """A mockwx bug outside the impersonated APIs (those answer through their dialect): our own JSON 500."""
    return render.json_body(
        {
            "error": f"internal error in mockwx: {type(exc).__name__}: {exc}",
            "hint": "this is a mockwx bug; please report it",
        },
        status=500,
    )


def add_endpoint_routes(app: web.Application) -> None:
    """One route per path of every catalogue row, to its dialect's handler."""
    for endpoint in catalogue.ENDPOINTS:
        handlers, dialect = DIALECTS[endpoint.dialect]
        for path, env in endpoint.routes():
            app.router.add_route(endpoint.method, path, route(endpoint, env, handlers[endpoint.api], dialect))


def _log(entry: Entry) -> None:
    if entry.problem:
        hint = entry.error.get("hint", "")
        log.warning(
            "%s %s -> %s %s%s", entry.method, entry.path, entry.status, entry.outcome, f": {hint}" if hint else ""
        )
    elif log.isEnabledFor(logging.INFO):
        log.info("%s %s -> %s %s (%.1f ms)", entry.method, entry.path, entry.status, entry.outcome, entry.latency_ms)


def create_app(config: Config | None = None, backend: Backend | None = None) -> web.Application:
    """The mock as an aiohttp application (start it with aiohttp's runners or test server)."""
    backend = backend or Backend(config)
    app = web.Application(middlewares=[journal_middleware], client_max_size=backend.settings.max_body_bytes)
    app[BACKEND] = backend

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await backend.start()
        yield
        await backend.stop()

    app.cleanup_ctx.append(lifecycle)
    add_endpoint_routes(app)
    control.add_routes(app)
    wx.add_routes(app)
    fallback.add_routes(app)
    return app
