"""The one path every impersonated call takes: its route is built from a catalogue row, names the
call in the journal, runs the dialect's handler (parse -> service -> render), waits for the state
change to be stored, and renders any error in the route's dialect, in one place.

A dialect (login, Pay v2, Pay v3) supplies its handlers, keyed by api name, and a
:class:`Dialect` that turns an error into WeChat's answer, the journal's outcome and details.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from ..backend import Backend
from ..catalogue import Endpoint
from ..domain.errors import DomainError
from ..journal import Entry, problem_kind
from ..persist import StorageError
from . import render
from .faults import Dropped
from .keys import BACKEND, ENTRY

log = logging.getLogger("mockwx.http")


@dataclass(slots=True)
class Call:
    """One impersonated call on its way through its route."""

    request: web.Request
    backend: Backend
    endpoint: Endpoint
    env: str
    entry: Entry
    auth: Any = None  # what the dialect learnt authenticating the caller (it signs error answers with it)


@dataclass(slots=True)
class Failure:
    """An error, answered: the response, the journal's outcome and what it records."""

    response: web.StreamResponse
    outcome: str
    details: dict[str, Any]


class Dialect(Protocol):
    name: str

    def failure(self, call: Call, error: Exception) -> Failure | None:
        """WeChat's answer to ``error`` in this dialect, or None when the error is not the dialect's to answer."""
        ...

    def internal(self, call: Call, error: Exception) -> Failure:
        """The answer to a mockwx bug, in this dialect (WeChat's "system busy")."""
        ...


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


def route(endpoint: Endpoint, env: str, handler: Handler, dialect: Dialect) -> Callable[..., Any]:
    """The aiohttp handler for one of ``endpoint``'s paths."""
    api = endpoint.journal_name(env)

    async def serve(request: web.Request) -> web.StreamResponse:
        backend = request.app[BACKEND]
        entry = request[ENTRY]
        entry.api = api
        call = Call(request=request, backend=backend, endpoint=endpoint, env=env, entry=entry)
        try:
            response = await handler(call)
            await backend.state.commit()  # answer only what is stored
            return response
        except (web.HTTPException, Dropped, asyncio.CancelledError):
            raise
        except StorageError as exc:
            error: Exception = DomainError(
                "SYSTEM_BUSY",
                f"mockwx could not store this change and undid it ({exc}); retry with the same parameters",
            )
        except Exception as exc:
            error = exc
        failure = dialect.failure(call, error)
        if failure is None:
            log.error("internal error while handling %s %s", request.method, request.path, exc_info=error)
            failure = dialect.internal(call, error)
            entry.problem = "INTERNAL"
        entry.outcome, entry.error = failure.outcome, failure.details
        entry.problem = entry.problem or problem_kind(entry.error)
        if entry.problem:
            failure.response.headers.update(render.problem_headers(render.origin(request), entry.id))
        return failure.response

    return serve
