"""api.mch.weixin.qq.com, Pay v2: parse the XML, authenticate, apply faults, call the service,
answer in WeChat's XML. Every path also lives under the sandbox prefixes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..backend import Backend
from ..domain.errors import BizFail, ReturnFail
from ..domain.models import PROD, SANDBOX
from ..journal import problem_kind
from ..persist import StorageError
from ..services.bill import Bill
from ..services.gateway import V2Call
from ..wire import XmlError, parse_xml
from . import render
from .faults import apply_fault
from .keys import BACKEND, ENTRY

Service = Callable[[Backend, V2Call], Any]

# path -> (api, service). Source: protocol/v2.md 3, 6 and the sandbox paths of 2.3.
ENDPOINTS: dict[str, tuple[str, Service]] = {
    "/pay/unifiedorder": ("unifiedorder", lambda b, c: b.pay.unifiedorder(c)),
    "/pay/orderquery": ("orderquery", lambda b, c: b.pay.orderquery(c)),
    "/pay/closeorder": ("closeorder", lambda b, c: b.pay.closeorder(c)),
    "/secapi/pay/refund": ("refund", lambda b, c: b.refunds.refund(c)),
    "/pay/refundquery": ("refundquery", lambda b, c: b.refunds.refundquery(c)),
    "/pay/downloadbill": ("downloadbill", lambda b, c: b.bills.downloadbill(c)),
}
SANDBOX_PREFIXES = ("/sandboxnew", "/xdc/apiv2sandbox")
SANDBOX_ONLY = {"/pay/refund": "/secapi/pay/refund"}  # the sandbox also took refund without secapi
GETSIGNKEY_PATHS = ("/sandboxnew/pay/getsignkey", "/xdc/apiv2getsignkey/sign/getsignkey")

SYSTEM_BUSY = "系统繁忙,请稍后再试."  # WeChat's SYSTEMERROR text in captured answers
_XML_ERRORS = {"empty": "POST_DATA_EMPTY", "not_utf8": "NOT_UTF8", "too_large": "XML_FORMAT_ERROR"}
_DRAIN_LIMIT = 64 * 1024 * 1024


async def read_body(request: web.Request, limit: int) -> bytes:
    """The body, or ReturnFail when it is over ``limit`` (read and dropped, so the client gets the answer)."""
    if request.content_length is not None and request.content_length <= limit:
        return await request.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > _DRAIN_LIMIT:
            break
    if size > limit:
        raise ReturnFail(
            "XML_FORMAT_ERROR", hint=f"the body is {size} bytes or more; mockwx takes at most {limit} (max_body_bytes)"
        )
    return b"".join(chunks)


async def read_fields(request: web.Request, limit: int) -> dict[str, str]:
    if request.method != "POST":
        raise ReturnFail("REQUIRE_POST_METHOD", hint=f"{request.method} is not allowed: WeChat Pay APIs take POST")
    body = await read_body(request, limit)
    try:
        return parse_xml(body, max_bytes=limit)
    except XmlError as exc:
        raise ReturnFail(_XML_ERRORS.get(exc.kind, "XML_FORMAT_ERROR"), hint=exc.detail) from None


async def committed(backend: Backend) -> None:
    """Wait for the call's changes to be stored; a failed write is WeChat's SYSTEMERROR (retry the same call)."""
    try:
        await backend.state.commit()
    except StorageError as exc:
        raise BizFail(
            "SYSTEMERROR",
            SYSTEM_BUSY,
            hint=f"mockwx could not store this change and undid it ({exc}); retry with the same parameters",
        ) from None


def _note(request: web.Request, error: ReturnFail | BizFail) -> None:
    entry = request[ENTRY]
    entry.outcome = f"FAIL {error.return_msg}" if isinstance(error, ReturnFail) else error.err_code
    entry.error = error.details()
    entry.problem = problem_kind(entry.error)


def _endpoint(api: str, env: str, service: Service):
    async def handler(request: web.Request) -> web.StreamResponse:
        backend = request.app[BACKEND]
        entry = request[ENTRY]
        entry.api = api if env == PROD else f"sandbox/{api}"
        call = None
        try:
            fields = entry.fields = await read_fields(request, backend.settings.max_body_bytes)
            call = backend.gateway.authenticate(api, env, fields)
            await apply_fault(request, backend.faults.take(api, fields))
            result = service(backend, call)
            await committed(backend)
        except ReturnFail as error:
            _note(request, error)
            return render.return_fail(error)
        except BizFail as error:
            _note(request, error)
            assert call is not None
            return render.xml(backend.gateway.failure(call, error), hint=error.hint)
        entry.outcome = "SUCCESS"
        if isinstance(result, Bill):
            return web.Response(
                body=result.body,
                content_type="application/x-gzip" if result.gzipped else "text/plain",
                charset=None if result.gzipped else "utf-8",
            )
        return render.xml(backend.gateway.success(call, result))

    return handler


async def getsignkey(request: web.Request) -> web.StreamResponse:
    """The sandbox key, for a request signed MD5 with the production key; the answer is unsigned."""
    backend = request.app[BACKEND]
    entry = request[ENTRY]
    entry.api = "getsignkey"
    try:
        fields = entry.fields = await read_fields(request, backend.settings.max_body_bytes)
        call = backend.gateway.authenticate("getsignkey", PROD, fields, needs_appid=False)
        await apply_fault(request, backend.faults.take("getsignkey", fields))
        key = backend.tenants.sandbox_key(call.merchant)
        await committed(backend)
    except (ReturnFail, BizFail) as error:
        _note(request, error)
        if isinstance(error, BizFail):
            return render.return_fail(ReturnFail("FAULT", return_msg=error.err_code_des, hint=error.hint))
        return render.return_fail(error)
    entry.outcome = "SUCCESS"
    return render.xml(
        {"return_code": "SUCCESS", "return_msg": "ok", "mch_id": call.merchant.mch_id, "sandbox_signkey": key}
    )


def add_routes(app: web.Application) -> None:
    for path, (api, service) in ENDPOINTS.items():
        app.router.add_route("*", path, _endpoint(api, PROD, service))
        for prefix in SANDBOX_PREFIXES:
            app.router.add_route("*", prefix + path, _endpoint(api, SANDBOX, service))
    for path, same_as in SANDBOX_ONLY.items():
        api, service = ENDPOINTS[same_as]
        for prefix in SANDBOX_PREFIXES:
            app.router.add_route("*", prefix + path, _endpoint(api, SANDBOX, service))
    for path in GETSIGNKEY_PATHS:
        app.router.add_route("*", path, getsignkey)


def mocked_paths() -> list[str]:
    """Every Pay v2 path this module answers (for the 501 answer and the README)."""
    paths = list(ENDPOINTS)
    for prefix in SANDBOX_PREFIXES:
        paths += [prefix + p for p in (*ENDPOINTS, *SANDBOX_ONLY)]
    return [*paths, *GETSIGNKEY_PATHS]
