"""The language of the doctor: the ``lang`` setting (serve --lang), ``?lang=`` on the journal, and
the paySign rules' spelling check behind the one coherent sentence of issue 10."""

from __future__ import annotations

import pytest

from mockwx.cli import build_parser, serve_config
from mockwx.config import ConfigError, parse_config
from mockwx.doctor import meant_sign_type, rule_findings
from mockwx.testing.server import MockServer, mock_config


async def bad_call(client):
    await client.v2("/pay/orderquery", {"out_trade_no": "X1"}, key="a1b2c3d4e5f60718293a4b5c6d7e8f90")


async def test_the_journal_speaks_the_language_asked_for(client):
    await bad_call(client)
    zh = (await client.control("GET", "/problems", params={"lang": "zh"}))["requests"][-1]["error"]["diagnosis"]
    en = (await client.control("GET", "/requests", params={"lang": "en"}))["requests"][-1]["error"]["diagnosis"]
    assert zh["explanation"].startswith("计算sign时用的是小程序") and en["explanation"].startswith("The sign was made")
    assert zh["texts"] == en["texts"] and zh["mistakes"] == en["mistakes"] == ["appsecret_as_key"]
    async with client.session.get(f"{client.url}/__mock__/problems?lang=fr") as response:
        assert response.status == 400 and "lang must be one of en, zh" in (await response.json())["error"]


async def test_one_problem_has_its_own_route_in_either_language(client):
    async with client.session.post(
        f"{client.url}/pay/orderquery",
        data=b"<xml><appid>wxd930ea5d5a258f4f</appid><mch_id>10000100</mch_id><nonce_str>n</nonce_str>"
        b"<out_trade_no>X1</out_trade_no><body>\xe8\x80\x81\xe7\x94\xb7\xe5\xad\xa9</body><sign>0</sign></xml>",
    ) as response:
        page = response.headers["X-Mockwx-Problem"]  # .../__mock__/ui/problems/<id>: the same id
        assert response.headers["X-Mockwx-Hint"].isascii()
    entry_id = page.rsplit("/", 1)[1]
    (listed,) = (await client.control("GET", "/problems", params={"lang": "zh"}))["requests"]
    one = await client.control("GET", f"/problems/{entry_id}", params={"lang": "zh"})
    assert one == listed and one["id"] == int(entry_id)
    assert "body=老男孩" in one["error"]["diagnosis"]["expected_string"]  # the strings unescaped
    assert (await client.control("GET", f"/problems/{entry_id}"))["error"]["diagnosis"]["lang"] == "en"
    await client.v2("/pay/orderquery", {"out_trade_no": "X1"})  # a call that is no problem
    fine = (await client.requests())[-1]
    for wrong in (str(fine["id"]), "999999", "abc", "9" * 40):
        async with client.session.get(f"{client.url}/__mock__/problems/{wrong}") as response:
            assert response.status == 404 and "GET /__mock__/problems" in (await response.json())["hint"]
    async with client.session.get(f"{client.url}/__mock__/problems/{entry_id}?lang=fr") as response:
        assert response.status == 400


async def test_the_lang_setting_is_the_default():
    async with MockServer(mock_config(lang="zh")) as server:
        from mockwx.testing.client import MockClient

        async with MockClient(server.url) as client:
            await bad_call(client)
            diagnosis = (await client.problems())[-1]["error"]["diagnosis"]
            assert diagnosis["lang"] == "zh" and "的AppSecret，而不是商户的API密钥" in diagnosis["explanation"]
            await client.control("PATCH", "/settings", {"lang": "en"})
            assert (await client.problems())[-1]["error"]["diagnosis"]["lang"] == "en"


def test_serve_takes_lang_and_the_config_checks_it():
    args = build_parser().parse_args(["serve", "--lang", "zh", "--memory"])
    assert serve_config(args).settings.lang == "zh"
    assert serve_config(build_parser().parse_args(["serve", "--memory"])).settings.lang == "en"
    with pytest.raises(ConfigError, match="lang must be one of en, zh"):
        parse_config({"lang": "fr"})


@pytest.mark.parametrize(
    ("value", "meant"),
    [("MD5", "MD5"), ("md5", "MD5"), ("HMACSHA256", "HMAC-SHA256"), ("hmac_sha256", "HMAC-SHA256"), ("RSA", "")],
)
def test_what_a_sign_type_means(value, meant):
    assert meant_sign_type(value) == meant


def test_the_rules_of_the_client():
    assert rule_findings("1700000000", "MD5", "MD5") == []
    codes = [f.code for f in rule_findings("1700000000000", "HMACSHA256", "MD5")]
    assert codes == ["sign_type_misspelled", "paysign_sign_type_mismatch", "timestamp_milliseconds"]
    assert [f.code for f in rule_findings("1700000000", "RSA", "MD5")] == ["sign_type_unknown"]


async def test_a_misspelled_sign_type_is_one_coherent_sentence(client):
    order = await client.unifiedorder("L20261127000001", 1, sign_type="HMAC-SHA256")
    params = client.payment_params(order["prepay_id"], "HMAC-SHA256")
    params["signType"] = "HMACSHA256"  # sent misspelled, but signed spelled right
    diagnosis = (await client.pay(params))["mockwx"]["diagnosis"]
    assert diagnosis["mistakes"] == ["sign_type_misspelled", "field_value_differs"]
    assert diagnosis["explanation"] == (
        "signType is 'HMACSHA256', which WeChat does not know; it is spelled exactly HMAC-SHA256."
        " The field signType was signed with the value 'HMAC-SHA256' but sent as 'HMACSHA256'."
    )
