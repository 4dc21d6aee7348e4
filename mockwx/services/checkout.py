"""The user pays: what wx.requestPayment (mini program), the APP SDK, a QR scan (NATIVE) or an
H5 page (MWEB) would do, with the client-side checks WeChat makes before taking the money
(protocol/v2.md 4), and the settlement that follows.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..clock import SystemClock, VirtualClock
from ..doctor import Finding, diagnose, diagnose_pay_sign, meant_sign_type, rule_findings
from ..domain.errors import ControlError
from ..domain.models import Notification, Order, PaymentAttempt, TradeState
from ..faults import Faults
from ..ids import Ids
from ..notify.notices import Notices
from ..state import State
from ..wire import pay_sign_fields, verify
from .gateway import Gateway
from .login import LoginService

DEFAULT_FAIL_REASON = "支付失败"
BAD_PACKAGE = "调用支付JSAPI缺少参数: total_fee"
BAD_SIGN = "支付验证签名失败"
EXPIRED = "该订单已过期，请重新下单"
CLOSED = "该订单已关闭"
PAID = "该订单已支付"
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


class CheckoutService:
    def __init__(
        self,
        state: State,
        clock: SystemClock | VirtualClock,
        ids: Ids,
        gateway: Gateway,
        login: LoginService,
        notices: Notices,
        faults: Faults,
    ) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.gateway = gateway
        self.login = login
        self.notices = notices
        self.faults = faults

    # -- entry points ---------------------------------------------------------------------------

    def request_payment(self, body: Mapping[str, Any], outcome: str, reason: str) -> dict[str, Any]:
        """wx.requestPayment: check the five signed parameters, then let the user decide."""
        for name in ("timeStamp", "nonceStr", "package", "paySign"):
            _require_string(body, name)
        for name in ("signType", "appId"):
            if name in body:
                _require_string(body, name)
        sign_type = body.get("signType", "MD5")
        order = self._order_of_package(body["package"])
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
        return self._decide(order, order.openid, outcome, reason, "requestPayment")

    def app_payment(self, body: Mapping[str, Any], outcome: str, reason: str) -> dict[str, Any]:
        """The APP SDK's PayReq: appid, partnerid, prepayid, package=Sign=WXPay, noncestr, timestamp, sign."""
        names = ("appid", "partnerid", "prepayid", "package", "noncestr", "timestamp", "sign")
        for name in names:
            _require_string(body, name)
        order = self._order_of_prepay_id(body["prepayid"])
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
        return self._decide(order, order.openid or self._payer(order, body), outcome, reason, "app")

    def direct_payment(self, body: Mapping[str, Any], outcome: str, reason: str) -> dict[str, Any]:
        """Pay an order named by out_trade_no, prepay_id, code_url (a QR scan) or mweb_url (an H5 page)."""
        order = self._order_named(body)
        channel = {"NATIVE": "scan", "MWEB": "h5", "APP": "app"}.get(order.trade_type, "direct")
        return self._decide(order, order.openid or self._payer(order, body), outcome, reason, channel)

    # -- finding the order ----------------------------------------------------------------------

    def _order_of_package(self, package: str) -> Order:
        if not package.startswith("prepay_id="):
            raise PaymentRefused(
                BAD_PACKAGE, f"package is {package!r}; it must be 'prepay_id=' followed by unifiedorder's prepay_id"
            )
        return self._order_of_prepay_id(package[len("prepay_id=") :])

    def _order_of_prepay_id(self, prepay_id: str) -> Order:
        order = self.state.order_by(self.state.by_prepay_id, prepay_id)
        if order is None:
            raise PaymentRefused(BAD_PACKAGE, f"prepay_id {prepay_id!r} was not issued by this mock's unifiedorder")
        if order.prepay_id != prepay_id:
            raise PaymentRefused(EXPIRED, f"prepay_id {prepay_id} was replaced by {order.prepay_id} after it expired")
        return order

    def _order_named(self, body: Mapping[str, Any]) -> Order:
        for name, index in (
            ("prepay_id", self.state.by_prepay_id),
            ("code_url", self.state.by_code_url),
        ):
            if body.get(name):
                order = self.state.order_by(index, str(body[name]))
                if order is None:
                    raise ControlError(404, f"no order has {name} {body[name]!r}")
                return order
        if body.get("mweb_url"):
            prepay_id = _query_value(str(body["mweb_url"]), "prepay_id")
            order = self.state.order_by(self.state.by_prepay_id, prepay_id)
            if order is None:
                raise ControlError(404, f"no order has mweb_url {body['mweb_url']!r}")
            return order
        out_trade_no = body.get("out_trade_no")
        if not isinstance(out_trade_no, str) or not out_trade_no:
            raise ControlError(
                400,
                "say which order to pay",
                hint="send the wx.requestPayment parameters (timeStamp, nonceStr, package, signType, paySign), the APP"
                " PayReq fields, or one of out_trade_no, prepay_id, code_url, mweb_url",
            )
        orders = [o for o in self.state.orders_for(out_trade_no, body.get("mch_id")) if o.env == body.get("env", o.env)]
        if not orders:
            raise ControlError(404, f"no order {out_trade_no!r}", hint="GET /__mock__/orders lists the orders")
        if len(orders) > 1:
            raise ControlError(409, f"{len(orders)} orders are numbered {out_trade_no!r}; add mch_id (and env)")
        return orders[0]

    def _payer(self, order: Order, body: Mapping[str, Any]) -> str:
        user = body.get("user", "alice")
        if not isinstance(user, str) or not user:
            raise ControlError(400, 'user must be a test user\'s name, like "alice"')
        return self.login.account(order.appid, user).openid

    # -- the client-side checks -----------------------------------------------------------------

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
        merchant = self.state.merchants[order.mch_id]
        key = merchant.key(order.env)
        if not facts and verify({**fields, "sign": received}, key, sign_type):
            return
        keys = self.gateway.key_candidates(merchant, order.env, order.appid)
        if app:  # the APP PayReq: lower-case names, the order's sign_type
            diagnosis = diagnose(
                fields, received, sign_type=sign_type, keys=keys, type_field="sign_type (unifiedorder)", type_sent=True
            )
        else:
            others = heapq.nlargest(
                SUSPECT_ORDERS,
                (o for o in self.state.orders.values() if o.mch_id == order.mch_id and o.prepay_id and o is not order),
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

    def refusal(self, order: Order) -> PaymentRefused | None:
        """Why this order cannot be paid now, or None."""
        now = self.clock.now()
        if order.is_paid():
            return PaymentRefused(PAID, f"order {order.out_trade_no} is already paid")
        if order.trade_state == TradeState.CLOSED:
            return PaymentRefused(CLOSED, f"order {order.out_trade_no} was closed")
        if order.is_expired(now):
            return PaymentRefused(EXPIRED, f"order {order.out_trade_no} passed its time_expire")
        if now >= order.prepay_expires_at:
            return PaymentRefused(
                EXPIRED, f"prepay_id {order.prepay_id} is older than 2 hours; call unifiedorder again for a new one"
            )
        return None

    # -- the user decides -----------------------------------------------------------------------

    def _decide(self, order: Order, payer: str, outcome: str, reason: str, channel: str) -> dict[str, Any]:
        refused = self.refusal(order)
        if refused is not None:
            raise refused
        rule = self.faults.take("pay", order.match_fields())
        if rule is not None:  # a scenario or magic amount decides what this user does
            outcome, reason = rule.outcome, rule.reason or reason
        now = self.clock.now()
        notification = None
        if outcome == "ok":
            message = "requestPayment:ok"
            notification = self.settle(order, payer)
        elif outcome == "cancel":
            message = "requestPayment:fail cancel"
        else:
            message = f"requestPayment:fail {reason or DEFAULT_FAIL_REASON}"
        order.payments.append(PaymentAttempt(at=now, outcome=outcome, err_msg=message, channel=channel))
        self.state.put_order(order)
        return {
            "errMsg": message,
            "outcome": outcome,
            "out_trade_no": order.out_trade_no,
            "trade_state": order.trade_state,
            "transaction_id": order.transaction_id or None,
            "notification_id": notification.id if notification else None,
        }

    def settle(self, order: Order, payer: str) -> Notification:
        """The money moves: the order becomes SUCCESS and its notification is queued."""
        now = self.clock.now()
        order.trade_state = TradeState.SUCCESS
        order.transaction_id = self.ids.fresh(lambda: self.ids.transaction_id(now), self.state.by_transaction_id)
        order.time_end = now
        order.bank_type = "OTHERS"
        order.cash_fee = order.total_fee
        order.payer_openid = payer
        self.state.put_order(order)
        return self.notices.payment(order)


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
