"""Mini-program login: wx.login codes for named test users, their session_key, code2session, the
access_token (classic and stable) and the check every token-taking API makes, and /wxa/checksession,
with the rules of protocol/v2.md 1.1-1.5 (single-use codes living five minutes, a per-user rate).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections import deque

from ..clock import SystemClock, VirtualClock
from ..config import Settings
from ..domain.commands import CheckSession, Code2Session, FetchStableToken, FetchToken
from ..domain.errors import DomainError
from ..domain.models import RETIRED_KEPT, AccessToken, Account, LoginCode, MiniApp
from ..ids import Ids
from ..state import State
from ..wire import session_signature

MAX_USER_LEN = 64
STABLE_RENEW_BEFORE = 300  # getStableAccessToken: in its last five minutes the normal mode hands out a new one
OLD_SESSION_KEYS_KEPT = 5
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,512}")


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
            app = self.state.apps.get(appid)
            if app is None:
                known = ", ".join(sorted(self.state.apps)) or "none"
                raise DomainError(
                    "APP_NOT_FOUND", f"no mini program {appid!r} is registered", fix=f"registered: {known}"
                )
            if not user or len(user) > MAX_USER_LEN:
                raise DomainError("INVALID", f'user must be a name of 1-{MAX_USER_LEN} characters, like "alice"')
            if not user.isprintable():  # NUL, CR/LF, ANSI, bidi overrides (RLO), zero-width and other format characters
                raise DomainError(
                    "INVALID",
                    f"user {ascii(user)} holds a control or formatting character: a name is letters, digits, spaces,"
                    ' punctuation, like "alice" or "张三"',
                )
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
        account = self.account(appid, user)
        now = self.clock.now()
        code = LoginCode(
            code=self.ids.fresh(self.ids.login_code, self.state.codes),
            appid=appid,
            user=user,
            created_at=now,
            expires_at=now + self.settings.login.code_ttl,
        )
        self.state.put_code(code)
        if account.session_expired:  # the session had ended: this login starts a new one, with a new key
            self._new_session_key(account)
        return code, account

    def session_valid(self, appid: str, user: str) -> bool:
        """wx.checkSession: the user has logged in to this app and that session has not ended."""
        account = self.state.account(appid, user)
        return account is not None and not account.session_expired

    def expire_session(self, appid: str, user: str) -> Account:
        """End the user's session (as WeChat does after a while): checkSession fails, the key stops working."""
        account = self.state.account(appid, user)
        if account is None:
            raise DomainError("NOT_FOUND", f"{user} has never logged in to {appid}", fix="call wx.login first")
        account.session_expired = True
        self.state.put_account(account)
        return account

    def _new_session_key(self, account: Account) -> None:
        account.old_session_keys = [*account.old_session_keys, account.session_key][-OLD_SESSION_KEYS_KEPT:]
        account.session_key = self.ids.session_key()
        account.session_expired = False
        self.state.put_account(account)

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

    # -- access_token ---------------------------------------------------------------------------

    def access_token(self, command: FetchToken) -> AccessToken:
        """A new token that replaces the previous one (which keeps working for the overlap)."""
        app = self._app(command.appid, command.secret)
        now = self.clock.now()
        return self._issue(app.appid, self.state.tokens.get(app.appid), now + self.settings.login.token_overlap)

    def stable_token(self, command: FetchStableToken) -> AccessToken:
        """The stable token: the same one while it has more than five minutes left, unless forced."""
        app = self._app(command.appid, command.secret)
        current = self.state.stable_tokens.get(app.appid)
        now = self.clock.now()
        if current is None or command.force_refresh:  # forced: "the previous access_token becomes invalid"
            return self._issue(app.appid, current, now, stable=True)
        if current.expires_at - now > STABLE_RENEW_BEFORE:
            return current
        return self._issue(app.appid, current, current.expires_at, stable=True)  # renewed: the old one lives on

    def _issue(
        self, appid: str, old: AccessToken | None, old_works_until: float, *, stable: bool = False
    ) -> AccessToken:
        now = self.clock.now()
        retired = {**old.retired, old.token: old_works_until} if old is not None else {}
        token = AccessToken(
            appid=appid,
            token=self.ids.fresh(self.ids.access_token, self.state.by_token),
            expires_at=now + self.settings.login.token_ttl,
            stable=stable,
            retired=dict(list(retired.items())[-RETIRED_KEPT:]),
        )
        self.state.put_token(token)
        return token

    def authorized(self, access_token: str) -> str:
        """The appid an access_token speaks for, as every token-taking API checks it (41001, 40014, 40001, 42001)."""
        if not access_token:
            raise DomainError("TOKEN_MISSING", "the access_token query parameter is missing", fix=_TOKEN_FIX)
        if not _TOKEN_SHAPE.fullmatch(access_token):
            raise DomainError(
                "TOKEN_MALFORMED", f"{access_token[:40]!r} is not an access_token (16-512 letters, digits, _ or -)"
            )
        now = self.clock.now()
        token = self.state.by_token.get(access_token)
        if token is not None:
            if now >= token.expires_at:
                raise DomainError(
                    "TOKEN_EXPIRED",
                    f"this access_token expired {now - token.expires_at:.0f}s ago (tokens live"
                    f" {self.settings.login.token_ttl}s)",
                    fix="fetch a new one before the old one runs out (expires_in says when)",
                )
            return token.appid
        holder = self.state.retired_by(access_token)
        if holder is None:
            raise DomainError("TOKEN_NOT_LATEST", "this access_token was never issued by mockwx", fix=_TOKEN_FIX)
        if now < holder.retired[access_token]:
            return holder.appid  # a refresh's overlap: old and new both work for a while
        raise DomainError(
            "TOKEN_NOT_LATEST",
            f"this access_token of {holder.appid} was replaced by a newer one",
            fix="fetch tokens in one place and share them: every fetch of /cgi-bin/token (or a forced"
            " /cgi-bin/stable_token) retires the previous token",
        )

    # -- /wxa/checksession ---------------------------------------------------------------------

    def check_session(self, command: CheckSession) -> Account:
        """The user whose session_key the signature proves, if that key is still the valid one."""
        appid = self.authorized(command.access_token)
        if command.sig_method != "hmac_sha256":
            raise DomainError("ARGS_INVALID", f"sig_method is {command.sig_method!r}; it must be hmac_sha256")
        account = self.state.by_openid.get(command.openid)
        if account is None or account.appid != appid:
            raise DomainError("OPENID_INVALID", f"openid {command.openid!r} is not a user of {appid}")
        expected = session_signature(account.session_key)
        if not account.session_expired and hmac.compare_digest(command.signature, expected):
            return account
        raise DomainError("SESSION_SIGNATURE_WRONG", _why_session_signature(account, command.signature))


