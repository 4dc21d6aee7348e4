"""Open data and the phone number, checked by an independent implementation: wechatpy 1.8.18, unchanged.

wechatpy's WeChatWxaCrypto opens what the phone hands the mini program (the profile, the older phone
encryptedData) with the session_key its own code_to_session got; its client exchanges the phone
button's code, and on 40014 / 40001 / 42001 fetches a new access_token by itself and retries, as
it does against WeChat. wechatpy is synchronous (requests), so the mock runs on its own thread.
"""

from __future__ import annotations

import json

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import InvalidAppIdException, WeChatClientException

from mockwx.config import DEMO_APPID, DEMO_SECRET
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer
from mockwx.wire import raw_data_signature


@pytest.fixture
def server():
    with MockServer.threaded() as mock:
        yield mock


@pytest.fixture
def control(server):
    client = MockClient(server.url)
    yield lambda method, path, body=None: server.run(client.control(method, path, body))
    server.run(client.close())


class LocalWeChatClient(WeChatClient):
    """wechatpy's client with one change: its token URL (hard-coded to api.weixin.qq.com) names the mock."""

    mock_url = ""

    def fetch_access_token(self):
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        return self._fetch_access_token(url=self.mock_url + "/cgi-bin/token", params=params)


class NoInternet(requests.adapters.BaseAdapter):
    """Nothing in the tests may leave this machine: any https:// call fails here, loudly."""

    def send(self, request, **kwargs):
        raise AssertionError(f"a test tried to reach {request.url}")

    def close(self):
        pass


def wechat(server, access_token="stale-token-from-yesterday") -> WeChatClient:
    client = LocalWeChatClient(DEMO_APPID, DEMO_SECRET, access_token=access_token)
    client.mock_url = server.url
    client.API_BASE_URL = server.url + "/"
    client.wxa.API_BASE_URL = server.url + "/"
    client._http.mount("https://", NoInternet())
    return client


def session_key(server, control, user: str) -> str:
    code = control("POST", "/login", {"user": user})["code"]
    return wechat(server).wxa.code_to_session(code)["session_key"]


@pytest.mark.parametrize(("api", "mode"), [("getUserProfile", "anonymous"), ("getUserInfo", "real")])
def test_wechatpy_opens_the_profile_and_its_signature_holds(server, control, api, mode):
    key = session_key(server, control, "alice")
    given = control("POST", "/wx/profile", {"user": "alice", "api": api, "mode": mode})
    opened = WeChatWxaCrypto(key, given["iv"], DEMO_APPID).decrypt_message(given["encryptedData"])
    assert opened["watermark"]["appid"] == DEMO_APPID
    public = json.loads(given["rawData"])
    assert {k: opened[k] for k in public} == public
    assert given["signature"] == raw_data_signature(given["rawData"], key)
    if api == "getUserInfo":
        assert opened["openId"] == control("POST", "/login", {"user": "alice"})["openid"]
    else:
        assert "openId" not in opened and given["userInfo"]["is_demote"] is True
        assert public["nickName"] == "微信用户"
    with pytest.raises(InvalidAppIdException):
        WeChatWxaCrypto(key, given["iv"], "wx0000000000000000").decrypt_message(given["encryptedData"])


def test_wechatpy_opens_the_older_phone_encrypted_data_and_exchanges_the_code(server, control):
    key = session_key(server, control, "bob")
    button = control("POST", "/wx/phone", {"user": "bob"})
    legacy = WeChatWxaCrypto(key, button["iv"], DEMO_APPID).decrypt_message(button["encryptedData"])
    assert legacy["countryCode"] == "86" and legacy["purePhoneNumber"] == legacy["phoneNumber"]

    client = wechat(server)  # its token is stale: 40014, a new token from /cgi-bin/token, the same call again
    answer = client.post("wxa/business/getuserphonenumber", data={"code": button["code"]})
    assert answer["errcode"] == 0
    assert answer["phone_info"]["phoneNumber"] == legacy["phoneNumber"]
    assert answer["phone_info"]["countryCode"] == 86
    journal = [e["api"] for e in control("GET", "/requests")["requests"]]
    assert journal[-3:] == ["getuserphonenumber", "token", "getuserphonenumber"]

    with pytest.raises(WeChatClientException) as caught:  # a phone code works once
        client.post("wxa/business/getuserphonenumber", data={"code": button["code"]})
    assert caught.value.errcode == 40029


def test_the_answer_has_the_shape_of_wechatpys_own_fixture(server, control):
    """wechatpy's tests/fixtures/wxa_business_getuserphonenumber.json (repository master), as data."""
    fixture = {
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": "13123456789",
            "purePhoneNumber": "13123456789",
            "countryCode": 86,
            "watermark": {"timestamp": 1637744274, "appid": ""},
        },
    }
    code = control("POST", "/wx/phone", {"user": "carol"})["code"]
    answer = wechat(server).post("wxa/business/getuserphonenumber", data={"code": code})

    def shape(value):
        return {k: shape(v) for k, v in value.items()} if isinstance(value, dict) else type(value).__name__

    assert shape(answer) == shape(fixture)
