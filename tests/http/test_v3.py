"""API v3 on a real socket: WeChat's 401s, PARAM_ERRORs and business errors, the signed answers,
the re-entry rules, v3 faults, the serial a client asks for, SIGNTEST probes, RSA paySigns and the
notification variants (protocol/v3.md 1-9)."""

from __future__ import annotations

import asyncio
import time

import pytest

from mockwx.config import DEMO_APPID, DEMO_MCH_ID
from mockwx.testing.client import MockClient
from mockwx.wire.v3 import (
    build_authorization,
    compact_json,
    load_private_key,
    load_public_key,
    read_notification,
    verify_response,
)
from mockwx.wire.v3.response import PROBE_PREFIX, ResponseSignatureError

JSAPI = "/v3/pay/transactions/jsapi"


async def order_body(client: MockClient, number: str, total: int = 100, **extra) -> dict:
    openid = (await client.login("alice"))["openid"]
    return {
        "appid": DEMO_APPID,
        "mchid": DEMO_MCH_ID,
        "description": "mockwx 咖啡",
        "out_trade_no": number,
        "notify_url": extra.pop("notify_url", "http://127.0.0.1:9/notify"),
        "amount": {"total": total, "currency": "CNY"},
        "payer": {"openid": openid},
        **extra,
    }


async def signed_by_merchant(client: MockClient, method: str, path: str, body: bytes | str, **kwargs: str) -> str:
    """An Authorization header the demo merchant's key signs (``serial_no`` overrides its serial)."""
    keys = await client.v3_keys()
    return build_authorization(
        method,
        path,
        body,
        mchid=DEMO_MCH_ID,
        serial_no=kwargs.get("serial_no", keys["merchant_serial"]),
        private_key=load_private_key(keys["merchant_private_key"]),
        timestamp=int(time.time()),
    )


def verifier(keys: dict) -> dict:
    return {
        keys["platform_serial"]: load_public_key(_public_of(keys["platform_certificate"])),
        keys["public_key_id"]: load_public_key(keys["public_key"]),
    }


