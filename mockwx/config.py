"""The mock's settings and tenants: defaults, the demo tenant, and loading a YAML config file.

Every switch that covers an UNVERIFIED corner of the protocol lives here, with the default the
README's fidelity notes explain.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .doctor.catalogue import LANGS
from .domain.models import Merchant, MiniApp
from .notify.routing import route_problem
from .notify.schedule import RETRY_DELAYS

DEMO_APPID = "wxd930ea5d5a258f4f"
DEMO_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
DEMO_MCH_ID = "10000100"
DEMO_API_KEY = "192006250b4c09247ec02edce69f6a2d"
DEFAULT_PORT = 8900
LOOPBACK = ["127.0.0.0/8", "::1/128", "localhost"]


def demo_app() -> MiniApp:
    """The mini program of WeChat's documentation examples."""
    return MiniApp(appid=DEMO_APPID, secret=DEMO_SECRET, name="mockwx demo mini program")


def demo_merchant() -> Merchant:
    """The merchant of WeChat's documentation examples: its signing example reproduces here."""
    return Merchant(mch_id=DEMO_MCH_ID, api_key=DEMO_API_KEY, appids=[DEMO_APPID], name="mockwx demo merchant")


@dataclass(slots=True)
class LoginSettings:
    code_ttl: int = 300  # wx.login codes live five minutes
    rate_limit_per_minute: int = 100  # code2session calls per user per minute before 45011; 0 = off
    token_ttl: int = 7200
    token_overlap: int = 300  # a replaced access_token still works this long (the refresh's five minutes)
    phone_code_ttl: int = 300  # the getPhoneNumber button's code lives five minutes


@dataclass(slots=True)
class PaySettings:
    prepay_ttl: int = 7200  # prepay_id and code_url live two hours
    default_expiry: int = 7 * 24 * 3600  # an order without time_expire (UNVERIFIED: "about 7 days")
    min_expiry: int = 300  # time_expire must leave at least five minutes (older doc); 0 = off
    close_min_age: int = 0  # the "no closeorder within 5 minutes" rule: 300 enforces it; 0 = off
    expired_trade_state: str = "NOTPAY"  # what orderquery shows after time_expire: NOTPAY or CLOSED
    accept_lowercase_sign: bool = False  # real servers were seen accepting it (UNVERIFIED)
    strict_openid: bool = True  # refuse an openid the mock never minted (PARAM_ERROR 无效的openid)
    reentry_ignores: list[str] = field(
        default_factory=lambda: ["nonce_str", "sign", "sign_type", "spbill_create_ip", "time_start", "time_expire"]
    )


@dataclass(slots=True)
class NotifySettings:
    timeout: float = 5.0  # seconds to wait for the merchant's answer (wall time, even on a virtual clock)
    concurrency: int = 64  # deliveries in flight at once
    retry_delays: list[int] = field(default_factory=lambda: list(RETRY_DELAYS))
    allow: list[str] = field(default_factory=lambda: list(LOOPBACK))  # networks / host names notify may reach
    sign_type_field: bool = False  # put <sign_type>HMAC-SHA256</sign_type> in HMAC notifies (real WeChat omits it)
    force_md5: bool = False  # sign every payment notify with MD5 whatever the order used
    routes: dict[str, str] = field(default_factory=dict)  # notify_url host -> where it is delivered instead
    verify_routes: bool = False  # check an https route's certificate: the system's CAs, the notify_url's name


@dataclass(slots=True)
class RefundSettings:
    settle_delay: int = 60  # seconds from PROCESSING to SUCCESS on the mock's clock
    max_refunds: int = 50


REVEAL_HINTS = ("auto", "always", "never")


@dataclass(slots=True)
class SecuritySettings:
    token: str | None = None  # the control API's access token; None: one is generated when listening beyond loopback
    allowed_hosts: list[str] = field(default_factory=list)  # more Host names the control API answers to
    reveal_hints: str = "auto"  # may hints carry the expected sign and key: auto (on loopback only), always, never


CLIENT_CERTIFICATES = ("secapi", "off")


@dataclass(slots=True)
class TlsSettings:
    """HTTPS beside plain HTTP, with a local CA (README "Point your code at mockwx")."""

    port: int | None = None  # serve HTTPS on this port too; None: off, 0 picks a free one
    folder: str | None = None  # the local CA and server certificate; None: tls/ beside the state file
    names: list[str] = field(default_factory=list)  # more names the server certificate covers
    client_certificates: str = "secapi"  # secapi: /secapi/ over HTTPS needs the merchant's certificate; off


