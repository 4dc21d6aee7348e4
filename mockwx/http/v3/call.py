"""The two ends of every API v3 call (protocol/v3.md 1, 2): the raw body read whole, the caller
authenticated, what the journal and fault rules see of it; and the answer, signed as WeChat signs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ...catalogue import AUTHORIZED_MCHID
from ...wire.v3 import load_json_object
from ..bodies import read_limited
from ..endpoint import Call
from ..faults import apply_fault
from . import answers, schema
from .auth import V3Request, authenticated
from .errors import V3Fail

NOT_V3 = "HTTP 请求不符合微信支付 APIv3 接口规则"
MCHID_MISMATCH = "http header中的mchid与post payload中的mchid不匹配"


async def _body(call: Call) -> bytes:
    limit = call.backend.settings.max_body_bytes
    body, over = await read_limited(call.request, limit)
    if over:
        raise V3Fail(400, "INVALID_REQUEST", NOT_V3, hint=f"the body is over {limit} bytes (max_body_bytes)")
    return body


async def authenticated_call(call: Call, *, json_body: bool) -> tuple[V3Request, dict[str, Any]]:
    """Authenticate; parse the JSON body (or take the query); journal it; apply the matching fault rule; check
    the path's values (an out_trade_no of 300 characters is a PARAM_ERROR, not an order that is not there)."""
    body = await _body(call)
    request = authenticated(call, body)
    call.auth = request
    data: dict[str, Any]
    if json_body:
        try:
            data = load_json_object(body)
        except ValueError as exc:
            call.entry.fields = {"body": body[:2000].decode("utf-8", "replace")}
            raise V3Fail(400, "PARAM_ERROR", NOT_V3, hint=f"{exc}; v3 bodies are JSON objects") from None
    else:
        data = dict(call.request.query)
    # the path's out_trade_no too, and the Authorization header's mchid (a refund body names none, and the
    # fields keep what the caller sent): the journal finds the order
    call.entry.fields = {**call.request.match_info, **data, AUTHORIZED_MCHID: request.merchant.mch_id}
    await apply_fault(call.request, call.backend.faults.take(call.endpoint.api, _match_fields(call, data)))
    schema.check(call.request.match_info, schema.PATHS.get(call.endpoint.api, ()), location="path")
    return request, data


def _match_fields(call: Call, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a fault rule can match: the body's top-level values, path parameters, and total_fee / out_trade_no."""
    fields: dict[str, Any] = {k: v for k, v in data.items() if isinstance(v, (str, int))}
    fields.update(call.request.match_info)
    amount = data.get("amount")
    if isinstance(amount, dict) and isinstance(amount.get("total"), int):
        fields["total_fee"] = amount["total"]
    return fields


def same_merchant(request: V3Request, mchid: str) -> None:
    if mchid != request.merchant.mch_id:
        raise V3Fail(
            400,
            "PARAM_ERROR",
            MCHID_MISMATCH,
            hint=f"mchid {mchid} is not the mchid of the Authorization header ({request.merchant.mch_id})",
        )


def query_mchid(call: Call, request: V3Request) -> str:
    mchid = call.request.query.get("mchid", "")
    if not mchid:
        raise schema.missing("/mchid", "直连商户号", "query")
    same_merchant(request, mchid)
    return mchid


def ok(call: Call, request: V3Request, value: Any, *, status: int = 200) -> web.Response:
    call.entry.outcome = str(status)
    body = b"" if status == 204 else answers.json_bytes(value)
    return signed(call, request, body, status=status)


def signed(
    call: Call, request: V3Request | None, body: bytes, *, status: int, hint: str = "", code: int = 0
) -> web.Response:
    backend = call.backend
    return answers.signed(
        request,
        body,
        status=status,
        now=backend.wall.now(),
        nonce=backend.ids.nonce(32),
        probe=backend.ids.chance(backend.settings.v3.signtest),
        hint=hint,
        code=code,
    )
