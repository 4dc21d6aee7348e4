"""The merchant's configuration: one frozen dataclass, read from a YAML file and/or MERCHANT_* variables.

Every value is checked when the config is built; a bad one raises ConfigError naming the field,
what it got and what it needs. Secrets (appid, app_secret, mch_id, api_key) have no default.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockwx.wire import HMAC_SHA256, MD5, SIGN_TYPES

from .config_v3 import v3_problems

MIN_ORDER_TTL = 360  # time_expire must be >= 5 minutes ahead (protocol/v2.md 3.5), plus a minute of slack
MAX_PRICE_FEN = 10_000_000  # 100,000 yuan per item: far beyond a demo catalogue, far below int overflow
ENV_PREFIX = "MERCHANT_"

_PRODUCT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_URL = re.compile(r"https?://[^/?#\s]+(/[^?#\s]*)?")


class ConfigError(ValueError):
    """A config value that cannot be used; the message names the field and says what it needs."""


@dataclass(frozen=True, slots=True)
class Product:
    """One catalogue entry. The price is int fen and is the only price the merchant ever charges."""

    id: str
    name: str
    price_fen: int


DEFAULT_PRODUCTS: tuple[Product, ...] = (
    Product("coffee", "Flat white", 1800),
    Product("bagel", "Sesame bagel", 1200),
    Product("beans", "House blend beans 250g", 6800),
)
# The same catalogue as a Chinese coffee shop names it: what `make demo` and the phone's demo shop sell.
DEMO_SHOP_PRODUCTS: tuple[Product, ...] = (
    Product("coffee", "澳白 Flat white", 1800),
    Product("bagel", "芝麻贝果", 1200),
    Product("beans", "自家拼配咖啡豆 250g", 6800),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MerchantConfig:
    """Everything the reference merchant needs; built in code, from a file or from the environment."""

    appid: str
    app_secret: str
    mch_id: str
    api_key: str
    sign_type: str = MD5
    login_base_url: str = "https://api.weixin.qq.com"
    pay_base_url: str = "https://api.mch.weixin.qq.com"
    public_url: str = "http://127.0.0.1:8901"
    db_path: str = "merchant.sqlite3"
    session_ttl: int = 7200
    order_ttl: int = 900
    reconcile_after: int = 60
    sweep_interval: float = 0
    operator_token: str = ""
    unifiedorder_retries: int = 3
    retry_backoff: float = 0.2
    wechat_timeout: float = 10.0
    products: tuple[Product, ...] = DEFAULT_PRODUCTS
    spbill_create_ip: str = "127.0.0.1"
    client_cert: str = ""  # PEM cert + key for /secapi/ (real WeChat, and the mock over HTTPS)
    client_key: str = ""
    api: str = "v2"  # v2 (XML, api_key) or v3 (JSON + RSA: the v3 settings below)
    api_v3_key: str = ""
    merchant_serial: str = ""  # the serial_no of the merchant API certificate
    private_key_file: str = ""  # apiclient_key.pem
    wechatpay_public_key_id: str = ""  # PUB_KEY_ID_...: public-key mode; empty: platform certificates
    wechatpay_public_key_file: str = ""  # pub_key.pem

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def notify_url(self) -> str:
        return self.public_url.rstrip("/") + "/wxpay/notify"

    @property
    def refund_notify_url(self) -> str:
        return self.public_url.rstrip("/") + "/wxpay/refund-notify"

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)


def _problems(c: MerchantConfig) -> list[str]:
    out: list[str] = []
    if not c.appid or len(c.appid) > 32:
        out.append(f"appid must be 1-32 characters (the mini program's appid, wx...), got {c.appid!r}")
    if not c.app_secret:
        out.append("app_secret is required: the mini program's AppSecret, used only for code2session")
    if not c.mch_id.isdigit():
        out.append(f"mch_id must be digits (the merchant number WeChat Pay gave you), got {c.mch_id!r}")
    if len(c.api_key) != 32 or not c.api_key.isascii() or not c.api_key.isalnum():
        out.append(
            f"api_key must be the 32-character merchant API key (got {len(c.api_key)} characters);"
            " it is set in the merchant console and is not the AppSecret"
        )
    if c.sign_type not in SIGN_TYPES:
        out.append(f"sign_type must be {MD5} or {HMAC_SHA256}, got {c.sign_type!r}")
    for name in ("login_base_url", "pay_base_url", "public_url"):
        value = getattr(c, name)
        if not isinstance(value, str) or not _URL.fullmatch(value):
            out.append(f"{name} must be an absolute http(s) URL without query string, got {value!r}")
    if not c.db_path:
        out.append('db_path is required (a file path, or ":memory:" for a throwaway database)')
    for name, low in (("session_ttl", 60), ("order_ttl", MIN_ORDER_TTL), ("reconcile_after", 0)):
        value = getattr(c, name)
        if not _is_int(value) or value < low:
            out.append(f"{name} must be whole seconds >= {low}, got {value!r}")
    if not _is_int(c.unifiedorder_retries) or not 0 <= c.unifiedorder_retries <= 10:
        out.append(f"unifiedorder_retries must be an integer from 0 to 10, got {c.unifiedorder_retries!r}")
    for name in ("sweep_interval", "retry_backoff"):
        value = getattr(c, name)
        if not _is_number(value) or value < 0:
            out.append(f"{name} must be seconds >= 0 (0 turns it off), got {value!r}")
    if not _is_number(c.wechat_timeout) or c.wechat_timeout <= 0:
        out.append(f"wechat_timeout must be seconds > 0, got {c.wechat_timeout!r}")
    if c.operator_token and len(c.operator_token) < 16:
        out.append("operator_token must be at least 16 characters (or empty to disable the operator endpoints)")
    if bool(c.client_cert) != bool(c.client_key):
        out.append("client_cert and client_key go together: give both PEM paths, or neither")
    out.extend(_product_problems(c.products))
    if c.api not in ("v2", "v3"):
        out.append(f"api must be v2 or v3, got {c.api!r}")
    elif c.api == "v3":
        out.extend(v3_problems(c))
    return out


def _product_problems(products: object) -> list[str]:
    if not isinstance(products, tuple) or not products:
        return ["products must be a non-empty list of {id, name, price_fen}"]
    out: list[str] = []
    seen: set[str] = set()
    for i, p in enumerate(products):
        where = f"products[{i}]"
        if not isinstance(p, Product):
            out.append(f"{where} must be a Product(id, name, price_fen)")
            continue
        if not isinstance(p.id, str) or not _PRODUCT_ID.fullmatch(p.id):
            out.append(f"{where}.id must be 1-32 letters, digits, _ or -, got {p.id!r}")
        elif p.id in seen:
            out.append(f"{where}.id {p.id!r} appears twice")
        seen.add(str(p.id))
        if not isinstance(p.name, str) or not 1 <= len(p.name) <= 100:
            out.append(f"{where}.name must be 1-100 characters (it becomes WeChat's body), got {p.name!r}")
        if not _is_int(p.price_fen) or not 1 <= p.price_fen <= MAX_PRICE_FEN:
            out.append(f"{where}.price_fen must be whole fen from 1 to {MAX_PRICE_FEN}, got {p.price_fen!r}")
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- loading ------------------------------------------------------------------------------------

_FIELDS = {f.name: f for f in dataclasses.fields(MerchantConfig)}


def _product(value: Any, where: str) -> Product:
    if not isinstance(value, Mapping) or set(value) != {"id", "name", "price_fen"}:
        raise ConfigError(f"{where} must be a mapping with exactly id, name and price_fen, got {value!r}")
    return Product(id=value["id"], name=value["name"], price_fen=value["price_fen"])


def _coerce(name: str, value: Any, source: str) -> Any:
    """A value from YAML or an environment string, turned into the field's type."""
    kind = _FIELDS[name].type
    from_env = isinstance(value, str) and source == "env"
    if name == "products":
        if from_env:
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ConfigError(
                    f"{ENV_PREFIX}PRODUCTS must be a JSON list of {{id, name, price_fen}}: {exc}"
                ) from None
        if isinstance(value, tuple) and all(isinstance(p, Product) for p in value):
            return value
        if not isinstance(value, list):
            raise ConfigError(f"products must be a list of {{id, name, price_fen}}, got {value!r}")
        return tuple(_product(v, f"products[{i}]") for i, v in enumerate(value))
    if kind == "int" and from_env:
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be an integer, got {value!r}") from None
    if kind == "float" and from_env:
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be a number, got {value!r}") from None
    if kind == "str" and not isinstance(value, str):
        if _is_number(value):  # YAML reads mch_id: 10000100 as an int
            return str(value)
        raise ConfigError(f"{name} must be a string, got {value!r}")
    return value


