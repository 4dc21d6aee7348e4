"""What each step does. A step returns what it saves (under its ``as:`` name, or a default) and
raises StepFailure when its result is not what the scenario expects."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

from .. import catalogue
from ..config import DEMO_SECRET
from ..testing.client import MockRefused
from .excerpt import excerpt
from .expect import StepFailure, check, resolve
from .model import Step, parse_duration
from .world import World

PAY_PARAMS = ("timeStamp", "nonceStr", "package", "signType", "paySign", "appId")
DEFAULT_PAY_EXPECT = {"ok": {"errMsg": "requestPayment:ok"}, "cancel": {"errMsg": "requestPayment:fail cancel"}}


# -- the merchant's HTTP API ---------------------------------------------------------------------------


def _headers(world: World, options: dict[str, Any]) -> dict[str, str]:
    headers = {str(k): str(v) for k, v in (options.get("headers") or {}).items()}
    api = world.scenario.merchant_api
    if options.get("operator"):
        headers.update(api.auth(world.operator_token))
    elif options.get("user"):
        user = options["user"]
        if user not in world.saved or "token" not in world.saved[user]:
            raise StepFailure(f"user {user!r} has not logged in through the merchant (add a `login: {user}` step)")
        headers.update(api.auth(str(world.saved[user]["token"])))
    return headers


async def call_merchant(world: World, request: str, options: dict[str, Any]) -> dict[str, Any]:
    method, _, path = request.partition(" ")
    kwargs: dict[str, Any] = {"headers": _headers(world, options)}
    if "json" in options:
        kwargs["json"] = options["json"]
    async with world.session.request(method, f"{world.merchant_url}{path}", **kwargs) as response:
        text = await response.text(errors="replace")
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = None
        kind = response.content_type
    return {"status": response.status, "json": body, "text": text, "content_type": kind}


def _expect_answer(world: World, answer: dict[str, Any], expected: dict[str, Any] | None, what: str) -> None:
    if expected is None:
        if not 200 <= answer["status"] < 300:
            diff = [excerpt(answer["text"], answer["content_type"])]
            if answer["status"] in (404, 405) and not world.scenario.merchant_api.mapped:
                diff.append(
                    "the steps call the reference merchant's API (POST /api/login, /api/orders...); for another"
                    " backend, map its paths and fields in setup.merchant_api (README: Scenarios)"
                )
            raise StepFailure(f"{what} answered HTTP {answer['status']}", diff)
        return
    check(expected, {"status": answer["status"], "json": answer["json"]}, what)


async def step_merchant(world: World, step: Step, arg: Any, o: dict[str, Any]) -> Any:
    answer = await call_merchant(world, arg, o)
    _expect_answer(world, answer, o.get("expect"), f"the merchant's answer to {arg}")
    return answer["json"]


async def _mapped(world: World, action: str, fields: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """Call the merchant's ``action`` (login, order, refund) as setup.merchant_api maps it."""
    api = world.scenario.merchant_api
    method, path, body = api.request(getattr(api, action), fields)
    request = f"{method} {path}"
    answer = await call_merchant(world, request, {**options, "json": body})
    _expect_answer(world, answer, options.get("expect"), f"the merchant's answer to {request}")
    return answer


async def step_login(world: World, step: Step, user: str, o: dict[str, Any]) -> Any:
    minted = await world.mock.login(user, o.get("app"))
    answer = await _mapped(world, "login", {**minted, "user": user}, {"expect": o.get("expect")})
    world.last_user = o.get("as", user)
    body = answer["json"] if isinstance(answer["json"], dict) else {}
    saved = {**minted, **body}
    if "token" in world.scenario.merchant_api.mapped and 200 <= answer["status"] < 300:
        saved["token"] = world.scenario.merchant_api.read(answer["json"], "token")
    return saved


async def step_mint(world: World, step: Step, user: str, o: dict[str, Any]) -> Any:
    return await world.mock.login(user, o.get("app"))


async def step_order(world: World, step: Step, arg: dict[str, Any], o: dict[str, Any]) -> Any:
    user = o.get("user") or world.last_user
    answer = await _mapped(world, "order", arg, {"user": user, "expect": o.get("expect")})
    api = world.scenario.merchant_api
    if "out_trade_no" not in api.mapped or not 200 <= answer["status"] < 300:
        return answer["json"]
    params = api.read(answer["json"], "pay_params")
    saved = dict(params) if isinstance(params, dict) else {}
    saved.update(out_trade_no=api.read(answer["json"], "out_trade_no"), answer=answer["json"])
    return saved  # ${order.out_trade_no} and `pay: ${order}` work whatever the backend's shape


