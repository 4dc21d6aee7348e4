"""Who may use the control API, and how much the hints may reveal: resolved once at start from the
security settings and the interface the mock listens on (issue 8, findings 14 and 15).

On loopback nothing changes: no token, full hints. Beyond loopback (``--host 0.0.0.0``, a LAN
address) the control API needs an access token (generated unless one is set) and the hints stop
carrying the expected sign and the key. The Host check against DNS rebinding applies everywhere.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .config import SecuritySettings
from .ids import Ids
from .pki import WECHAT_HOSTS

LOOPBACK_NAMES = ("localhost",)
TOKEN_ENV = "MOCKWX_TOKEN"  # where the command line and MockClient look for the token


@dataclass(frozen=True, slots=True)
class Access:
    exposed: bool  # listening beyond loopback
    token: str  # required on the control API when not empty
    token_generated: bool  # minted at start (so the banner prints it) rather than set by the user
    host_names: frozenset[str]  # names (not addresses) the Host header may carry on the control API
    reveal_hints: bool  # hints may carry the expected sign and a partly masked key

    @classmethod
    def resolve(cls, security: SecuritySettings, host: str | None) -> Access:
        """The access rules for a mock listening on ``host`` (None: the default, 127.0.0.1)."""
        exposed = not is_loopback(host or "127.0.0.1")
        token, generated = security.token or "", False
        if exposed and not token:
            token, generated = Ids.secret_token(), True
        # WeChat's names reach the mock only through a hosts entry or the proxy the user set up, and no web
        # page can be served from them: they are as safe from DNS rebinding as localhost
        names = {*LOOPBACK_NAMES, *WECHAT_HOSTS, *(n.lower().rstrip(".") for n in security.allowed_hosts)}
        if host and host != "*" and not _is_address(host):  # a name to listen on is a name to answer to
            names.add(host.lower().rstrip("."))
        reveal = security.reveal_hints == "always" or (security.reveal_hints == "auto" and not exposed)
        return cls(exposed, token, generated, frozenset(names), reveal)

    def host_allowed(self, header: str | None) -> bool:
        """Whether a Host header may reach the control API: any IP address (DNS rebinding needs a name),
        localhost and its subdomains, WeChat's host names, the host the mock was started on, and the configured
        names."""
        if header is None:
            return True  # HTTP/1.0 without Host: not a browser
        name = _host_of(header)
        return _is_address(name) or name in self.host_names or name.endswith(".localhost")


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the mock on this machine (names other than localhost count as not)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return "%" not in name


def _host_of(header: str) -> str:
    """The host part of a Host header, lower case, without port or trailing dot."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[: header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0].rstrip(".") if ":" in header else header.rstrip(".")
