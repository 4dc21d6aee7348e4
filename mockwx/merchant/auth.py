"""Who is calling: mini program logins (code2session -> opaque token) and the operator's token.

The client only ever holds a random bearer token. openid and session_key stay in the database,
keyed by sha256(token): a copy of the database does not hand out working tokens, and a lookup by
hash needs no constant-time comparison. The operator token is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from .config import MerchantConfig
from .errors import LOGIN_CONFIG_ERRCODES, LOGIN_ERRORS, ApiError, forbidden, unauthorized, upstream
from .models import Session
from .store import Store
from .wechat import LoginFailed, WeChatClient, WeChatUnavailable

log = logging.getLogger("merchant.auth")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """What the client gets back from a login: nothing but the token and its expiry."""

    token: str
    expires_at: float
    expires_in: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Auth:
    def __init__(self, config: MerchantConfig, store: Store, wechat: WeChatClient, clock: Callable[[], float]) -> None:
        self.config = config
        self.store = store
        self.wechat = wechat
        self.clock = clock

    async def login(self, code: str) -> IssuedToken:
        """Exchange a wx.login code for a session; WeChat's errors become ApiErrors a client can act on."""
        try:
            result = await self.wechat.code2session(code)
        except LoginFailed as exc:
            if exc.errcode in LOGIN_ERRORS:
                status, short, message = LOGIN_ERRORS[exc.errcode]
                raise ApiError(status, short, message, wechat_errcode=exc.errcode) from None
            if exc.errcode in LOGIN_CONFIG_ERRCODES:
                log.error("code2session refused our appid/secret: %s (check appid and app_secret)", exc)
                raise upstream("LOGIN_MISCONFIGURED", "login is misconfigured on the server; try again later") from None
            raise upstream("LOGIN_FAILED", f"WeChat login failed with errcode {exc.errcode}") from None
        except WeChatUnavailable as exc:
            log.warning("code2session unavailable: %s", exc)
            raise upstream("WECHAT_UNAVAILABLE", "WeChat login could not be reached; retry in a moment") from None
        token = secrets.token_urlsafe(32)
        now = self.clock()
        ttl = self.config.session_ttl
        await self.store.add_session(
            Session(
                token_hash=token_hash(token),
                openid=result.openid,
                session_key=result.session_key,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        return IssuedToken(token=token, expires_at=now + ttl, expires_in=ttl)

    async def user(self, authorization: str | None) -> Session:
        """The session a user request's ``Authorization: Bearer <token>`` names, or a 401."""
        token = _bearer(authorization)
        session = await self.store.session(token_hash(token))
        if session is None:
            raise unauthorized("BAD_TOKEN", "the token is not known here: log in again with POST /api/login")
        if self.clock() >= session.expires_at:
            raise unauthorized("TOKEN_EXPIRED", "the session expired: call wx.login() and POST /api/login again")
        return session

    def operator(self, authorization: str | None) -> None:
        """Check ``Authorization: Bearer <operator_token>``, in constant time."""
        expected = self.config.operator_token
        if not expected:
            raise forbidden("OPERATOR_DISABLED", "operator endpoints are disabled: set operator_token in the config")
        token = _bearer(authorization)
        if not hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
            raise forbidden("NOT_OPERATOR", "this endpoint needs the operator token")


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise unauthorized("NO_TOKEN", "send Authorization: Bearer <token> (POST /api/login gives you one)")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 256:
        raise unauthorized("NO_TOKEN", "the Authorization header must be 'Bearer <token>'")
    return token