async def step_refund(world: World, step: Step, arg: dict[str, Any], o: dict[str, Any]) -> Any:
    if not arg.get("out_trade_no"):
        raise StepFailure("refund needs out_trade_no")
    answer = await _mapped(world, "refund", arg, {"operator": True, "expect": o.get("expect")})
    return answer["json"]


# -- the user, the clock, WeChat ----------------------------------------------------------------------


async def step_pay(world: World, step: Step, arg: Any, o: dict[str, Any]) -> Any:
    if not isinstance(arg, dict):
        raise StepFailure(f"pay takes the wx.requestPayment parameters (e.g. ${{order}}), not {arg!r}")
    params = {k: arg[k] for k in PAY_PARAMS if k in arg} if "paySign" in arg else dict(arg)
    outcome = o.get("outcome", "ok")
    extra = {k: o[k] for k in ("reason", "user") if k in o}
    answer = await world.mock.pay({**params, **extra}, outcome=outcome)
    expected = o.get("expect", DEFAULT_PAY_EXPECT.get(outcome))
    if expected is not None:
        check(expected, answer, "wx.requestPayment's answer")
    return answer


async def step_advance(world: World, step: Step, arg: Any, o: dict[str, Any]) -> Any:
    return await world.mock.advance(parse_duration(arg))


async def step_wechat(world: World, step: Step, api: str, o: dict[str, Any]) -> Any:
    endpoint = _endpoint(world, api)
    if endpoint.dialect == "v3":
        answer = await _v3_call(world, endpoint, dict(o.get("fields") or {}))
    else:
        answer = await _v2_call(world, step, endpoint, o)
    if "expect" in o:
        check(o["expect"], answer, f"WeChat's answer to {endpoint.api}")
    return answer


def _endpoint(world: World, api: str) -> catalogue.Endpoint:
    """The API a step names, or the one doing the operation it names in the run's dialect."""
    if api in catalogue.apis():
        return catalogue.endpoint(api)
    return catalogue.for_operation(api, world.api)


async def _v2_call(world: World, step: Step, endpoint: catalogue.Endpoint, o: dict[str, Any]) -> dict[str, Any]:
    key = o.get("key")
    if key == "appsecret":
        key = DEMO_SECRET
    elif key == "sandbox":
        key = (await step_wechat(world, step, "getsignkey", {}))["sandbox_signkey"]
    fields = dict(o.get("fields") or {})
    path = o.get("path") or endpoint.path
    if endpoint.api == "getsignkey":
        fields.setdefault("appid", "")  # getsignkey carries only mch_id, nonce_str and sign
    return await world.mock.v2(path, fields, sign_type=o.get("sign_type", "MD5"), key=key)


async def _v3_call(world: World, endpoint: catalogue.Endpoint, fields: dict[str, Any]) -> dict[str, Any]:
    """A v3 call made of a step's fields: path parameters taken out, mchid (and a place's appid) filled in;
    the rest is the JSON body of a POST or the query of a GET. ``{"status", **answer}``."""
    path = endpoint.path
    for name in re.findall(r"{(\w+)}", path):
        if name not in fields:
            raise StepFailure(f"wechat {endpoint.api} needs {name} in fields")
        path = path.replace(f"{{{name}}}", quote(str(fields.pop(name)), safe=""))
    mchid = world.mock.mch_id
    if endpoint.operation.startswith("place"):
        fields = {"appid": world.mock.appid, "mchid": mchid, **fields}
    elif endpoint.operation in ("query", "query_id") or endpoint.operation == "close":
        fields.setdefault("mchid", mchid)
    if endpoint.method == "GET":
        query = urlencode({k: str(v) for k, v in fields.items()}, safe="")
        answer = await world.mock.v3("GET", f"{path}?{query}" if query else path)
    else:
        answer = await world.mock.v3(endpoint.method, path, fields)
    data = answer.json
    return {"status": answer.status, **(data if isinstance(data, dict) else {})}


async def step_close(world: World, step: Step, number: Any, o: dict[str, Any]) -> Any:
    return await step_wechat(world, step, "close", {**o, "fields": {"out_trade_no": number}})


