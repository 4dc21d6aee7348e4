"""Every identifier and random value the mock mints, from one (optionally seeded) source.

Formats follow what WeChat hands out (protocol/v2.md): 36-char prepay_id starting ``wx``,
28-digit transaction_id, 29-digit refund_id, 28-char openid starting ``o``, base64 of 16 bytes
for session_key. openid and unionid are derived, not random, so the same test user keeps the
same openid across restarts and runs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import secrets
import string
from collections.abc import Callable, Container

from .wire import to_compact, to_date

_ALNUM = string.ascii_letters + string.digits


class Ids:
    """The id factory. ``seed`` makes a run reproducible; without one it is seeded from the OS.

    A mock's ids need to be unique and unpredictable enough for tests, not cryptographically
    strong: a seeded PRNG costs a fraction of an OS random call per character.
    """

    def __init__(self, seed: int | None = None, run: int = 0) -> None:
        # ``run`` counts the starts on one state file, so a seeded mock restarted on its database
        # does not mint again the ids it minted before
        self._rng = random.Random(f"{seed}:{run}" if seed is not None else int.from_bytes(os.urandom(16), "big"))

    @staticmethod
    def fresh(make: Callable[[], str], taken: Container[str]) -> str:
        """A new id from ``make`` that ``taken`` does not hold yet."""
        value = make()
        while value in taken:
            value = make()
        return value

    def _pick(self, alphabet: str, n: int) -> str:
        return "".join(self._rng.choices(alphabet, k=n))

    def _digits(self, n: int) -> str:
        return self._pick(string.digits, n)

    def _hex(self, n: int) -> str:
        return f"{self._rng.getrandbits(4 * n):0{n}x}"

    def nonce(self, n: int = 32) -> str:
        """A nonce_str: hex, like the ones in WeChat's own notification samples."""
        return self._hex(n)

    def login_code(self) -> str:
        return self._pick(_ALNUM, 32)

    def session_key(self) -> str:
        return base64.b64encode(self._rng.randbytes(16)).decode("ascii")

    def access_token(self) -> str:
        return self._pick(_ALNUM + "_-", 136)

    def phone_code(self) -> str:
        """The getPhoneNumber button's code: 64 hex digits, like the one in WeChat's documentation."""
        return self._hex(64)

    def error_hint(self) -> str:
        """The ``hint: [...]`` id the newer APIs put in errmsg (captured: ``qKhDWV0sf-0s77ta``)."""
        return self._pick(_ALNUM, 9) + "-" + self._pick(_ALNUM, 6)

    def iv(self) -> bytes:
        """An AES-CBC iv for open data."""
        return self._rng.randbytes(16)

    def request_id(self) -> str:
        """The ``rid`` WeChat appends to errmsg: three groups of 8 hex digits."""
        return "-".join(self._hex(8) for _ in range(3))

    def prepay_id(self, now: float) -> str:
        return "wx" + to_compact(now) + self._hex(20)

    def code_url(self) -> str:
        return "weixin://wxpay/bizpayurl?pr=" + self._pick(_ALNUM, 7)

    def transaction_id(self, now: float) -> str:
        return "42000" + self._digits(5) + to_date(now) + self._digits(10)

    def refund_id(self, now: float) -> str:
        return "50300" + self._digits(5) + to_date(now) + self._digits(11)

    def sandbox_key(self) -> str:
        return self._hex(32)

    def notification_id(self) -> str:
        return "ntf_" + self._hex(16)

    def event_id(self) -> str:
        """A v3 notification's ``id``: UUID-shaped, as real ones are (protocol/v3.md 7.1)."""
        h = self._hex(32)
        return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{h[16:20]}-{h[20:]}"

    def aead_nonce(self) -> str:
        """The 12-character nonce of an AES-256-GCM resource (protocol/v3.md 3.2, 7.1)."""
        return self._pick(_ALNUM, 12)

    def chance(self, probability: float) -> bool:
        """True with ``probability`` (0 never draws)."""
        return probability > 0 and self._rng.random() < probability

    @staticmethod
    def secret_token() -> str:
        """An access token for the control API: from the OS, never from the seed (it guards the mock)."""
        return secrets.token_urlsafe(24)

    @staticmethod
    def openid(appid: str, user: str) -> str:
        """Stable per (appid, user) and different across appids."""
        return "o" + _derive(f"openid:{appid}:{user}", 27)

    @staticmethod
    def phone_number(user: str) -> str:
        """A test user's mobile number: stable per user, in the 138 range mainland numbers start with."""
        digest = hashlib.sha256(f"phone:{user}".encode()).digest()
        return "138" + str(int.from_bytes(digest[:8], "big") % 10**8).zfill(8)

    @staticmethod
    def unionid(open_platform: str, user: str) -> str:
        """Stable per (open platform account, user): the same across the apps bound to it."""
        return "o" + _derive(f"unionid:{open_platform}:{user}", 27)


def _derive(text: str, n: int) -> str:
    raw = hashlib.sha256(text.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")[:n]
