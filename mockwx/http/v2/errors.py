"""How Pay v2 says no (protocol/v2.md 3.2-3.3): ``return_code=FAIL`` (not accepted: no sign, no
other field) or ``result_code=FAIL`` with err_code / err_code_des (accepted, signed, refused), and
the mapping of every domain rule onto one of them."""

from __future__ import annotations

from typing import Any

from ...domain.errors import DomainError
from ...wire.errors import V2_ERR_CODES, V2_RETURN_MSGS


class ReturnFail(Exception):
    """return_code=FAIL: the request was not accepted at all; the answer carries no sign."""

    def __init__(
        self,
        kind: str,
        field: str = "",
        *,
        hint: str = "",
        diagnosis: Any = None,
        return_msg: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.extra = extra or {}  # further elements WeChat adds to this FAIL answer (downloadbill's error_code)
        self.field = field
        self.return_msg = return_msg if return_msg is not None else V2_RETURN_MSGS[kind].format(field=field)
        self.hint = hint
        self.diagnosis = diagnosis
        super().__init__(f"{kind}: {self.return_msg}")

    def details(self) -> dict[str, Any]:
        out = {"return_code": "FAIL", "return_msg": self.return_msg, "kind": self.kind}
        if self.hint:
            out["hint"] = self.hint
        if self.diagnosis is not None:
            out["diagnosis"] = self.diagnosis.to_dict()
        return out


class BizFail(Exception):
    """result_code=FAIL with err_code / err_code_des: accepted, signed, but refused."""

    def __init__(self, err_code: str, err_code_des: str | None = None, *, hint: str = "") -> None:
        self.err_code = err_code
        self.err_code_des = err_code_des if err_code_des is not None else V2_ERR_CODES[err_code]
        self.hint = hint
        super().__init__(f"{err_code}: {self.err_code_des}")

    def details(self) -> dict[str, Any]:
        out = {"result_code": "FAIL", "err_code": self.err_code, "err_code_des": self.err_code_des}
        if self.hint:
            out["hint"] = self.hint
        return out


# downloadbill's FAIL answers carry an error_code element (protocol/v2.md 6.6)
_EXTRA = {"NO_BILL": {"error_code": "20002"}}


def v2_error(error: DomainError, api: str) -> ReturnFail | BizFail:
    """The Pay v2 answer to a domain rule's no, on ``api``."""
    answer = error.rule.v2
    hint = error.explanation
    if answer is None:  # a rule no Pay v2 API runs into: say so rather than guess
        return ReturnFail("INTERNAL", hint=f"mockwx bug: {error.code} has no Pay v2 answer ({hint})")
    if answer.kind == "fail":
        return ReturnFail(answer.name, answer.text, hint=hint, extra=_EXTRA.get(answer.name))
    return BizFail(answer.name, answer.by_api.get(api, answer.text), hint=hint)
