"""The merchant's setup: its config (file, environment, validation that names the field) and its
database (created on first start, migrated by version number, the ledger append-only)."""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from aiohttp import web

from mockwx.merchant import ConfigError, MerchantConfig, Product, create_app, demo_config, load_config
from mockwx.merchant.config_v3 import settings_from_folder
from mockwx.merchant.db import MIGRATIONS
from mockwx.services.keys import export
from mockwx.wire import v3

SECRETS = {
    "appid": "wxd930ea5d5a258f4f",
    "app_secret": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    "mch_id": "10000100",
    "api_key": "192006250b4c09247ec02edce69f6a2d",
}


def test_config_from_a_yaml_file_overridden_by_the_environment(tmp_path):
    path = tmp_path / "merchant.yaml"
    path.write_text(
        "appid: wxd930ea5d5a258f4f\napp_secret: a1b2c3d4e5f60718293a4b5c6d7e8f90\nmch_id: 10000100\n"
        "api_key: 192006250b4c09247ec02edce69f6a2d\nsign_type: HMAC-SHA256\norder_ttl: 1800\n"
        "products:\n  - {id: tea, name: Green tea, price_fen: 900}\n",
        encoding="utf-8",
    )
    config = load_config(path, environ={"MERCHANT_ORDER_TTL": "600", "MERCHANT_PUBLIC_URL": "https://shop.example.com"})
    assert config.mch_id == "10000100"  # YAML read it as a number
    assert (config.sign_type, config.order_ttl) == ("HMAC-SHA256", 600)
    assert config.products == (Product("tea", "Green tea", 900),)
    assert config.notify_url == "https://shop.example.com/wxpay/notify"
    assert config.refund_notify_url == "https://shop.example.com/wxpay/refund-notify"


def test_config_from_the_environment_alone():
    env = {f"MERCHANT_{k.upper()}": v for k, v in SECRETS.items()}
    env["MERCHANT_PRODUCTS"] = '[{"id": "tea", "name": "Tea", "price_fen": 500}]'
    env["MERCHANT_SWEEP_INTERVAL"] = "30"
    config = load_config(environ=env)
    assert config.sweep_interval == 30.0 and config.products[0].price_fen == 500
    assert config.pay_base_url == "https://api.mch.weixin.qq.com" and config.db_path == "merchant.sqlite3"


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"api_key": "short"}, "api_key must be the 32-character merchant API key"),
        ({"mch_id": "abc"}, "mch_id must be digits"),
        ({"sign_type": "SHA1"}, "sign_type must be MD5 or HMAC-SHA256"),
        ({"order_ttl": 300}, "order_ttl must be whole seconds >= 360"),
        ({"public_url": "shop.example.com/x"}, "public_url must be an absolute http(s) URL"),
        ({"operator_token": "short"}, "operator_token must be at least 16 characters"),
        ({"products": (Product("a", "A", 0),)}, "products[0].price_fen must be whole fen"),
        ({"products": (Product("a", "A", 1), Product("a", "B", 2))}, "products[1].id 'a' appears twice"),
        ({"session_ttl": True}, "session_ttl must be whole seconds"),
    ],
)
def test_bad_config_names_the_field(change, names):
    with pytest.raises(ConfigError, match=re.escape(names)):
        MerchantConfig(**{**SECRETS, **change})


def v3_files(tmp_path):
    """A v3 merchant's key files, as the mock writes them (apiclient_key.pem, pub_key.pem, ids.txt...)."""
    keys = tmp_path / "keys"
    key = v3.new_private_key()
    cert = v3.merchant_certificate(key, SECRETS["mch_id"], now=time.time())
    export(
        {
            "api_v3_key": "a" * 32,
            "merchant_serial": v3.serial_no(cert),
            "merchant_private_key": v3.private_key_pem(key),
            "merchant_certificate": v3.certificate_pem(cert),
            "public_key_id": "PUB_KEY_ID_0100100001002026112700000000000001",
            "public_key": v3.public_key_pem(v3.new_private_key()),
        },
        keys,
    )
    return keys


