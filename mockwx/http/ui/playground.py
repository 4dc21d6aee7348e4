"""The signature playground's page (prefilled from a journal entry) and its JSON endpoint."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ...backend import Backend
from ...config import DEMO_API_KEY, DEMO_APPID
from ...doctor import KeyCandidate
from ...domain.models import PROD, SANDBOX
from ...journal import Entry
from ...ui import playground, rows
from ...ui.doctoring import doctor_view
from ...wire import SIGN_TYPES
from .. import render
from ..control import read_json
from ..errors import ControlError
from ..keys import BACKEND
from .pages import SITE, int_or, lang_of, page

# WeChat's documented signing example (v2.md 2.1): it reproduces 9A0A8659F005D6984697E2CA0A9CF3B7.
EXAMPLES = {
    "v2": {
        "text": "appid=wxd930ea5d5a258f4f\nmch_id=10000100\ndevice_info=1000\nbody=test\nnonce_str=ibuaiVcKdpRxkhJA",
        "key": DEMO_API_KEY,
        "received": "9A0A8659F005D6984697E2CA0A9CF3B7",
    },
    "paysign": {
        "text": f"appId={DEMO_APPID}\ntimeStamp=1490840662\nnonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
        "package=prepay_id=wx2017033010242291fcfe0db70013231072\nsignType=MD5",
        "key": DEMO_API_KEY,
        "received": "",
    },
}


def _wrong_keys(backend: Backend, fields: dict[str, str], mode: str, env: str = PROD) -> list[KeyCandidate]:
    """The keys people sign with by mistake, for the merchant and app the fields name."""
    state = backend.state
    merchant, appid = state.merchants.get(fields.get("mch_id", "")), fields.get("appid", "")
    if mode == "paysign":
        order = state.order_by(state.by_prepay_id, fields.get("package", "").removeprefix("prepay_id="))
        merchant = state.merchants.get(order.mch_id) if order else None
        appid, env = (order.appid, order.env) if order else (fields.get("appId", ""), env)
    if merchant is not None:
        return backend.tenants.key_candidates(merchant, env, appid)[1:]
    app = state.apps.get(appid)
    return [KeyCandidate(app.secret, "appsecret", appid, "appsecret_as_key")] if app else []


def _prefill(backend: Backend, entry: Entry) -> dict[str, str]:
    """The playground's form for a journaled call: its fields, its merchant's key, the sign it carried."""
    state = backend.state
    form = {"mode": "v2", "text": "", "key": "", "sign_type": "", "received": "", "entry": str(entry.id)}
    fields = {str(k): str(v) for k, v in entry.fields.items() if isinstance(v, (str, int))}
    if entry.api in ("pay", "wx.requestPayment"):  # the control API's /pay, or the phone's cashier
        order = state.order_by(state.by_prepay_id, fields.get("package", "").removeprefix("prepay_id="))
        signed = {k: v for k, v in fields.items() if k in playground.PAY_SIGN_FIELDS or k == "paySign"}
        if order is not None:
            signed.setdefault("appId", order.appid)
            form["key"] = state.merchants[order.mch_id].key(order.env)
        form.update(mode="paysign", text=json.dumps(signed, ensure_ascii=False, indent=2))
        return form
    merchant = state.merchants.get(fields.get("mch_id", ""))
    if merchant is not None:
        form["key"] = merchant.key(SANDBOX if entry.api.startswith("sandbox/") else PROD)
    form["text"] = rows.pretty_xml(fields)
    return form


def _steps(request: web.Request, form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Run the playground on a form; (its JSON answer, the steps' HTML)."""
    site, backend = request.app[SITE], request.app[BACKEND]
    t = site.texts.translator(lang_of(request))
    recorded = backend.journal.find(int_or(form.get("entry", ""), -1)) if form.get("entry") else None
    diagnosis = recorded.error.get("diagnosis") if recorded is not None else None
    mode = form.get("mode", "v2")
    try:
        fields = playground.parse_text(form.get("text", ""))
        env = SANDBOX if recorded is not None and recorded.api.startswith("sandbox/") else PROD
        bench = playground.work(
            form.get("text", ""),
            form.get("key", ""),
            mode=mode,
            sign_type=form.get("sign_type", ""),
            received=form.get("received", ""),
            wrong_keys=_wrong_keys(backend, fields, mode, env),
            diagnosis=diagnosis if isinstance(diagnosis, dict) else None,
        )
    except playground.PlaygroundError as exc:
        html = site.env.get_template("_steps.html").render(lang=t.lang, t=t, error=str(exc))
        return {"error": str(exc), "html": html}, html
    doctor = doctor_view(bench.diagnosis, t)
    html = site.env.get_template("_steps.html").render(lang=t.lang, t=t, error="", b=bench, doctor=doctor)
    answer = {
        "sign": bench.sign,
        "sign_type": bench.sign_type,
        "string": f"{bench.joined}&key={bench.masked_key}" if bench.joined else f"key={bench.masked_key}",
        "matches": bench.matches,
        "mistakes": [code for code, _ in doctor.mistakes] if doctor else [],
        "html": html,
    }
    return answer, html


async def playground_page(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    form = {"mode": "v2", "text": "", "key": "", "sign_type": "", "received": "", "entry": ""}
    steps = ""
    entry = backend.journal.find(int_or(request.query.get("entry", ""), -1)) if request.query.get("entry") else None
    if entry is not None:
        form = _prefill(backend, entry)
        _, steps = _steps(request, form)
    elif request.query.get("mode") in playground.MODES:
        form["mode"] = request.query["mode"]
    return page(
        request, "playground.html", "playground", form=form, steps=steps, examples=EXAMPLES, sign_types=SIGN_TYPES
    )


async def playground_run(request: web.Request) -> web.StreamResponse:
    """The playground's JSON endpoint: {mode, text, key, sign_type?, received?, entry?} -> the steps."""
    try:
        data = await read_json(request)
    except ControlError as error:
        return render.control_error(error)
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    answer, _ = _steps(request, form)
    return render.json_body(answer, status=400 if "error" in answer else 200)
