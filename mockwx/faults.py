"""Faults on demand: rules that change how the mock behaves for what they match.

* a WeChat API (``code2session``, ``unifiedorder``, ...): answer with an error, answer late, or
  drop the connection;
* ``pay``: what the user does at wx.requestPayment (cancel, fail) whatever the caller asked;
* ``notify`` / ``refund_notify``: the notification plan (suppress it, delay it, send duplicates,
  send forged or tampered copies first, use another retry schedule, accept plain-text acks).

Rules are added through the control API (``POST /__mock__/faults``), by scenarios and by the
magic amounts; the first matching rule wins. ``match`` compares request fields (for ``pay`` and
the notifications: the order's fields, e.g. total_fee, out_trade_no, openid) exactly or, with
``re:``, by regular expression. Patterns run on RE2 (google-re2): matching takes time linear in the
text whatever the pattern, so ``(a+)+$`` cannot freeze the mock; RE2 has no backreferences or
lookaround, and a pattern using them is refused when the rule is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from itertools import count
from typing import Any

import re2

from . import catalogue
from .config import MAX_RETRIES, MAX_RETRY_DELAY
from .domain.errors import DomainError, number_in
from .wire.errors import LOGIN_ERRCODES, V2_ERR_CODES, V3_ERROR_CODES

LOGIN_APIS = catalogue.apis("login")
PAY_APIS = catalogue.apis("v2")
V3_APIS = catalogue.apis("v3")
NOTIFY_APIS = ("notify", "refund_notify")
APIS = (*LOGIN_APIS, *PAY_APIS, *V3_APIS, "pay", *NOTIFY_APIS)
VARIANTS = ("forged", "tampered_amount", "wrong_appid", "wrong_mch_id", "unknown_order")
OUTCOMES = ("ok", "cancel", "fail")
ACK_MODES = ("strict", "lenient", "never")

_COMMON_KEYS = {"api", "match", "times", "per", "label"}
_KEYS = {
    **{api: {"errcode", "delay", "drop"} for api in LOGIN_APIS},
    **{api: {"err_code", "err_code_des", "return_msg", "delay", "drop"} for api in PAY_APIS},
    **{api: {"code", "status", "message", "delay", "drop"} for api in V3_APIS},
    "pay": {"outcome", "reason"},
    **{api: {"deliver", "delay", "duplicates", "concurrent", "variants", "retry_delays", "ack"} for api in NOTIFY_APIS},
}


def effect_fields(api: str) -> frozenset[str]:
    """What a rule on ``api`` may say it does, besides api, match, times, per and label (the dashboard's form)."""
    return frozenset(_KEYS[api])


@dataclass(slots=True)
class Fault:
    """One rule: for what ``api`` handles and ``match`` selects, do what it says."""

    id: int
    api: str
    match: dict[str, str] = field(default_factory=dict)  # field -> exact value, or "re:<regex>"
    times: int | None = None  # how many matches it affects; None: every one
    per: str = ""  # count ``times`` per distinct value of this field (e.g. once per out_trade_no)
    hits: int = 0
    label: str = ""
    seen: dict[str, int] = field(default_factory=dict)  # hits per value of ``per``
    # API answers
    err_code: str = ""  # Pay v2: result_code FAIL with this err_code
    err_code_des: str = ""
    return_msg: str = ""  # Pay v2: return_code FAIL with this return_msg
    errcode: int | None = None  # login: {"errcode": N}
    code: str = ""  # API v3: answer this code (with status and message, from WeChat's table unless given)
    status: int | None = None
    message: str = ""
    delay: float = 0.0  # API answers: wall seconds before answering; notifications: clock seconds
    drop: bool = False  # close the connection without answering
    # the user at wx.requestPayment
    outcome: str = ""
    reason: str = ""
    # notification plan
    deliver: bool = True
    duplicates: int = 0
    concurrent: bool = False
    variants: list[str] = field(default_factory=list)
    retry_delays: list[int] | None = None
    ack: str = "strict"  # strict: 200 + XML SUCCESS; lenient: plain-text SUCCESS too; never: every answer is late
    patterns: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # field -> compiled re:

    def _used_up(self, fields: Mapping[str, Any]) -> bool:
        if self.times is None:
            return False
        used = self.seen.get(str(fields.get(self.per, "")), 0) if self.per else self.hits
        return used >= self.times

    def count(self, fields: Mapping[str, Any]) -> None:
        self.hits += 1
        if self.per:
            value = str(fields.get(self.per, ""))
            self.seen[value] = self.seen.get(value, 0) + 1

    def matches(self, api: str, fields: Mapping[str, Any]) -> bool:
        if self.api != api or self._used_up(fields):
            return False
        for name, wanted in self.match.items():
            value = str(fields.get(name, ""))
            pattern = self.patterns.get(name)
            if pattern is not None:
                if pattern.fullmatch(value) is None:
                    return False
            elif value != wanted:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        out = asdict(replace(self, patterns={}))
        del out["patterns"]
        return out


def _bad(message: str) -> DomainError:
    return DomainError("INVALID", message)


def _typed(spec: Mapping[str, Any], name: str, kind: type, default: Any) -> Any:
    """``spec[name]`` if it has the right JSON type (a bool is not an int), else DomainError."""
    value = spec.get(name, default)
    if value is default or (isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))):
        return value
    words = {str: "a string", bool: "true or false", int: "an integer"}
    raise _bad(f"fault {name} must be {words[kind]}, not {value!r}")