def test_v3_config_from_the_environment(tmp_path):
    keys = v3_files(tmp_path)
    env = {f"MERCHANT_{k.upper()}": v for k, v in SECRETS.items()}
    env.update({f"MERCHANT_{k.upper()}": v for k, v in settings_from_folder(keys).items()})
    config = load_config(environ=env)
    assert (config.api, config.private_key_file) == ("v3", str(keys / "apiclient_key.pem"))
    assert config.wechatpay_public_key_id.startswith("PUB_KEY_ID_") and len(config.api_v3_key) == 32
    certificate_mode = load_config(
        environ={**env, "MERCHANT_WECHATPAY_PUBLIC_KEY_ID": "", "MERCHANT_WECHATPAY_PUBLIC_KEY_FILE": ""}
    )
    assert certificate_mode.wechatpay_public_key_id == ""  # verify with the platform certificates instead


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"api": "v4"}, "api must be v2 or v3"),
        ({"api_v3_key": "short"}, "api_v3_key must be the 32-character APIv3 key"),
        ({"merchant_serial": "not-hex"}, "merchant_serial must be the hex serial_no"),
        ({"private_key_file": "/nonexistent/apiclient_key.pem"}, "private_key_file: cannot read"),
        ({"private_key_file": "{keys}/apiclient_cert.pem"}, "this PEM is a certificate (apiclient_cert.pem)"),
        ({"wechatpay_public_key_file": ""}, "wechatpay_public_key_id and wechatpay_public_key_file go together"),
        ({"wechatpay_public_key_id": "1234"}, "wechatpay_public_key_id must look like PUB_KEY_ID_"),
        ({"wechatpay_public_key_file": "{keys}/apiclient_key.pem"}, "wechatpay_public_key_file: "),
    ],
)
def test_bad_v3_config_names_the_field(tmp_path, change, names):
    keys = v3_files(tmp_path)
    settings = {**settings_from_folder(keys), **{k: v.format(keys=keys) for k, v in change.items()}}
    with pytest.raises(ConfigError, match=re.escape(names)):
        MerchantConfig(**SECRETS, **settings)


def test_config_file_mistakes(tmp_path):
    path = tmp_path / "merchant.yaml"
    path.write_text("appid: wx1\napi_kee: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key\\(s\\) api_kee"):
        load_config(path, environ={})
    path.write_text("appid: wx1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="missing required setting\\(s\\): app_secret \\(or MERCHANT_APP_SECRET\\)"):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.yaml", environ={})


def test_demo_config_is_the_mock_demo_tenant():
    config = demo_config("http://127.0.0.1:8900", "http://127.0.0.1:8901", ":memory:")
    assert (config.appid, config.mch_id, config.login_base_url) == (
        SECRETS["appid"],
        "10000100",
        "http://127.0.0.1:8900",
    )
    assert config.notify_url == "http://127.0.0.1:8901/wxpay/notify"


async def test_database_is_created_and_migrated_on_first_start(tmp_path, aiohttp_client):
    path = tmp_path / "fresh" / "shop.sqlite3"
    path.parent.mkdir()
    config = demo_config("http://127.0.0.1:9", "http://127.0.0.1:9", str(path))
    client = await aiohttp_client(create_app(config))
    assert (await client.get("/healthz")).status == 200
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1][0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"sessions", "orders", "ledger", "refunds"} <= tables
        conn.execute(
            "INSERT INTO orders (out_trade_no, openid, product_id, quantity, amount_fen, description, sign_type,"
            " status, wx_params, created_at, expires_at) VALUES ('M1', 'o', 'p', 1, 5, 'd', 'MD5', 'PAID', '{}', 0, 0)"
        )
        conn.execute(
            "INSERT INTO ledger (out_trade_no, transaction_id, amount_fen, source, recorded_at)"
            " VALUES ('M1', 'T1', 5, 'notify', 0)"
        )
        conn.commit()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE ledger SET amount_fen = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM ledger")
        with pytest.raises(sqlite3.IntegrityError):  # one fulfilment per transaction
            conn.execute(
                "INSERT INTO ledger (out_trade_no, transaction_id, amount_fen, source, recorded_at)"
                " VALUES ('M1', 'T1', 5, 'notify', 0)"
            )
    finally:
        conn.close()


async def test_memory_database_works(aiohttp_client):
    client = await aiohttp_client(create_app(demo_config("http://127.0.0.1:9", "http://127.0.0.1:9", ":memory:")))
    response = await client.get("/api/products")
    assert response.status == 200 and len((await response.json())["products"]) == 3


async def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {MIGRATIONS[-1][0] + 1}")
    conn.close()
    runner = web.AppRunner(create_app(demo_config("http://127.0.0.1:9", "http://127.0.0.1:9", str(path))))
    try:
        with pytest.raises(RuntimeError, match="written by a newer version"):
            await runner.setup()
    finally:
        await runner.cleanup()