def _public_of(certificate_pem: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    return (
        cert.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


async def test_an_order_is_placed_signed_and_queried(client):
    body = await order_body(client, "V3T0000000001", attach="table 7")
    answer = await client.v3("POST", JSAPI, body)
    assert answer.status == 200 and answer.json["prepay_id"].startswith("wx")
    keys = await client.v3_keys()
    serial = verify_response(answer.headers, answer.body, verifier(keys), now=time.time())
    assert serial == keys["platform_serial"]  # no Wechatpay-Serial asked: the platform certificate
    assert answer.headers["Request-ID"].endswith("-0")
    query = await client.v3("GET", f"/v3/pay/transactions/out-trade-no/V3T0000000001?mchid={DEMO_MCH_ID}")
    assert query.json["trade_state"] == "NOTPAY" and query.json["amount"] == {"payer_currency": "CNY", "total": 100}
    assert list(query.json) == sorted(query.json)  # an unpaid order's answer is key-sorted, as captured
    assert "attach" not in query.json  # returned once paid (v3.md 4.1, the NOTPAY capture)
    await client.pay(await client.v3_pay_params(answer.json["prepay_id"]))
    paid = await client.v3("GET", f"/v3/pay/transactions/out-trade-no/V3T0000000001?mchid={DEMO_MCH_ID}")
    assert paid.json["trade_state"] == "SUCCESS" and paid.json["attach"] == "table 7"


async def test_a_body_that_arrives_in_two_tcp_chunks_is_read_whole(client):
    """A single read returned only the first chunk: the order was refused as bad JSON or a bad signature."""
    body = compact_json(await order_body(client, "V3T0000000002"))
    authorization = await signed_by_merchant(client, "POST", JSAPI, body)

    async def in_two_chunks():
        yield body[: len(body) // 2]
        await asyncio.sleep(0.1)
        yield body[len(body) // 2 :]

    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    async with client.session.post(f"{client.url}{JSAPI}", data=in_two_chunks(), headers=headers) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["prepay_id"].startswith("wx")


async def test_the_answer_is_signed_with_the_key_the_client_names(client):
    keys = await client.v3_keys()
    answer = await client.v3("GET", "/v3/certificates", headers={"Wechatpay-Serial": keys["public_key_id"]})
    assert answer.headers["Wechatpay-Serial"] == keys["public_key_id"]
    assert verify_response(answer.headers, answer.body, verifier(keys)) == keys["public_key_id"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Authorization": ""}, "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》"),
        ({"Authorization": 'WECHATPAY2-SHA256-RSA2048 mchid="1"'}, "Authorization不合法"),
        ({"Authorization": "Basic abc"}, "Http头Authorization认证类型不正确"),
    ],
)
async def test_bad_authorization_headers_get_wechats_401(client, headers, message):
    async with client.session.get(f"{client.url}/v3/certificates", headers=headers) as response:
        assert response.status == 401
        assert await response.json() == {"code": "SIGN_ERROR", "message": message}
        assert "Wechatpay-Signature" not in response.headers  # WeChat's 401s carry no signature


async def test_a_stale_timestamp_is_refused_against_the_wall_clock_even_with_a_virtual_clock(client):
    await client.advance(24 * 3600)  # the virtual clock moved a day: v3 still talks
    ok = await client.v3("GET", "/v3/certificates")
    assert ok.status == 200
    stale = await client.v3("GET", "/v3/certificates", timestamp=int(time.time()) - 600)
    assert stale.status == 401 and stale.json["message"].endswith("不得超过5分钟")
    milliseconds = await client.v3("GET", "/v3/certificates", timestamp=int(time.time() * 1000))
    assert milliseconds.status == 401
    (*_, last) = await client.problems()
    assert "milliseconds" in last["error"]["hint"]
    assert last["error"]["diagnosis"]["mistakes"] == ["v3_timestamp_milliseconds"]  # a mistake code, as the doctor's


async def test_a_bad_signature_is_diagnosed(client):
    body = await order_body(client, "V3T0000000002")
    sent = compact_json(body)
    signed_over = compact_json({**body, "description": "something else"})  # signed one body, sent another
    authorization = await signed_by_merchant(client, "POST", JSAPI, signed_over)
    async with client.session.post(
        f"{client.url}{JSAPI}", data=sent, headers={"Authorization": authorization, "Content-Type": "application/json"}
    ) as response:
        answer = await response.json()
    assert response.status == 401 and answer["message"] == "签名错误"
    info = answer["detail"]["sign_information"]
    assert info["url"] == JSAPI and info["sign_message_length"] > len(sent)
    (problem,) = await client.problems()
    assert problem["problem"] == "SIGN_ERROR" and problem["api"] == "v3/jsapi"
    diagnosis = problem["error"]["diagnosis"]
    assert diagnosis["kind"] == "v3" and diagnosis["mistakes"] == ["v3_message_mismatch"]
    assert "签名" in (await client.requests(problems=True, lang="zh"))[0]["error"]["diagnosis"]["explanation"]


async def test_a_platform_serial_sent_as_serial_no_is_named(client):
    keys = await client.v3_keys()
    authorization = await signed_by_merchant(client, "GET", "/v3/certificates", b"", serial_no=keys["platform_serial"])
    async with client.session.get(f"{client.url}/v3/certificates", headers={"Authorization": authorization}) as r:
        assert r.status == 401 and (await r.json())["message"] == "商户证书序列号有误。"
    (problem,) = await client.problems()
    assert problem["error"]["diagnosis"]["mistakes"] == ["v3_serial_platform"]
    unknown = authorization.replace(keys["platform_serial"], "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB")
    async with client.session.get(f"{client.url}/v3/certificates", headers={"Authorization": unknown}) as r:
        assert r.status == 401 and (await r.json())["message"] == "商户证书序列号有误。"
    (*_, problem) = await client.problems()
    assert problem["error"]["diagnosis"]["mistakes"] == ["v3_unknown_serial"]


@pytest.mark.parametrize(
    ("change", "status", "code", "says"),
    [
        (
            lambda b: b.pop("description"),
            400,
            "PARAM_ERROR",
            "输入源“/body/description”映射到字段“商品描述”必填性规则校验失败",
        ),
        (lambda b: b["payer"].pop("openid"), 400, "PARAM_ERROR", "“/body/payer/openid”映射到字段“用户标识”"),
        (lambda b: b.update(coupon="x"), 400, "PARAM_ERROR", "请求中含有未在API文档中定义的参数"),
        (lambda b: b["amount"].update(total=0), 400, "PARAM_ERROR", "值低于最小值 1"),
        (lambda b: b["amount"].update(total="1"), 400, "PARAM_ERROR", "类型规则校验失败"),
        (lambda b: b.update(out_trade_no="V3 T"), 400, "PARAM_ERROR", "格式规则校验失败"),
        (
            lambda b: b.update(mchid="1230000109"),
            400,
            "PARAM_ERROR",
            "http header中的mchid与post payload中的mchid不匹配",
        ),
        (lambda b: b.update(appid="wx0000000000000000"), 400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配"),
        (lambda b: b["payer"].update(openid="oNOTMINTED"), 400, "PARAM_ERROR", "无效的openid"),
    ],
)
async def test_bad_bodies_get_wechats_400(client, change, status, code, says):
    body = await order_body(client, "V3T0000000003")
    change(body)
    answer = await client.v3("POST", JSAPI, body)
    assert (answer.status, answer.json["code"]) == (status, code) and says in answer.json["message"], answer.json
    verify_response(answer.headers, answer.body, verifier(await client.v3_keys()))  # business errors are signed


async def test_re_entry_rules(client, receiver):
    body = await order_body(client, "V3T0000000004", notify_url=receiver.url)
    first = await client.v3("POST", JSAPI, body)
    again = await client.v3("POST", JSAPI, body)
    assert again.json["prepay_id"] == first.json["prepay_id"]  # identical: the same prepay_id within 2 h
    changed = await client.v3("POST", JSAPI, {**body, "amount": {"total": 101, "currency": "CNY"}})
    assert (changed.status, changed.json["code"]) == (400, "INVALID_REQUEST")
    await client.pay(await client.v3_pay_params(first.json["prepay_id"]))
    paid = await client.v3("POST", JSAPI, body)
    assert (paid.status, paid.json["code"]) == (400, "ORDERPAID")
    close = await client.v3("POST", "/v3/pay/transactions/out-trade-no/V3T0000000004/close", {"mchid": DEMO_MCH_ID})
    assert (close.status, close.json["code"]) == (400, "ORDER_PAID")


async def test_refund_errors(client):
    body = await order_body(client, "V3T0000000005")
    await client.v3("POST", JSAPI, body)
    refund = {
        "out_trade_no": "V3T0000000005",
        "out_refund_no": "R1",
        "amount": {"refund": 1, "total": 100, "currency": "CNY"},
    }
    unpaid = await client.v3("POST", "/v3/refund/domestic/refunds", refund)
    assert (unpaid.status, unpaid.json["code"]) == (404, "RESOURCE_NOT_EXISTS")
    neither = await client.v3(
        "POST", "/v3/refund/domestic/refunds", {k: v for k, v in refund.items() if k != "out_trade_no"}
    )
    assert (neither.status, neither.json["code"]) == (400, "PARAM_ERROR")
    missing = await client.v3("GET", "/v3/refund/domestic/refunds/NOPE")
    assert (missing.status, missing.json["code"]) == (404, "RESOURCE_NOT_EXISTS")
    unknown = await client.v3("POST", "/v3/refund/domestic/refunds", {**refund, "out_trade_no": "NOSUCHORDER1"})
    assert (
        (unknown.status, unknown.json)
        == (404, unpaid.json)
        == (404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
    )


async def test_an_unknown_order_is_order_not_exist(client):
    answer = await client.v3("GET", f"/v3/pay/transactions/out-trade-no/NOSUCHORDER1?mchid={DEMO_MCH_ID}")
    assert (answer.status, answer.json) == (404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
    no_mchid = await client.v3("GET", "/v3/pay/transactions/out-trade-no/NOSUCHORDER1")
    assert no_mchid.status == 400 and "/query/mchid" in no_mchid.json["message"]


async def test_a_v3_fault_answers_the_code_asked(client):
    await client.fault(api="v3/jsapi", code="SYSTEM_ERROR", times=1)
    body = await order_body(client, "V3T0000000006")
    failed = await client.v3("POST", JSAPI, body)
    assert (failed.status, failed.json) == (500, {"code": "SYSTEM_ERROR", "message": "系统繁忙，请稍后重试"})
    assert (await client.v3("POST", JSAPI, body)).status == 200


async def test_a_public_key_merchant_has_no_platform_certificates(mock, client):
    merchant = mock.backend.state.merchants[DEMO_MCH_ID]
    merchant.v3_profile = "public_key"
    answer = await client.v3("GET", "/v3/certificates")
    assert answer.status == 404 and answer.json["code"] == "RESOURCE_NOT_EXISTS"
    assert answer.headers["Wechatpay-Serial"].startswith("PUB_KEY_ID_")  # signed with the public key


async def test_signtest_probes_are_sent_when_asked(client):
    await client.control("PATCH", "/settings", {"v3": {"signtest": 1.0}})
    answer = await client.v3("GET", "/v3/certificates")
    assert answer.headers["Wechatpay-Signature"].startswith(PROBE_PREFIX)
    with pytest.raises(ResponseSignatureError):
        verify_response(answer.headers, answer.body, verifier(await client.v3_keys()))


async def test_a_bad_rsa_pay_sign_is_refused_and_diagnosed(client):
    body = await order_body(client, "V3T0000000007")
    prepay_id = (await client.v3("POST", JSAPI, body)).json["prepay_id"]
    params = await client.v3_pay_params(prepay_id)
    bad = {**params, "paySign": params["paySign"][:-8] + "AAAAAAA="}
    refused = await client.pay(bad)
    assert refused["errMsg"] == "requestPayment:fail 支付验证签名失败"
    assert refused["mockwx"]["diagnosis"]["kind"] == "v3"
    ok = await client.pay(params)
    assert ok["errMsg"] == "requestPayment:ok"


@pytest.mark.parametrize("variant", ["normal", "forged", "tampered_amount", "wrong_mch_id"])
async def test_notification_variants(client, receiver, variant):
    body = await order_body(client, "V3T0000000008", notify_url=receiver.url)
    prepay_id = (await client.v3("POST", JSAPI, body)).json["prepay_id"]
    await client.pay(await client.v3_pay_params(prepay_id))
    await client.wait(status="acked", out_trade_no="V3T0000000008")
    await client.control("POST", "/notify", {"out_trade_no": "V3T0000000008", "variant": variant})
    await client.wait(status="acked", out_trade_no="V3T0000000008", label="" if variant == "normal" else variant)
    keys = await client.v3_keys()
    got = receiver.received[-1]
    assert got.headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    if variant == "forged":
        with pytest.raises(ResponseSignatureError):
            verify_response(got.headers, got.body, verifier(keys))
        return
    verify_response(got.headers, got.body, verifier(keys), now=time.time())
    resource = read_notification(got.body, keys["api_v3_key"]).resource
    if variant == "tampered_amount":
        assert resource["amount"]["total"] == 1  # validly signed: only an amount check catches it
    elif variant == "wrong_mch_id":
        assert resource["mchid"] != DEMO_MCH_ID
    else:
        assert resource["amount"]["total"] == 100 and resource["out_trade_no"] == "V3T0000000008"


async def test_type_hints_speak_json_not_python(client):
    body = await order_body(client, "V3T0000000010")
    body["amount"]["total"] = "1"
    answer = await client.v3("POST", JSAPI, body)
    assert answer.headers["X-Mockwx-Hint"] == "amount/total must be a JSON integer, got a JSON string"
    body["amount"] = 1
    answer = await client.v3("POST", JSAPI, body)
    assert answer.headers["X-Mockwx-Hint"] == "amount must be a JSON object, got a JSON integer"
    array = await client.v3("POST", JSAPI, b"[1]")
    assert "the body is a JSON array; expected an object" in array.headers["X-Mockwx-Hint"]


async def test_the_order_decides_which_pay_sign_it_takes(client):
    """A v3 order is paid with signType RSA, a timeStamp in seconds and the RSA paySign of the four lines,
    diagnosed as v3 whatever signType claims; a v2 order never takes RSA (issue 9 review, item 8). The
    paySigns are made by wechatpayv3, an independent SDK."""
    from wechatpayv3.utils import load_private_key as sdk_key
    from wechatpayv3.utils import rsa_sign

    from mockwx.wire import pay_sign as v2_pay_sign

    keys = await client.v3_keys()
    key = sdk_key(keys["merchant_private_key"])
    body = await order_body(client, "V3T0000000011")
    package = "prepay_id=" + (await client.v3("POST", JSAPI, body)).json["prepay_id"]
    ts = str(int(time.time()))

    def params(sign_type: str | None, time_stamp: str = ts, lines: str | None = None) -> dict:
        signed = lines if lines is not None else f"{DEMO_APPID}\n{time_stamp}\nN1\n{package}\n"
        out = {"timeStamp": time_stamp, "nonceStr": "N1", "package": package, "paySign": rsa_sign(key, signed)}
        return out | ({"signType": sign_type} if sign_type is not None else {})

    md5 = {**params("MD5"), "paySign": v2_pay_sign(DEMO_APPID, ts, "N1", package, "MD5", client.api_key)}
    cases = [
        (md5, ["v3_paysign_sign_type", "v3_paysign_v2_style"]),
        (params("rsa"), ["v3_paysign_sign_type"]),
        (params(None), ["v3_paysign_sign_type"]),  # wx.requestPayment's default signType is MD5
        (params("RSA", ts + "000"), ["v3_paysign_timestamp_milliseconds"]),  # signed right, but milliseconds
        (params("RSA", lines=f"{DEMO_APPID}\n{ts}\nN1\n{package}"), ["v3_paysign_missing_newline"]),
        (params("RSA", lines=f"{DEMO_APPID}\n{ts}\nN2\n{package}\n"), ["v3_paysign_message_mismatch"]),
    ]
    for sent, codes in cases:
        refused = await client.pay(sent)
        assert refused["errMsg"] == "requestPayment:fail 支付验证签名失败", (codes, refused)
        diagnosis = refused["mockwx"]["diagnosis"]
        assert (diagnosis["kind"], diagnosis["mistakes"]) == ("v3", codes)
        if codes[0] in ("v3_paysign_missing_newline", "v3_paysign_message_mismatch"):  # the paySign's lines
            assert "appId\\ntimeStamp\\nnonceStr\\npackage\\n" in diagnosis["fix"] and "METHOD" not in diagnosis["fix"]
            assert "(the body)" not in diagnosis["explanation"]
    assert (await client.pay(params("RSA")))["errMsg"] == "requestPayment:ok"

    v2 = await client.unifiedorder("V3T0000000012", 100)  # an MD5 order of API v2
    v2_package = f"prepay_id={v2['prepay_id']}"
    rsa = {"timeStamp": ts, "nonceStr": "N1", "package": v2_package, "signType": "RSA"}
    rsa["paySign"] = rsa_sign(key, f"{DEMO_APPID}\n{ts}\nN1\n{v2_package}\n")
    refused = await client.pay(rsa)
    assert refused["errMsg"] == "requestPayment:fail 支付验证签名失败"
    assert "sign_type_unknown" in refused["mockwx"]["diagnosis"]["mistakes"]


async def test_a_signature_over_the_decoded_url_is_refused_unless_the_switch_says_otherwise(client):
    """wechatpayv3 signs '|' as is and requests sends %7C (v3.md 9.3): a 401 that says so by default, taken
    with v3.accept_decoded_url (issue 9 review, item 14)."""
    from mockwx.wire.v3 import build_authorization, load_private_key

    keys = await client.v3_keys()
    sent = f"/v3/pay/transactions/out-trade-no/V3T%7C0000013?mchid={DEMO_MCH_ID}"
    header = build_authorization(
        "GET",
        sent.replace("%7C", "|"),
        b"",
        mchid=DEMO_MCH_ID,
        serial_no=keys["merchant_serial"],
        private_key=load_private_key(keys["merchant_private_key"]),
        timestamp=int(time.time()),
    )
    async with client.session.get(f"{client.url}{sent}", headers={"Authorization": header}) as response:
        assert response.status == 401 and "v3.accept_decoded_url" in response.headers["X-Mockwx-Hint"]
    (problem,) = await client.problems()
    assert problem["error"]["diagnosis"]["mistakes"] == ["v3_url_decoded"]
    await client.control("PATCH", "/settings", {"v3": {"accept_decoded_url": True}})
    async with client.session.get(f"{client.url}{sent}", headers={"Authorization": header}) as response:
        assert (response.status, (await response.json())["code"]) == (404, "ORDER_NOT_EXIST")  # authenticated
    other = header.replace('nonce_str="', 'nonce_str="X')  # a signature over neither form is still refused
    async with client.session.get(f"{client.url}{sent}", headers={"Authorization": other}) as response:
        assert response.status == 401


async def test_request_ids_end_in_wechats_result_number(client):
    """Request-ID is "<hex>-<number>": 0 for a success, WeChat's internal number for an error (v3.md 2.1,
    9.2; issue 9 review, item 11); errors after authentication are signed, 401s are not (item 10)."""
    ok = await client.v3("GET", "/v3/certificates")
    missing = await client.v3("GET", f"/v3/pay/transactions/out-trade-no/NOSUCHORDER1?mchid={DEMO_MCH_ID}")
    undefined = await client.v3("POST", JSAPI, {**(await order_body(client, "V3T0000000014")), "coupon": "x"})
    async with client.session.get(f"{client.url}/v3/certificates") as unsigned:
        assert unsigned.status == 401 and "Wechatpay-Signature" not in unsigned.headers
        assert unsigned.headers["Request-ID"].endswith("-268443699")
    assert ok.headers["Request-ID"].endswith("-0")
    assert missing.headers["Request-ID"].endswith("-268512771")
    assert undefined.headers["Request-ID"].endswith("-270924358")
    for answer in (missing, undefined):
        verify_response(answer.headers, answer.body, verifier(await client.v3_keys()))


async def test_an_internal_error_after_authentication_is_signed(client, mock, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a mockwx bug")

    monkeypatch.setattr(mock.backend.orders, "find", broken)
    answer = await client.v3("GET", f"/v3/pay/transactions/out-trade-no/NOSUCHORDER1?mchid={DEMO_MCH_ID}")
    assert (answer.status, answer.json["code"]) == (500, "SYSTEM_ERROR")
    verify_response(answer.headers, answer.body, verifier(await client.v3_keys()))  # signed, as WeChat's 5xx


async def test_the_log_says_a_v3_status_once(client, caplog):
    body = await order_body(client, "V3T0000000015")
    body["amount"]["total"] = 0
    with caplog.at_level("INFO", logger="mockwx.http"):
        assert (await client.v3("POST", JSAPI, body)).status == 400
        assert (await client.v3("GET", "/v3/certificates")).status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "mockwx.http"]
    assert any(f"POST {JSAPI} -> 400 PARAM_ERROR: amount/total is 0" in line for line in lines), lines
    assert any(line.startswith("GET /v3/certificates -> 200 (") for line in lines), lines
    assert not any("400 400" in line or "200 200" in line for line in lines), lines


async def test_paths_methods_and_not_mocked_answers(client):
    """Item 19 of the issue 9 review: a value in the path is checked like one in the body; a mocked path
    called with another method says which one it takes; v3's own answers are compact JSON."""
    long = await client.v3("GET", f"/v3/pay/transactions/out-trade-no/{'A' * 300}?mchid={DEMO_MCH_ID}")
    assert (long.status, long.json["code"]) == (400, "PARAM_ERROR")
    assert long.json["message"] == "输入源“/path/out_trade_no”映射到字段“商户订单号”长度规则校验失败，长度超过最大值 32"
    refund = await client.v3("GET", f"/v3/refund/domestic/refunds/{'R' * 65}")
    assert (refund.status, refund.json["code"]) == (400, "PARAM_ERROR") and "/path/out_refund_no" in refund.json[
        "message"
    ]
    get = await client.v3("GET", JSAPI)
    assert (get.status, get.headers["Allow"], get.json["code"]) == (405, "POST", "METHOD_NOT_ALLOWED")
    assert get.json["message"] == f"mockwx mocks {JSAPI} with POST only, not GET"
    post = await client.v3("POST", "/v3/pay/transactions/out-trade-no/NOSUCHORDER1", {})
    assert (post.status, post.headers["Allow"]) == (405, "GET")
    unknown = await client.v3("GET", "/v3/marketing/favor/stocks")
    assert unknown.status == 501 and unknown.json["code"] == "NOT_MOCKED"
    for answer in (get, unknown, long):
        assert b'", "' not in answer.body and b'": ' not in answer.body  # compact, as WeChat writes JSON


async def test_a_malformed_time_or_date_is_a_format_param_error(client):
    """time_expire in the body and bill_date in the query break their format as WeChat words it."""
    body = await order_body(client, "V3T0000000016")
    late = await client.v3("POST", JSAPI, {**body, "time_expire": "2026-11-27 10:00:00"})
    assert (late.status, late.json["code"], late.json["detail"]) == (
        400,
        "PARAM_ERROR",
        {"location": "body", "value": "2026-11-27 10:00:00"},
    )
    assert late.json["message"] == "输入源“/body/time_expire”映射到字段“交易结束时间”格式规则校验失败，值不符合格式要求"
    day = await client.v3("GET", "/v3/bill/tradebill?bill_date=20261127")
    assert (day.status, day.json["detail"]) == (400, {"location": "query", "value": "20261127"})
    assert day.json["message"] == "输入源“/query/bill_date”映射到字段“账单日期”格式规则校验失败，值不符合格式要求"
    assert "expected yyyy-MM-dd" in day.headers["X-Mockwx-Hint"]
