"""The simulated WeChat client behind ``POST /__mock__/pay``: what wx.requestPayment (mini program),
the APP SDK's PayReq, a QR scan (NATIVE) or an H5 page (MWEB) does before the user pays, with
the client-side checks WeChat makes (protocol/v2.md 4: the five parameters, their paySign), and
its answer as the client's callback (``errMsg``). The user's decision and the settlement are the
checkout service's.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from ..backend import Backend
from ..catalogue import CASHIER_OPEN
from ..doctor import Finding, diagnose, diagnose_pay_sign, meant_sign_type, rule_findings, v3_record, view_of
from ..domain.errors import DomainError
from ..domain.models import Order
from ..faults import OUTCOMES
from ..journal import Entry
from ..services.checkout import Payment, client_message
from ..wire import pay_sign_fields, verify
from ..wire.v3 import diagnose_pay_sign as diagnose_v3_pay_sign
from ..wire.v3 import pay_sign_rules, verify_pay_sign
from . import render
from .errors import ControlError
from .v3.auth import explain

BAD_SIGN = "支付验证签名失败"
BAD_PACKAGE = "调用支付JSAPI缺少参数: total_fee"
SUSPECT_ORDERS = 20  # the merchant's recent orders whose prepay_id a wrong package may carry


class PaymentRefused(Exception):
    """The client refuses to pay: the order cannot be paid, or the parameters are wrong."""

    def __init__(self, desc: str, hint: str, *, err_code: int = 2, problem: str = "", diagnosis: Any = None) -> None:
        super().__init__(desc)
        self.desc = desc
        self.hint = hint
        self.err_code = err_code
        self.problem = problem
        self.diagnosis = diagnosis

    @classmethod
    def of(cls, error: DomainError) -> PaymentRefused:
        return cls(error.rule.client or error.code, error.explanation)


class Client:
    """One simulated client call against the mock's state."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.checkout = backend.checkout

    # -- the three ways to pay ------------------------------------------------------------------

    def request_payment(self, body: Mapping[str, Any], outcome: str, reason: str) -> Payment:
        """wx.requestPayment: check the five signed parameters, then let the user decide."""
        order = self.requested_order(body)
        return self.checkout.pay(order, order.openid, outcome, reason, "requestPayment")

    def requested_order(self, body: Mapping[str, Any]) -> Order:
        """What wx.requestPayment checks before the cashier opens: the five parameters, their paySign, a JSAPI order."""
        for name in ("timeStamp", "nonceStr", "package", "paySign"):
            _require_string(body, name)
        for name in ("signType", "appId"):
            if name in body:
                _require_string(body, name)
        order = self._order_of_package(body["package"])
        if order.dialect == "v3":  # the order says which paySign it takes, whatever signType claims
            self._check_v3_pay_sign(order, body)
        else:
            sign_type = body.get("signType", "MD5")  # RSA is refused by the rules: it is no v2 sign type
            # WeChat checks paySign with the appid of the mini program that pays, i.e. the order's
            fields = pay_sign_fields(order.appid, body["timeStamp"], body["nonceStr"], body["package"], sign_type)
            facts = rule_findings(body["timeStamp"], sign_type, order.sign_type)
            algorithm = meant_sign_type(sign_type) or order.sign_type
            self._check_pay_sign(
                order, fields, body["paySign"], algorithm, facts=facts, claimed_appid=body.get("appId", "")
            )
        if order.trade_type != "JSAPI":
            raise PaymentRefused(
                BAD_PACKAGE,
                f"order {order.out_trade_no} is a {order.trade_type} order; wx.requestPayment pays JSAPI orders",
            )
        return order

    def app_payment(self, body: Mapping[str, Any], outcome: str, reason: str) -> Payment:
        """The APP SDK's PayReq: appid, partnerid, prepayid, package=Sign=WXPay, noncestr, timestamp, sign."""
        names = ("appid", "partnerid", "prepayid", "package", "noncestr", "timestamp", "sign")
        for name in names:
            _require_string(body, name)
        order = self.checkout.order_of_prepay_id(body["prepayid"])
        if (body["appid"], body["partnerid"], order.trade_type) != (order.appid, order.mch_id, "APP"):
            raise PaymentRefused(
                BAD_SIGN,
                f"the PayReq must carry the order's appid {order.appid} and partnerid (mch_id) {order.mch_id}, for an"
                f" APP order; got appid {body['appid']}, partnerid {body['partnerid']}, a {order.trade_type} order",
                err_code=-1,
                problem="PAYSIGN",
            )
        fields = {k: body[k] for k in names}
        self._check_pay_sign(order, fields, body["sign"], order.sign_type, app=True)
        return self.checkout.pay(order, order.openid or self._payer(order, body), outcome, reason, "app")

    def direct_payment(self, body: Mapping[str, Any], outcome: str, reason: str) -> Payment:
        """Pay an order named by out_trade_no, prepay_id, code_url (a QR scan) or mweb_url (an H5 page)."""
        order = self._order_named(body)
        channel = {"NATIVE": "scan", "MWEB": "h5", "APP": "app"}.get(order.trade_type, "direct")
        return self.checkout.pay(order, order.openid or self._payer(order, body), outcome, reason, channel)

    # -- finding the order ----------------------------------------------------------------------

    def _order_of_package(self, package: str) -> Order:
        if not package.startswith("prepay_id="):
            raise PaymentRefused(
                BAD_PACKAGE, f"package is {package!r}; it must be 'prepay_id=' followed by unifiedorder's prepay_id"
            )
        return self.checkout.order_of_prepay_id(package[len("prepay_id=") :])

    def _order_named(self, body: Mapping[str, Any]) -> Order:
        state = self.backend.state
        for name, index in (("prepay_id", state.by_prepay_id), ("code_url", state.by_code_url)):
            if body.get(name):
                order = state.order_by(index, str(body[name]))
                if order is None:
                    raise DomainError("NOT_FOUND", f"no order has {name} {body[name]!r}")
                return order
        if body.get("mweb_url"):
            prepay_id = _query_value(str(body["mweb_url"]), "prepay_id")
            order = self.backend.state.order_by(self.backend.state.by_prepay_id, prepay_id)
            if order is None:
                raise DomainError("NOT_FOUND", f"no order has mweb_url {body['mweb_url']!r}")
            return order
        out_trade_no = body.get("out_trade_no")
        if not isinstance(out_trade_no, str) or not out_trade_no:
            raise DomainError(
                "INVALID",
                "say which order to pay",
                fix="send the wx.requestPayment parameters (timeStamp, nonceStr, package, signType, paySign), the APP"
                " PayReq fields, or one of out_trade_no, prepay_id, code_url, mweb_url",
            )
        return self.checkout.order_numbered(out_trade_no, body.get("mch_id"), body.get("env"))

    def _payer(self, order: Order, body: Mapping[str, Any]) -> str:
        user = body.get("user", "alice")
        if not isinstance(user, str) or not user:
            raise DomainError("INVALID", 'user must be a test user\'s name, like "alice"')
        return self.backend.login.account(order.appid, user).openid

    # -- the signature --------------------------------------------------------------------------

    def _check_v3_pay_sign(self, order: Order, body: Mapping[str, Any]) -> None:
        """An API v3 order's paySign (protocol/v3.md 5): signType RSA, timeStamp in seconds, and the merchant's
        RSA signature of the four lines; anything else is refused and diagnosed as v3."""
        keys = self.backend.keyring.of(self.backend.state.merchants[order.mch_id])
        args = (order.appid, body["timeStamp"], body["nonceStr"], body["package"])
        rules = pay_sign_rules(body["timeStamp"], body.get("signType"))
        if not rules and verify_pay_sign(*args, body["paySign"], keys.merchant_public):
            return
        claimed = body.get("appId")
        found = diagnose_v3_pay_sign(
            *args,
            body["paySign"],
            keys.merchant_public,
            other_keys={f"the platform certificate's key ({keys.platform_serial})": keys.platform_key.public_key()},
            other_app_ids=[claimed] if claimed and claimed != order.appid else [],
        )
        mistakes = (*rules, *found.mistakes)
        what = "paySign does not verify with the merchant certificate" if found.mistakes else "paySign verifies"
        hint = explain(mistakes, found.expected_message, f"{what}; this is an API v3 order")
        record = v3_record(
            mistakes,
            what="paySign",
            expected=found.expected_message,
            received=body["paySign"],
            signed_message=found.signed_message,
            cut_short=found.tried if found.cut_short else None,
        )
        raise PaymentRefused(BAD_SIGN, hint, err_code=-1, problem="PAYSIGN", diagnosis=_Record(record))

    def _check_pay_sign(
        self,
        order: Order,
        fields: dict[str, str],
        received: str,
        sign_type: str,
        app: bool = False,
        facts: Sequence[Finding] = (),
        claimed_appid: str = "",
    ) -> None:
        """Refuse a paySign that does not verify, or any that breaks a client-side rule (``facts``)."""
        state = self.backend.state
        merchant = state.merchants[order.mch_id]
        if not facts and verify({**fields, "sign": received}, merchant.key(order.env), sign_type):
            return
        keys = self.backend.tenants.key_candidates(merchant, order.env, order.appid)
        if app:  # the APP PayReq: lower-case names, the order's sign_type
            diagnosis = diagnose(
                fields, received, sign_type=sign_type, keys=keys, type_field="sign_type (unifiedorder)", type_sent=True
            )
        else:
            others = heapq.nlargest(
                SUSPECT_ORDERS,
                (o for o in state.orders.values() if o.mch_id == order.mch_id and o.prepay_id and o is not order),
                key=lambda o: o.created_at,
            )
            diagnosis = diagnose_pay_sign(
                fields,
                received,
                sign_type=sign_type,
                keys=keys,
                claimed_appid=claimed_appid,
                other_appids=[a for a in merchant.appids if a != order.appid],
                other_packages=[(o.prepay_id, o.out_trade_no) for o in others]
                + [(p, order.out_trade_no) for p in order.old_prepay_ids],
                facts=facts,
            )
        raise PaymentRefused(BAD_SIGN, diagnosis.hint(), err_code=-1, problem="PAYSIGN", diagnosis=diagnosis)