async def step_code2session(world: World, step: Step, arg: dict[str, Any], o: dict[str, Any]) -> Any:
    params = {str(k): str(v) for k, v in arg.items()}
    answer = await world.mock.code2session(params.pop("js_code", ""), **params)
    if "expect" in o:
        check(o["expect"], answer, "code2session's answer")
    return answer


async def step_notify(world: World, step: Step, arg: dict[str, Any], o: dict[str, Any]) -> Any:
    return (await world.mock.control("POST", "/notify", arg))["notifications"]


async def step_fault(world: World, step: Step, arg: dict[str, Any], o: dict[str, Any]) -> Any:
    return await world.mock.fault(**arg)


async def step_settings(world: World, step: Step, arg: dict[str, Any], o: dict[str, Any]) -> Any:
    return await world.mock.control("PATCH", "/settings", arg)


async def step_merchant_down(world: World, step: Step, arg: Any, o: dict[str, Any]) -> Any:
    await world.stop_merchant()


async def step_merchant_up(world: World, step: Step, arg: Any, o: dict[str, Any]) -> Any:
    await world.start_merchant()


# -- checks ---------------------------------------------------------------------------------------------

NOTIFY_FILTERS = ("out_trade_no", "out_refund_no", "kind", "label")  # what a notification check selects by
REFUSED = "refused"  # a verdict a check may expect in either dialect: the merchant said no
REFUSALS = ("rejected", "http_error")  # v2: 200 + FAIL; v3: a 4xx/5xx


async def _pick_notifications(world: World, spec: dict[str, Any], default_label: str | None) -> list[Any]:
    """The notifications the check names, filtered by the mock (GET /__mock__/notifications?...)."""
    wanted = {k: str(spec[k]) for k in NOTIFY_FILTERS if k in spec}
    if "label" not in wanted and default_label is not None:
        wanted["label"] = default_label
    return await world.mock.notifications(**wanted)


def _as_expected(verdicts: list[str], expected: dict[str, Any]) -> list[str]:
    """The verdicts, with both dialects' refusals read as ``refused`` when the check expects that word."""
    if REFUSED not in (expected.get("verdicts") or []):
        return verdicts
    return [REFUSED if v in REFUSALS else v for v in verdicts]


async def check_notification(world: World, spec: dict[str, Any]) -> None:
    picked = await _pick_notifications(world, spec, default_label="")
    if len(picked) != 1:
        raise StepFailure(
            f"expected exactly one notification matching {spec}, found {len(picked)}",
            [f"{n['kind']} {n['out_trade_no']} label={n['label'] or '-'} status={n['status']}" for n in picked],
        )
    note = picked[0]
    first = note["attempts"][0]["at"] if note["attempts"] else 0
    actual = {
        "status": note["status"],
        "attempts": len(note["attempts"]),
        "verdicts": [a["verdict"] for a in note["attempts"]],
        "offsets": [round(a["at"] - first) for a in note["attempts"]],
    }
    expected = {k: v for k, v in spec.items() if k not in NOTIFY_FILTERS}
    actual["verdicts"] = _as_expected(actual["verdicts"], expected)
    check(expected, actual, f"the notification of {spec.get('out_trade_no', '')}".strip())


async def check_notifications(world: World, spec: dict[str, Any]) -> None:
    picked = await _pick_notifications(world, spec, default_label=None)
    statuses = sorted({n["status"] for n in picked})
    actual: dict[str, Any] = {
        "count": len(picked),
        "status": statuses[0] if len(statuses) == 1 else f"mixed: {', '.join(statuses)}",
        "labels": sorted(n["label"] for n in picked),
        "verdicts": sorted(a["verdict"] for n in picked for a in n["attempts"]),
    }
    expected = {k: v for k, v in spec.items() if k not in NOTIFY_FILTERS}
    actual["verdicts"] = _as_expected(actual["verdicts"], expected)
    check(expected, actual, "the notifications")


async def check_order(world: World, spec: dict[str, Any]) -> None:
    number = spec.get("out_trade_no")
    if not number:
        raise StepFailure("expect order needs out_trade_no")
    view = await world.mock.order(str(number))
    check({k: v for k, v in spec.items() if k != "out_trade_no"}, view, f"the mock's order {number}")


