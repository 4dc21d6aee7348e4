"""What every fuzz test shares: the endpoint list (read from the app's route table, so a new
endpoint is fuzzed as soon as it is routed), one request over a real socket, and the properties
every answer must have (issue 8, "Done means"):

- an answer in the caller's dialect: Pay v2 XML with return_code, login JSON with errcode (or the
  success fields), control API JSON with ``error`` on a 4xx;
- never a 5xx (501 "not mocked" only for paths nobody routes) and never a dropped connection;
- ``/__mock__/health`` still answers afterwards;
- a refused request changes nothing stored.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

from mockwx import catalogue
from mockwx.http.app import create_app
from mockwx.http.guard import guarded
from mockwx.testing.server import MockServer, mock_config
from mockwx.wire import XmlError, parse_xml

TOKEN = "fuzz-token-0123456789"


@dataclass(frozen=True, slots=True)
class Route:
    method: str  # "*" for any
    path: str  # aiohttp's canonical form, "{name}" for a variable part

    @property
    def dialect(self) -> str:
        if self.path == "/" or self.path.startswith(("/__mock__/ui", "/__mock__/wx/app/")):
            return "ui"  # pages, and the mini program's files the phone page loads: not JSON calls
        if self.path.startswith("/__mock__"):
            return "control"
        if catalogue.dialect_of_path(self.path) == "v3":
            return "v3"
        if is_pay_path(self.path):
            return "pay"
        if self.path in LOGIN_PATHS:
            return "login"
        return "fallback"


LOGIN_PATHS = frozenset(catalogue.mocked_paths("login"))


def is_pay_path(path: str) -> bool:
    return catalogue.dialect_of_path(path) == "v2"


def routes() -> list[Route]:
    """Every route the mock registers, from its router."""
    app = create_app(mock_config())
    found = {Route(r.method, r.resource.canonical) for r in app.router.routes() if r.resource is not None}
    return sorted(found, key=lambda r: (r.path, r.method))


ROUTES = routes()


def of(dialect: str) -> list[Route]:
    """The routes of a dialect worth one request each (the live stream never ends: it is tested apart)."""
    return [r for r in ROUTES if r.dialect == dialect and "{tail" not in r.path and not r.path.endswith("/stream")]


@dataclass(slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Harness:
    def __init__(self, mock: MockServer, known: dict[str, list[str]]) -> None:
        self.mock = mock
        self.known = known  # ids of seeded records, for strategies to draw from
        self.sent = 0

    def send(
        self, method: str, target: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """One request on a fresh connection; a dropped connection fails the test."""
        connection = http.client.HTTPConnection("127.0.0.1", self.mock.port, timeout=20)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True, skip_host="Host" in (headers or {}))
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        except (http.client.HTTPException, ConnectionError, TimeoutError) as exc:
            raise AssertionError(f"{method} {target}: no HTTP answer ({type(exc).__name__}: {exc})") from None
        finally:
            connection.close()
        self.sent += 1
        return answer

    def healthy(self) -> None:
        answer = self.send("GET", "/__mock__/health")
        assert answer.status == 200 and answer.json()["ok"] is True, answer

    def state(self) -> Any:
        """What is stored, as comparable data (notification attempts and statuses excluded: deliveries
        already queued go on in the background)."""
        backend = self.mock.backend
        assert backend is not None

        async def snapshot() -> Any:
            s = backend.state
            return (
                s.counts(),
                sorted(repr(o.to_dict()) for o in s.orders.values()),
                sorted(repr(r.to_dict()) for r in s.refunds.values()),
                sorted(repr(c.to_dict()) for c in s.codes.values()),
                sorted(repr(m.to_dict()) for m in s.merchants.values()),
                sorted(repr(a.to_dict()) for a in s.apps.values()),
                sorted(n.id for n in s.notifications.values()),
            )

        return self.mock.run(snapshot())


def check_shape(route_dialect: str, method: str, path: str, answer: Answer) -> bool:
    """Assert the answer is in the caller's dialect; whether it refused the request."""
    status, kind = answer.status, answer.headers.get("content-type", "")
    where = f"{method} {path} -> {status} {answer.body[:300]!r}"
    assert status < 500 or (status == 501 and (route_dialect in ("fallback", "pay", "login", "v3") or path == "/")), (
        f"5xx: {where}"
    )
    if method == "HEAD":  # no body by definition
        return status >= 400
    if route_dialect == "pay" or (route_dialect == "fallback" and is_pay_path(path)):
        if not kind.startswith("text/xml"):
            assert path.endswith("downloadbill") and status == 200, f"not XML: {where}"  # a bill
            return False
        try:
            fields = parse_xml(answer.body)
        except XmlError as exc:
            raise AssertionError(f"not WeChat XML ({exc.detail}): {where}") from None
        assert fields.get("return_code") in ("SUCCESS", "FAIL"), f"no return_code: {where}"
        return fields["return_code"] == "FAIL" or fields.get("result_code") == "FAIL"
    if route_dialect == "ui":  # the dashboard's pages: HTML (or SVG, a redirect, JSON fragments); never a 5xx
        return 400 <= status < 500
    if route_dialect == "v3" or (route_dialect == "fallback" and catalogue.dialect_of_path(path) == "v3"):
        return _check_v3(status, kind, answer, where)
    assert kind.startswith("application/json"), f"not JSON: {where}"
    data = answer.json()
    assert isinstance(data, dict), where
    if guarded(path) and 400 <= status < 500:  # the control API's refusals, the guard's included
        assert isinstance(data.get("error"), str) and data["error"], f"4xx without error: {where}"
        return True
    if route_dialect == "control":
        return "err_desc" in data  # the client refused to pay (not the user's choice)
    if "errcode" in data:
        assert isinstance(data["errcode"], int) and isinstance(data.get("errmsg"), str), where
        return True
    assert {"openid", "session_key"} <= set(data) or {"access_token", "expires_in"} <= set(data), where
    return False


def _check_v3(status: int, kind: str, answer: Answer, where: str) -> bool:
    """API v3: JSON {"code", "message"} on every refusal (no 5xx from bad input); a 2xx may be empty (204)."""
    if 200 <= status < 300:
        return False
    assert kind.startswith("application/json"), f"not JSON: {where}"
    data = answer.json()
    assert isinstance(data, dict) and isinstance(data.get("code"), str) and isinstance(data.get("message"), str), where
    return True
