"""The merchant's error answers: one exception type carrying HTTP status, a short code and a message that teaches.

Services raise ``ApiError``; the HTTP layer renders it as ``{"error": ..., "code": ...}``.
WeChat's own failures become 4xx when the client can fix them and 502 when WeChat (or the
merchant's WeChat setup) is at fault.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer to the client: ``status``, a SHORT_CODE, and what was wrong and what to do."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code, **self.extra}


def bad_request(code: str, message: str, **extra: Any) -> ApiError:
    return ApiError(400, code, message, **extra)


def unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message)


def forbidden(code: str, message: str) -> ApiError:
    return ApiError(403, code, message)


def not_found(code: str, message: str) -> ApiError:
    return ApiError(404, code, message)


def conflict(code: str, message: str, **extra: Any) -> ApiError:
    return ApiError(409, code, message, **extra)


def upstream(code: str, message: str, **extra: Any) -> ApiError:
    return ApiError(502, code, message, **extra)


# code2session errcode -> (HTTP status, our code, message). Source: protocol/v2.md 1.3.
LOGIN_ERRORS: dict[int, tuple[int, str, str]] = {
    40029: (400, "INVALID_CODE", "the login code is invalid or expired: call wx.login() again and send the new code"),
    40163: (400, "CODE_USED", "the login code was already used: a code works once, call wx.login() again"),
    40226: (403, "LOGIN_BLOCKED", "WeChat blocked this user's login (high-risk user)"),
    45011: (429, "LOGIN_RATE_LIMITED", "too many logins for this user in a minute: wait a minute and retry"),
    -1: (502, "WECHAT_BUSY", "WeChat login is busy (errcode -1): retry in a moment"),
}
LOGIN_CONFIG_ERRCODES = frozenset({40013, 40125, 41002, 41004, 40002})
