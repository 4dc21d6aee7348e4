"""Notify routing (issue 13): a notification addressed to a production notify_url
(``https://shop.example.com/wxpay/notify``) goes to a local merchant instead (``127.0.0.1:8000``), with
the same path and query and the original Host header, over HTTP or HTTPS as the route says.

A route maps the host of a notify_url (``shop.example.com``, or ``*.example.com`` for its subdomains)
to a target: ``127.0.0.1:8000`` (HTTP), ``http://127.0.0.1:8000`` or ``https://127.0.0.1:8443``. A
routed target counts as allowed whatever the notify allowlist says: naming it is the permission. An
HTTPS target is sent the original name (SNI and Host); its certificate is checked against that name
and the system's CAs only with ``notify.verify_routes`` (a route names a server on your machine).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from .allowlist import Allowlist

SCHEMES = {"http": 80, "https": 443}
EXAMPLE = "shop.example.com=127.0.0.1:8000"
HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")


@dataclass(frozen=True, slots=True)
class Route:
    """Where notifications for one host (or ``*.suffix``) go instead."""

    pattern: str
    scheme: str
    host: str
    port: int

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def matches(self, host: str) -> bool:
        if self.pattern.startswith("*."):
            return host.endswith(self.pattern[1:])
        return host == self.pattern


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where one delivery attempt goes, and how."""

    url: str  # what the request is sent to
    routed: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # the original Host, when routed
    server_hostname: str | None = None  # the name an https route is sent (SNI) and checked against
    verify: bool = True  # check the target's certificate (always, unless an https route without verify_routes)
    refusal: str = ""  # why it may not be sent at all


def _host_pattern(host: str) -> str:
    pattern = host.strip().lower().rstrip(".")
    name = pattern[2:] if pattern.startswith("*.") else pattern
    if not name or len(name) > 253 or any(c in name for c in "/:@[] \t") or not name.isascii():
        raise ValueError(f"{host!r} is not a host name (the notify_url's host, like shop.example.com or *.example.com)")
    return pattern


def _is_host(name: str | None) -> bool:
    """A host name (letters, digits, dots, hyphens) or an IP address."""
    if not name:
        return False
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return HOST_NAME.fullmatch(name) is not None
    return True


def parse_route(host: str, target: str) -> Route:
    """A route from a notify_url host and a target; ValueError that says what a route looks like."""
    pattern = _host_pattern(host)
    if not isinstance(target, str) or not target.strip():
        raise ValueError(f"the route for {host} needs a target like 127.0.0.1:8000 or https://127.0.0.1:8443")
    text = target.strip()
    parts = urlsplit(text if "://" in text else f"http://{text}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in SCHEMES or not _is_host(parts.hostname) or port == -1 or parts.path not in ("", "/"):
        raise ValueError(
            f"{target!r} is not a route target: write host:port (HTTP), http://host:port or https://host:port,"
            " without a path (the notification keeps its own path and query)"
        )
    if parts.query or parts.fragment or parts.username:
        raise ValueError(f"{target!r}: a route target is a scheme, a host and a port only")
    return Route(pattern, parts.scheme, parts.hostname, port or SCHEMES[parts.scheme])


def route_problem(host: object, target: object) -> str:
    """Why ``host: target`` is not a route, or ''."""
    if not isinstance(host, str) or not isinstance(target, str):
        return f"{host!r}: {target!r} must be a host name and a target, both text ({EXAMPLE})"
    try:
        parse_route(host, target)
    except ValueError as exc:
        return str(exc)
    return ""


def parse_route_option(text: str) -> tuple[str, str]:
    """``--route-notify HOST=TARGET`` as (host, target); ValueError with an example."""
    host, sep, target = text.partition("=")
    if not sep:
        raise ValueError(f"--route-notify {text!r}: expected HOST=TARGET, like {EXAMPLE}")
    parse_route(host, target)
    return host.strip().lower().rstrip("."), target.strip()


class Router:
    """Resolves a notification's URL to its delivery: routed, allowed as it is, or refused."""

    def __init__(self, routes: dict[str, str], verify: bool = False) -> None:
        self.source = dict(routes)
        self.verify = verify
        self.routes = [parse_route(host, target) for host, target in routes.items()]
        exact = [r for r in self.routes if not r.pattern.startswith("*.")]
        by_length = sorted((r for r in self.routes if r.pattern.startswith("*.")), key=lambda r: -len(r.pattern))
        self._ordered = exact + by_length  # an exact name wins over a wildcard, a longer suffix over a shorter

    def route_for(self, host: str) -> Route | None:
        host = host.lower().rstrip(".")
        return next((r for r in self._ordered if r.matches(host)), None)

    def delivery(self, url: str, allowlist: Allowlist) -> Delivery:
        """Where ``url`` goes: the route of its host (same path and query), else the URL itself if allowed."""
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            route = self.route_for(host) if parts.scheme in SCHEMES and host else None
        except ValueError:
            route = None
        if route is None:
            return Delivery(url, refusal=allowlist.refusal(url))
        target = urlunsplit((route.scheme, route.target.split("://", 1)[1], parts.path or "/", parts.query, ""))
        https = route.scheme == "https"
        return Delivery(
            target,
            routed=True,
            headers={"Host": parts.netloc.rpartition("@")[2]},
            server_hostname=host if https else None,
            verify=self.verify or not https,
        )

    def view(self) -> list[dict[str, str]]:
        """The routes as the control API lists them."""
        return [{"host": r.pattern, "to": r.target} for r in self.routes]
