"""Errors of our own control API (``/__mock__/...``): JSON with a 4xx status and a message that
says what was wrong and what to do, also for the domain errors a control call runs into."""

from __future__ import annotations

from typing import Any

from ..domain.errors import DomainError

# a domain rule's kind -> the control API's HTTP status
STATUS_OF_KIND = {"invalid": 400, "not_found": 404, "conflict": 409, "refused": 429, "busy": 503}


class ControlError(Exception):
    """A bad call to mockwx's own control API: answered as JSON with a 4xx status."""

    def __init__(self, status: int, message: str, *, hint: str = "") -> None:
        self.status = status
        self.message = message
        self.hint = hint
        super().__init__(message)

    @classmethod
    def of(cls, error: DomainError) -> ControlError:
        return cls(STATUS_OF_KIND[error.rule.kind], error.hint or error.code, hint=error.fix)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out