class _Record:
    """A stored diagnosis record (a v3 one), with the v2 Diagnosis's to_dict / view."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def view(self, lang: str) -> dict[str, Any]:
        return view_of(self.data, lang)


def answer(backend: Backend, entry: Entry, data: dict[str, Any], *, origin: str = "") -> web.Response:
    """The simulated client's callback for POST /__mock__/pay (``origin``: where the problem pages are)."""
    outcome = data.get("outcome", "ok")
    if outcome not in OUTCOMES:
        raise ControlError(400, f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        raise ControlError(400, "reason must be a string")
    client = Client(backend)
    try:
        with _client_refusals():
            if "paySign" in data:
                payment = client.request_payment(data, outcome, reason)
            elif "prepayid" in data:
                payment = client.app_payment(data, outcome, reason)
            else:
                payment = client.direct_payment(data, outcome, reason)
    except PaymentRefused as refused:
        return _refused(entry, refused, backend.settings.lang, origin)
    order = payment.order
    message = client_message(payment.outcome, payment.reason)
    entry.outcome = message
    return render.json_body(
        {
            "errMsg": message,
            "outcome": payment.outcome,
            "out_trade_no": order.out_trade_no,
            "trade_state": order.trade_state,
            "transaction_id": order.transaction_id or None,
            "notification_id": payment.notification.id if payment.notification else None,
        }
    )


def cashier(backend: Backend, entry: Entry, data: dict[str, Any]) -> web.Response:
    """What the cashier shows before the user decides (POST /__mock__/wx/cashier, the phone's payment sheet):
    the payee, the body and the amount, once the parameters and their paySign pass WeChat's checks."""
    try:
        with _client_refusals():
            order = Client(backend).requested_order(data)
            refusal = backend.checkout.refusal(order)
            if refusal is not None:
                raise refusal
    except PaymentRefused as refused:
        return _refused(entry, refused, backend.settings.lang)
    entry.outcome = CASHIER_OPEN
    merchant = backend.state.merchants[order.mch_id]
    return render.json_body(
        {
            "payee": merchant.name or merchant.mch_id,
            "body": order.body,
            "total_fee": order.total_fee,
            "fee_type": order.fee_type,
            "out_trade_no": order.out_trade_no,
            "appid": order.appid,
        }
    )


@contextmanager
def _client_refusals() -> Iterator[None]:
    """A business rule's no, as the client says it (PaymentRefused), or as the control API does when the
    client has no words for it (ControlError)."""
    try:
        yield
    except DomainError as error:
        if not error.rule.client:
            raise ControlError.of(error) from None
        raise PaymentRefused.of(error) from None


def _refused(entry: Entry, refused: PaymentRefused, lang: str, origin: str = "") -> web.Response:
    entry.outcome = f"fail {refused.desc}"
    entry.error = {"kind": refused.problem or "REFUSED", "hint": refused.hint}
    if refused.diagnosis is not None:
        entry.error["diagnosis"] = refused.diagnosis.to_dict()
    entry.problem = refused.problem
    body: dict[str, Any] = {
        "errMsg": f"requestPayment:fail {refused.desc}",
        "err_code": refused.err_code,
        "err_desc": refused.desc,
        "mockwx": {"hint": refused.hint, "journal_id": entry.id},
    }
    if refused.diagnosis is not None:
        body["mockwx"]["diagnosis"] = refused.diagnosis.view(lang)
    response = render.json_body(body, hint=refused.hint)
    if refused.problem and origin:
        response.headers.update(render.problem_headers(origin, entry.id))
    return response


def _require_string(body: Mapping[str, Any], name: str) -> None:
    if not isinstance(body.get(name), str):
        raise _parameter_error(name, body.get(name))


def _parameter_error(name: str, value: Any) -> PaymentRefused:
    kind = {bool: "Boolean", int: "Number", float: "Number", type(None): "Undefined"}.get(type(value), "Object")
    return PaymentRefused(
        f"parameter error: parameter.{name} should be String instead of {kind};",
        f"{name} must be a string" + (' of seconds, like "1490840662"' if name == "timeStamp" else ""),
        err_code=-1,
        problem="PAYSIGN",
    )


def _query_value(url: str, name: str) -> str:
    values = parse_qs(urlsplit(url).query).get(name) or [""]
    return values[0]
