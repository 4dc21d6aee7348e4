"""The reference merchant's open-data and phone-number endpoints against the mock: it believes the
profile only as far as the session_key proves it, and gets the phone number from WeChat with a
shared stable access_token that it renews when WeChat calls it stale."""

from __future__ import annotations

import json

import pytest


async def profile(client, user="alice", api="getUserProfile", mode="anonymous"):
    return await client.control("POST", "/wx/profile", {"user": user, "api": api, "mode": mode})


def sent(given):
    return {k: given[k] for k in ("rawData", "signature", "encryptedData", "iv")}


@pytest.mark.parametrize("mode", ["anonymous", "real"])
async def test_the_profile_is_verified_and_decrypted_with_the_servers_session_key(shop, client, token, mode):
    given = await profile(client, mode=mode)
    status, body = await shop.call("POST", "/api/profile", token=token, json=sent(given))
    assert status == 200, body
    assert body["verified"] is True
    assert body["profile"]["nickName"] == ("微信用户" if mode == "anonymous" else "alice")
    assert body["watermark"]["appid"] == "wxd930ea5d5a258f4f"


async def test_a_changed_raw_data_or_someone_elses_data_is_refused(shop, client, token):
    given = await profile(client, mode="real")
    forged = dict(sent(given), rawData=given["rawData"].replace('"alice"', '"admin"'))
    status, body = await shop.call("POST", "/api/profile", token=token, json=forged)
    assert (status, body["code"]) == (400, "BAD_SIGNATURE")
    bobs = await profile(client, user="bob", mode="real")  # signed and sealed with bob's session_key
    status, body = await shop.call("POST", "/api/profile", token=token, json=sent(bobs))
    assert (status, body["code"]) == (400, "BAD_SIGNATURE")


async def test_the_client_s_user_info_is_never_believed(shop, client, token):
    given = await profile(client, mode="anonymous")
    body = {**sent(given), "userInfo": {"nickName": "admin", "isVip": True}}
    status, answer = await shop.call("POST", "/api/profile", token=token, json=body)
    assert status == 200 and answer["profile"]["nickName"] == "微信用户" and "isVip" not in json.dumps(answer)


async def test_data_made_before_a_new_session_key_asks_for_a_new_login(shop, client, token):
    given = await profile(client, mode="real")
    await client.control("POST", "/wx/session/expire", {"user": "alice"})
    fresh = await shop.login(client, "alice")  # the next wx.login brings a new session_key
    status, body = await shop.call("POST", "/api/profile", token=fresh, json=sent(given))
    assert (status, body["code"]) == (400, "BAD_SIGNATURE")
    assert "wx.login" in body["error"]


async def test_the_phone_number_by_code_with_one_shared_token(shop, client, token):
    first = await client.control("POST", "/wx/phone", {"user": "alice"})
    status, body = await shop.call("POST", "/api/phone", token=token, json={"code": first["code"]})
    assert status == 200, body
    assert body["phoneNumber"] == first["phoneNumber"] and body["countryCode"] == 86 and body["source"] == "code"
    second = await client.control("POST", "/wx/phone", {"user": "alice"})
    status, _ = await shop.call("POST", "/api/phone", token=token, json={"code": second["code"]})
    assert status == 200
    apis = [e["api"] for e in await client.requests()]
    assert apis.count("stable_token") == 1 and apis.count("getuserphonenumber") == 2
    status, body = await shop.call("POST", "/api/phone", token=token, json={"code": first["code"]})
    assert (status, body["code"], body["wechat_errcode"]) == (400, "PHONE_CODE_INVALID", 40029)


async def test_a_token_retired_elsewhere_is_renewed_and_the_call_made_again(shop, client, token):
    button = await client.control("POST", "/wx/phone", {"user": "alice"})
    status, _ = await shop.call("POST", "/api/phone", token=token, json={"code": button["code"]})
    assert status == 200
    # another process of the same account forces a refresh: the merchant's cached token is now stale
    await shop.http.post(
        f"{client.url}/cgi-bin/stable_token",
        json={
            "grant_type": "client_credential",
            "appid": shop.config.appid,
            "secret": shop.config.app_secret,
            "force_refresh": True,
        },
    )
    button = await client.control("POST", "/wx/phone", {"user": "alice"})
    status, body = await shop.call("POST", "/api/phone", token=token, json={"code": button["code"]})
    assert status == 200, body
    outcomes = [(e["api"], e["outcome"]) for e in await client.requests()][-3:]
    assert outcomes == [("getuserphonenumber", "errcode 40001"), ("stable_token", "ok"), ("getuserphonenumber", "ok")]


async def test_the_older_phone_encrypted_data(shop, client, token):
    button = await client.control("POST", "/wx/phone", {"user": "alice"})
    body = {"encryptedData": button["encryptedData"], "iv": button["iv"]}
    status, answer = await shop.call("POST", "/api/phone", token=token, json=body)
    assert status == 200 and answer["phoneNumber"] == button["phoneNumber"] and answer["countryCode"] == "86"
    status, answer = await shop.call("POST", "/api/phone", token=token, json={**body, "iv": "AAAA"})
    assert (status, answer["code"]) == (400, "BAD_ENCRYPTED_DATA")


@pytest.mark.parametrize(
    "body", [{}, {"rawData": "x"}, {"rawData": 1, "signature": "s", "encryptedData": "e", "iv": "i"}]
)
async def test_incomplete_profile_calls_are_400s_that_say_what_is_missing(shop, token, body):
    status, answer = await shop.call("POST", "/api/profile", token=token, json=body)
    assert status == 400 and answer["code"].startswith("BAD_")


async def test_profile_and_phone_need_a_logged_in_user(shop):
    for path in ("/api/profile", "/api/phone"):
        status, answer = await shop.call("POST", path, json={"code": "x"})
        assert (status, answer["code"]) == (401, "NO_TOKEN")