def parse_fault(fault_id: int, spec: Any) -> Fault:
    """Validate a fault spec (as JSON or YAML gives it); every mistake is a DomainError naming it."""
    if not isinstance(spec, Mapping):
        raise _bad('a fault must be an object like {"api": "unifiedorder", "err_code": "SYSTEMERROR"}')
    api = spec.get("api")
    if api not in APIS:
        raise _bad(f"fault api must be one of {', '.join(APIS)}, not {api!r}")
    allowed = _COMMON_KEYS | _KEYS[api]
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise _bad(f"unknown field(s) {', '.join(unknown)} for a {api} fault; allowed: {', '.join(sorted(allowed))}")
    match = spec.get("match") or {}
    if not isinstance(match, Mapping) or not all(isinstance(v, (str, int)) for v in match.values()):
        raise _bad('fault match must map field names to values ("re:<regex>" for a pattern)')
    match = {str(k): str(v) for k, v in match.items()}
    patterns = {name: _compiled(value[3:]) for name, value in match.items() if value.startswith("re:")}
    times = spec.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise _bad("fault times must be a positive integer (omit it for every match)")
    per, label = _typed(spec, "per", str, ""), _typed(spec, "label", str, "")
    fault = Fault(id=fault_id, api=api, match=match, times=times, per=per, label=label, patterns=patterns)
    if api in NOTIFY_APIS:
        _notify_plan(fault, spec)
    elif api == "pay":
        _pay_outcome(fault, spec)
    elif api in V3_APIS:
        _v3_answer(fault, spec)
    else:
        _api_answer(fault, spec)
    return fault


_NOT_XML = re2.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(spec: Mapping[str, Any], name: str) -> str:
    """A string the answer's XML can carry: XML 1.0 has no control characters but tab and newlines."""
    value = _typed(spec, name, str, "")
    if _NOT_XML.search(value):
        raise _bad(f"fault {name} {value!r} holds a character XML cannot carry (a control character)")
    return value


def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False  # the answer says what is wrong; RE2's own log would go to stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        why = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise _bad(
            f"fault match pattern 're:{pattern}' is not a regex RE2 can run: {why}"
            " (RE2 has no backreferences or lookaround)"
        ) from None


def _v3_answer(fault: Fault, spec: Mapping[str, Any]) -> None:
    code, message = _xml_text(spec, "code"), _typed(spec, "message", str, "")
    status = _typed(spec, "status", int, None)
    if code and code not in V3_ERROR_CODES and (status is None or not message):
        raise _bad(f"unknown v3 code {code!r}: give status and message too, or use one of {', '.join(V3_ERROR_CODES)}")
    if status is not None and not 400 <= status <= 599:
        raise _bad("status must be an HTTP error status, 400 to 599")
    fault.code, fault.message = code, message
    fault.status = status if status is not None or not code else V3_ERROR_CODES[code][0]
    fault.delay = number_in(spec, "delay", 0, 600, 0)
    fault.drop = _typed(spec, "drop", bool, False)
    if not (fault.code or fault.delay or fault.drop):
        raise _bad("a v3 fault must do something: code, delay or drop")