_TOKEN_FIX = "get one from /cgi-bin/token or /cgi-bin/stable_token with the mini program's appid and AppSecret"


def _why_session_signature(account: Account, received: str) -> str:
    """What the signature /wxa/checksession received was made of, where that can be told."""
    key = account.session_key
    if account.session_expired and received == session_signature(key):
        return "this session has ended: the user must wx.login again, and your server must store the new session_key"
    if received in {session_signature(old) for old in account.old_session_keys}:
        return "signed with a session_key that a later wx.login replaced; store the newest one from code2session"
    variants = {
        "the session_key itself as the message": hmac.new(key.encode(), key.encode(), hashlib.sha256).hexdigest(),
        "the base64-decoded session_key as the HMAC key": _hmac_decoded(key),
        "plain sha256 of the session_key": hashlib.sha256(key.encode()).hexdigest(),
    }
    for what, value in variants.items():
        if received == value:
            return f"the signature was made with {what}; it is hmac_sha256(key=session_key, msg=''), lower-case hex"
    if received == session_signature(key).upper():
        return "the signature is right but upper-case; send the lower-case hex digest"
    return "expected hmac_sha256(key=session_key, msg='') in lower-case hex over the current session_key"


def _hmac_decoded(key: str) -> str:
    return hmac.new(base64.b64decode(key), b"", hashlib.sha256).hexdigest()
