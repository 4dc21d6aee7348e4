"""API v3 bills (the catalogue's v3/tradebill, v3/fundflowbill, v3/billdownload; WeChat's v3 bill APIs,
beyond protocol/v3.md): where to download the day's trade or fund flow bill and its SHA1, and the
download itself, signed like every answer."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

from aiohttp import web

from ...domain.commands import BillRequest
from ...domain.models import PROD
from ...wire import BEIJING
from ..endpoint import Call
from . import schema
from .call import authenticated_call, ok, signed
from .errors import V3Fail


def _bill_date(text: str | None) -> tuple[str, float, float]:
    if not text:
        raise schema.missing("/bill_date", "账单日期", "query")
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=BEIJING)
    except ValueError:
        raise schema.malformed(
            "/bill_date", "账单日期", "query", text, f"bill_date is {text!r}; expected yyyy-MM-dd"
        ) from None
    start = day.timestamp()
    return day.strftime("%Y%m%d"), start, start + 24 * 3600


def _bill(call: Call, mch_id: str, spec: Mapping[str, str]) -> bytes:
    date, start, end = _bill_date(spec.get("bill_date"))
    kind = spec.get("kind", "trade")
    gzip = spec.get("tar_type") == "GZIP"
    bills = call.backend.bills
    if kind == "fundflow":
        made = bills.fund_flow(BillRequest(PROD, mch_id, date, start, end, spec.get("account_type") or "BASIC", gzip))
    else:
        made = bills.bill(BillRequest(PROD, mch_id, date, start, end, spec.get("bill_type") or "ALL", gzip))
    return made.body


def _enum(query: Mapping[str, str], name: str, label: str, options: tuple[str, ...]) -> None:
    value = query.get(name)
    if value is not None and value not in options:
        raise V3Fail(
            400,
            "PARAM_ERROR",
            f"输入源“/query/{name}”映射到字段“{label}”枚举规则校验失败，值不在可选范围内",
            detail={"location": "query", "value": value},
            hint=f"{name} is {value!r}; expected one of {', '.join(options)}",
            problem="PARAM_ERROR",
        )


async def _bill_url(call: Call, kind: str, enums: tuple[tuple[str, str, tuple[str, ...]], ...]) -> web.StreamResponse:
    request, query = await authenticated_call(call, json_body=False)
    for name, label, options in enums:
        _enum(query, name, label, options)
    spec = {
        "kind": kind,
        **{k: v for k, v in query.items() if k in ("bill_date", "bill_type", "account_type", "tar_type")},
    }
    body = _bill(call, request.merchant.mch_id, spec)
    token = base64.urlsafe_b64encode(json.dumps(spec, sort_keys=True).encode()).decode().rstrip("=")
    origin = f"{call.request.scheme}://{call.request.host}"
    return ok(
        call,
        request,
        {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(body).hexdigest(),
            "download_url": f"{origin}/v3/billdownload/file?token={token}",
        },
    )


async def tradebill(call: Call) -> web.StreamResponse:
    """GET /v3/bill/tradebill?bill_date=yyyy-MM-dd: where to download the day's trade bill, and its hash."""
    return await _bill_url(
        call, "trade", (("bill_type", "账单类型", ("ALL", "SUCCESS", "REFUND")), ("tar_type", "压缩类型", ("GZIP",)))
    )


async def fundflowbill(call: Call) -> web.StreamResponse:
    """GET /v3/bill/fundflowbill?bill_date=yyyy-MM-dd: where to download the day's fund flow bill."""
    return await _bill_url(
        call,
        "fundflow",
        (("account_type", "资金账户类型", ("BASIC", "OPERATION", "FEES")), ("tar_type", "压缩类型", ("GZIP",))),
    )


async def billdownload(call: Call) -> web.StreamResponse:
    """GET /v3/billdownload/file?token=...: the bill itself (not JSON), signed like every answer."""
    request, query = await authenticated_call(call, json_body=False)
    token = query.get("token", "")
    try:
        spec = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(spec, dict):
            raise ValueError
    except ValueError:
        raise V3Fail(
            400,
            "PARAM_ERROR",
            "下载地址无效",
            hint="use the download_url tradebill or fundflowbill answered",
            problem="PARAM_ERROR",
        ) from None
    body = _bill(call, request.merchant.mch_id, {str(k): str(v) for k, v in spec.items()})
    call.entry.outcome = "200"
    response = signed(call, request, body, status=200)
    response.content_type = "application/octet-stream"
    return response
