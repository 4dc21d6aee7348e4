"""POST /pay/unifiedorder on a real socket: validation, tenants, re-entry (protocol/v2.md 3)."""

from __future__ import annotations

import pytest
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config
from mockwx.wire import HMAC_SHA256, parse_xml, render_xml, sign, to_compact


def independently_verified(answer: dict[str, str], sign_type: str = "MD5") -> bool:
    """The answer's sign checked with wechatpy's signer, not ours."""
    fields = {k: v for k, v in answer.items() if k != "sign"}
    signer = calculate_signature_hmac if sign_type == HMAC_SHA256 else calculate_signature
    return answer["sign"] == signer(fields, DEMO_API_KEY)


async def test_jsapi_success_shape_and_signature(client):
    answer = await client.unifiedorder("T20261127000001", 1)
    assert answer["return_code"] == "SUCCESS" and answer["return_msg"] == "OK"
    assert answer["result_code"] == "SUCCESS"
    assert answer["appid"] == DEMO_APPID and answer["mch_id"] == DEMO_MCH_ID
    assert len(answer["nonce_str"]) == 32
    assert answer["trade_type"] == "JSAPI"
    assert answer["prepay_id"].startswith("wx") and len(answer["prepay_id"]) == 36
    assert independently_verified(answer)


async def test_answers_are_signed_with_the_request_sign_type(client):
    answer = await client.unifiedorder("T20261127000002", 1, sign_type=HMAC_SHA256)
    assert answer["result_code"] == "SUCCESS" and len(answer["sign"]) == 64
    assert independently_verified(answer, HMAC_SHA256)


async def test_each_answer_has_a_fresh_nonce(client):
    a = await client.unifiedorder("T20261127000003", 1)
    b = await client.unifiedorder("T20261127000003", 1)
    assert a["nonce_str"] != b["nonce_str"]


