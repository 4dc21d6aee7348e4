"""The scenario format: what a YAML payment story may say, checked on load with messages that name
the file, the step and the field (see the README's scenario reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import catalogue
from ..domain.errors import DomainError
from ..faults import parse_fault
from .merchant_api import MerchantApi, parse_merchant_api

# action -> the other keys a step with that action may carry
ACTIONS: dict[str, frozenset[str]] = {
    "login": frozenset({"app", "as", "expect"}),
    "mint": frozenset({"app", "as"}),
    "order": frozenset({"user", "as", "expect"}),
    "merchant": frozenset({"user", "operator", "json", "headers", "as", "expect"}),
    "pay": frozenset({"outcome", "reason", "user", "as", "expect"}),
    "advance": frozenset(),
    "wechat": frozenset({"fields", "sign_type", "key", "path", "as", "expect"}),
    "close": frozenset({"as", "expect"}),
    "refund": frozenset({"as", "expect"}),
    "notify": frozenset({"as"}),
    "fault": frozenset(),
    "settings": frozenset(),
    "merchant_down": frozenset(),
    "merchant_up": frozenset(),
    "code2session": frozenset({"as", "expect"}),
    "expect": frozenset(),
}
WECHAT_APIS = (*catalogue.apis("v2"), *catalogue.apis("v3"))
OPERATIONS = ("place", "query", "close", "refund", "refundquery")  # in v2 and in v3 alike (catalogue.for_operation)
CHECKS = ("order", "notification", "notifications", "problems", "requests", "merchant", "refund")
SETUP_KEYS = ("merchant", "merchant_api", "clock", "api", "tenants", "settings", "operator_token")
API_VERSIONS = ("v2", "v3")


class ScenarioError(ValueError):
    """A scenario file that cannot be run; the message names the file, the step and the field."""


@dataclass(slots=True)
class Step:
    number: int  # 1-based, as the report shows it
    action: str
    arg: Any
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """A short line for the report."""
        arg, o = self.arg, self.options
        if self.action == "expect" and isinstance(arg, dict):
            detail = ", ".join(arg)
        elif self.action == "order" and isinstance(arg, dict):
            detail = f"{arg.get('product_id')} x{arg.get('quantity', 1)}"
        elif self.action == "pay":
            detail = f"({o.get('outcome', 'ok')})"
        elif self.action == "notify" and isinstance(arg, dict):
            detail = f"{arg.get('variant', 'raw' if 'body' in arg else 'normal')} x{arg.get('copies', 1)}"
        elif self.action == "fault" and isinstance(arg, dict):
            detail = str(arg.get("api", ""))
        elif self.action == "refund" and isinstance(arg, dict):
            detail = str(arg.get("out_trade_no", ""))
        else:
            detail = str(arg) if isinstance(arg, (str, int, float)) else ""
        return f"{self.action} {detail}".strip()


@dataclass(slots=True)
class Scenario:
    path: Path
    name: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    merchant: Any = "builtin"  # "builtin", {"builtin": {overrides}}, or a URL
    clock: str = "virtual"  # the fresh mock's clock; "real" makes advance steps fail
    api: str = ""  # the built-in merchant's WeChat Pay API, v2 or v3; "": the runner's choice (v2 by default)
    tenants: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    operator_token: str = ""
    merchant_api: MerchantApi = field(default_factory=MerchantApi)  # the paths login, order and refund call
    rules: list[dict[str, Any]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.path.stem


def parse_scenario(data: Any, path: Path) -> Scenario:
    where = str(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: a scenario is a mapping with name, steps and optionally setup and rules")
    unknown = set(data) - {"name", "description", "tags", "setup", "rules", "steps"}
    if unknown:
        raise ScenarioError(
            f"{where}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}; known: name, description, tags,"
            " setup, rules, steps"
        )
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{where}: name is required (a short title for the report)")
    scenario = Scenario(path=path, name=name, description=str(data.get("description", "")))
    tags = data.get("tags") or []
    if not isinstance(tags, list):
        raise ScenarioError(f"{where}: tags must be a list")
    scenario.tags = [str(t) for t in tags]
    _setup(scenario, data.get("setup") or {}, where)
    rules = data.get("rules") or []
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise ScenarioError(f"{where}: rules must be a list of fault rules (mappings with an api)")
    for n, rule in enumerate(rules):
        try:
            parse_fault(0, rule)
        except DomainError as exc:
            raise ScenarioError(f"{where}: rules[{n}]: {exc.hint}") from None
    scenario.rules = rules
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ScenarioError(f"{where}: steps must be a non-empty list")
    scenario.steps = [_step(raw, n, where) for n, raw in enumerate(steps, 1)]
    return scenario


def _setup(scenario: Scenario, setup: Any, where: str) -> None:
    if not isinstance(setup, dict):
        raise ScenarioError(f"{where}: setup must be a mapping")
    unknown = set(setup) - set(SETUP_KEYS)
    if unknown:
        raise ScenarioError(
            f"{where}: setup: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: {', '.join(SETUP_KEYS)}"
        )
    merchant = setup.get("merchant", "builtin")
    ok = (
        merchant == "builtin"
        or (isinstance(merchant, str) and merchant.startswith(("http://", "https://")))
        or (isinstance(merchant, dict) and set(merchant) == {"builtin"} and isinstance(merchant["builtin"], dict))
    )
    if not ok:
        raise ScenarioError(
            f"{where}: setup.merchant must be builtin, {{builtin: {{<config overrides>}}}} or a URL, not {merchant!r}"
        )
    scenario.merchant = merchant
    if "merchant_api" in setup:
        try:
            scenario.merchant_api = parse_merchant_api(setup["merchant_api"], where)
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
    clock = setup.get("clock", "virtual")
    if clock not in ("virtual", "real"):
        raise ScenarioError(f"{where}: setup.clock must be virtual (the default) or real, not {clock!r}")
    scenario.clock = clock
    api = setup.get("api", "")
    if api not in ("", *API_VERSIONS):
        raise ScenarioError(f"{where}: setup.api must be v2 or v3 (omit it to let the runner choose), not {api!r}")
    scenario.api = api
    for key in ("tenants", "settings"):
        value = setup.get(key) or {}
        if not isinstance(value, dict):
            raise ScenarioError(f"{where}: setup.{key} must be a mapping")
        setattr(scenario, key, value)
    scenario.operator_token = str(setup.get("operator_token", ""))


def _step(raw: Any, number: int, where: str) -> Step:
    at = f"{where}: step {number}"
    if not isinstance(raw, dict) or not raw:
        raise ScenarioError(f"{at}: a step is a mapping with one action ({', '.join(ACTIONS)})")
    actions = [k for k in raw if k in ACTIONS]
    if len(actions) > 1 and "expect" in actions:  # expect is also every action's own check
        actions.remove("expect")
    if len(actions) != 1:
        found = ", ".join(actions) or "none"
        raise ScenarioError(f"{at}: a step has exactly one action (found {found}); actions: {', '.join(ACTIONS)}")
    action = actions[0]
    options = {k: v for k, v in raw.items() if k != action}
    unknown = set(options) - ACTIONS[action]
    if unknown:
        allowed = ", ".join(sorted(ACTIONS[action])) or "nothing else"
        names = ", ".join(sorted(map(str, unknown)))
        raise ScenarioError(f"{at} ({action}): unknown field(s) {names}; allowed: {allowed}")
    arg = raw[action]
    for name in ("as", "user", "app"):
        if name in options and (not isinstance(options[name], str) or not options[name]):
            raise ScenarioError(f"{at} ({action}): {name} must be a name, like alice, not {options[name]!r}")
    _check_arg(action, arg, options, at)
    return Step(number=number, action=action, arg=arg, options=options)


def _check_arg(action: str, arg: Any, options: dict[str, Any], at: str) -> None:
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ScenarioError(f"{at} ({action}): {what}")

    if action in ("login", "mint"):
        need(isinstance(arg, str) and bool(arg), "give the test user's name, e.g. `login: alice`")
    elif action == "merchant":
        method, _, path = str(arg).partition(" ")
        need(method in ("GET", "POST", "PUT", "PATCH", "DELETE") and path.startswith("/"), "write it as `METHOD /path`")
    elif action == "order":
        need(isinstance(arg, dict) and "product_id" in arg, "give {product_id: ..., quantity: ...}")
    elif action == "advance":
        need(isinstance(arg, (int, float, str)), "give seconds or a duration like 15s, 3m, 2h, 24h4m")
        if not (isinstance(arg, str) and arg.startswith("${")):
            try:
                parse_duration(arg)
            except ValueError as exc:
                raise ScenarioError(f"{at} (advance): {exc}") from None
    elif action == "wechat":
        need(
            arg in WECHAT_APIS or arg in OPERATIONS,
            f"name a Pay v2 API ({', '.join(catalogue.apis('v2'))}), a v3 API ({', '.join(catalogue.apis('v3'))})"
            f" or an operation done in the run's dialect ({', '.join(OPERATIONS)})",
        )
    elif action == "pay":
        need(options.get("outcome", "ok") in ("ok", "cancel", "fail"), "outcome is ok, cancel or fail")
    elif action in ("fault", "refund", "notify", "code2session", "settings"):
        need(isinstance(arg, dict), "give a mapping")
    elif action == "expect":
        need(isinstance(arg, dict) and bool(arg), f"give one or more checks: {', '.join(CHECKS)}")
        unknown = set(arg) - set(CHECKS)
        need(not unknown, f"unknown check(s) {', '.join(sorted(map(str, unknown)))}; checks: {', '.join(CHECKS)}")
    if "expect" in options and action != "expect":
        need(isinstance(options["expect"], dict), "expect must be a mapping")


_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: Any) -> float:
    """Seconds from 90, 90.5, "90", "15s", "3m", "2h", "1d" or a sum like "24h4m"."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, (int, float)):
        if not 0 <= value < float("inf"):
            raise ValueError(f"{value!r} is not a duration: seconds from 0 up")
        return float(value)
    text = str(value).strip()
    try:
        return parse_duration(float(text))
    except ValueError:
        pass
    total, number = 0.0, ""
    for char in text:
        if char in "0123456789.":
            number += char
        elif char in _UNITS and number:
            total += float(number) * _UNITS[char]
            number = ""
        else:
            raise ValueError(f"{value!r} is not a duration (use seconds or 15s, 3m, 2h, 1d, 24h4m)")
    if number or not text:
        raise ValueError(f"{value!r} is not a duration (use seconds or 15s, 3m, 2h, 1d, 24h4m)")
    return total
