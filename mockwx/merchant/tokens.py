"""The merchant's access_token: the stable one (getStableAccessToken, protocol/v2.md 1.5), fetched once
and shared by every call, renewed five minutes before it runs out, and asked for again when WeChat
says a call's token is stale (40001, 40014, 42001), which another process may have caused.

The stable token is never force-refreshed on a hunch: in its normal mode WeChat hands back the
token that is valid now, which is what a stale cache needs; forcing it would retire that token for
every other process that shares the account (and WeChat limits forced refreshes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from .wechat import LoginFailed, WeChatClient

T = TypeVar("T")
STALE = frozenset({40001, 40014, 42001})
RENEW_BEFORE = 300  # seconds


class AccessTokens:
    def __init__(self, wechat: WeChatClient, clock: Callable[[], float]) -> None:
        self.wechat = wechat
        self.clock = clock
        self._token = ""
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self, *, stale: str = "") -> str:
        """A token to call with; ``stale``: the one WeChat just refused (fetch past it)."""
        async with self._lock:
            if self._token and self._token != stale and self.clock() < self._expires_at - RENEW_BEFORE:
                return self._token
            token, expires_in = await self.wechat.stable_token()
            if token == stale:  # WeChat still hands out the token it refuses: only a forced refresh helps
                token, expires_in = await self.wechat.stable_token(force_refresh=True)
            self._token, self._expires_at = token, self.clock() + expires_in
            return token

    async def call(self, fn: Callable[[str], Awaitable[T]]) -> T:
        """``fn(token)``, once more with a fresh token if WeChat says the first one is stale."""
        token = await self.token()
        try:
            return await fn(token)
        except LoginFailed as exc:
            if exc.errcode not in STALE:
                raise
        return await fn(await self.token(stale=token))