def config_from_mapping(data: Mapping[str, Any], source: str = "config") -> MerchantConfig:
    """A config from a mapping (parsed YAML); unknown keys are errors, so typos do not pass silently."""
    unknown = sorted(str(k) for k in set(data) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(_FIELDS)}")
    values = {k: _coerce(k, v, "file") for k, v in data.items()}
    missing = [k for k, f in _FIELDS.items() if f.default is dataclasses.MISSING and k not in values]
    if missing:
        how = ", ".join(f"{k} (or {ENV_PREFIX}{k.upper()})" for k in missing)
        raise ConfigError(f"{source}: missing required setting(s): {how}")
    try:
        return MerchantConfig(**values)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> MerchantConfig:
    """The config from a YAML file (optional), overridden field by field by MERCHANT_<FIELD> variables."""
    data: dict[str, Any] = {}
    source = "environment"
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of setting: value")
        data.update(loaded or {})
    env = os.environ if environ is None else environ
    overrides = {k: env[ENV_PREFIX + k.upper()] for k in _FIELDS if ENV_PREFIX + k.upper() in env}
    data.update({k: _coerce(k, v, "env") for k, v in overrides.items()})
    return config_from_mapping(data, source + (" + environment" if overrides and path else ""))


def demo_config(mock_url: str, public_url: str, db_path: str = ":memory:", **overrides: Any) -> MerchantConfig:
    """The merchant of WeChat's documentation examples (mockwx's demo tenant), talking to a mock at ``mock_url``."""
    values: dict[str, Any] = {
        "appid": "wxd930ea5d5a258f4f",
        "app_secret": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "mch_id": "10000100",
        "api_key": "192006250b4c09247ec02edce69f6a2d",
        "login_base_url": mock_url,
        "pay_base_url": mock_url,
        "public_url": public_url,
        "db_path": db_path,
        "operator_token": "demo-operator-token-change-me",
        **overrides,
    }
    return MerchantConfig(**values)