async def check_refund(world: World, spec: dict[str, Any]) -> None:
    number, refund_no = spec.get("out_trade_no"), spec.get("out_refund_no")
    view = await world.mock.order(str(number))
    refunds = [r for r in view["refunds"] if refund_no is None or r["out_refund_no"] == refund_no]
    if len(refunds) != 1:
        raise StepFailure(f"expected one refund {refund_no or ''} of {number}, found {len(refunds)}")
    check({k: v for k, v in spec.items() if k not in ("out_trade_no", "out_refund_no")}, refunds[0], "the refund")


async def _journal(world: World, problems: bool) -> list[dict[str, Any]]:
    entries = await world.mock.requests(problems=problems, since=str(world.first_entry), limit="0")
    return entries


async def check_problems(world: World, spec: dict[str, Any]) -> None:
    entries = await _journal(world, problems=True)
    latest = await world.mock.requests(limit="1")  # problems up to here have now been looked at
    world.problems_checked_to = latest[-1]["id"] if latest else world.problems_checked_to
    actual = {
        "count": len(entries),
        "kinds": [e["problem"] for e in entries],
        "apis": [e["api"] for e in entries],
        "mistakes": [m for e in entries for m in e["error"].get("diagnosis", {}).get("mistakes", [])],
    }
    check(spec, actual, "the protocol problems the mock recorded")


async def check_requests(world: World, spec: dict[str, Any]) -> None:
    entries = [e for e in await _journal(world, problems=False) if e["api"] == spec.get("api", e["api"])]
    actual = {"count": len(entries), "outcomes": [e["outcome"] for e in entries]}
    check({k: v for k, v in spec.items() if k != "api"}, actual, f"the requests to {spec.get('api', 'the mock')}")


async def check_merchant(world: World, spec: dict[str, Any]) -> None:
    request = spec.get("request")
    if not isinstance(request, str):
        raise StepFailure("expect merchant needs request: METHOD /path")
    options = {k: spec[k] for k in ("user", "operator", "json_body", "headers") if k in spec}
    if "json_body" in options:
        options["json"] = options.pop("json_body")
    answer = await call_merchant(world, request, options)
    expected = {k: spec[k] for k in ("status", "json") if k in spec}
    check(expected, {"status": answer["status"], "json": answer["json"]}, f"the merchant's answer to {request}")


CHECKS: dict[str, Callable[[World, Any], Awaitable[None]]] = {
    "order": check_order,
    "notification": check_notification,
    "notifications": check_notifications,
    "problems": check_problems,
    "requests": check_requests,
    "merchant": check_merchant,
    "refund": check_refund,
}


async def step_expect(world: World, step: Step, arg: dict[str, Any], o: dict[str, Any]) -> Any:
    failures: list[str] = []
    for name, spec in arg.items():
        if not isinstance(spec, dict):
            raise StepFailure(f"expect {name} takes a mapping")
        try:
            await CHECKS[name](world, spec)
        except StepFailure as failure:
            failures += [f"{name}: {failure.message}"] + [f"  {line}" for line in failure.diff]
        except MockRefused as refused:
            failures.append(f"{name}: {refused}")
    if failures:
        raise StepFailure("expectations not met", failures)
    return None


STEPS: dict[str, Callable[[World, Step, Any, dict[str, Any]], Awaitable[Any]]] = {
    "login": step_login,
    "mint": step_mint,
    "order": step_order,
    "merchant": step_merchant,
    "pay": step_pay,
    "advance": step_advance,
    "wechat": step_wechat,
    "close": step_close,
    "refund": step_refund,
    "notify": step_notify,
    "fault": step_fault,
    "settings": step_settings,
    "merchant_down": step_merchant_down,
    "merchant_up": step_merchant_up,
    "code2session": step_code2session,
    "expect": step_expect,
}
DEFAULT_SAVE = {"login": None, "mint": None, "order": "order", "pay": "payment", "refund": "refund"}


async def run_step(world: World, step: Step) -> None:
    context = world.context()
    arg = resolve(step.arg, context)
    options = resolve(step.options, context)
    result = await STEPS[step.action](world, step, arg, options)
    name = options.get("as") or DEFAULT_SAVE.get(step.action, "")
    if step.action in ("login", "mint"):
        name = options.get("as") or arg
    if name:
        world.saved[name] = result
    world.saved["last"] = result