def _api_answer(fault: Fault, spec: Mapping[str, Any]) -> None:
    err_code, errcode = _xml_text(spec, "err_code"), _typed(spec, "errcode", int, None)
    err_code_des, return_msg = _xml_text(spec, "err_code_des"), _xml_text(spec, "return_msg")
    if err_code and err_code not in V2_ERR_CODES and not err_code_des:
        raise _bad(f"unknown err_code {err_code!r}: give err_code_des too, or use one of {', '.join(V2_ERR_CODES)}")
    if errcode is not None and errcode not in LOGIN_ERRCODES:
        raise _bad(f"errcode must be one of {', '.join(map(str, LOGIN_ERRCODES))}")
    fault.err_code = err_code
    fault.err_code_des = err_code_des or V2_ERR_CODES.get(err_code, "")
    fault.return_msg = return_msg
    fault.errcode = errcode
    fault.delay = number_in(spec, "delay", 0, 600, 0)
    fault.drop = _typed(spec, "drop", bool, False)
    if not (fault.err_code or fault.return_msg or fault.errcode is not None or fault.delay or fault.drop):
        raise _bad("a fault must do something: err_code, return_msg, errcode, delay or drop")


def _pay_outcome(fault: Fault, spec: Mapping[str, Any]) -> None:
    outcome, reason = spec.get("outcome"), _typed(spec, "reason", str, "")
    if outcome not in OUTCOMES:
        raise _bad(f"a pay fault needs outcome: one of {', '.join(OUTCOMES)}")
    fault.outcome, fault.reason = outcome, reason


def _notify_plan(fault: Fault, spec: Mapping[str, Any]) -> None:
    fault.deliver = _typed(spec, "deliver", bool, True)
    fault.delay = number_in(spec, "delay", 0, MAX_RETRY_DELAY, 0)
    duplicates = spec.get("duplicates", 0)
    if not isinstance(duplicates, int) or isinstance(duplicates, bool) or not 0 <= duplicates <= 1000:
        raise _bad("duplicates must be an integer from 0 to 1000")
    fault.duplicates = duplicates
    fault.concurrent = _typed(spec, "concurrent", bool, False)
    variants = spec.get("variants") or []
    if not isinstance(variants, list) or any(v not in VARIANTS for v in variants):
        raise _bad(f"variants must be a list of: {', '.join(VARIANTS)}")
    fault.variants = list(variants)
    delays = spec.get("retry_delays")
    if delays is not None and (
        not isinstance(delays, list)
        or len(delays) > MAX_RETRIES
        or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_RETRY_DELAY for d in delays)
    ):
        raise _bad(f"retry_delays must be a list of at most {MAX_RETRIES} delays of 0 to {MAX_RETRY_DELAY} seconds")
    fault.retry_delays = delays
    ack = spec.get("ack", "strict")
    if ack not in ACK_MODES:
        raise _bad(
            "ack must be strict (200 + XML return_code SUCCESS), lenient (also plain-text SUCCESS)"
            " or never (every answer counts as too late)"
        )
    fault.ack = ack


class Faults:
    """The active rules, first match wins; indexed by api, so a call only looks at the rules for its api."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._by_api: dict[str, list[Fault]] = {}
        self._ids = count(1)

    def add(self, spec: Any) -> Fault:
        fault = parse_fault(next(self._ids), spec)
        self._rules.append(fault)
        self._by_api.setdefault(fault.api, []).append(fault)
        return fault

    def take(self, api: str, fields: Mapping[str, Any]) -> Fault | None:
        """The first rule matching, counted as used."""
        for fault in self._by_api.get(api, ()):
            if fault.matches(api, fields):
                fault.count(fields)
                return fault
        return None

    def remove(self, fault_id: int) -> bool:
        before = len(self._rules)
        self._rules = [f for f in self._rules if f.id != fault_id]
        self._by_api = {}
        for fault in self._rules:
            self._by_api.setdefault(fault.api, []).append(fault)
        return len(self._rules) != before

    def clear(self) -> None:
        self._rules.clear()
        self._by_api.clear()

    def all(self) -> list[Fault]:
        return list(self._rules)