@dataclass(slots=True)
class ProxySettings:
    """The HTTP proxy that sends WeChat's hosts to the mock (HTTPS_PROXY=http://127.0.0.1:PORT)."""

    port: int | None = None  # None: off; 0 picks a free one
    passthrough: bool = False  # tunnel other hosts untouched; False refuses them (not an open relay)


@dataclass(slots=True)
class V3Settings:
    """API v3 corners the protocol reference marks UNVERIFIED (README fidelity notes)."""

    max_skew: int = 300  # seconds an Authorization timestamp may differ from the wall clock (v3.md 1.1)
    reentry_code: str = "INVALID_REQUEST"  # changed parameters on re-order: INVALID_REQUEST or OUT_TRADE_NO_USED
    sign_errors: bool = True  # sign 4xx/5xx business errors too (a real 403 carried them); 401s are never signed
    signtest: float = 0.0  # share of answers and notifications carrying a WECHATPAY/SIGNTEST/ probe (v3.md 2.5)


@dataclass(slots=True)
class Settings:
    clock: str = "real"
    clock_start: float | None = None
    seed: int | None = None
    db: str | None = None  # SQLite path; None keeps state in memory
    demo: bool = True  # load the demo tenant
    magic_amounts: bool = True  # the total_fee values that force an outcome (README "magic amounts")
    journal_size: int = 1000
    max_body_bytes: int = 256 * 1024
    lang: str = "en"  # the language of the doctor's explanations: en or zh
    idle_timeout: float = 15.0  # seconds a connection may go without a whole request: slow headers, idle keep-alive
    login: LoginSettings = field(default_factory=LoginSettings)
    pay: PaySettings = field(default_factory=PaySettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    refund: RefundSettings = field(default_factory=RefundSettings)
    v3: V3Settings = field(default_factory=V3Settings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    tls: TlsSettings = field(default_factory=TlsSettings)
    proxy: ProxySettings = field(default_factory=ProxySettings)


@dataclass(slots=True)
class Config:
    """What a config file holds: settings and tenants."""

    settings: Settings = field(default_factory=Settings)
    apps: list[MiniApp] = field(default_factory=list)
    merchants: list[Merchant] = field(default_factory=list)
    host: str | None = None
    port: int | None = None
    db_given: bool = False  # the file said where state lives (db: null means in memory)


class ConfigError(ValueError):
    """A config value that cannot be used; the message names the file and the key."""


def _check(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _check(value, option, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where}: {value!r} is not a {hint}")
    if origin is dict:
        key_hint, value_hint = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return {
            _check(k, key_hint, f"{where} key {k!r}"): _check(v, value_hint, f"{where}.{k}") for k, v in value.items()
        }
    if origin is list:
        (inner,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return [_check(v, inner, f"{where}[{i}]") for i, v in enumerate(value)]
    if dataclasses.is_dataclass(hint):
        return build(hint, value, where)
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if hint is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if hint in (int, float) and isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if not isinstance(value, hint):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def build(cls: Any, data: Any, where: str) -> Any:
    """A dataclass from a mapping, with every unknown key or wrong type named."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; known keys: {', '.join(known)}")
        kwargs[key] = _check(value, hints[key], f"{where}.{key}")
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


RESTART_ONLY = (
    "clock",
    "clock_start",
    "seed",
    "db",
    "demo",
    "journal_size",
    "max_body_bytes",
    "idle_timeout",
    "magic_amounts",
    "notify.concurrency",
    "security",
    "tls.port",
    "tls.folder",
    "tls.names",
    "proxy",
)


def apply_settings(target: Any, data: Any, where: str = "settings") -> None:
    """Change some settings in place (the control API's PATCH), checking each value's type."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(type(target))
    known = [f.name for f in dataclasses.fields(target)]
    changes = []
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; known keys: {', '.join(known)}")
        if f"{where}.{key}".removeprefix("settings.") in RESTART_ONLY:
            raise ConfigError(f"{where}.{key} cannot change while the mock runs; set it in the config file")
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            apply_settings(current, value, f"{where}.{key}")
        else:
            changes.append((key, _check(value, hints[key], f"{where}.{key}")))
    for key, value in changes:
        setattr(target, key, value)


def updated_settings(live: Settings, data: Any) -> None:
    """Apply a partial settings mapping all-or-nothing, in place (services keep their references)."""
    candidate = copy.deepcopy(live)
    apply_settings(candidate, data)
    validate(Config(settings=candidate), "settings")
    restore_settings(live, candidate)


def restore_settings(target: Any, source: Any) -> None:
    """Copy ``source``'s values into ``target`` in place, so objects holding ``target`` see them."""
    for f in dataclasses.fields(target):
        value = getattr(source, f.name)
        if dataclasses.is_dataclass(value):
            restore_settings(getattr(target, f.name), value)
        else:
            setattr(target, f.name, copy.copy(value))


def parse_config(data: Any, source: str = "config") -> Config:
    """A Config from the parsed YAML of a config file."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping")
    data = dict(data)
    apps = [build(MiniApp, a, f"{source}: apps[{i}]") for i, a in enumerate(data.pop("apps", None) or [])]
    merchants = [
        build(Merchant, m, f"{source}: merchants[{i}]") for i, m in enumerate(data.pop("merchants", None) or [])
    ]
    host = data.pop("host", None)
    port = data.pop("port", None)
    settings = build(Settings, data, source)
    config = Config(settings=settings, apps=apps, merchants=merchants, host=host, port=port, db_given="db" in data)
    validate(config, source)
    return config


DAY = 24 * 3600
LATEST = 253402300799 - 10 * 365 * DAY  # leave virtual time ten years before 9999-12-31
# setting -> the range it must lie in (inclusive)
RANGES: dict[str, tuple[float, float]] = {
    "journal_size": (1, 1_000_000),
    "max_body_bytes": (1024, 64 * 1024 * 1024),
    "idle_timeout": (0.05, 3600),
    "login.code_ttl": (1, 30 * DAY),
    "login.rate_limit_per_minute": (0, 1_000_000),
    "login.token_ttl": (1, 30 * DAY),
    "login.token_overlap": (0, DAY),
    "login.phone_code_ttl": (1, 30 * DAY),
    "pay.prepay_ttl": (1, 30 * DAY),
    "pay.default_expiry": (1, 365 * DAY),
    "pay.min_expiry": (0, DAY),
    "pay.close_min_age": (0, DAY),
    "notify.timeout": (0.0001, 300),  # tiny values let a scenario play a merchant too slow for WeChat
    "notify.concurrency": (1, 10_000),
    "refund.settle_delay": (0, 30 * DAY),
    "refund.max_refunds": (1, 10_000),
    "v3.max_skew": (1, 365 * DAY),
    "v3.signtest": (0.0, 1.0),
}
MAX_RETRY_DELAY = 30 * DAY
MAX_RETRIES = 100


def _setting(settings: Settings, path: str) -> Any:
    value: Any = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value


def validate(config: Config, source: str) -> None:
    s = config.settings
    if s.clock not in ("real", "virtual"):
        raise ConfigError(f"{source}: clock must be 'real' or 'virtual', not {s.clock!r}")
    if s.clock_start is not None and not 0 <= s.clock_start <= LATEST:
        raise ConfigError(f"{source}: clock_start must be seconds since 1970, before {LATEST:.0f}")
    if s.v3.reentry_code not in ("INVALID_REQUEST", "OUT_TRADE_NO_USED"):
        raise ConfigError(f"{source}: v3.reentry_code must be INVALID_REQUEST or OUT_TRADE_NO_USED")
    if s.lang not in LANGS:
        raise ConfigError(f"{source}: lang must be one of {', '.join(LANGS)}, not {s.lang!r}")
    _validate_security(s.security, source)
    _validate_network(s, source)
    if s.pay.expired_trade_state not in ("NOTPAY", "CLOSED"):
        raise ConfigError(f"{source}: pay.expired_trade_state must be NOTPAY or CLOSED")
    for path, (low, high) in RANGES.items():
        if not low <= _setting(s, path) <= high:
            raise ConfigError(f"{source}: {path} must be from {low:g} to {high:g}, not {_setting(s, path)!r}")
    delays = s.notify.retry_delays
    if len(delays) > MAX_RETRIES or any(not 0 <= d <= MAX_RETRY_DELAY for d in delays):
        raise ConfigError(
            f"{source}: notify.retry_delays must be at most {MAX_RETRIES} delays of 0 to {MAX_RETRY_DELAY} seconds"
        )
    for merchant in config.merchants:
        problem = merchant_problem(merchant)
        if problem:
            raise ConfigError(f"{source}: merchant {merchant.mch_id}: {problem}")
    for app in config.apps:
        problem = app_problem(app)
        if problem:
            raise ConfigError(f"{source}: app {app.appid}: {problem}")
    if config.host is not None and not isinstance(config.host, str):
        raise ConfigError(f"{source}: host must be an interface name or address, like 127.0.0.1")
    if config.port is not None and (
        not isinstance(config.port, int) or isinstance(config.port, bool) or not 0 <= config.port <= 65535
    ):
        raise ConfigError(f"{source}: port must be a number from 0 to 65535 (0 picks a free one)")


MAX_SECRET = 128


def _is_token(text: str) -> bool:
    """Visible ASCII only: no spaces, no control characters (an id that travels in URLs and logs)."""
    return text.isascii() and text.isprintable() and " " not in text


def _validate_security(security: SecuritySettings, source: str) -> None:
    token = security.token
    if token is not None and not (8 <= len(token) <= 256 and _is_token(token)):
        raise ConfigError(f"{source}: security.token must be 8-256 visible ASCII characters (no spaces)")
    if security.reveal_hints not in REVEAL_HINTS:
        raise ConfigError(f"{source}: security.reveal_hints must be one of {', '.join(REVEAL_HINTS)}")
    for name in security.allowed_hosts:
        if not name or not _is_token(name) or len(name) > 253:
            raise ConfigError(f"{source}: security.allowed_hosts: {name!r} is not a host name")


def _port_problem(port: int | None) -> bool:
    return port is not None and (isinstance(port, bool) or not 0 <= port <= 65535)


def _validate_network(s: Settings, source: str) -> None:
    for where, port in (("tls.port", s.tls.port), ("proxy.port", s.proxy.port)):
        if _port_problem(port):
            raise ConfigError(f"{source}: {where} must be a number from 0 to 65535 (0 picks a free one), or null")
    if s.tls.client_certificates not in CLIENT_CERTIFICATES:
        raise ConfigError(f"{source}: tls.client_certificates must be one of {', '.join(CLIENT_CERTIFICATES)}")
    for name in s.tls.names:
        if not name or not _is_token(name) or len(name) > 253 or "/" in name:
            raise ConfigError(f"{source}: tls.names: {name!r} is not a host name or IP address")
    if s.tls.folder is not None and (not s.tls.folder or "\x00" in s.tls.folder):
        raise ConfigError(f"{source}: tls.folder must be a folder path, or null for tls/ beside the state file")
    for host, target in s.notify.routes.items():
        problem = route_problem(host, target)
        if problem:
            raise ConfigError(f"{source}: notify.routes: {problem}")


def app_problem(app: MiniApp) -> str:
    """Why a mini program cannot be registered, or ''."""
    if not app.appid or len(app.appid) > 32 or not _is_token(app.appid):
        return "appid must be 1-32 visible ASCII characters (real ones look like wx followed by 16 hex digits)"
    if not app.secret or len(app.secret) > MAX_SECRET or not _is_token(app.secret):
        return f"secret (the AppSecret) is required: 1-{MAX_SECRET} visible ASCII characters (real ones are 32 hex)"
    return ""


def merchant_problem(merchant: Merchant) -> str:
    """Why a merchant cannot be registered, or ''."""
    if not (merchant.mch_id.isascii() and merchant.mch_id.isdigit()) or len(merchant.mch_id) > 32:
        return "mch_id must be digits (real ones have 10)"
    if len(merchant.api_key) != 32 or not merchant.api_key.isascii() or not merchant.api_key.isalnum():
        return f"api_key must be 32 letters or digits (got {len(merchant.api_key)} characters)"
    if merchant.api_v3_key and (len(merchant.api_v3_key) != 32 or not merchant.api_v3_key.isascii()):
        return f"api_v3_key must be 32 ASCII characters (got {len(merchant.api_v3_key)})"
    if merchant.v3_profile not in ("certificate", "public_key"):
        return "v3_profile must be certificate (platform certificates) or public_key (a WeChat Pay public key only)"
    return ""


def load_config(path: str | Path) -> Config:
    """Read and validate a YAML config file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(data, str(path))
