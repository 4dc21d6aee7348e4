"""Where notifications may go. By default only loopback: the mock never calls out to the
internet unless told to. Entries are networks (``127.0.0.0/8``, ``10.0.0.0/8``), IP addresses,
host names (``localhost``, ``merchant.test``), ``*.suffix`` patterns, or ``*`` for anything.

A host name that no entry names is refused without being resolved, so a refused target costs
no DNS query either. Verdicts are remembered per URL (a notification's retries ask about the same
one up to 16 times); the allowlist is rebuilt, and forgets them, when notify.allow changes.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

REMEMBERED = 4096  # URLs whose verdict is kept


class Allowlist:
    def __init__(self, entries: list[str]) -> None:
        self.entries = list(entries)
        self._any = "*" in entries
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self._names: set[str] = set()
        self._suffixes: list[str] = []
        for entry in entries:
            if entry == "*":
                continue
            try:
                self._networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if entry.startswith("*."):
                    self._suffixes.append(entry[1:].lower())
                else:
                    self._names.add(entry.lower())
        self._verdicts: dict[str, str] = {}

    def refusal(self, url: str) -> str:
        """Why ``url`` may not be contacted, or '' when it may."""
        verdict = self._verdicts.get(url)
        if verdict is None:
            if len(self._verdicts) >= REMEMBERED:
                self._verdicts.clear()
            verdict = self._verdicts[url] = self._judge(url)
        return verdict

    def _judge(self, url: str) -> str:
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return f"{url!r} is not a URL"
        if parts.scheme not in ("http", "https") or not host:
            return f"{url!r} is not an http(s) URL"
        if self._any:
            return ""
        host = host.lower()
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            if host in self._names or any(host.endswith(s) for s in self._suffixes):
                return ""
        else:
            if any(address in network for network in self._networks):
                return ""
        return (
            f"{host} is not on the notify allowlist ({', '.join(self.entries) or 'empty'}); start the mock with"
            f" --allow-notify {host} (or set notify.allow in the config file) to let notifications reach it"
        )
