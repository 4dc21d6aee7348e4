"""Config files: tenants and settings, with errors that name the file and the key."""

from __future__ import annotations

import pytest

from mockwx.config import ConfigError, load_config, parse_config
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer

GOOD = """
clock: virtual
demo: false
apps:
  - appid: wx1234567890abcdef
    secret: 0123456789abcdef0123456789abcdef
    name: shop
    open_platform: op-1
merchants:
  - mch_id: "1900000109"
    api_key: ABCDEFGHIJKLMNOPQRSTUVWXYZ012345
    appids: [wx1234567890abcdef]
notify:
  timeout: 2
  retry_delays: [1, 2]
pay:
  close_min_age: 300
"""


def test_loads_tenants_and_settings(tmp_path):
    path = tmp_path / "mock.yaml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.settings.clock == "virtual" and config.settings.notify.timeout == 2.0
    assert config.settings.notify.retry_delays == [1, 2] and config.settings.pay.close_min_age == 300
    assert config.apps[0].open_platform == "op-1" and config.merchants[0].appids == ["wx1234567890abcdef"]


async def test_configured_tenants_are_served(tmp_path):
    path = tmp_path / "mock.yaml"
    path.write_text(GOOD)
    async with MockServer(load_config(path)) as mock:
        client = MockClient(
            mock.url,
            appid="wx1234567890abcdef",
            secret="0123456789abcdef0123456789abcdef",
            mch_id="1900000109",
            api_key="ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
        )
        async with client:
            login = await client.login("alice")
            session = await client.code2session(login["code"])
            assert session["unionid"]
            assert (await client.unifiedorder("CF0000001", 1))["result_code"] == "SUCCESS"
            assert mock.backend.state.apps.keys() == {"wx1234567890abcdef"}  # demo: false


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("clock: sometimes", "clock must be"),
        ("notify: {timeout: -1}", "notify.timeout"),
        ("notify: {retry_delays: [1, x]}", "retry_delays[1]"),
        ("pay: {strict_openid: maybe}", "true or false"),
        ("merchants: [{mch_id: '12', api_key: short}]", "api_key must be 32"),
        ("apps: [{appid: wx1}]", "apps[0]"),
        ("- just a list", "top level"),
        ("seed: [1]", "seed"),
    ],
)
def test_errors_name_the_key(text, needle):
    import yaml

    with pytest.raises(ConfigError) as caught:
        parse_config(yaml.safe_load(text), "mock.yaml")
    assert needle in str(caught.value) and "mock.yaml" in str(caught.value)


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_security_settings_load_and_are_checked():
    config = parse_config({"security": {"allowed_hosts": ["mock.test"], "reveal_hints": "never"}})
    assert config.settings.security.allowed_hosts == ["mock.test"] and config.settings.security.reveal_hints == "never"
    for bad, needle in (
        ({"reveal_hints": "sometimes"}, "reveal_hints"),
        ({"token": "short"}, "security.token"),
        ({"token": "has a space in it"}, "security.token"),
        ({"allowed_hosts": ["bad host"]}, "allowed_hosts"),
    ):
        with pytest.raises(ConfigError, match=needle):
            parse_config({"security": bad})
