"""Faults on demand: make a WeChat API answer with an error, answer late, or drop the connection,
for the requests that match. Added through the control API (``POST /__mock__/faults``), by
scenarios, and by the magic amounts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from itertools import count
from typing import Any

from .domain.errors import LOGIN_ERRORS, V2_ERRORS, ControlError

LOGIN_APIS = ("code2session", "token")
PAY_APIS = ("unifiedorder", "orderquery", "closeorder", "refund", "refundquery", "downloadbill", "getsignkey")
APIS = (*LOGIN_APIS, *PAY_APIS)


@dataclass(slots=True)
class Fault:
    """One rule: for requests to ``api`` whose fields match ``match``, do what it says."""

    id: int
    api: str
    match: dict[str, str] = field(default_factory=dict)  # field -> exact value, or "re:<regex>"
    err_code: str = ""  # Pay v2: result_code FAIL with this err_code
    err_code_des: str = ""
    return_msg: str = ""  # Pay v2: return_code FAIL with this return_msg
    errcode: int | None = None  # login: {"errcode": N}
    delay: float = 0.0  # seconds (wall time) to wait before answering
    drop: bool = False  # close the connection without answering
    times: int | None = None  # how many matching requests it affects; None: every one
    hits: int = 0
    label: str = ""

    def matches(self, api: str, fields: Mapping[str, str]) -> bool:
        if self.api != api or (self.times is not None and self.hits >= self.times):
            return False
        for name, wanted in self.match.items():
            value = fields.get(name, "")
            if wanted.startswith("re:"):
                if not re.fullmatch(wanted[3:], value):
                    return False
            elif value != wanted:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    """The active fault rules, first match wins."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._ids = count(1)

    def add(self, spec: Mapping[str, Any]) -> Fault:
        """Validate a fault spec (as JSON or YAML gives it) and activate it."""
        if not isinstance(spec, Mapping):
            raise ControlError(400, 'a fault must be an object like {"api": "unifiedorder", "err_code": "SYSTEMERROR"}')
        allowed = {
            "api",
            "match",
            "err_code",
            "err_code_des",
            "return_msg",
            "errcode",
            "delay",
            "drop",
            "times",
            "label",
        }
        unknown = sorted(set(spec) - allowed)
        if unknown:
            raise ControlError(400, f"unknown fault field(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")
        api = spec.get("api")
        if api not in APIS:
            raise ControlError(400, f"fault api must be one of {', '.join(APIS)}, not {api!r}")
        match = spec.get("match") or {}
        if not isinstance(match, Mapping) or not all(isinstance(v, (str, int)) for v in match.values()):
            raise ControlError(400, 'fault match must map field names to values ("re:<regex>" for a pattern)')
        match = {str(k): str(v) for k, v in match.items()}
        for value in match.values():
            if value.startswith("re:"):
                try:
                    re.compile(value[3:])
                except re.error as exc:
                    raise ControlError(400, f"fault match pattern {value!r} is not a regex: {exc}") from None
        fault = Fault(id=next(self._ids), api=api, match=match, label=str(spec.get("label", "")))
        err_code, return_msg, errcode = spec.get("err_code", ""), spec.get("return_msg", ""), spec.get("errcode")
        if api in LOGIN_APIS and (err_code or return_msg):
            raise ControlError(400, f"{api} answers with errcode, not err_code / return_msg")
        if api in PAY_APIS and errcode is not None:
            raise ControlError(400, f"{api} answers with err_code or return_msg, not errcode")
        if err_code and err_code not in V2_ERRORS and not spec.get("err_code_des"):
            raise ControlError(
                400, f"unknown err_code {err_code!r}: give err_code_des too, or use one of {', '.join(V2_ERRORS)}"
            )
        if errcode is not None and errcode not in LOGIN_ERRORS:
            raise ControlError(400, f"errcode must be one of {', '.join(map(str, LOGIN_ERRORS))}")
        fault.err_code = str(err_code)
        fault.err_code_des = str(spec.get("err_code_des") or V2_ERRORS.get(err_code, ""))
        fault.return_msg = str(return_msg) if return_msg else ""
        fault.errcode = errcode
        delay, times = spec.get("delay", 0), spec.get("times")
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 600:
            raise ControlError(400, "fault delay must be seconds between 0 and 600")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise ControlError(400, "fault times must be a positive integer (omit it for every request)")
        fault.delay, fault.times, fault.drop = float(delay), times, bool(spec.get("drop", False))
        if not (fault.err_code or fault.return_msg or fault.errcode is not None or fault.delay or fault.drop):
            raise ControlError(400, "a fault must do something: err_code, return_msg, errcode, delay or drop")
        self._rules.append(fault)
        return fault

    def take(self, api: str, fields: Mapping[str, str]) -> Fault | None:
        """The first rule matching this request, counted as used."""
        for fault in self._rules:
            if fault.matches(api, fields):
                fault.hits += 1
                return fault
        return None

    def remove(self, fault_id: int) -> bool:
        before = len(self._rules)
        self._rules = [f for f in self._rules if f.id != fault_id]
        return len(self._rules) != before

    def clear(self) -> None:
        self._rules.clear()

    def all(self) -> list[Fault]:
        return list(self._rules)
