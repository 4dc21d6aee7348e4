"""The playground's API v3 modes on the page: a form prefilled from a v3 call in the journal (its
method, target, Authorization header, body, and the merchant's private key), what the mock knows of
the merchant named (serial_no, the keys signed with by mistake), the steps' HTML and WeChat-style
example. The work itself is mockwx.ui.playground_v3's (protocol/v3.md 1.2, 5)."""

from __future__ import annotations

import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ...backend import Backend
from ...config import DEMO_APPID, DEMO_MCH_ID
from ...demo_v3 import MERCHANT_CERT_PEM, MERCHANT_KEY_PEM
from ...doctor import v3_record
from ...journal import Entry
from ...ui import playground_v3
from ...ui.doctoring import doctor_view
from ...ui.i18n import Translator
from ...ui.playground import PlaygroundError, parse_text
from ...ui.site import Site
from ...wire.v3 import (
    AuthorizationError,
    build_authorization,
    compact_json,
    load_private_key,
    new_request_nonce,
    parse_authorization,
    pay_sign,
    serial_no,
)

FORM_FIELDS = ("method", "url", "authorization", "pem")  # besides text (the body, or the paySign's values)
EXAMPLE_BODY = {"appid": DEMO_APPID, "mchid": DEMO_MCH_ID, "description": "mockwx", "out_trade_no": "V3EXAMPLE1"}
EXAMPLE_TIME, EXAMPLE_NONCE = "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242"


def examples() -> dict[str, dict[str, str]]:
    """A v3 request and a v3 paySign signed with the demo merchant's key (mockwx/demo_v3.py; WeChat
    publishes no v3 vector with its key): the signatures verify, so the example shows every step."""
    key = load_private_key(MERCHANT_KEY_PEM)
    body = compact_json(EXAMPLE_BODY).decode("utf-8")
    target = "/v3/pay/transactions/jsapi"
    serial = serial_no(x509.load_pem_x509_certificate(MERCHANT_CERT_PEM.encode("ascii")))
    header = build_authorization(
        "POST",
        target,
        body,
        mchid=DEMO_MCH_ID,
        serial_no=serial,
        private_key=key,
        timestamp=EXAMPLE_TIME,
        nonce_str=EXAMPLE_NONCE,
    )
    package = "prepay_id=wx201410272009395522657a690389285100"
    signed = pay_sign(DEMO_APPID, EXAMPLE_TIME, EXAMPLE_NONCE, package, key)
    five = {"appId": DEMO_APPID, "timeStamp": EXAMPLE_TIME, "nonceStr": EXAMPLE_NONCE, "package": package}
    return {
        "v3": {"method": "POST", "url": target, "authorization": header, "text": body, "pem": MERCHANT_KEY_PEM},
        "v3paysign": {
            "text": "\n".join(f"{k}={v}" for k, v in {**five, "signType": "RSA", "paySign": signed}.items()),
            "pem": MERCHANT_KEY_PEM,
        },
    }


def known(backend: Backend, mch_id: str) -> playground_v3.Known | None:
    """What the mock knows of merchant ``mch_id``, for the serial check and the doctor."""
    merchant = backend.state.merchants.get(mch_id)
    if merchant is None:
        return None
    keys = backend.keyring.of(merchant)
    others: dict[str, rsa.RSAPublicKey] = {
        f"the platform certificate's key ({keys.platform_serial})": keys.platform_certificate.public_key(),  # type: ignore[dict-item]
        f"the WeChat Pay public key ({keys.public_key_id})": keys.public_key.public_key(),
        f"the private key of merchant {mch_id} (apiclient_key.pem)": keys.merchant_public,
    }
    return playground_v3.Known(mch_id, keys.merchant_serial, (keys.platform_serial, keys.public_key_id), others)


def prefill(backend: Backend, entry: Entry, form: dict[str, str]) -> dict[str, str]:
    """The v3 form for a journaled v3 call: as it arrived, with its merchant's private key."""
    entry.settle()
    raw = entry.request
    start = getattr(raw, "start", "") or f"{entry.method} {entry.path}"
    method, _, target = start.partition(" ")
    headers = dict(_header_pairs(getattr(raw, "headers", "")))
    header = headers.get("authorization", "")
    form.update(mode="v3", method=method, url=target, authorization=header, text=getattr(raw, "body", "") or "")
    try:
        mch_id = parse_authorization(header).mchid
    except AuthorizationError:
        mch_id = ""
    merchant = backend.state.merchants.get(mch_id)
    if merchant is not None:
        form["pem"] = merchant.merchant_key_pem
    return form


def prefill_pay_sign(backend: Backend, fields: dict[str, str], form: dict[str, str]) -> dict[str, str]:
    """The v3 paySign form for a wx.requestPayment signed with RSA, with the order's merchant's key."""
    order = backend.state.order_of_package(fields.get("package", ""))
    signed = {k: v for k, v in fields.items() if k in (*playground_v3.PAY_SIGN_LINES, "signType", "paySign")}
    if order is not None:
        signed.setdefault("appId", order.appid)
        form["pem"] = backend.state.merchants[order.mch_id].merchant_key_pem
    form.update(mode="v3paysign", text=json.dumps(signed, ensure_ascii=False, indent=2))
    return form


def steps(site: Site, backend: Backend, t: Translator, form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Run a v3 mode on a form; (its JSON answer, the steps' HTML)."""
    mode, text, filled = form.get("mode", "v3"), form.get("text", ""), ""
    try:
        if mode == "v3paysign":
            pasted = parse_text(text) if text.strip() else {}
            order = backend.state.order_of_package(pasted.get("package", ""))
            if order is not None and not pasted.get("appId"):  # wx.requestPayment takes no appId: the order has it
                pasted["appId"], filled = order.appid, order.appid
                text = json.dumps(pasted, ensure_ascii=False)
            about = known(backend, order.mch_id) if order is not None else None
        else:
            about = known(backend, _mch_id(form.get("authorization", "")))
        bench = playground_v3.work_v3(
            mode=mode,
            pem=form.get("pem", ""),
            text=text,
            method=form.get("method", "POST"),
            url=form.get("url", ""),
            authorization=form.get("authorization", ""),
            known=about,
            timestamp=str(int(backend.wall.now())),
            nonce=new_request_nonce(),
        )
    except PlaygroundError as exc:
        html = site.env.get_template("_steps.html").render(lang=t.lang, t=t, error=str(exc))
        return {"error": str(exc), "html": html}, html
    doctor = doctor_view(bench.diagnosis, t)
    serial = v3_record([bench.serial_mistake], what="serial_no", expected=bench.serial_expected)
    html = site.env.get_template("_steps_v3.html").render(
        lang=t.lang,
        t=t,
        b=bench,
        doctor=doctor,
        serial_doctor=doctor_view(serial, t) if bench.serial_mistake else None,
        filled=filled,
    )
    answer = {
        "mode": bench.mode,
        "message": "".join(bench.lines),
        "signature": bench.signature,
        "verifies": bench.verifies,
        "serial_ok": bench.serial_ok,
        "mistakes": [code for code, _ in doctor.mistakes] if doctor else [],
        "html": html,
    }
    return answer, html


def _mch_id(header: str) -> str:
    try:
        return parse_authorization(header.strip().removeprefix("Authorization:").strip()).mchid
    except AuthorizationError:
        return ""


def _header_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            pairs.append((name.strip().lower(), value.strip()))
    return pairs
