"""Applying a matched fault rule to a request: wait, drop the connection, or answer an error (which
the route's dialect renders, as it renders every error)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..faults import Fault


class Dropped(Exception):
    """The fault said to close the connection without an answer."""


class Injected(Exception):
    """The fault said to answer with an error (err_code / return_msg on Pay v2, code on v3, errcode on login)."""

    def __init__(self, fault: Fault, why: str) -> None:
        super().__init__(why)
        self.fault = fault
        self.why = why


async def apply_fault(request: web.Request, fault: Fault | None) -> None:
    """Do what the fault says; raise the error it stands for, if any."""
    if fault is None:
        return
    why = f"fault #{fault.id}" + (f" ({fault.label})" if fault.label else "") + " injected by the control API"
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.drop:
        if request.transport is not None:
            request.transport.abort()
        raise Dropped(why)
    if fault.errcode is not None or fault.return_msg or fault.err_code or fault.code:
        raise Injected(fault, why)
