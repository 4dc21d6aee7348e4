"""Mini-program login: wx.login codes for named test users, code2session and access_token, with
the rules of protocol/v2.md 1.1-1.5 (single-use codes living five minutes, a per-user rate).
"""

from __future__ import annotations

from collections import deque

from ..clock import SystemClock, VirtualClock
from ..config import Settings
from ..domain.commands import Code2Session, FetchToken
from ..domain.errors import DomainError
from ..domain.models import AccessToken, Account, LoginCode, MiniApp
from ..ids import Ids
from ..state import State

MAX_USER_LEN = 64


class LoginService:
    def __init__(self, state: State, clock: SystemClock | VirtualClock, ids: Ids, settings: Settings) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self._calls: dict[str, deque[float]] = {}  # "appid:user" -> recent code2session times

    # -- the mini program side ------------------------------------------------------------------

    def account(self, appid: str, user: str) -> Account:
        """The test user ``user`` as seen by ``appid``, created on first use."""
        account = self.state.account(appid, user)
        if account is None:
            app = self.state.apps[appid]
            account = Account(
                appid=appid,
                user=user,
                openid=Ids.openid(appid, user),
                session_key=self.ids.session_key(),
                unionid=Ids.unionid(app.open_platform, user) if app.open_platform else "",
            )
            self.state.put_account(account)
        return account

    def mint_code(self, appid: str, user: str) -> tuple[LoginCode, Account]:
        """What wx.login returns to the mini program of ``appid`` for the test user ``user``."""
        if appid not in self.state.apps:
            known = ", ".join(sorted(self.state.apps)) or "none"
            raise DomainError("APP_NOT_FOUND", f"no mini program {appid!r} is registered", fix=f"registered: {known}")
        if not user or len(user) > MAX_USER_LEN:
            raise DomainError("INVALID", f'user must be a name of 1-{MAX_USER_LEN} characters, like "alice"')
        now = self.clock.now()
        code = LoginCode(
            code=self.ids.fresh(self.ids.login_code, self.state.codes),
            appid=appid,
            user=user,
            created_at=now,
            expires_at=now + self.settings.login.code_ttl,
        )
        self.state.put_code(code)
        return code, self.account(appid, user)

    # -- api.weixin.qq.com ----------------------------------------------------------------------

    def _app(self, appid: str, secret: str) -> MiniApp:
        app = self.state.apps.get(appid)
        if app is None:
            raise DomainError("APP_NOT_FOUND", f"no mini program {appid} is registered in mockwx")
        if secret != app.secret:
            raise DomainError(
                "SECRET_WRONG",
                f"secret is not the AppSecret of {appid}"
                + (" (it looks like a merchant API key)" if self._is_api_key(secret) else ""),
            )
        return app

    def _is_api_key(self, secret: str) -> bool:
        return any(m.api_key == secret for m in self.state.merchants.values())

    def code2session(self, command: Code2Session) -> Account:
        """The account behind a wx.login code, which is used up by the exchange."""
        app = self._app(command.appid, command.secret)
        now = self.clock.now()
        code = self.state.codes.get(command.js_code)
        if code is None or code.appid != app.appid:
            raise DomainError(
                "CODE_INVALID",
                "this code was not minted by mockwx"
                if code is None
                else f"this code was minted for {code.appid}, not {app.appid}",
            )
        if code.used_at is not None:
            raise DomainError("CODE_USED", "a wx.login code can be exchanged once; call wx.login again for a new one")
        if now >= code.expires_at:
            raise DomainError(
                "CODE_INVALID",
                f"this code expired {now - code.expires_at:.0f}s ago (codes live {self.settings.login.code_ttl}s)",
            )
        self._rate_limit(f"{code.appid}:{code.user}", now)
        code.used_at = now
        self.state.put_code(code)
        return self.account(code.appid, code.user)

    def _rate_limit(self, who: str, now: float) -> None:
        limit = self.settings.login.rate_limit_per_minute
        if limit <= 0:
            return
        calls = self._calls.setdefault(who, deque())
        while calls and calls[0] <= now - 60:
            calls.popleft()
        if len(calls) >= limit:
            raise DomainError(
                "LOGIN_RATE_LIMITED", f"more than {limit} code2session calls for this user within a minute"
            )
        calls.append(now)

    def access_token(self, command: FetchToken) -> AccessToken:
        """A new token that replaces the previous one."""
        app = self._app(command.appid, command.secret)
        token = AccessToken(
            appid=app.appid, token=self.ids.access_token(), expires_at=self.clock.now() + self.settings.login.token_ttl
        )
        self.state.put_token(token)
        return token
