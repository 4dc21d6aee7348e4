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
from ..access import Access
from ..backend import Backend
from ..capture import Capture
from ..config import Config
from ..escape import printable
from ..journal import Entry
from ..tls import Network
from . import control, fallback, guard, login, network, render, ui, wx
from .endpoint import Dialect, Handler, route
from .faults import Dropped
from .keys import ACCESS, BACKEND, BODY_READ, ENTRY, NETWORK
from .v2 import handlers as v2
from .v3 import handlers as v3

# dialect -> (its handlers by api name, how it answers errors)
DIALECTS: dict[str, tuple[dict[str, Handler], Dialect]] = {
    "login": (login.HANDLERS, login.DIALECT),
    "v2": (v2.HANDLERS, v2.DIALECT),
    "v3": (v3.HANDLERS, v3.DIALECT),
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
    except web.HTTPException as exc:  # aiohttp's own refusals (a method a control route does not take...)
        response = _http_error_answer(request.path, exc)
    except Dropped as exc:
        entry.outcome = "dropped"
        entry.error = {"kind": "FAULT", "hint": str(exc)}
        response = web.Response(status=499)  # never sent: the connection is gone
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("internal error while handling %s %s", request.method, printable(request.path))
        entry.api = entry.api or "internal"
        entry.error = {"kind": "INTERNAL", "detail": f"{type(exc).__name__}: {exc}"}
        entry.problem = "INTERNAL"
        response = _internal_answer(exc)
    if not entry.api:
        return response
    entry.status = response.status
    entry.latency_ms = round((perf_counter() - started) * 1000, 3)
    try:
        await _capture(entry, request, response)
        if entry.outcome != "dropped":
            await _send(request, response, entry)
    finally:
        backend.journal.finish(entry)
        _log(entry)
    return response


async def _send(request: web.Request, response: web.StreamResponse, entry: Entry) -> None:
    """Send the answer here, so the journal never says "answered" for one that did not go out."""
    try:
        await response.prepare(request)
        await response.write_eof()
    except BaseException as exc:
        entry.outcome = f"not sent ({entry.outcome or entry.status}): {type(exc).__name__}: {exc}"
        entry.status = 0
        if not isinstance(exc, ConnectionError):
            raise


def _http_error_answer(path: str, exc: web.HTTPException) -> web.Response:
    """aiohttp's answer, as a response object (returning the exception is deprecated), JSON on the control API."""
    if path.startswith("/__mock__") and exc.status >= 400:
        return render.json_body({"error": f"{exc.status} {exc.reason}", "hint": "GET /__mock__"}, status=exc.status)
    return web.Response(status=exc.status, reason=exc.reason, text=exc.text, headers=exc.headers)


async def _capture(entry: Entry, request: web.Request, response: web.StreamResponse) -> None:
    """Keep the raw request and answer for the dashboard and GET /__mock__/requests (bounded, read lazily)."""
    start = f"{request.method} {request.raw_path}"
    body = request.get(BODY_READ)  # what a handler that streamed the body kept of it
    try:  # the body a handler read is cached; one it never read is read now, within client_max_size
        body = (await request.read() if request.body_exists else b"") if body is None else body
        entry.request = Capture.of(start, request.headers, body)
    except web.HTTPException:  # over client_max_size: only its size is kept
        entry.request = Capture(start, request.headers, b"", request.content_length or 0)
    answer = response.body if isinstance(response, web.Response) else None
    answer = answer if isinstance(answer, bytes) else b""
    entry.response = Capture.of(f"{response.status} {response.reason}", response.headers, answer)


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
    """One line per call, whatever the caller put in its path or fields."""
    if entry.problem or entry.status == 0:
        hint = entry.error.get("hint", "")
        text = f"{entry.method} {entry.path} -> {entry.status} {entry.outcome}" + (f": {hint}" if hint else "")
        log.warning("%s", printable(text))
    elif log.isEnabledFor(logging.INFO):
        text = f"{entry.method} {entry.path} -> {entry.status} {entry.outcome}"
        log.info("%s (%.1f ms)", printable(text), entry.latency_ms)


def create_app(
    config: Config | None = None, backend: Backend | None = None, *, host: str | None = None
) -> web.Application:
    """The mock as an aiohttp application (start it with aiohttp's runners or test server); ``host`` is
    the interface it will listen on (default: the config's, else 127.0.0.1), which decides its access rules."""
    backend = backend or Backend(config)
    middlewares = [journal_middleware, guard.guard_middleware]  # the journal answers even the guard's bugs
    app = web.Application(middlewares=middlewares, client_max_size=backend.settings.max_body_bytes)
    app[BACKEND] = backend
    app[ACCESS] = Access.resolve(backend.settings.security, host or backend.config.host)
    app[NETWORK] = Network()  # filled in by listen_all when HTTPS or the proxy starts

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await backend.start()
        yield
        await backend.stop()

    async def release_waiters(_app: web.Application) -> None:  # before aiohttp waits for the open requests
        backend.engine.waiters.release()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(release_waiters)
    add_endpoint_routes(app)
    control.add_routes(app, network.ROUTES)
    guard.add_routes(app)
    ui.add_routes(app)
    wx.add_routes(app)
    fallback.add_routes(app)
    return app