async def test_native_gives_code_url_and_mweb_gives_mweb_url(client):
    native = await client.unifiedorder("T20261127000004", 1, trade_type="NATIVE", product_id="P1")
    assert native["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    h5 = await client.unifiedorder("T20261127000005", 1, trade_type="MWEB", scene_info='{"h5_info":{"type":"Wap"}}')
    assert h5["mweb_url"].startswith("https://wx.tenpay.com/") and "prepay_id=" in h5["mweb_url"]
    app = await client.unifiedorder("T20261127000006", 1, trade_type="APP")
    assert app["prepay_id"] and "code_url" not in app


@pytest.mark.parametrize(
    ("fields", "return_msg"),
    [
        ({"body": ""}, "缺少参数"),
        ({"notify_url": ""}, "缺少参数"),
        ({"body": "x" * 129}, "body参数长度有误"),
        ({"out_trade_no": "T" * 33}, "out_trade_no参数长度有误"),
        ({"total_fee": "1.00"}, "invalid total_fee"),
        ({"total_fee": "0"}, "invalid total_fee"),
        ({"total_fee": "-1"}, "invalid total_fee"),
        ({"spbill_create_ip": "localhost"}, "invalid spbill_create_ip"),
        ({"notify_url": "https://example.com/notify?order=1"}, "invalid notify_url"),
        ({"notify_url": "/notify"}, "invalid notify_url"),
        ({"out_trade_no": "T 1"}, "invalid out_trade_no"),
        # issue 8, finding 8: what WeChat's types refuse (total_fee is an Int; a port is 1-65535)
        ({"total_fee": "2147483648"}, "invalid total_fee"),
        ({"total_fee": "99999999999"}, "invalid total_fee"),
        ({"total_fee": "０１"}, "invalid total_fee"),
        ({"notify_url": "http://127.0.0.1:99999/notify"}, "invalid notify_url"),
        ({"notify_url": "http://127.0.0.1:0/notify"}, "invalid notify_url"),
        ({"notify_url": "http://127.0.0.1:/notify"}, "invalid notify_url"),
        ({"notify_url": "http://exa\x7fmple.com/notify"}, "invalid notify_url"),
        ({"notify_url": "http://example.com/no\x7ftify"}, "invalid notify_url"),
        ({"notify_url": "http://[fe80::1%25eth0]/notify"}, "invalid notify_url"),
        ({"notify_url": "http://[1.2.3.4]/notify"}, "invalid notify_url"),
        ({"spbill_create_ip": "fe80::1%eth0"}, "invalid spbill_create_ip"),
        ({"spbill_create_ip": "::1%1"}, "invalid spbill_create_ip"),
        ({"spbill_create_ip": "1.2.3.4\x7f"}, "invalid spbill_create_ip"),
        ({"trade_type": "JSAPI2"}, "trade_type参数格式错误"),
        ({"fee_type": "USD"}, "fee_type参数格式错误"),
        ({"time_expire": "2026-11-27"}, "time_expire参数格式错误"),
        ({"trade_type": "NATIVE"}, "缺少参数"),  # no product_id
        ({"trade_type": "MWEB"}, "缺少参数"),  # no scene_info
    ],
)
async def test_validation_failures_are_return_code_fail_without_sign(client, fields, return_msg):
    fields = {"out_trade_no": "T20261127000010", "total_fee": 1, **fields}
    answer = await client.unifiedorder(fields.pop("out_trade_no"), **fields)
    assert answer == {"return_code": "FAIL", "return_msg": return_msg}


@pytest.mark.parametrize(
    "fields",
    [
        {"total_fee": 2147483647},
        {"notify_url": "http://127.0.0.1:65535/notify"},
        {"notify_url": "http://[::1]:8080/wxpay/notify"},
        {"spbill_create_ip": "2001:db8::1"},
        {"spbill_create_ip": "::ffff:10.0.0.1"},
    ],
)
async def test_the_edges_wechat_takes_are_taken(client, fields):
    assert (await client.unifiedorder("T20261127000014", **fields))["result_code"] == "SUCCESS"


async def test_jsapi_needs_openid(client):
    answer = await client.unifiedorder("T20261127000011", 1, openid="")
    assert answer == {"return_code": "FAIL", "return_msg": "JSAPI支付必须传openid"}


async def test_openid_of_another_app_is_refused(client):
    await client.control("POST", "/tenants", {"apps": [{"appid": "wx0000000000000009", "secret": "9" * 32}]})
    foreign = (await client.login("alice", appid="wx0000000000000009"))["openid"]
    answer = await client.unifiedorder("T20261127000012", 1, openid=foreign)
    assert answer == {"return_code": "FAIL", "return_msg": "appid and openid not match"}


async def test_unknown_openid_is_param_error(client):
    answer = await client.unifiedorder("T20261127000013", 1, openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    assert answer["result_code"] == "FAIL"
    assert (answer["err_code"], answer["err_code_des"]) == ("PARAM_ERROR", "无效的openid")


async def test_tenant_checks(client):
    await client.control("POST", "/tenants", {"apps": [{"appid": "wx000000000000000b", "secret": "b" * 32}]})
    unknown_app = await client.v2("/pay/unifiedorder", {"appid": "wx9999999999999999"})
    assert unknown_app == {"return_code": "FAIL", "return_msg": "AppID不存在，请检查后再试"}
    not_bound = await client.v2("/pay/unifiedorder", {"appid": "wx000000000000000b"})
    assert not_bound == {"return_code": "FAIL", "return_msg": "商户号mch_id与appid不匹配"}
    unknown_mch = await client.v2("/pay/unifiedorder", {"mch_id": "1900000109"})
    assert unknown_mch == {"return_code": "FAIL", "return_msg": "商户号mch_id或sub_mch_id不存在"}
    bad_mch = await client.v2("/pay/unifiedorder", {"mch_id": "abc"})
    assert bad_mch == {"return_code": "FAIL", "return_msg": "mch_id参数格式错误"}


async def test_bad_sign_type_value(client):
    answer = await client.v2("/pay/unifiedorder", {"sign_type": "SHA1"}, sign=False)
    assert answer == {"return_code": "FAIL", "return_msg": "sign_type参数格式错误"}


async def test_bad_signature_is_return_code_fail_and_diagnosed(client):
    answer = await client.unifiedorder("T20261127000014", 1, sign_type="MD5")
    assert answer["result_code"] == "SUCCESS"
    bad = await client.v2(
        "/pay/orderquery", {"out_trade_no": "T20261127000014"}, key="a1b2c3d4e5f60718293a4b5c6d7e8f90"
    )
    assert bad == {"return_code": "FAIL", "return_msg": "签名错误"}
    problem = (await client.problems())[-1]
    diagnosis = problem["error"]["diagnosis"]
    assert problem["problem"] == "SIGNERROR"
    assert diagnosis["mistakes"] == ["appsecret_as_key"]
    assert "key=1920" in diagnosis["expected_string"] and DEMO_API_KEY not in diagnosis["expected_string"]


async def test_bad_signature_hint_header(client):
    async with client.session.post(
        f"{client.url}/pay/orderquery",
        data=b"<xml><mch_id>10000100</mch_id><appid>wxd930ea5d5a258f4f</appid><sign>X</sign></xml>",
    ) as response:
        hint = response.headers["X-Mockwx-Hint"]
    assert hint.startswith("sign mistakes: sign_wrong_length (the sign has the wrong length) | expected MD5 ")
    assert hint.endswith(", got X")


# -- re-entry (protocol/v2.md 3.4) ----------------------------------------------------------------


async def test_identical_reentry_returns_the_same_prepay_id(client):
    first = await client.unifiedorder("T20261127000020", 100)
    again = await client.unifiedorder("T20261127000020", 100, spbill_create_ip="10.0.0.8")
    assert again["prepay_id"] == first["prepay_id"]


async def test_changed_reentry_is_201(client):
    await client.unifiedorder("T20261127000021", 100)
    changed = await client.unifiedorder("T20261127000021", 101)
    assert (changed["result_code"], changed["err_code"], changed["err_code_des"]) == (
        "FAIL",
        "INVALID_REQUEST",
        "201 商户订单号重复",
    )
    assert changed["sign"]  # business failures are signed
    added = await client.unifiedorder("T20261127000021", 100, attach="x")
    assert added["err_code_des"] == "201 商户订单号重复"


async def test_reentry_after_two_hours_gets_a_new_prepay_id(client):
    first = await client.unifiedorder("T20261127000022", 100)
    await client.advance(7200)
    again = await client.unifiedorder("T20261127000022", 100)
    assert again["result_code"] == "SUCCESS" and again["prepay_id"] != first["prepay_id"]


async def test_reentry_of_paid_and_closed_orders(client):
    paid = await client.unifiedorder("T20261127000023", 100)
    await client.pay(client.payment_params(paid["prepay_id"]))
    again = await client.unifiedorder("T20261127000023", 100)
    assert (again["err_code"], again["err_code_des"]) == ("ORDERPAID", "该订单已支付")
    await client.unifiedorder("T20261127000024", 100)
    await client.v2("/pay/closeorder", {"out_trade_no": "T20261127000024"})
    closed = await client.unifiedorder("T20261127000024", 100)
    assert (closed["err_code"], closed["err_code_des"]) == ("ORDERCLOSED", "订单已关闭")


# -- time_expire (protocol/v2.md 3.5) ------------------------------------------------------------


async def test_time_expire_is_beijing_time(mock, client):
    now = mock.backend.clock.now()
    ok = await client.unifiedorder("T20261127000030", 1, time_expire=to_compact(now + 600))
    assert ok["result_code"] == "SUCCESS"
    short = await client.unifiedorder("T20261127000031", 1, time_expire=to_compact(now + 60))
    assert (short["err_code"], short["err_code_des"]) == (
        "PARAM_ERROR",
        "time_expire时间过短，刷卡至少1分钟，其他5分钟",
    )


async def test_time_expire_in_utc_is_diagnosed(mock, client):
    from datetime import UTC, datetime

    utc_text = datetime.fromtimestamp(mock.backend.clock.now() + 1800, UTC).strftime("%Y%m%d%H%M%S")
    answer = await client.unifiedorder("T20261127000032", 1, time_expire=utc_text)
    assert answer["err_code"] == "PARAM_ERROR"
    journal = await client.requests(api="unifiedorder")
    assert "looks like UTC" in journal[-1]["error"]["hint"]


async def test_hints_withhold_the_expected_sign_when_the_mock_must_not_reveal_it():
    """Issue 8, item 15: beyond loopback (or with security.reveal_hints: never) a hint names the mistake
    but gives no valid sign away."""
    config = mock_config()
    config.settings.security.reveal_hints = "never"
    async with MockServer(config) as mock, MockClient(mock.url) as client:
        fields = {"out_trade_no": "HIDE0000001", "sign": "0" * 32}
        answer = await client.v2("/pay/orderquery", fields, sign=False)
        assert answer == {"return_code": "FAIL", "return_msg": "签名错误"}
        async with client.session.post(
            f"{mock.url}/pay/orderquery",
            data=render_xml({"appid": client.appid, "mch_id": client.mch_id, "nonce_str": "n", **fields}),
        ) as response:
            hint = response.headers["X-Mockwx-Hint"]
        right = sign({"appid": client.appid, "mch_id": client.mch_id, "nonce_str": "n", **fields}, client.api_key)
        assert "withheld" in hint and right not in hint
        problem = (await client.problems())[-1]["error"]["diagnosis"]
        assert problem["expected_sign"] == "(withheld)" and client.api_key[:4] not in problem["expected_string"]


@pytest.mark.parametrize("reveal", ["never", "always"])
async def test_a_redacted_hint_does_not_tell_a_right_prefix_of_the_sign_from_a_wrong_one(reveal):
    """Review 8 minor: sign_truncated named any right prefix, so a valid sign could be guessed 16 tries a
    character from redacted hints."""
    config = mock_config()
    config.settings.security.reveal_hints = reveal
    async with MockServer(config) as mock, MockClient(mock.url) as client:
        fields = {"appid": client.appid, "mch_id": client.mch_id, "nonce_str": "n", "out_trade_no": "HIDE0000002"}
        right = sign(fields, client.api_key)
        wrong = right[:11] + ("0" if right[11] != "0" else "1")
        hints = []
        for guess in (right[:12], wrong):
            async with client.session.post(
                f"{mock.url}/pay/orderquery", data=render_xml({**fields, "sign": guess})
            ) as response:
                assert parse_xml(await response.read())["return_msg"] == "签名错误"
                hints.append(response.headers["X-Mockwx-Hint"].replace(guess, "<sign>"))
        mistakes = [p["error"]["diagnosis"]["mistakes"] for p in (await client.problems())[-2:]]
        if reveal == "always":  # the control: where the sign may be shown, a cut-off one is named
            assert mistakes[0] == ["sign_truncated"] and "sign_truncated" not in mistakes[1]
        else:
            assert hints[0] == hints[1] and mistakes[0] == mistakes[1] and "sign_truncated" not in mistakes[0]
