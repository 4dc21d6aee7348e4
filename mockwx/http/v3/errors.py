"""How API v3 says no (protocol/v3.md 1.4, 9): an HTTP status and ``{"code", "message", "detail"?}``,
and the mapping of every domain rule onto one."""

from __future__ import annotations

from typing import Any

from ...config import V3Settings
from ...domain.errors import DomainError

# what the re-entry of an order with changed parameters answers (v3.md 4.2: UNVERIFIED, a setting)
REENTRY = {
    "INVALID_REQUEST": (400, "INVALID_REQUEST", "请求重入时，参数与首次请求时不一致"),
    "OUT_TRADE_NO_USED": (403, "OUT_TRADE_NO_USED", "商户订单号重复"),
}


class V3Fail(Exception):
    """A v3 error answer: ``status`` with ``{"code", "message", "detail"?}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        detail: dict[str, Any] | None = None,
        hint: str = "",
        problem: str = "",
        diagnosis: Any = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
        self.problem = problem  # the journal's problem kind, when this is the caller's mistake
        self.diagnosis = diagnosis

    def body(self) -> dict[str, Any]:
        """The answer's JSON, keys sorted as WeChat's error bodies are."""
        out: dict[str, Any] = {"code": self.code}
        if self.detail is not None:
            out["detail"] = self.detail
        out["message"] = self.message
        return out

    def details(self) -> dict[str, Any]:
        """What the journal records."""
        out: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.problem:
            out["kind"] = self.problem
        if self.hint:
            out["hint"] = self.hint
        if self.diagnosis is not None:
            out["diagnosis"] = self.diagnosis
        return out


def v3_error(error: DomainError, settings: V3Settings, api: str) -> V3Fail:
    """The v3 answer to a domain rule's no, on ``api`` (a rule may answer differently on some APIs)."""
    if error.code == "REENTRY_CHANGED":
        answer: tuple[int, str, str] | None = REENTRY[settings.reentry_code]
    else:
        answer = error.rule.v3_by_api.get(api, error.rule.v3)
    if answer is None:
        return V3Fail(500, "SYSTEM_ERROR", "系统错误", hint=f"mockwx bug: {error.code} has no v3 answer")
    status, code, message = answer
    return V3Fail(status, code, message, hint=error.explanation)
