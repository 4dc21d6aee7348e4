"""Mini-program login: wx.login codes for named test users, code2session and access_token, with
the checks and error codes of protocol/v2.md 1.3 and 1.5.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from ..clock import SystemClock, VirtualClock
from ..config import Settings
from ..domain.errors import ControlError, LoginFail
from ..domain.models import AccessToken, Account, LoginCode, MiniApp
from ..ids import Ids
from ..state import State

MAX_USER_LEN = 64
_MISSING = {
    "appid": (41002, "the mini program's appid"),
    "secret": (41004, "the AppSecret"),
    "js_code": (41008, "the code from wx.login"),
}


class LoginService:
    def __init__(self, state: State, clock: SystemClock | VirtualClock, ids: Ids, settings: Settings) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self._calls: dict[str, deque[float]] = {}  # "appid:user" -> recent code2session times

    # -- the mini program side (control API) ----------------------------------------------------

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
            raise ControlError(404, f"no mini program {appid!r} is registered", hint=f"registered appids: {known}")
        if not user or len(user) > MAX_USER_LEN:
            raise ControlError(400, f'user must be a name of 1-{MAX_USER_LEN} characters, like "alice"')
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

    @staticmethod
    def _require(params: Mapping[str, str], *names: str) -> None:
        for name in names:
            if not params.get(name):
                errcode, what = _MISSING[name]
                raise LoginFail(errcode, hint=f"the {name} query parameter ({what}) is missing")

    def _app(self, params: Mapping[str, str]) -> MiniApp:
        appid, secret = params["appid"], params["secret"]
        app = self.state.apps.get(appid)
        if app is None:
            raise LoginFail(40013, hint=f"no mini program {appid} is registered in mockwx")
        if secret != app.secret:
            raise LoginFail(
                40125,
                hint=f"secret is not the AppSecret of {appid}"
                + (" (it looks like a merchant API key)" if self._is_api_key(secret) else ""),
            )
        return app

    def _is_api_key(self, secret: str) -> bool:
        return any(m.api_key == secret for m in self.state.merchants.values())

    def code2session(self, params: Mapping[str, str]) -> dict[str, Any]:
        """GET /sns/jscode2session."""
        self._require(params, "appid", "secret", "js_code")
        js_code = params["js_code"]
        grant_type = params.get("grant_type", "authorization_code")
        if grant_type != "authorization_code":
            raise LoginFail(40002, hint=f"grant_type is {grant_type!r}; code2session takes authorization_code")
        app = self._app(params)
        now = self.clock.now()
        code = self.state.codes.get(js_code)
        if code is None or code.appid != app.appid:
            raise LoginFail(
                40029,
                hint="this code was not minted by mockwx"
                if code is None
                else f"this code was minted for {code.appid}, not {app.appid}",
            )
        if code.used_at is not None:
            raise LoginFail(40163, hint="a wx.login code can be exchanged once; call wx.login again for a new one")
        if now >= code.expires_at:
            raise LoginFail(
                40029,
                hint=f"this code expired {now - code.expires_at:.0f}s ago (codes live {self.settings.login.code_ttl}s)",
            )
        self._rate_limit(f"{code.appid}:{code.user}", now)
        code.used_at = now
        self.state.put_code(code)
        account = self.account(code.appid, code.user)
        answer = {"session_key": account.session_key, "openid": account.openid}
        if account.unionid:
            answer["unionid"] = account.unionid
        return answer

    def _rate_limit(self, who: str, now: float) -> None:
        limit = self.settings.login.rate_limit_per_minute
        if limit <= 0:
            return
        calls = self._calls.setdefault(who, deque())
        while calls and calls[0] <= now - 60:
            calls.popleft()
        if len(calls) >= limit:
            raise LoginFail(45011, hint=f"more than {limit} code2session calls for this user within a minute")
        calls.append(now)

    def access_token(self, params: Mapping[str, str]) -> dict[str, Any]:
        """GET /cgi-bin/token: a new token that replaces the previous one."""
        grant_type = params.get("grant_type", "")
        if grant_type != "client_credential":
            raise LoginFail(40002, hint=f"grant_type is {grant_type!r}; /cgi-bin/token takes client_credential")
        self._require(params, "appid", "secret")
        app = self._app(params)
        ttl = self.settings.login.token_ttl
        token = AccessToken(appid=app.appid, token=self.ids.access_token(), expires_at=self.clock.now() + ttl)
        self.state.put_token(token)
        return {"access_token": token.token, "expires_in": ttl}
