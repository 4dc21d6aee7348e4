"""Applying a matched fault rule to a request: wait, drop the connection, or answer an error."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..domain.errors import BizFail, LoginFail, ReturnFail
from ..faults import Fault


class Dropped(Exception):
    """The fault said to close the connection without an answer."""


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
    if fault.errcode is not None:
        raise LoginFail(fault.errcode, hint=why)
    if fault.return_msg:
        raise ReturnFail("FAULT", return_msg=fault.return_msg, hint=why)
    if fault.err_code:
        raise BizFail(fault.err_code, fault.err_code_des, hint=why)
